"""Fixtures of the exchange's tests: units holding paid rights and money at the exchange."""

from __future__ import annotations

import pytest

from backend.chain.domain import Origin
from tests.helpers import now

FUNDS_FEN = 10**10  # 一亿元 per trading account
STOCK_KG = 50_000
AUCTION = 0, 1  # Format.Ascending, Format.Sealed


def issue(cny, settlement_bank, to, fen: int) -> None:
    """The settlement bank issues money against a deposit it received."""
    cny.issue(to, fen, b"\x01" * 32, {"from": settlement_bank})


@pytest.fixture(scope="module")
def traders(city, ledger, registry, exchange, regulator, cny, secondary, settlement_bank):
    """Every unit and the reserve: 50 t paid COD, NH3-N, SO2 and NOx (through the ledger directly,
    as the primary market's own tests cover how rights are bought), qualified and certified
    tradable (R-39), and 一亿元 in its trading account, paid in by the settlement bank."""
    names = ("chem", "steel", "power", "power2", "farm", "hotel", "fund", "reserve")
    pollutants = [city.pollutant[code] for code in ("COD", "NH3-N", "SO2", "NOx")]
    issue(cny, settlement_bank, settlement_bank, FUNDS_FEN * len(names))
    cny.approve(secondary, 2**256 - 1, {"from": settlement_bank})
    for name in names:
        unit = getattr(city, name)
        for p in pollutants:
            ledger.allocate(unit, p, int(Origin.PAID), STOCK_KG, {"from": exchange})
        if name != "reserve":
            registry.setQualifiedSeller(unit, True, {"from": regulator})
            for p in pollutants:
                ledger.certifyTradable(unit, p, STOCK_KG, {"from": regulator})
        secondary.deposit(unit, FUNDS_FEN, {"from": settlement_bank})
    return city


def ascending(reserve_fen: int, deposit_fen: int, step_fen: int = 1_000, hours: int = 1) -> tuple:
    """IAuctionHouse.Terms of an ascending auction ending in ``hours``."""
    return (AUCTION[0], reserve_fen, deposit_fen, step_fen, now() + hours * 3_600, 0)


def sealed(reserve_fen: int, deposit_fen: int, hours: int = 1, reveal_hours: int = 1) -> tuple:
    """IAuctionHouse.Terms of a sealed-bid auction: commitments for ``hours``, then reveals."""
    end = now() + hours * 3_600
    return (AUCTION[1], reserve_fen, deposit_fen, 0, end, end + reveal_hours * 3_600)
