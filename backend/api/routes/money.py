"""Money for companies without the chain's native coin: a deposit into the trading account by
a signed ERC-2612 permit, and the keeper that sends the acts anyone may take once their time
has come (backend/services/money.py). Withdrawals and redemptions are signed actions
(``/actions/withdraw``, ``/actions/redeem``)."""

# No ``from __future__ import annotations`` here: FastAPI must see the body models.

from typing import Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import ChainDep, EventsDep, OperationsDep, PolicyDep, RelayerDep
from backend.api.errors import ERROR_RESPONSES
from backend.api.routes.actions import EventOut, IdempotencyKey
from backend.services import money as service
from backend.services.fields import Address, Fen, Uint256

router = APIRouter(tags=["money: deposits by permit, the keeper"])


class DepositIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    account: Address = Field(description="the signer: its wallet pays, its trading account gets")
    amount_fen: Fen = Field(alias="amountFen")
    deadline: Uint256 | None = None


class DepositPreparedOut(BaseModel):
    signer: str
    amount_fen: int
    deadline: int
    typed_data: dict[str, Any] = Field(description="the ERC-2612 Permit: eth_signTypedData_v4")


class SignedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    typed_data: dict[str, Any]
    signature: str


class RelayedOut(BaseModel):
    tx_hash: str
    block_number: int
    gas_used: int
    events: list[EventOut]
    replayed: bool


@router.post(
    "/money/deposit/prepare",
    response_model=DepositPreparedOut,
    responses=ERROR_RESPONSES,
    summary="Deposit into the trading account: the permit to sign (入金至交易账户, R-16)",
)
def prepare_deposit(body: DepositIn, chain: ChainDep, policy: PolicyDep) -> DepositPreparedOut:
    prepared = service.prepare_deposit(
        chain=chain,
        account=body.account,
        amount_fen=body.amount_fen,
        deadline=body.deadline,
        policy=policy,
    )
    return DepositPreparedOut(**prepared)


@router.post(
    "/money/deposit/submit",
    response_model=RelayedOut,
    responses=ERROR_RESPONSES,
    summary="Deposit into the trading account: relay the signed permit",
)
def submit_deposit(
    body: SignedIn,
    chain: ChainDep,
    relayer: RelayerDep,
    events: EventsDep,
    idempotency_key: IdempotencyKey = None,
) -> RelayedOut:
    done = service.submit_deposit(
        chain=chain,
        relayer=relayer,
        events=events,
        data=body.typed_data,
        signature=body.signature,
        idempotency_key=idempotency_key,
    )
    return RelayedOut(**vars(done))


@router.post(
    "/keeper/{operation}",
    response_model=RelayedOut,
    responses=ERROR_RESPONSES,
    summary="Send an act anyone may take once its time has come (settle, refund, end a lease)",
)
def keep(
    body: dict[str, Any],
    chain: ChainDep,
    relayer: RelayerDep,
    events: EventsDep,
    operations: OperationsDep,
    operation: str = Path(pattern="^(" + "|".join(service.KEEPER_OPERATIONS) + ")$"),
) -> RelayedOut:
    """The operation's fields without ``sender``, e.g. ``{"id": 3}`` for ``settle-listing``:
    simulated first (a refusal is its named error), then relayed once."""
    done = service.keep(
        chain=chain,
        relayer=relayer,
        events=events,
        operation=operations.get(operation),
        fields=body,
    )
    return RelayedOut(**vars(done))
