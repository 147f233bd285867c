"""Every route of the API in one list: the router ``backend/main.py`` mounts under ``/api/v1``.

One router per concern (``backend/api/routes/<concern>.py``); the authority operations' routers
are built from the service's one registry of operations, one per concern
(``backend/api/routes/operations.py``), and the signed actions' from the registry of actions
(``backend/api/routes/actions.py``).
"""

from __future__ import annotations

from fastapi import APIRouter

from backend.api.routes import (
    accounts,
    actions,
    council,
    lifecycle,
    money,
    operations,
    oracle,
    public,
    system,
    trades,
    tx,
    validators,
    writer,
)
from backend.services.actions.spec import ActionRegistry
from backend.services.operations import OperationRegistry


def api_router(
    actions_registry: ActionRegistry, operations_registry: OperationRegistry
) -> APIRouter:
    """The API's routes, in the order the OpenAPI document lists them."""
    api = APIRouter()
    routers = [
        system.router,
        accounts.router,
        oracle.router,
        actions.build_router(actions_registry),
        tx.router,
        trades.router,
        public.router,
        writer.router,
        operations.router,
        validators.router,
        money.router,
        *operations.concern_routers(
            operations_registry, {"lifecycle": lifecycle.router, "council": council.router}
        ),
    ]
    for router in routers:
        api.include_router(router)
    return api
