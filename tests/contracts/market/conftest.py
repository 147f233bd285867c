"""Helpers of the exchange's tests; the ``traders`` fixture is in tests/conftest.py."""

from __future__ import annotations

from tests.helpers import FUNDS_FEN, STOCK_KG, issue, now

__all__ = ["FUNDS_FEN", "STOCK_KG", "ascending", "issue", "sealed"]

AUCTION = 0, 1  # Format.Ascending, Format.Sealed


def ascending(reserve_fen: int, deposit_fen: int, step_fen: int = 1_000, hours: int = 1) -> tuple:
    """IAuctionHouse.Terms of an ascending auction ending in ``hours``."""
    return (AUCTION[0], reserve_fen, deposit_fen, step_fen, now() + hours * 3_600, 0)


def sealed(reserve_fen: int, deposit_fen: int, hours: int = 1, reveal_hours: int = 1) -> tuple:
    """IAuctionHouse.Terms of a sealed-bid auction: commitments for ``hours``, then reveals."""
    end = now() + hours * 3_600
    return (AUCTION[1], reserve_fen, deposit_fen, 0, end, end + reveal_hours * 3_600)
