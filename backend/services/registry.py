"""Reads of the account registry and the rights ledger."""

from __future__ import annotations

from dataclasses import dataclass

from backend.chain.client import Chain
from backend.chain.domain import Sector


@dataclass(frozen=True)
class Holding:
    pollutant: int
    paid: int
    free: int
    waived: int
    pledged: int

    @property
    def total(self) -> int:
        return self.paid + self.free + self.waived


@dataclass(frozen=True)
class AccountView:
    holder: str
    sector: str
    district: int
    basin: int
    restrictions: int
    closed: bool
    holdings: list[Holding]


def list_accounts(*, chain: Chain) -> list[AccountView]:
    """Every registered account with its non-zero holdings per pollutant."""
    registry = chain.contract("AccountRegistry")
    ledger = chain.contract("RightsLedger")
    pollutants = range(1, registry.functions.pollutantCount().call() + 1)
    views = []
    for i in range(registry.functions.accountCount().call()):
        holder = registry.functions.accountAt(i).call()
        profile = registry.functions.profile(holder).call()
        holdings = []
        for p in pollutants:
            paid, free, waived, pledged = ledger.functions.balanceOf(holder, p).call()
            if paid or free or waived:
                holdings.append(Holding(p, paid, free, waived, pledged))
        views.append(
            AccountView(
                holder=holder,
                sector=Sector(profile[5]).name.lower(),
                district=profile[6],
                basin=profile[7],
                restrictions=profile[4],
                closed=profile[1],
                holdings=holdings,
            )
        )
    return views
