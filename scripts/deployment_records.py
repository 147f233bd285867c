"""Brownie keeps no deployment records of its own on a live network; the project's record is
``deployments/*.json`` (``scripts/deploy.py``), which the service, the indexer and the CLI read.

On a network with a chain id (the local validator network, any production network) Brownie 1.22.2
records every contract it deploys or attaches to twice:

- in its deployments database in the user's home (``~/.brownie/deployments.db``). Its
  mypyc-compiled ``state.py`` enforces a ``dict`` annotation there and dies on every contract of
  a project (``TypeError: dict object expected; got brownie.project.sources.Sources``): the first
  ``Contract.at`` of a deploy script fails, and the same write fails in the background thread of
  every ``deploy``;
- as artifacts in ``build/deployments/<chain id>/``, which it reloads at the next connection to
  that chain id: a run would then depend on what an earlier run left there.

Both are turned off here, so a deployment reads and writes nothing but the chain and the
project's own record. Development networks (anvil) keep no records either way.
"""

from __future__ import annotations

import brownie.network.contract as brownie_contract
from brownie.network.contract import ProjectContract

_PATCHED = "_drr_no_records"


def _no_deployment_record(*_args: object, **_kwargs: object) -> None:
    """In place of Brownie's ``state._add_deployment`` (the home database)."""


def _no_artifact_path(self: ProjectContract) -> None:
    """In place of ``ProjectContract._deployment_path``: no ``build/deployments/`` artifact."""


def keep_no_brownie_records() -> None:
    """Turn Brownie's own deployment records off (once per process; see the module docstring)."""
    if getattr(brownie_contract._add_deployment, _PATCHED, False):
        return
    setattr(_no_deployment_record, _PATCHED, True)
    brownie_contract._add_deployment = _no_deployment_record
    ProjectContract._deployment_path = _no_artifact_path
