"""A plain-Python reference model of the rights ledger (curve's ``simulation.py`` idea).

The state-machine tests drive the contracts and this model side by side and compare them after
every step. The model states the rules as simply as possible, independent of the Solidity.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Balance:
    paid: int = 0
    free: int = 0
    waived: int = 0
    pledged: int = 0

    @property
    def owned(self) -> int:
        return self.paid + self.free + self.waived

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.paid, self.free, self.waived, self.pledged)


@dataclass
class Pledge:
    holder: str
    pollutant: int
    kg: int
    active: bool = True


@dataclass
class LedgerModel:
    """Balances, caps, permits, pledges and surrender records of one test city."""

    caps: dict[tuple[int, int], int]  # (region, pollutant) → cap
    regions: dict[str, int]  # account → district
    balances: dict[tuple[str, int], Balance] = field(default_factory=dict)
    allocated: dict[tuple[int, int], int] = field(default_factory=dict)
    permitted: dict[tuple[str, int], int] = field(default_factory=dict)
    permit_holders: set[str] = field(default_factory=set)
    pledges: list[Pledge] = field(default_factory=list)
    usage: dict[tuple[str, int], int] = field(default_factory=dict)
    surrendered: dict[tuple[str, int], int] = field(default_factory=dict)
    carried: set[tuple[str, int]] = field(default_factory=set)
    minted_unpaid: int = 0  # free + waived ever created
    burned: dict[int, int] = field(default_factory=dict)  # pollutant → burned by surrender

    def balance(self, account: str, pollutant: int) -> Balance:
        return self.balances.setdefault((account, pollutant), Balance())

    def supply(self, pollutant: int) -> int:
        return sum(b.owned for (_, p), b in self.balances.items() if p == pollutant)

    # ---- R-10 allocation
    def can_allocate(self, account: str, pollutant: int, kg: int) -> bool:
        key = (self.regions[account], pollutant)
        return kg > 0 and self.allocated.get(key, 0) + kg <= self.caps[key]

    def allocate(self, account: str, pollutant: int, origin: str, kg: int) -> None:
        key = (self.regions[account], pollutant)
        self.allocated[key] = self.allocated.get(key, 0) + kg
        b = self.balance(account, pollutant)
        setattr(b, origin, getattr(b, origin) + kg)
        if origin != "paid":
            self.minted_unpaid += kg

    # ---- what may leave as a sale or be pledged
    def floor_ok(self, account: str, pollutant: int, kg: int) -> bool:
        b = self.balance(account, pollutant)
        if account not in self.permit_holders:
            return True
        return b.owned - b.pledged - kg >= self.permitted.get((account, pollutant), 0)

    def movable(self, account: str, pollutant: int) -> int:
        b = self.balance(account, pollutant)
        return b.paid - b.pledged

    def can_sell(self, seller: str, buyer: str, pollutant: int, kg: int) -> bool:
        return (
            kg > 0
            and seller != buyer
            and self.movable(seller, pollutant) >= kg
            and self.floor_ok(seller, pollutant, kg)
        )

    def trade(self, seller: str, buyer: str, pollutant: int, kg: int) -> None:
        self.balance(seller, pollutant).paid -= kg
        self.balance(buyer, pollutant).paid += kg

    def can_pledge(self, account: str, pollutant: int, kg: int) -> bool:
        return (
            kg > 0
            and self.movable(account, pollutant) >= kg
            and self.floor_ok(account, pollutant, kg)
        )

    def pledge(self, account: str, pollutant: int, kg: int) -> int:
        self.balance(account, pollutant).pledged += kg
        self.pledges.append(Pledge(account, pollutant, kg))
        return len(self.pledges)  # pledge id

    def release(self, pledge_id: int) -> None:
        p = self.pledges[pledge_id - 1]
        p.active = False
        self.balance(p.holder, p.pollutant).pledged -= p.kg

    # ---- R-22 permits
    def can_permit(self, account: str, pollutant: int, kg: int) -> bool:
        return self.balance(account, pollutant).owned >= kg

    def permit(self, account: str, pollutant: int, kg: int, pollutants: list[int]) -> None:
        for p in pollutants:
            self.permitted[(account, p)] = 0
        self.permitted[(account, pollutant)] = kg
        self.permit_holders.add(account)

    # ---- R-24 surrender: waived, free, then unpledged paid
    def usable(self, account: str, pollutant: int) -> int:
        b = self.balance(account, pollutant)
        return b.owned - b.pledged

    def due(self, account: str, pollutant: int) -> int:
        key = (account, pollutant)
        return self.usage.get(key, 0) - self.surrendered.get(key, 0)

    def surrender(self, account: str, pollutant: int) -> int:
        kg = min(self.due(account, pollutant), self.usable(account, pollutant))
        b = self.balance(account, pollutant)
        left = kg
        for origin in ("waived", "free"):
            part = min(left, getattr(b, origin))
            setattr(b, origin, getattr(b, origin) - part)
            left -= part
        b.paid -= left
        key = (account, pollutant)
        self.surrendered[key] = self.surrendered.get(key, 0) + kg
        self.burned[pollutant] = self.burned.get(pollutant, 0) + kg
        return kg

    # ---- R-26 carry-over
    def compliant(self, account: str, pollutant: int) -> bool:
        key = (account, pollutant)
        return key in self.usage and self.surrendered.get(key, 0) >= self.usage[key]
