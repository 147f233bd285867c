"""The command line (``backend --help``), one module per concern: :mod:`.wallet`, :mod:`.actions`
(signed actions, trades, consents, CSV batches), :mod:`.operations` (authority transactions),
:mod:`.indexer`, :mod:`.oracle`; :mod:`.batch` is the one CSV-batch runner, :mod:`.context` the
settings and the service's API they share, :mod:`.app` the group that gathers them."""

from backend.cli.app import main
from backend.cli.context import CliContext

__all__ = ["CliContext", "main"]
