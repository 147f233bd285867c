"""Reads of the registry contract."""

from __future__ import annotations

from dataclasses import dataclass

from backend.chain.client import Chain


@dataclass(frozen=True)
class AccountView:
    holder: str
    district: int
    balances_kg: dict[int, int]


def list_accounts(*, chain: Chain) -> list[AccountView]:
    """Every registered account with its non-zero balances."""
    registry = chain.contract("DischargeRegistry")
    pollutants = range(1, registry.functions.pollutantCount().call() + 1)
    views = []
    for holder in registry.functions.holders().call():
        balances = {p: registry.functions.balanceOf(holder, p).call() for p in pollutants}
        views.append(
            AccountView(
                holder=holder,
                district=registry.functions.districtOf(holder).call(),
                balances_kg={p: kg for p, kg in balances.items() if kg},
            )
        )
    return views
