"""Dependencies shared by the routes, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from backend.chain.client import Chain
from backend.chain.relayer import Relayer
from backend.core.config import Settings
from backend.indexer.decode import EventDecoder
from backend.services.actions import ActionPolicy, ActionRegistry


def _chain(request: Request) -> Chain:
    return request.app.state.chain


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _relayer(request: Request) -> Relayer:
    return request.app.state.relayer


def _actions(request: Request) -> ActionRegistry:
    return request.app.state.actions


def _events(request: Request) -> EventDecoder:
    return request.app.state.events


def _engine(request: Request) -> Engine:
    return request.app.state.engine


def _policy(request: Request) -> ActionPolicy:
    settings: Settings = request.app.state.settings
    return ActionPolicy(
        ttl_seconds=settings.action_ttl_seconds,
        max_ttl_seconds=settings.action_max_ttl_seconds,
        min_margin_seconds=settings.action_min_margin_seconds,
    )


ChainDep = Annotated[Chain, Depends(_chain)]
SettingsDep = Annotated[Settings, Depends(_settings)]
RelayerDep = Annotated[Relayer, Depends(_relayer)]
ActionsDep = Annotated[ActionRegistry, Depends(_actions)]
EventsDep = Annotated[EventDecoder, Depends(_events)]
EngineDep = Annotated[Engine, Depends(_engine)]
PolicyDep = Annotated[ActionPolicy, Depends(_policy)]
