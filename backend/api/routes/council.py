"""The regulator council (docs/security.md): its operations build unsigned transactions like every
authority operation (``POST /api/v1/council/council-propose`` …); its proposals are public, so
anyone sees a high-impact action coming before it takes effect (R-36).
"""

# No ``from __future__ import annotations`` here: FastAPI must see the models.

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, EngineDep
from backend.api.errors import ERROR_RESPONSES
from backend.services import council_ops, disclosure

# mounted under /council beside the concern's operations (backend/api/routes/operations.py)
router = APIRouter()


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
    approved_by: list[str] = Field(description="members who approved, in order")
    threshold: int
    eta: int | None = Field(description="earliest execution (unix seconds) once scheduled")
    operation_id: str = Field(description="the time lock's operation id")
    tx_hash: str = Field(description="the proposal's transaction")


class ProposalPage(BaseModel):
    rows: list[ProposalOut]
    before: int | None = Field(None, description="`before` of the next (older) page")
    after: int | None = Field(None, description="`after` of the previous (newer) page")


StateFilter = Literal["pending", "scheduled", "ready", "executed", "cancelled", "withdrawn"]
I64 = 2**63 - 1


@router.get("/proposals", response_model=ProposalPage, summary="Council proposals",
            responses=ERROR_RESPONSES)  # fmt: skip
def list_proposals(
    engine: EngineDep,
    chain: ChainDep,
    state: StateFilter | None = None,
    before: Annotated[int | None, Query(ge=0, le=I64, description="a page's `before`")] = None,
    after: Annotated[int | None, Query(ge=0, le=I64, description="a page's `after`")] = None,
    limit: Annotated[int, Query(ge=1, le=disclosure.MAX_LIMIT)] = disclosure.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """The regulator council's proposals, newest first, from the event index: the calls
    (decoded), who approved, the ETA and the state — pending and scheduled high-impact actions
    are public before they take effect."""
    with engine.connect() as conn:
        page = council_ops.proposals(conn, chain, state=state, before=before, after=after,
                                     limit=limit)  # fmt: skip
    return {"rows": page.rows, "before": page.before, "after": page.after}


@router.get("/proposals/{pid}", response_model=ProposalOut, summary="One council proposal",
            responses=ERROR_RESPONSES)  # fmt: skip
def get_proposal(
    engine: EngineDep,
    chain: ChainDep,
    pid: Annotated[int, Path(ge=0, le=2**256 - 1, description="proposal id")],
) -> dict[str, Any]:
    """One proposal of the regulator council (404 ``CouncilUnknownProposal``)."""
    with engine.connect() as conn:
        return council_ops.proposal(conn, chain, pid)
