"""The consents of the concern `lifecycle`: mergers, splits, closures, fraud (regulators).

Each operation builds an unsigned transaction (backend/api/routes/operations.py). A merger or
split needs the units' consent: ``POST /lifecycle/consents/merge`` and ``…/split`` give the
typed data each unit signs in its own wallet (backend/services/consents.py); the regulator then
builds ``merge`` / ``split`` with their signatures.
"""

# No ``from __future__ import annotations`` here: FastAPI must see the body models.

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import ChainDep, PolicyDep
from backend.api.errors import ERROR_RESPONSES
from backend.services import consents as service
from backend.services.authority import SplitLine
from backend.services.fields import Address, Uint256
from backend.services.operations import pollutant_id

# mounted under /lifecycle beside the concern's operations (backend/api/routes/operations.py)
router = APIRouter()


class MergeConsentIn(BaseModel):
    """The merger the units are asked to consent to (R-30)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_unit: Address = Field(alias="from", description="the unit that is merged and closes")
    to_unit: Address = Field(alias="to", description="the surviving unit")
    deadline: Uint256 | None = Field(
        default=None, description="unix seconds; default: now + DRR_ACTION_TTL_SECONDS"
    )


class SplitConsentIn(BaseModel):
    """The split the unit and its successors are asked to consent to (R-31)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_unit: Address = Field(alias="from", description="the unit that is split and closes")
    plan: list[SplitLine] = Field(min_length=1, max_length=200)
    obligor: Address = Field(description="one of the successors: meets pending surrenders")
    deadline: Uint256 | None = Field(
        default=None, description="unix seconds; default: now + DRR_ACTION_TTL_SECONDS"
    )


class UnitToSignOut(BaseModel):
    signer: str = Field(description="the unit that must sign this typed data")
    nonce: int = Field(description="the unit's next nonce at the unit lifecycle contract")
    typed_data: dict[str, Any] = Field(description="pass to eth_signTypedData_v4 as is")
    digest: str


class ConsentOut(BaseModel):
    act: str
    deadline: int = Field(description="pass it, with the signatures in this order, to the act")
    domain_separator: str
    parties: list[UnitToSignOut] = Field(description="in the order the contract takes them")


def _out(prepared: service.PreparedConsent) -> ConsentOut:
    return ConsentOut(
        act=prepared.act,
        deadline=prepared.deadline,
        domain_separator=prepared.domain_separator,
        parties=[UnitToSignOut(**vars(p)) for p in prepared.parties],
    )


@router.post(
    "/consents/merge",
    response_model=ConsentOut,
    summary="Merger (R-30): the typed data each unit signs",
    responses=ERROR_RESPONSES,
)
def merge_consent(body: MergeConsentIn, chain: ChainDep, policy: PolicyDep) -> ConsentOut:
    """The merger is simulated first as the council would make it: a refusal of the act itself
    (e.g. ``LifecycleActiveLease``, ``LifecycleAuthorityAccount``) comes back before anyone
    signs. Each unit signs its typed data; the regulator then builds ``POST /lifecycle/merge``
    with ``deadline`` and the signatures in the order given."""
    return _out(
        service.prepare_merge(
            chain=chain,
            from_unit=body.from_unit,
            to_unit=body.to_unit,
            deadline=body.deadline,
            policy=policy,
        )
    )


@router.post(
    "/consents/split",
    response_model=ConsentOut,
    summary="Split (R-31): the typed data the unit and each successor sign",
    responses=ERROR_RESPONSES,
)
def split_consent(body: SplitConsentIn, chain: ChainDep, policy: PolicyDep) -> ConsentOut:
    """As for a merger: simulated first, then one typed data per unit concerned (the unit, then
    each successor in the order of its first line), every line of the plan shown in the wallet."""
    plan = [
        {**line.model_dump(), "pollutant": pollutant_id(chain, line.pollutant)}
        for line in body.plan
    ]
    return _out(
        service.prepare_split(
            chain=chain,
            from_unit=body.from_unit,
            plan=plan,
            obligor=body.obligor,
            deadline=body.deadline,
            policy=policy,
        )
    )
