"""Negotiated trades both parties sign: ``POST /trades/prepare`` and ``POST /trades/submit``.

The seller and the buyer each sign the exchange's ``Trade`` typed data in their own wallets;
the service relays the settlement (backend/services/trades.py).
"""

# No ``from __future__ import annotations`` here: FastAPI must see the body models.

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import (
    ChainDep,
    EventsDep,
    PolicyDep,
    PrepareLimit,
    RelayerDep,
    SubmitLimit,
)
from backend.api.errors import ERROR_RESPONSES
from backend.api.routes.actions import EventOut, IdempotencyKey
from backend.chain.domain import NegotiatedMode
from backend.services import trades as service
from backend.services.fields import Address, Fen, Kg, Pollutant, Uint256
from backend.services.market_ops import NegotiatedModeField
from backend.services.operations import pollutant_id

router = APIRouter(prefix="/trades", tags=["trades: negotiated trades both parties sign"])


class TradePrepareIn(BaseModel):
    """The agreed terms of a negotiated trade (协议转让, R-14)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    seller: Address
    buyer: Address
    pollutant: Pollutant
    quantity_kg: Kg = Field(alias="quantityKg")
    price_fen: Fen = Field(alias="priceFen", description="total price in fen (R-15)")
    mode: NegotiatedModeField = Field(default=int(NegotiatedMode.NEGOTIATED))
    deadline: Uint256 | None = Field(
        default=None, description="unix seconds; default: now + DRR_ACTION_TTL_SECONDS"
    )


class PartyOut(BaseModel):
    signer: str = Field(description="the party that must sign this typed data")
    nonce: int = Field(description="the party's next nonce at the exchange")
    typed_data: dict[str, Any] = Field(description="pass to eth_signTypedData_v4 as is")
    digest: str


class TradePreparedOut(BaseModel):
    terms: dict[str, Any]
    deadline: int
    domain_separator: str
    seller: PartyOut
    buyer: PartyOut


class SignedTypedData(BaseModel):
    """A party's signed typed data: the CLI's signed envelope as is."""

    model_config = ConfigDict(extra="ignore")

    typed_data: dict[str, Any]
    signature: str = Field(description="65-byte r‖s‖v (or an ERC-1271 wallet's bytes), 0x-hex")


class TradeSubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seller: SignedTypedData
    buyer: SignedTypedData


class TradeSubmittedOut(BaseModel):
    terms: dict[str, Any]
    tx_hash: str
    block_number: int
    block_hash: str
    gas_used: int
    events: list[EventOut]
    replayed: bool = Field(description="true when this answers a retry of an earlier request")


@router.post(
    "/prepare",
    response_model=TradePreparedOut,
    summary="Negotiated trade: the typed data each party signs",
    responses=ERROR_RESPONSES,
)
def prepare(
    body: TradePrepareIn, chain: ChainDep, policy: PolicyDep, admit: PrepareLimit
) -> TradePreparedOut:
    """Runs the exchange's pre-check (every trading rule, the buyer's money) first: a refusal
    is the rule's error (e.g. ``LedgerBelowPermit``, ``MarketInsufficientFunds``)."""
    admit(body.seller)
    admit(body.buyer)
    terms = service.TradeTerms(
        seller=body.seller,
        buyer=body.buyer,
        pollutant=pollutant_id(chain, body.pollutant),
        quantityKg=body.quantity_kg,
        priceFen=body.price_fen,
        mode=body.mode,
    )
    prepared = service.prepare_trade(
        chain=chain, terms=terms, deadline=body.deadline, policy=policy
    )
    return TradePreparedOut(
        terms=prepared.terms,
        deadline=prepared.deadline,
        domain_separator=prepared.domain_separator,
        seller=PartyOut(**vars(prepared.seller)),
        buyer=PartyOut(**vars(prepared.buyer)),
    )


@router.post(
    "/submit",
    response_model=TradeSubmittedOut,
    summary="Negotiated trade: relay the settlement both parties signed",
    responses=ERROR_RESPONSES,
)
def submit(
    body: TradeSubmitIn,
    chain: ChainDep,
    relayer: RelayerDep,
    events: EventsDep,
    policy: PolicyDep,
    admit: SubmitLimit,
    idempotency_key: IdempotencyKey = None,
) -> TradeSubmittedOut:
    """Rights and money move in one transaction; retrying the same request (same signatures
    or the same ``Idempotency-Key``) returns the first transaction."""
    submitted = service.submit_trade(
        chain=chain,
        relayer=relayer,
        events=events,
        envelopes={"seller": body.seller.model_dump(), "buyer": body.buyer.model_dump()},
        idempotency_key=idempotency_key,
        policy=policy,
        admit=admit,
    )
    return TradeSubmittedOut(**vars(submitted))
