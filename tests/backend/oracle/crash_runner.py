"""Post the stored figures and die at a chosen point, as a crash would (used by test_crash.py).

    python -m tests.backend.oracle.crash_runner PARTY before_send|after_send N

Settings come from the environment (``DRR_*``). The process kills itself with SIGKILL on the
N-th posting, at the chosen point: no clean-up, no ``finally``, no further commit.
"""

from __future__ import annotations

import os
import signal
import sys

from backend.chain.client import Chain
from backend.chain.deployment import Deployment
from backend.core.config import get_settings
from backend.oracle.contract import OracleContract
from backend.oracle.keys import dev_signer
from backend.oracle.poster import Hooks, Poster
from backend.oracle.store import PostingRow
from backend.oracle.wiring import context_from


def main(party: str, point: str, crash_at: int) -> None:
    settings = get_settings()
    chain = Chain.connect(settings.rpc_url, Deployment.load(settings.deployment_file))
    ctx = context_from(settings, chain)
    seen = 0

    def hook(_posting: PostingRow) -> None:
        nonlocal seen
        seen += 1
        if seen == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)

    poster = Poster(
        store=ctx.store,
        oracle=OracleContract(chain),
        signer=dev_signer(party, chain.w3.eth.chain_id),
        hooks=Hooks(**{point: hook}),
    )
    poster.post()
    sys.exit(3)  # not reached when the crash point is


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
