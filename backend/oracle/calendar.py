"""Compliance periods: period id → its span [start, end) in unix seconds.

The regulator defines periods on chain in the compliance contract
(``period(uint32 id) returns (uint64 start, uint64 end, uint64 surrenderDeadline,
uint64 carryOverDeadline)``); until it is deployed the oracle reads a periods file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from web3.exceptions import ContractLogicError

from backend.chain.client import Chain
from backend.oracle.records import parse_time


@dataclass(frozen=True)
class PeriodSpan:
    id: int
    start: int
    end: int


class PeriodCalendar(Protocol):
    def span(self, period: int) -> PeriodSpan | None:
        """The span of a period, or None if no such period is defined."""


class CalendarError(ValueError):
    """The periods file is malformed."""


class FilePeriodCalendar:
    """Periods from a JSON file (times ISO 8601; without an offset, Beijing time)::

    {"periods": {"1": {"start": "2025-01-01T00:00:00+08:00", "end": "2026-01-01T00:00:00+08:00"}}}
    """

    def __init__(self, spans: dict[int, PeriodSpan]) -> None:
        self._spans = spans

    @classmethod
    def load(cls, path: Path) -> FilePeriodCalendar:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            spans = {}
            for key, raw in document["periods"].items():
                span = PeriodSpan(int(key), parse_time(raw["start"]), parse_time(raw["end"]))
                if span.end <= span.start:
                    raise CalendarError(f"period {key}: end is not after start")
                spans[span.id] = span
            return cls(spans)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CalendarError(f"periods file {path}: {exc}") from exc

    def span(self, period: int) -> PeriodSpan | None:
        return self._spans.get(period)


class ChainPeriodCalendar:
    """Periods from the compliance contract on chain."""

    def __init__(self, chain: Chain, contract_name: str) -> None:
        self._compliance = chain.contract(contract_name)

    def span(self, period: int) -> PeriodSpan | None:
        try:
            start, end, _surrender, _carry = self._compliance.functions.period(period).call()
        except ContractLogicError:  # an unknown period may revert rather than read as zeros
            return None
        if end == 0:
            return None
        return PeriodSpan(period, start, end)
