"""Storage-layout check of the upgradeable contracts (docs/operations.md "Upgrades").

A contract behind an ERC-1967 proxy keeps its records in the proxy's storage; new code must read
every stored variable where the old code wrote it. This module compiles the upgradeable
contracts (those deployed behind a proxy: the ones with ``initialize``) with solc's
``storageLayout`` output and compares each with its committed snapshot
``contracts/layouts/<Contract>.json``, slot by slot:

- every variable of the snapshot must still be there, at the same slot and offset, with the
  same name and the same type (a struct compared member by member);
- a struct stored only as a mapping value or an array element may gain members at its end;
- new variables must start after the last slot the snapshot uses.

OpenZeppelin's own state (roles, initializer, ERC-20 balances) lives in ERC-7201 namespaced
slots, which no plain variable can reach. ``make lint`` runs ``check``; ``update`` rewrites the
snapshots after a deliberate change before the first production deployment.

    python -m backend.toolchain.storage_layout check|update [Contract …]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = ROOT / "contracts" / "layouts"
SOURCES = ROOT / "contracts"


class LayoutError(Exception):
    """An implementation whose storage would corrupt the records of the proxy it replaces."""

    def __init__(self, contract: str, problems: list[str]) -> None:
        self.contract = contract
        self.problems = problems
        super().__init__(f"{contract}: " + "; ".join(problems))


@dataclass(frozen=True)
class Slot:
    label: str
    slot: int
    offset: int
    type: str  # canonical: no compiler AST ids
    slots: int  # storage slots the variable occupies

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "slot": self.slot,
            "offset": self.offset,
            "type": self.type,
            "slots": self.slots,
        }


def _canonical(types: dict[str, Any], type_id: str) -> str:
    t = types[type_id]
    if "members" in t:  # struct: its name (without AST id) and members in order
        name = re.sub(r"\)\d+_storage$", "", type_id).removeprefix("t_struct(")
        members = ", ".join(
            f"{_canonical(types, m['type'])} {m['label']}@{m['slot']}:{m['offset']}"
            for m in t["members"]
        )
        return f"struct {name}{{{members}}}"
    if t["encoding"] == "mapping":
        key, value = _canonical(types, t["key"]), _canonical(types, t["value"])
        return f"mapping({key} => {value})"
    if "base" in t:  # array: static ones carry their length in the label
        size = re.search(r"\[(\d*)\]$", t["label"]).group(1)
        return f"{_canonical(types, t['base'])}[{size}]"
    return re.sub(r"\)\d+$", ")", t["label"])  # contract/enum labels without AST ids


def layout_of(storage_layout: dict[str, Any]) -> list[Slot]:
    """The plain variables of solc's ``storageLayout`` output, with canonical types."""
    types = storage_layout.get("types") or {}
    return [
        Slot(
            label=v["label"],
            slot=int(v["slot"]),
            offset=int(v["offset"]),
            type=_canonical(types, v["type"]),
            slots=max(1, -(-int(types[v["type"]]["numberOfBytes"]) // 32)),
        )
        for v in storage_layout["storage"]
    ]


def _growable(old: str, new: str) -> bool:
    """``new`` equals ``old`` or only appends members to structs that sit behind a mapping value
    or a dynamic array (their elements are hashed apart, so a longer struct moves nothing)."""
    if old == new:
        return True
    # compare struct bodies: old members must be a prefix of new members, nested anywhere in a
    # mapping value or dynamic array element
    pattern = re.compile(r"struct ([\w.]+)\{")
    old_at, new_at = pattern.search(old), pattern.search(new)
    if not old_at or not new_at or old[: old_at.start()] != new[: new_at.start()]:
        return False
    if not (old[: old_at.start()].startswith("mapping(") or old.endswith("[]")):
        return False
    old_body, new_body = old[old_at.end() :], new[new_at.end() :]
    old_members = old_body[: old_body.rindex("}")]
    new_members = new_body[: new_body.rindex("}")]
    tail_old, tail_new = old_body[old_body.rindex("}") :], new_body[new_body.rindex("}") :]
    return tail_old == tail_new and new_members.startswith(old_members + ", ")


def compare(contract: str, old: list[Slot], new: list[Slot]) -> None:
    """Raise :class:`LayoutError` if ``new`` moves, retypes or removes a variable of ``old``
    or places a new variable inside the slots ``old`` uses."""
    problems = []
    by_position = {(s.slot, s.offset): s for s in new}
    for s in old:
        n = by_position.get((s.slot, s.offset))
        if n is None or n.label != s.label:
            moved = next((m for m in new if m.label == s.label), None)
            if moved is None:
                problems.append(f"{s.label} (slot {s.slot}) removed")
            else:
                problems.append(
                    f"{s.label} moved from slot {s.slot}:{s.offset} to {moved.slot}:{moved.offset}"
                )
        elif not _growable(s.type, n.type):
            problems.append(f"{s.label} (slot {s.slot}) retyped from {s.type} to {n.type}")
    end = max((s.slot + s.slots for s in old), default=0)
    known = {(s.slot, s.offset, s.label) for s in old}
    for n in new:
        if (n.slot, n.offset, n.label) not in known and n.slot < end:
            problems.append(
                f"new variable {n.label} at slot {n.slot}, inside the stored slots (< {end})"
            )
    if problems:
        raise LayoutError(contract, problems)


def snapshot_path(contract: str) -> Path:
    return LAYOUTS / f"{contract}.json"


def load_snapshot(contract: str) -> list[Slot]:
    data = json.loads(snapshot_path(contract).read_text(encoding="utf-8"))
    return [Slot(**s) for s in data["storage"]]


def save_snapshot(contract: str, layout: list[Slot]) -> None:
    LAYOUTS.mkdir(parents=True, exist_ok=True)
    data = {"contract": contract, "storage": [s.as_json() for s in layout]}
    snapshot_path(contract).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def compile_layouts() -> dict[str, tuple[str, list[Slot]]]:
    """Storage layouts of every deployable upgradeable contract (ABI with ``initialize``)
    in the project's sources, including the test implementations of contracts/testing:
    name → (source path, layout)."""
    import solcx

    from backend.toolchain.solc import configured_version

    files = {
        str(p.relative_to(ROOT)): {"content": p.read_text(encoding="utf-8")}
        for p in sorted(SOURCES.rglob("*.sol"))
    }
    config = _compiler_config()
    out = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": files,
            "settings": {
                "evmVersion": config["evm_version"],
                "optimizer": {"enabled": True, "runs": config["runs"]},
                "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
                "outputSelection": {"*": {"*": ["abi", "storageLayout"]}},
            },
        },
        solc_binary=ROOT / ".solc" / f"solc-v{configured_version()}",
        allow_paths=str(ROOT),
    )
    layouts = {}
    for path, contracts in out["contracts"].items():
        if path.startswith("node_modules"):
            continue
        text = files[path]["content"]
        for name, c in contracts.items():
            abstract = re.search(rf"abstract\s+contract\s+{name}\b", text)
            if not abstract and any(e.get("name") == "initialize" for e in c["abi"]):
                layouts[name] = (path, layout_of(c["storageLayout"]))
    return layouts


