"""What a writer needs to read: its nonces, and the state of a request it sent.

The public figures are the explorer's and the indexer's; these two answer a party that is
about to sign (which nonce?) or that lost an answer (was my request relayed?).
"""

from __future__ import annotations

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from backend.api.deps import ActionsDep, ChainDep, RelayerDep
from backend.api.errors import ERROR_RESPONSES
from backend.chain.errors import ServiceError
from backend.chain.relayer import FAILED, MINED
from backend.services.actions.pipeline import request_key
from backend.services.fields import checksummed

router = APIRouter(tags=["writers"])


class NoncesOut(BaseModel):
    address: str
    transaction_nonce: int = Field(description="next nonce of an ordinary transaction (pending)")
    signed_action_nonces: dict[str, int] = Field(
        description="per contract: the next nonce of a signed action (ordered nonces)"
    )


@router.get(
    "/nonces/{address}",
    response_model=NoncesOut,
    responses=ERROR_RESPONSES,
    summary="An account's next nonces",
)
def nonces(chain: ChainDep, actions: ActionsDep, address: str = Path()) -> NoncesOut:
    """The next transaction nonce and, per contract with signed actions, the next action nonce."""
    try:
        address = checksummed(address)
    except ValueError as exc:
        raise ServiceError("RequestInvalid", f"address: {exc}") from None
    contracts = sorted({spec.contract for spec in actions if spec.unordered_nonce is None})
    return NoncesOut(
        address=address,
        transaction_nonce=chain.w3.eth.get_transaction_count(address, "pending"),
        signed_action_nonces={
            name: int(chain.contract(name).functions.nonces(address).call())
            for name in contracts
            if name in chain.deployment.contracts
            and any(f.get("name") == "nonces" for f in chain.deployment.contracts[name].abi)
        },
    )


class RequestOut(BaseModel):
    action: str
    signer: str
    idempotency_key: str
    state: str = Field(
        description="pending (claimed or sent, not mined yet), mined, or failed (mined and "
        "reverted): nothing beyond what the chain shows"
    )
    tx_hash: str | None = Field(
        description="the mined transaction (public on chain); null while pending"
    )
    block_number: int | None = None
    nonce: int | None = Field(description="the signed action's nonce, once mined")


@router.get(
    "/actions/{action}/requests/{signer}/{key}",
    response_model=RequestOut,
    responses=ERROR_RESPONSES,
    summary="The state of a submitted signed action, by its signer and Idempotency-Key",
)
def request_state(
    relayer: RelayerDep,
    actions: ActionsDep,
    action: str,
    signer: str = Path(pattern=r"^0x[0-9a-fA-F]{40}$"),
    key: str = Path(max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$"),
) -> RequestOut:
    """Whether a submitted action was relayed: for a client whose answer was lost.

    Keys are the signer's own (two parties may use the same key), so the lookup names the
    signer. It answers nothing beyond what the chain shows: a transaction only once mined
    (public then), a request not mined yet only as ``pending``. The way to learn more about a
    pending request is the signer's own retry with the same key (docs/api.md, "retries")."""
    actions.spec(action)
    try:
        signer = checksummed(signer)
    except ValueError as exc:
        raise ServiceError("RequestInvalid", f"signer: {exc}") from None
    row = relayer.find(request_key(action, signer, key))
    if row is None:
        raise ServiceError("RequestNotFound", f"no {action} request of {signer} with key {key!r}")
    if row["state"] not in (MINED, FAILED):
        return RequestOut(action=action, signer=signer, idempotency_key=key, state="pending",
                          tx_hash=None, nonce=None)  # fmt: skip
    receipt = relayer.w3.eth.get_transaction_receipt(row["tx_hash"])
    return RequestOut(
        action=action,
        signer=signer,
        idempotency_key=key,
        state=row["state"],
        tx_hash=row["tx_hash"],
        block_number=int(receipt["blockNumber"]),
        nonce=(row.get("meta") or {}).get("nonce"),
    )
