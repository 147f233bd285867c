"""Who a monitoring record belongs to: credit code (or outlet id) → the unit's account address.

The account registry (``AccountRegistry.holderOf(creditCode)``) is the authority on chain;
until it is deployed the oracle reads a units file. The file also lists each unit's outlets
and the pollutants monitored there (as the discharge permit does), which lets the oracle tell a
missing outlet from a unit that has none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from web3 import Web3

from backend.chain.client import Chain
from backend.oracle import pollutants


@dataclass(frozen=True)
class UnitEntry:
    """A unit as the oracle needs it."""

    credit_code: str
    address: str
    name: str = ""
    # outlet id → pollutant ids monitored there; None when the directory does not know
    outlets: dict[str, frozenset[int]] | None = None


class UnitDirectory(Protocol):
    def resolve(self, credit_code: str) -> UnitEntry | None:
        """The unit with this unified social credit code, or None if unknown."""

    def credit_code_of_outlet(self, outlet: str) -> str | None:
        """The unit an outlet id belongs to, if that id is unique to one unit."""

    def credit_code_of_address(self, address: str) -> str | None:
        """The credit code of a unit's account address, if known."""


class DirectoryError(ValueError):
    """The units file is malformed; the message says where."""


class FileUnitDirectory:
    """Units from a JSON file::

    {"units": [{"credit_code": "91500000…", "name": "…", "address": "0x…",
                "outlets": {"DW001": ["COD", "NH3-N"], "DA001": ["SO2", "NOx"]}}]}
    """

    def __init__(self, units: list[UnitEntry]) -> None:
        self._by_code = {u.credit_code: u for u in units}
        self._by_address = {u.address.lower(): u.credit_code for u in units}
        owners: dict[str, set[str]] = {}
        for unit in units:
            for outlet in unit.outlets or {}:
                owners.setdefault(outlet, set()).add(unit.credit_code)
        self._by_outlet = {o: next(iter(c)) for o, c in owners.items() if len(c) == 1}

    @classmethod
    def load(cls, path: Path) -> FileUnitDirectory:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            return cls([_entry(i, raw) for i, raw in enumerate(document["units"], start=1)])
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DirectoryError(f"units file {path}: {exc}") from exc

    @property
    def units(self) -> list[UnitEntry]:
        return list(self._by_code.values())

    def resolve(self, credit_code: str) -> UnitEntry | None:
        return self._by_code.get(credit_code)

    def credit_code_of_outlet(self, outlet: str) -> str | None:
        return self._by_outlet.get(outlet)

    def credit_code_of_address(self, address: str) -> str | None:
        return self._by_address.get(address.lower())


def _entry(index: int, raw: dict) -> UnitEntry:
    where = f"unit {index}"
    if not Web3.is_address(raw.get("address", "")):
        raise DirectoryError(f"{where}: address {raw.get('address')!r} is not an address")
    outlets = None
    if "outlets" in raw:
        outlets = {}
        for outlet, codes in raw["outlets"].items():
            ids = set()
            for code in codes:
                pollutant = pollutants.lookup(code)
                if pollutant is None:
                    raise DirectoryError(f"{where} outlet {outlet}: unknown pollutant {code!r}")
                ids.add(pollutant.id)
            outlets[outlet] = frozenset(ids)
    return UnitEntry(
        credit_code=str(raw["credit_code"]),
        address=Web3.to_checksum_address(raw["address"]),
        name=str(raw.get("name", "")),
        outlets=outlets,
    )


class ChainUnitDirectory:
    """Units from the account registry on chain (``holderOf(string creditCode)``).

    The registry does not list outlets, so outlet completeness is not checked with it, and
    records must carry the credit code.
    """

    def __init__(self, chain: Chain, contract_name: str) -> None:
        self._registry = chain.contract(contract_name)
        self._seen: dict[str, str] = {}

    def resolve(self, credit_code: str) -> UnitEntry | None:
        holder = self._registry.functions.holderOf(credit_code).call()
        if int(holder, 16) == 0:
            return None
        self._seen[holder.lower()] = credit_code
        return UnitEntry(credit_code=credit_code, address=Web3.to_checksum_address(holder))

    def credit_code_of_outlet(self, outlet: str) -> str | None:
        return None

    def credit_code_of_address(self, address: str) -> str | None:
        return self._seen.get(address.lower())
