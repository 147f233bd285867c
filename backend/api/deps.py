"""Dependencies shared by the routes, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from backend.chain.client import Chain
from backend.core.config import Settings


def _chain(request: Request) -> Chain:
    return request.app.state.chain


def _settings(request: Request) -> Settings:
    return request.app.state.settings


ChainDep = Annotated[Chain, Depends(_chain)]
SettingsDep = Annotated[Settings, Depends(_settings)]
