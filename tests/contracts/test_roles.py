"""Every role id of the product is one of `contracts/access/Roles.sol`'s (docs/security.md): a
party holds the same role id in every contract that names it, and the service, the explorer and
the deployment record read each contract's `X_ROLE` constant. Runs on the production deployment
(fixture ``production``), whose every contract and the council's time lock are asked for each of
their `*_ROLE` constants, and on the artifacts of every contract the product compiles."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from eth_utils import keccak

ROOT = Path(__file__).resolve().parents[2]
ROLES_SOL = ROOT / "contracts" / "access" / "Roles.sol"
ENTRY = re.compile(r"bytes32 internal constant (\w+) = (?:keccak256\(\"(\w+)\"\)|(0x0+));")


def roles_entries() -> dict[str, bytes]:
    """`Roles`' entries by name, their ids computed from the source as solc computes them."""
    entries = {}
    for name, hashed, _zero in ENTRY.findall(ROLES_SOL.read_text()):
        entries[name] = keccak(text=hashed) if hashed else bytes(32)
    return entries


def role_constants(abi: list[dict]) -> list[str]:
    return [
        item["name"]
        for item in abi
        if item.get("type") == "function" and item["name"].endswith("_ROLE") and not item["inputs"]
    ]


UPGRADE_CANDIDATES = "contracts/testing/UpgradeCandidates.sol"


def compiled_contracts_with_roles() -> set[str]:
    """The product's own compiled contracts (not OpenZeppelin's, not the next versions the upgrade
    tests install, contracts/testing/UpgradeCandidates.sol) that expose a role constant."""
    names = set()
    for artifact in (ROOT / "build" / "contracts").glob("*.json"):
        data = json.loads(artifact.read_text())
        source = data.get("sourcePath", "")
        own = source.startswith("contracts/") and source != UPGRADE_CANDIDATES
        own = own and data.get("type") == "contract"
        if own and role_constants(data["abi"]):
            names.add(data["contractName"])
    return names


def test_roles_source_lists_each_id_once():
    entries = roles_entries()
    named = {"REGULATOR", "COUNCIL_MEMBER", "EXCHANGE_OPERATOR", "RELAYER", "DEFAULT_ADMIN"}
    assert named <= entries.keys()
    assert len(set(entries.values())) == len(entries), "two Roles entries share an id"


@pytest.fixture(scope="module")
def deployed_roles(production, parties):
    """`Contract.ROLE` → id, asked of every contract of the production deployment, the council's
    time lock and the signed-action probe (the service's tests use it in place of the exchange)."""
    import brownie

    contracts = {n: getattr(brownie, n).at(r.address) for n, r in production.contracts.items()}
    timelock = contracts["RegulatorCouncil"].timelock()
    contracts["CouncilTimelock"] = brownie.CouncilTimelock.at(timelock)
    contracts["SignedActionProbe"] = brownie.SignedActionProbe.deploy(
        parties["city_regulator"], {"from": parties["city_regulator"]}
    )
    out = {}
    for name, contract in contracts.items():
        for role in role_constants(contract.abi):
            out[f"{name}.{role}"] = bytes(getattr(contract, role)())
    return out


def test_every_role_constant_of_every_contract_is_a_roles_entry(deployed_roles):
    ids = set(roles_entries().values())
    strays = {n: "0x" + value.hex() for n, value in deployed_roles.items() if value not in ids}
    assert strays == {}


def test_every_compiled_contract_with_roles_is_asked(deployed_roles):
    asked = {name.split(".")[0] for name in deployed_roles}
    # abstract bases: the exchange (asked) is the only contract built on TradingAccounts; every
    # upgradeable contract (asked) on CouncilUpgradeable
    missing = compiled_contracts_with_roles() - asked - {"TradingAccounts", "CouncilUpgradeable"}
    assert missing == set()


def test_a_party_holds_one_id_everywhere(deployed_roles):
    """The same constant name means the same role id in every contract that exposes it."""
    by_name: dict[str, set[bytes]] = {}
    for name, value in deployed_roles.items():
        by_name.setdefault(name.split(".")[1], set()).add(value)
    assert {role: ids for role, ids in by_name.items() if len(ids) > 1} == {}
