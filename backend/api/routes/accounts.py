"""Registered accounts, read from the chain."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from backend.api.deps import ChainDep
from backend.services import registry

router = APIRouter(tags=["accounts"])


class AccountOut(BaseModel):
    holder: str
    district: int
    balances_kg: dict[int, int]


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(chain: ChainDep) -> list[AccountOut]:
    """Every registered account with its balance per pollutant id (kg)."""
    return [AccountOut(**vars(a)) for a in registry.list_accounts(chain=chain)]
