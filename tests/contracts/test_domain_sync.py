"""Every Python mirror of a contract's enum or constant (backend/chain/domain.py) stays in sync
with the compiled contracts: the members of each enum, value for value, as the compiler's AST
of the build gives them, and the enums the contracts' ABIs use are all mirrored."""

import ast
import json
import re
from enum import IntEnum
from functools import cache
from pathlib import Path

import pytest
import solcx

from backend.chain import domain
from backend.toolchain.solc import configured_version

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "contracts"
INTERFACES = ROOT / "contracts" / "interfaces"
FILE_LEVEL = ("Types.sol", "MarketTypes.sol")


def _nodes(node, kind):
    if isinstance(node, dict):
        if node.get("nodeType") == kind:
            yield node
        for value in node.values():
            yield from _nodes(value, kind)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value, kind)


@cache
def _artifacts() -> dict[str, dict]:
    found = {p.stem: json.loads(p.read_text()) for p in BUILD.glob("*.json")}
    assert found, "compile the contracts first (brownie compile)"
    return found


@cache
def _file_level_asts() -> list[dict]:
    """The ASTs of the files of enums outside any contract (Types.sol, MarketTypes.sol), which
    have no build artifact of their own: compiled by the project's compiler (AST only)."""
    sources = {
        f"contracts/interfaces/{name}": {"content": (INTERFACES / name).read_text()}
        for name in FILE_LEVEL
    }
    out = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": sources,
            "settings": {"outputSelection": {"*": {"": ["ast"]}}},
        },
        solc_binary=ROOT / ".solc" / f"solc-v{configured_version()}",
    )
    return [s["ast"] for s in out["sources"].values()]


@cache
def _compiled_enums() -> dict[str, list[str]]:
    """Every enum of the compiled sources by canonical name → its members in order."""
    enums = {}
    asts = [a.get("ast", {}) for a in _artifacts().values()] + _file_level_asts()
    for node in _nodes(asts, "EnumDefinition"):
        enums[node["canonicalName"]] = [m["name"] for m in node["members"]]
    return enums


def _compiled_constants(contract: str, prefix: str) -> dict[str, int]:
    """``PREFIX_<NAME> = <number>`` constants of ``contract`` → {NAME: number}."""
    (definition,) = [
        n
        for n in _nodes(_artifacts()[contract]["ast"], "ContractDefinition")
        if n["name"] == contract
    ]
    return {
        n["name"].removeprefix(prefix): int(n["value"]["value"])
        for n in _nodes(definition["nodes"], "VariableDeclaration")
        if n.get("constant") and n["name"].startswith(prefix)
    }


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


@pytest.mark.parametrize("enum", list(domain.SOLIDITY), ids=lambda e: e.__name__)
def test_python_mirror_matches_the_compiled_contract(enum):
    solidity = domain.SOLIDITY[enum]
    if solidity.endswith("_"):  # a set of constants
        contract, prefix = solidity.split(".")
        assert _compiled_constants(contract, prefix) == {e.name: int(e) for e in enum}
        return
    members = _compiled_enums()[solidity]
    assert [(_snake(m), i) for i, m in enumerate(members)] == [(e.name, int(e)) for e in enum]


@pytest.mark.parametrize("part", list(domain.SUBSETS), ids=lambda e: e.__name__)
def test_a_part_of_an_enum_keeps_the_whole_ones_values(part):
    whole = domain.SUBSETS[part]
    assert {e.name: int(e) for e in part}.items() <= {e.name: int(e) for e in whole}.items()


def _ours(contract: str) -> bool:
    """Whether ``contract`` is the project's own (not OpenZeppelin's, e.g. TimelockController)."""
    return any((ROOT / "contracts").rglob(f"{contract}.sol"))


def test_every_enum_of_the_contracts_abis_is_mirrored():
    """An enum the deployed contracts take or return (the ABIs' ``internalType``) has its
    mirror: a new one cannot be used by the service as a bare number."""
    used = set()
    for name, artifact in _artifacts().items():
        if "Mock" in name or "Probe" in name:
            continue
        used |= set(re.findall(r'"internalType": "enum ([\w.]+)"', json.dumps(artifact["abi"])))
    ours = {
        e for e in used if "." not in e or list(ROOT.glob(f"contracts/**/{e.split('.')[0]}.sol"))
    }
    assert ours, "the ABIs use the contracts' enums"
    assert sorted(ours - set(domain.SOLIDITY.values())) == []


def test_no_other_module_of_the_service_mirrors_an_enum():
    """One home for the contracts' vocabulary: no enum class anywhere else in backend/."""
    others = []
    for path in (ROOT / "backend").rglob("*.py"):
        if path == ROOT / "backend" / "chain" / "domain.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                getattr(b, "id", getattr(b, "attr", "")) in ("IntEnum", "IntFlag", "Enum")
                for b in node.bases
            ):
                others.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert others == []


def test_every_mirror_is_checked():
    mirrors = [
        v
        for v in vars(domain).values()
        if isinstance(v, type) and issubclass(v, IntEnum) and v.__module__ == domain.__name__
    ]
    assert sorted(e.__name__ for e in mirrors) == sorted(
        e.__name__ for e in [*domain.SOLIDITY, *domain.SUBSETS]
    )


@pytest.mark.parametrize("primary", ["Merge", "Split"])
def test_lifecycle_consent_types_match_the_contract(primary):
    """R-30, R-31: the typed data the service has units sign is the struct UnitLifecycle hashes."""
    from backend.chain.consent import encode_type

    source = (INTERFACES.parent / "lifecycle" / "UnitLifecycle.sol").read_text()
    typehash = re.search(rf'{primary.upper()}_TYPEHASH = keccak256\(\s*"([^"]+)"', source).group(1)
    assert encode_type(primary) == typehash
