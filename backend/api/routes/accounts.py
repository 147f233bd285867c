"""Registered accounts with their holdings, from the event index (R-02, R-36).

A public list never reads the chain once per item: a page of accounts is two queries of the
index, whatever the number of accounts (docs/security.md, "The service under attack"). Each
figure can be checked against a node with ``GET /api/v1/public/verify/holding`` and
``…/verify/unit``.
"""

# No ``from __future__ import annotations`` here: FastAPI must see the models.

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from backend.api.deps import EngineDep
from backend.api.errors import ERROR_RESPONSES
from backend.chain.domain import Sector
from backend.services import disclosure
from backend.services.fields import by_name

router = APIRouter(tags=["accounts"])
I64 = 2**63 - 1


class HoldingOut(BaseModel):
    pollutant: int
    paid_kg: int
    free_kg: int
    waived_kg: int
    pledged_kg: int


class AccountOut(BaseModel):
    holder: str
    name: str = Field(description="as registered (bytes that are not text shown as U+FFFD)")
    credit_code: str
    sector: str
    district: int
    basin: int
    blacklisted: bool
    closed: bool
    holdings: list[HoldingOut]


class AccountPage(BaseModel):
    rows: list[AccountOut]
    before: int | None = Field(None, description="`before` of the next (older) page")
    after: int | None = Field(None, description="`after` of the previous (newer) page")


SectorQ = Annotated[
    by_name(Sector, "sector") | None,  # type: ignore[operator]
    Query(description="industry, livestock, service, thermal_power, treatment_facility, …"),
]


@router.get("/accounts", response_model=AccountPage, responses=ERROR_RESPONSES)
def list_accounts(
    engine: EngineDep,
    sector: SectorQ = None,
    district: Annotated[int | None, Query(ge=0, le=2**16 - 1)] = None,
    basin: Annotated[int | None, Query(ge=0, le=2**16 - 1)] = None,
    closed: bool | None = None,
    blacklisted: bool | None = None,
    before: Annotated[int | None, Query(ge=0, le=I64, description="a page's `before`")] = None,
    after: Annotated[int | None, Query(ge=0, le=I64, description="a page's `after`")] = None,
    limit: Annotated[int, Query(ge=1, le=disclosure.MAX_LIMIT)] = disclosure.DEFAULT_LIMIT,
) -> AccountPage:
    """Registered accounts, newest first, with their holdings per pollutant (kg) by origin;
    filtered by sector, district, basin, closed or blacklisted, paged by keyset."""
    with engine.connect() as conn:
        page = disclosure.accounts(
            conn, sector=sector, district=district, basin=basin, closed=closed,
            blacklisted=blacklisted, before=before, after=after, limit=limit,
        )  # fmt: skip
    return AccountPage(
        rows=[
            AccountOut(
                holder=r["holder"], name=r["name"], credit_code=r["credit_code"],
                sector=_sector(r["sector"]), district=r["district"], basin=r["basin"],
                blacklisted=r["restrictions"] != 0, closed=r["closed"], holdings=r["holdings"],
            )
            for r in page.rows
        ],
        before=page.before,
        after=page.after,
    )  # fmt: skip


def _sector(value: int) -> str:
    try:
        return Sector(value).name.lower()
    except ValueError:
        return str(value)
