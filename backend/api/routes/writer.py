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
from backend.services.actions import checksummed

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
    idempotency_key: str
    state: str = Field(description="claimed → sent → mined | failed")
    tx_hash: str | None
    nonce: int | None = Field(description="the signed action's nonce")


@router.get(
    "/actions/{action}/requests/{key}",
    response_model=RequestOut,
    responses=ERROR_RESPONSES,
    summary="The state of a submitted signed action, by its Idempotency-Key",
)
def request_state(
    relayer: RelayerDep,
    actions: ActionsDep,
    action: str,
    key: str = Path(max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$"),
) -> RequestOut:
    """Whether a submitted action was relayed: for a client whose answer was lost."""
    actions.spec(action)
    row = relayer.find(f"key:{action}:{key}")
    if row is None:
        raise ServiceError("RequestNotFound", f"no {action} request with key {key!r}")
    return RequestOut(
        action=action,
        idempotency_key=key,
        state=row["state"],
        tx_hash=row["tx_hash"],
        nonce=(row.get("meta") or {}).get("nonce"),
    )
