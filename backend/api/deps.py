"""Dependencies shared by the routes, as ``Annotated`` aliases.

Each reads the application's state and nothing else, so each is ``async``: FastAPI runs a plain
``def`` dependency in its worker threads, a hand-off per dependency and request (several per
signed order) that costs more than the dependency itself (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from backend.chain.client import Chain
from backend.chain.relayer import Relayer
from backend.core.config import Settings
from backend.indexer.decode import EventDecoder
from backend.services.actions.pipeline import ActionPolicy
from backend.services.actions.spec import ActionRegistry
from backend.services.operations import OperationRegistry


async def _chain(request: Request) -> Chain:
    return request.app.state.chain


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _relayer(request: Request) -> Relayer:
    return request.app.state.relayer


async def _actions(request: Request) -> ActionRegistry:
    return request.app.state.actions


async def _operations(request: Request) -> OperationRegistry:
    return request.app.state.operations


async def _events(request: Request) -> EventDecoder:
    return request.app.state.events


async def _engine(request: Request) -> Engine:
    return request.app.state.engine


async def _policy(request: Request) -> ActionPolicy:
    settings: Settings = request.app.state.settings
    return ActionPolicy(
        ttl_seconds=settings.action_ttl_seconds,
        max_ttl_seconds=settings.action_max_ttl_seconds,
        min_margin_seconds=settings.action_min_margin_seconds,
    )


Admit = Callable[[str], None]


def _no_limit(_signer: str) -> None:
    return None


def signer_limit(request: Request, kind: str) -> Admit:
    """The per-signer rate limit of ``kind`` (prepare or submit): call it with the signer's
    address; ``429 RateLimited`` with Retry-After when over (backend/api/guard.py)."""
    limits = getattr(request.app.state, "signer_limits", None)
    if not limits:
        return _no_limit
    limiter = limits[kind]
    return lambda signer: limiter.admit(signer.lower(), f"{kind}s of signer {signer}")


async def _prepare_limit(request: Request) -> Admit:
    return signer_limit(request, "prepare")


async def _submit_limit(request: Request) -> Admit:
    return signer_limit(request, "submit")


ChainDep = Annotated[Chain, Depends(_chain)]
OperationsDep = Annotated[OperationRegistry, Depends(_operations)]
PrepareLimit = Annotated[Admit, Depends(_prepare_limit)]
SubmitLimit = Annotated[Admit, Depends(_submit_limit)]
SettingsDep = Annotated[Settings, Depends(_settings)]
RelayerDep = Annotated[Relayer, Depends(_relayer)]
ActionsDep = Annotated[ActionRegistry, Depends(_actions)]
EventsDep = Annotated[EventDecoder, Depends(_events)]
EngineDep = Annotated[Engine, Depends(_engine)]
PolicyDep = Annotated[ActionPolicy, Depends(_policy)]
