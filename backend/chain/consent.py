"""The consent a unit signs to a merger or split of itself (R-30, R-31; contracts/lifecycle).

A merger or split moves a unit's rights to others and closes it, so each unit concerned signs the
act in its own wallet as EIP-712 typed data of the ``UnitLifecycle`` contract, with its own next
nonce there (``UnitLifecycle.nonces``); a regulator with authority over every unit then submits
the act with the signatures (``merge`` / ``split(…, deadline, signatures)``). The regulator
council decides without them. One definition here for the service, the CLI, the demo and the
tests, checked against the contract's type hashes (tests/contracts/test_domain_sync.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from backend.chain.typed_data import Domain, Fields, typed_data

MERGE_FIELDS: Fields = [
    ("from", "address"),
    ("to", "address"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]
SPLIT_LINE_FIELDS: Fields = [
    ("successor", "address"),
    ("pollutant", "uint32"),
    ("paid", "uint64"),
    ("free", "uint64"),
    ("waived", "uint64"),
    ("permitted", "uint64"),
    ("owed", "uint64"),
]
SPLIT_FIELDS: Fields = [
    ("from", "address"),
    ("plan", "SplitLine[]"),
    ("obligor", "address"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]
TYPES: dict[str, dict[str, Fields]] = {
    "Merge": {"Merge": MERGE_FIELDS},
    "Split": {"Split": SPLIT_FIELDS, "SplitLine": SPLIT_LINE_FIELDS},
}


def encode_type(primary: str) -> str:
    """The EIP-712 ``encodeType`` of ``primary`` (the string the contract hashes)."""
    types = TYPES[primary]

    def one(name: str) -> str:
        return f"{name}({','.join(f'{t} {n}' for n, t in types[name])})"

    return one(primary) + "".join(one(n) for n in sorted(types) if n != primary)


def merge_parties(from_unit: str, to_unit: str) -> list[str]:
    """The units that sign a merger, in the order the contract takes their signatures."""
    return [from_unit, to_unit]


def split_parties(from_unit: str, plan: Iterable[Mapping[str, Any]]) -> list[str]:
    """The units that sign a split: the unit, then each successor in the order of its first line."""
    parties = [from_unit]
    for line in plan:
        if line["successor"] not in parties:
            parties.append(line["successor"])
    return parties


def merge_document(
    domain: Domain, from_unit: str, to_unit: str, nonce: int, deadline: int
) -> dict[str, Any]:
    """The typed data one unit signs for the merger of ``from_unit`` into ``to_unit``."""
    message = {"from": from_unit, "to": to_unit, "nonce": nonce, "deadline": deadline}
    return typed_data(domain, "Merge", TYPES["Merge"], message)


def split_document(
    domain: Domain,
    from_unit: str,
    plan: Sequence[Mapping[str, Any]],
    obligor: str,
    nonce: int,
    deadline: int,
) -> dict[str, Any]:
    """The typed data one unit signs for the split of ``from_unit`` by ``plan``; every line shows
    the successor, the pollutant and the kilograms by field."""
    lines = [{name: line[name] for name, _ in SPLIT_LINE_FIELDS} for line in plan]
    message = {
        "from": from_unit,
        "plan": lines,
        "obligor": obligor,
        "nonce": nonce,
        "deadline": deadline,
    }
    return typed_data(domain, "Split", TYPES["Split"], message)
