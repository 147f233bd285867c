"""The regulator council (docs/security.md): its operations build unsigned transactions like every
authority operation (``POST /api/v1/council/council-propose`` …); its proposals are public, so
anyone sees a high-impact action coming before it takes effect (R-36).
"""

# No ``from __future__ import annotations`` here: FastAPI must see the models.

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep
from backend.api.errors import ERROR_RESPONSES
from backend.api.routes.authority import concern_router
from backend.services import council_ops

router = concern_router("council")


class CouncilCallOut(BaseModel):
    target: str
    contract: str | None
    function: str | None = None
    args: dict[str, Any] | None = None
    data: str


class ProposalOut(BaseModel):
    id: int
    state: Literal["pending", "scheduled", "ready", "executed", "cancelled", "withdrawn"]
    proposer: str
    description: str
    calls: list[CouncilCallOut]
    approvals: int
    approved_by: list[str] = Field(description="current members who approved")
    threshold: int
    eta: int | None = Field(description="earliest execution (unix seconds) once scheduled")
    operation_id: str = Field(description="the time lock's operation id")


StateFilter = Literal["pending", "scheduled", "ready", "executed", "cancelled", "withdrawn"]


@router.get("/proposals", response_model=list[ProposalOut], summary="Council proposals",
            responses=ERROR_RESPONSES)  # fmt: skip
def list_proposals(chain: ChainDep, state: StateFilter | None = None) -> list[dict[str, Any]]:
    """Every proposal of the regulator council, newest first: the calls (decoded), who approved,
    the ETA and the state — pending and scheduled high-impact actions are public before they
    take effect."""
    return council_ops.proposals(chain, state=state)


@router.get("/proposals/{pid}", response_model=ProposalOut, summary="One council proposal",
            responses=ERROR_RESPONSES)  # fmt: skip
def get_proposal(
    chain: ChainDep, pid: Annotated[int, Path(ge=0, le=2**256 - 1, description="proposal id")]
) -> dict[str, Any]:
    """One proposal of the regulator council (404 ``CouncilUnknownProposal``)."""
    return council_ops.proposal(chain, pid)
