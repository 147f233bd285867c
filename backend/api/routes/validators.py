"""Validator governance over HTTP (SPEC §1: regulators and the exchange run the validators).

Public reads: the validator set and the votes pending on each validator node the service knows.
Votes: an authority prepares a ``ValidatorVote``, signs it in its own wallet and posts it; the
service casts it on that authority's own node (backend/services/validators.py).
"""

# No ``from __future__ import annotations`` here: FastAPI must see the body models.

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import ChainDep, SettingsDep
from backend.api.errors import ERROR_RESPONSES
from backend.chain.errors import ServiceError
from backend.services import validators as service
from backend.services.fields import Address

router = APIRouter(prefix="/validators", tags=["validators"])


class ValidatorOut(BaseModel):
    address: str
    node_of: str | None = Field(
        description="the authority whose node this is, if the service knows"
    )


class ValidatorSetOut(BaseModel):
    engine: str
    block: int
    validators: list[ValidatorOut]


class NodeVotesOut(BaseModel):
    authority: str
    proposals: dict[str, bool] | None = Field(
        description="validator → true (add) / false (remove); null if the node is unreachable"
    )
    error: str | None = None


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["propose", "discard"] = Field(
        description="propose: cast a vote in the blocks this node seals; discard: withdraw it"
    )
    validator: Address
    authorize: bool = Field(default=True, description="true: add the validator; false: remove")


class SignedVoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    typed_data: dict[str, Any] = Field(description="the typed data from /validators/votes/prepare")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$")


class VoteOut(BaseModel):
    authority: str
    roles: list[str]
    action: str
    validator: str
    authorize: bool
    proposals: dict[str, bool] = Field(description="the votes now pending on the authority's node")


def _labels(settings: SettingsDep) -> dict[str, str]:
    """Node signer → authority is not known to the service; the configured nodes are keyed by
    authority account. Ask each node its sealing address once per request."""
    labels = {}
    for authority, url in settings.validator_nodes.items():
        try:
            labels[service.rpc(url, "eth_coinbase", [], timeout=2).lower()] = authority
        except ServiceError:
            continue
    return labels


@router.get("", response_model=ValidatorSetOut, responses=ERROR_RESPONSES, summary="Validator set")
def validator_set(chain: ChainDep, settings: SettingsDep) -> ValidatorSetOut:
    """The chain's current validators (Clique signers / QBFT validators) at the latest block."""
    engine = settings.validator_engine
    addresses = service.validator_set(chain, engine)
    labels = _labels(settings)
    return ValidatorSetOut(
        engine=engine,
        block=chain.w3.eth.block_number,
        validators=[ValidatorOut(address=a, node_of=labels.get(a.lower())) for a in addresses],
    )


@router.get(
    "/proposals",
    response_model=list[NodeVotesOut],
    responses=ERROR_RESPONSES,
    summary="Votes pending on each validator node",
)
def proposals(settings: SettingsDep) -> list[NodeVotesOut]:
    out = []
    for authority, url in settings.validator_nodes.items():
        try:
            votes = service.pending_votes(url, settings.validator_engine)
            out.append(NodeVotesOut(authority=authority, proposals=votes))
        except ServiceError as exc:
            out.append(NodeVotesOut(authority=authority, proposals=None, error=exc.name))
    return out


@router.post(
    "/votes/prepare",
    responses=ERROR_RESPONSES,
    summary="A validator vote to sign (EIP-712)",
)
def prepare(body: VoteIn, chain: ChainDep) -> dict[str, Any]:
    """Sign the returned typed data (``eth_signTypedData_v4``) with the authority's account and
    post it to ``/validators/votes`` before its deadline."""
    return service.prepare_vote(
        chain, action=body.action, validator=body.validator, authorize=body.authorize
    )


@router.post(
    "/votes",
    response_model=VoteOut,
    responses=ERROR_RESPONSES,
    summary="Cast a signed validator vote on the authority's node",
)
def cast(body: SignedVoteIn, chain: ChainDep, settings: SettingsDep) -> VoteOut:
    """Only an authority (city or district regulator, exchange operator) running a validator
    node the service knows may vote: 403 ``ValidatorVoteForbidden`` for any other signer, 409
    ``ValidatorNodeNotConfigured`` for an authority without a node."""
    vote = service.cast_vote(
        chain,
        data=body.typed_data,
        signature=body.signature,
        nodes=settings.validator_nodes,
        engine=settings.validator_engine,
    )
    return VoteOut(
        authority=vote.authority,
        roles=vote.roles,
        action=vote.action,
        validator=vote.validator,
        authorize=vote.authorize,
        proposals=vote.proposals,
    )
