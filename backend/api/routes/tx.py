"""Transactions: forward a raw signed transaction, look one up.

``POST /tx/raw`` is for parties that sign ordinary transactions themselves (a remote signer,
an operator's own node key) and pay their own gas: the service checks the chain id and the
target, simulates the call (a revert comes back as the decoded 4xx and nothing is sent),
broadcasts it and waits for the receipt. Sending the same bytes again returns the same
transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Path
from hexbytes import HexBytes
from pydantic import BaseModel, ConfigDict, Field
from web3.exceptions import TransactionNotFound

from backend.api.deps import ChainDep, EventsDep, RelayerDep
from backend.api.errors import ERROR_RESPONSES
from backend.api.routes.actions import EventOut
from backend.chain.errors import ServiceError
from backend.chain.relayer import RawTransaction, decode_raw_transaction
from backend.services import registration

router = APIRouter(prefix="/tx", tags=["transactions"])

MAX_RAW_BYTES = 128 * 1024


class RawTxIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    raw: str = Field(description="signed transaction, 0x-hex (legacy EIP-155 or typed)")


class TxOut(BaseModel):
    tx_hash: str
    sender: str
    to: str | None
    block_number: int
    block_hash: str
    status: int = Field(description="1 success, 0 reverted")
    gas_used: int
    events: list[EventOut]
    replayed: bool = False


def _receipt_out(
    receipt: Mapping[str, Any], sender: str, events: EventsDep, *, replayed: bool = False
) -> TxOut:
    return TxOut(
        tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
        sender=sender,
        to=receipt["to"],
        block_number=receipt["blockNumber"],
        block_hash="0x" + bytes(receipt["blockHash"]).hex(),
        status=receipt["status"],
        gas_used=receipt["gasUsed"],
        events=[EventOut(**e.summary()) for e in events.decode_receipt(receipt)],
        replayed=replayed,
    )


@router.post(
    "/raw",
    response_model=TxOut,
    responses=ERROR_RESPONSES,
    summary="Forward a raw signed transaction",
)
def forward_raw(body: RawTxIn, chain: ChainDep, relayer: RelayerDep, events: EventsDep) -> TxOut:
    if not re.fullmatch(r"0x([0-9a-fA-F]{2})+", body.raw) or len(body.raw) > 2 + 2 * MAX_RAW_BYTES:
        raise ServiceError("TransactionMalformed", "expected 0x-hex bytes of a signed transaction")
    raw = bytes(HexBytes(body.raw))
    try:
        tx = decode_raw_transaction(raw)
    except Exception as exc:  # any decoding failure is the caller's bad input
        raise ServiceError("TransactionMalformed", str(exc) or type(exc).__name__) from None
    chain_id = chain.deployment.chain_id
    if tx.chain_id != chain_id:
        raise ServiceError(
            "ChainIdMismatch",
            f"{_chain_of(tx)}; this chain's id is {chain_id}: sign the transaction for it",
            args={"chain_id": tx.chain_id, "tx_type": tx.tx_type, "expected": chain_id},
        )
    targets = {c.address.lower() for c in chain.deployment.contracts.values()}
    if tx.to is None or tx.to.lower() not in targets:
        raise ServiceError("TargetNotInDeployment", f"to={tx.to}")
    # a registration (or a council proposal carrying one) with a name or credit code a register
    # should not hold is refused as register-account refuses it
    registration.check_call(chain.deployment.contracts, tx.to, tx.data)
    relayed = relayer.forward_raw(raw, sender=tx.sender, to=tx.to)
    return _receipt_out(relayed.receipt, tx.sender, events, replayed=relayed.replayed)


def _chain_of(tx: RawTransaction) -> str:
    """What a refused transaction says of its chain, by its kind."""
    if tx.tx_type:
        kind = f"typed (EIP-2718 type {tx.tx_type})"
        return f"the {kind} transaction is signed for chain id {tx.chain_id}"
    if tx.chain_id is None:
        return (
            "the legacy transaction has no chain id (signed without EIP-155 replay protection, "
            "so valid on every chain)"
        )
    return f"the legacy (EIP-155) transaction is signed for chain id {tx.chain_id}"


@router.get(
    "/{tx_hash}",
    response_model=TxOut,
    responses=ERROR_RESPONSES,
    summary="A mined transaction with its decoded events",
)
def get_transaction(
    chain: ChainDep,
    events: EventsDep,
    tx_hash: str = Path(pattern=r"^0x[0-9a-fA-F]{64}$"),
) -> TxOut:
    try:
        receipt = chain.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
    except TransactionNotFound:
        raise ServiceError("TransactionNotFound", f"{tx_hash} is not mined (or unknown)") from None
    return _receipt_out(receipt, receipt["from"], events)
