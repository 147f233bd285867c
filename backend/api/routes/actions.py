"""Signed actions: ``POST /actions/{action}/prepare`` and ``POST /actions/{action}/submit``.

One pair of routes per registered action, generated from the action registry so each
action's request body is documented in the OpenAPI schema. The flow is the same for every
action (backend/services/actions/): prepare → sign in the actor's own wallet → submit.
"""

# No ``from __future__ import annotations`` here: FastAPI must see the generated body models.

from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from backend.api.deps import (
    ActionsDep,
    ChainDep,
    EventsDep,
    PolicyDep,
    PrepareLimit,
    RelayerDep,
    SubmitLimit,
)
from backend.api.errors import ERROR_RESPONSES
from backend.chain.errors import ServiceError
from backend.services.actions import pipeline as service
from backend.services.actions.spec import ActionRegistry, ActionSpec
from backend.services.fields import Uint256

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=128,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="retrying a request with the same key returns the first result",
    ),
]


class TypedField(BaseModel):
    name: str
    type: str


class TypedDataIn(BaseModel):
    """EIP-712 typed data, as ``prepare`` returned it and the wallet signed it."""

    model_config = ConfigDict(populate_by_name=True)

    types: dict[str, list[TypedField]]
    primary_type: str = Field(alias="primaryType")
    domain: dict[str, Any]
    message: dict[str, Any]


class PermitIn(BaseModel):
    """The signer's ERC-2612 permit for what the action pays, as ``prepare`` offered it."""

    model_config = ConfigDict(extra="forbid")

    typed_data: dict[str, Any]
    signature: str = Field(description="65-byte signature r‖s‖v, 0x-hex")


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: str | None = Field(
        default=None, description="optional; if given, must be this route's action"
    )
    typed_data: TypedDataIn
    signature: str = Field(description="65-byte signature r‖s‖v, 0x-hex", examples=["0x…"])
    permit: PermitIn | None = Field(
        default=None, description="with a paying action whose prepare returned a permit"
    )


class PaymentOut(BaseModel):
    token: str
    spender: str = Field(description="the action's contract, which draws the money")
    amount_fen: int
    allowance_fen: int
    balance_fen: int
    permit_required: bool = Field(description="sign `permit` too and submit it with the action")


class PreparedOut(BaseModel):
    action: str
    signer: str = Field(description="the account that must sign")
    nonce: int
    deadline: int = Field(description="unix seconds; the contract refuses the action after it")
    typed_data: dict[str, Any] = Field(description="pass to eth_signTypedData_v4 as is")
    digest: str = Field(description="EIP-712 hash, for signers that sign a hash")
    domain_separator: str
    payment: PaymentOut | None = Field(default=None, description="what the action pays")
    permit: dict[str, Any] | None = Field(
        default=None, description="ERC-2612 permit typed data to sign with the action, if needed"
    )


class EventOut(BaseModel):
    contract: str
    event: str
    args: dict[str, Any]
    log_index: int


class SubmittedOut(BaseModel):
    action: str
    signer: str
    nonce: int
    tx_hash: str
    block_number: int
    block_hash: str
    gas_used: int
    events: list[EventOut]
    replayed: bool = Field(description="true when this answers a retry of an earlier request")
    permit_tx_hash: str | None = Field(default=None, description="the relayed permit, if any")


class ActionOut(BaseModel):
    name: str
    summary: str
    contract: str
    function: str
    primary_type: str
    fields: list[TypedField] = Field(description="the struct a signer signs")
    precheck: str | None
    reasons: list[str]


def build_router(registry: ActionRegistry) -> APIRouter:
    """The routes of every action in ``registry``."""
    router = APIRouter(prefix="/actions", tags=["actions"])

    @router.get(
        "",
        response_model=list[ActionOut],
        summary="The signable actions of this deployment",
        description="Only actions whose contract is deployed are listed: each one listed can be "
        "prepared and submitted.",
    )
    def list_actions(chain: ChainDep, actions: ActionsDep) -> list[ActionOut]:
        out = []
        for spec in actions:
            if spec.contract not in chain.deployment.contracts:
                continue
            fields = actions.bind(chain, spec.name).fields
            out.append(
                ActionOut(
                    name=spec.name,
                    summary=spec.summary,
                    contract=spec.contract,
                    function=spec.function,
                    primary_type=spec.struct_name,
                    fields=[TypedField(name=n, type=t) for n, t in fields],
                    precheck=spec.pre_check.function if spec.pre_check else None,
                    reasons=list(spec.reasons),
                )
            )
        return out

    for spec in registry:
        _add_action(router, spec)

    @router.post("/{name}/prepare", include_in_schema=False)
    @router.post("/{name}/submit", include_in_schema=False)
    def unknown_action(name: str) -> None:
        raise ServiceError("ActionUnknown", f"no action named {name!r}; see GET /api/v1/actions")

    return router


def _answer(model: BaseModel) -> Response:
    """The model as FastAPI would answer it (the route's ``response_model`` keeps the docs),
    without its second validation of the answer, which a sync route runs in a worker thread:
    a hand-off per order (docs/benchmarks.md)."""
    return JSONResponse(model.model_dump(mode="json"))


def _add_action(router: APIRouter, spec: ActionSpec) -> None:
    prepare_model: Any = create_model(
        f"{spec.struct_name}Prepare",
        __base__=spec.body,
        deadline=(
            Uint256 | None,
            Field(default=None, description="unix seconds; default: now + DRR_ACTION_TTL_SECONDS"),
        ),
    )

    def prepare(
        body: prepare_model,
        chain: ChainDep,
        actions: ActionsDep,
        policy: PolicyDep,
        admit: PrepareLimit,
    ) -> Response:
        fields = spec.body.model_validate(body.model_dump(by_alias=True, exclude={"deadline"}))
        admit(str(fields.model_dump(by_alias=True)[spec.signer_field]))
        prepared = service.prepare_action(
            chain=chain,
            actions=actions,
            name=spec.name,
            body=fields,
            deadline=body.deadline,
            policy=policy,
        )
        return _answer(PreparedOut(**vars(prepared)))

    def submit(
        body: SubmitIn,
        chain: ChainDep,
        actions: ActionsDep,
        relayer: RelayerDep,
        events: EventsDep,
        policy: PolicyDep,
        admit: SubmitLimit,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        if body.action is not None and body.action != spec.name:
            raise ServiceError("TypedDataMismatch", f"the envelope is for {body.action!r}")
        submitted = service.submit_action(
            chain=chain,
            actions=actions,
            relayer=relayer,
            events=events,
            name=spec.name,
            data=body.typed_data.model_dump(by_alias=True),
            signature=body.signature,
            idempotency_key=idempotency_key,
            policy=policy,
            permit=body.permit.model_dump() if body.permit else None,
            admit=admit,
        )
        return _answer(SubmittedOut(**vars(submitted)))

    router.add_api_route(
        f"/{spec.name}/prepare",
        prepare,
        methods=["POST"],
        response_model=PreparedOut,
        summary=f"{spec.summary}: typed data to sign",
        description=(spec.body.__doc__ or "") + f"\n\nSigner: `{spec.signer_field}`.",
        responses=ERROR_RESPONSES,
        operation_id=f"prepare_{spec.name.replace('-', '_')}",
    )
    router.add_api_route(
        f"/{spec.name}/submit",
        submit,
        methods=["POST"],
        response_model=SubmittedOut,
        summary=f"{spec.summary}: relay the signed action",
        responses=ERROR_RESPONSES,
        operation_id=f"submit_{spec.name.replace('-', '_')}",
    )
