"""Registered accounts, read from the chain."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from backend.api.deps import ChainDep
from backend.services import registry

router = APIRouter(tags=["accounts"])


class HoldingOut(BaseModel):
    pollutant: int
    paid_kg: int
    free_kg: int
    waived_kg: int
    pledged_kg: int


class AccountOut(BaseModel):
    holder: str
    sector: str
    district: int
    basin: int
    blacklisted: bool
    closed: bool
    holdings: list[HoldingOut]


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(chain: ChainDep) -> list[AccountOut]:
    """Every registered account with its holdings per pollutant (kg) by origin."""
    return [
        AccountOut(
            holder=a.holder,
            sector=a.sector,
            district=a.district,
            basin=a.basin,
            blacklisted=a.restrictions != 0,
            closed=a.closed,
            holdings=[
                HoldingOut(
                    pollutant=h.pollutant,
                    paid_kg=h.paid,
                    free_kg=h.free,
                    waived_kg=h.waived,
                    pledged_kg=h.pledged,
                )
                for h in a.holdings
            ],
        )
        for a in registry.list_accounts(chain=chain)
    ]