def product_layouts(layouts: dict[str, tuple[str, list[Slot]]]) -> dict[str, list[Slot]]:
    """The product's own contracts (not contracts/testing)."""
    return {n: lay for n, (path, lay) in layouts.items() if "/testing/" not in path}


def check_replacement(
    current: str, candidate: str, layouts: dict[str, tuple[str, list[Slot]]] | None = None
) -> None:
    """Raise :class:`LayoutError` unless ``candidate`` may replace ``current``'s code: the
    candidate's layout against ``current``'s committed snapshot (scripts/upgrade.py)."""
    layouts = layouts or compile_layouts()
    compare(candidate, load_snapshot(current), layouts[candidate][1])


def _compiler_config() -> dict[str, Any]:
    text = (ROOT / "brownie-config.yaml").read_text(encoding="utf-8")
    evm = re.search(r"evm_version:\s*(\w+)", text).group(1)
    runs = int(re.search(r"runs:\s*(\d+)", text).group(1))
    return {"evm_version": evm, "runs": runs}


def check(layouts: dict[str, list[Slot]]) -> list[LayoutError]:
    """Each compiled upgradeable contract against its snapshot; a contract without one fails."""
    errors = []
    for name, layout in sorted(layouts.items()):
        if not snapshot_path(name).exists():
            errors.append(LayoutError(name, ["no committed layout snapshot (run update)"]))
            continue
        try:
            compare(name, load_snapshot(name), layout)
        except LayoutError as e:
            errors.append(e)
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("check", "update"))
    parser.add_argument("contracts", nargs="*")
    args = parser.parse_args(argv)
    layouts = product_layouts(compile_layouts())
    if args.contracts:
        layouts = {n: layouts[n] for n in args.contracts}
    if args.command == "update":
        for name, layout in layouts.items():
            save_snapshot(name, layout)
            print(f"{name}: {len(layout)} variables → {snapshot_path(name).relative_to(ROOT)}")
        return 0
    errors = check(layouts)
    for e in errors:
        print(f"storage layout: {e}", file=sys.stderr)
    print(f"storage layout: {len(layouts)} upgradeable contracts, {len(errors)} refused")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
