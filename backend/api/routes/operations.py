"""Authority operations over HTTP: one router per concern, each operation one documented route.

``POST /api/v1/<concern>/<operation>`` validates the body, simulates the call from ``sender``
and returns the unsigned transaction; the authority signs it in its own wallet and posts it
to ``POST /api/v1/tx/raw`` (backend/services/operations.py). ``GET /api/v1/operations`` lists
them all. The routers are built from the service's one registry
(backend/services/operation_catalogue.py) when the app is created (:func:`concern_routers`).
"""

# No ``from __future__ import annotations`` here: FastAPI must see the body models.

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, OperationsDep, SettingsDep
from backend.api.errors import ERROR_RESPONSES
from backend.services import operations as service
from backend.services.operation_catalogue import CONCERNS


class UnsignedTxOut(BaseModel):
    operation: str
    contract: str
    function: str = Field(description="the function's signature")
    sender: str = Field(description="the account that must sign and send")
    summary: str = Field(description="what the transaction does, readably")
    args: dict[str, Any] = Field(description="the call's arguments by name")
    returns: Any = Field(description="what the simulated call returned (e.g. a new id)")
    transaction: dict[str, Any] = Field(
        description="sign as is (without `from`), then POST the raw bytes to /api/v1/tx/raw"
    )
    submit: str = "POST /api/v1/tx/raw"


class OperationOut(BaseModel):
    name: str
    concern: str
    path: str
    summary: str
    role: str
    rules: list[str]
    contract: str | None
    function: str
    fields: dict[str, Any] = Field(description="JSON schema of the request body")


def concern_routers(
    operations: service.OperationRegistry, extra: Mapping[str, APIRouter]
) -> list[APIRouter]:
    """One router per concern (in the order of ``CONCERNS``): ``/<concern>/<operation>`` for
    each of its operations, then the concern's ``extra`` routes (e.g. the council's proposals)."""
    routers = []
    for concern in [c for c in CONCERNS if operations.concern(c)]:
        router = APIRouter(prefix=f"/{concern}", tags=[f"{concern}: {CONCERNS[concern]}"])
        for operation in operations.concern(concern):
            _add(router, operation)
        if concern in extra:
            router.include_router(extra[concern])
        routers.append(router)
    return routers


def _add(router: APIRouter, operation: service.Operation) -> None:
    body_model: Any = operation.body

    def build(body: body_model, chain: ChainDep, settings: SettingsDep) -> UnsignedTxOut:
        built = service.build_transaction(
            chain=chain,
            operation=operation,
            body=body,
            priority_fee_wei=settings.relayer_priority_fee_wei,
        )
        return UnsignedTxOut(**vars(built))

    rules = f" ({', '.join(operation.rules)})" if operation.rules else ""
    router.add_api_route(
        f"/{operation.name}",
        build,
        methods=["POST"],
        response_model=UnsignedTxOut,
        summary=f"{operation.summary}: unsigned transaction",
        description=(operation.body.__doc__ or "")
        + f"\n\nWho: {operation.role}{rules}. Sign the returned transaction and post it to "
        "`/api/v1/tx/raw`.",
        responses=ERROR_RESPONSES,
        operation_id=f"build_{operation.name.replace('-', '_')}",
    )


router = APIRouter(tags=["operations"])


@router.get("/operations", response_model=list[OperationOut], summary="Authority operations")
def list_operations(operations: OperationsDep) -> list[OperationOut]:
    """Every operation an authority can build a transaction for, with its body's schema."""
    return [
        OperationOut(
            name=op.name,
            concern=op.concern,
            path=f"/api/v1{op.path}",
            summary=op.summary,
            role=op.role,
            rules=list(op.rules),
            contract=None if callable(op.contract) else op.contract,
            function=op.function,
            fields=op.body.model_json_schema(by_alias=True),
        )
        for op in operations
    ]
