"""The service: REST API under ``/api/v1`` and the public explorer under ``/``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend.api.routes import accounts, oracle, system
from backend.chain.client import Chain
from backend.chain.deployment import Deployment
from backend.core.config import Settings, get_settings
from backend.explorer import pages


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; the lifespan opens the chain connection it shares."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        deployment = Deployment.load(settings.deployment_file)
        app.state.chain = Chain.connect(settings.rpc_url, deployment)
        yield

    app = FastAPI(
        title="Discharge Rights Registry API",
        version="1",
        description="Registry and exchange of discharge rights (排污权有偿使用和交易).",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.include_router(system.router, prefix="/api/v1")
    app.include_router(accounts.router, prefix="/api/v1")
    app.include_router(oracle.router, prefix="/api/v1")
    app.include_router(pages.router)
    return app
