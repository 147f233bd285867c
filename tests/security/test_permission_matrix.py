"""Permission matrix: every privileged function of every deployed contract × every party, every
deployed contract and a stranger (SPEC §1, R-13, docs/security.md).

The privileged functions are derived from the contracts' source (an ``onlyRole(X)`` modifier, an
authority check over a unit, AccessControl's ``grantRole`` / ``revokeRole``) and must equal the
``MATRIX`` below: a new privileged function that is not in the matrix fails the test, and so does
a matrix entry whose guard went away. Each entry is then called (``eth_call``, nothing is sent) by
every caller:

* a caller without the role is refused with exactly ``AccessControlUnauthorizedAccount(caller,
  role)`` (or the contract's own authority error with its arguments);
* a caller with it (by the deployment record, ``deployment.roles``) passes the guard: the call
  succeeds or fails for another reason (the zero arguments), never for access.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from eth_abi import encode
from eth_utils import keccak

from backend.chain.domain import Sector
from scripts.upgrade import proxy_admin_of
from tests.helpers import open_paid_use

ROOT = Path(__file__).resolve().parents[2]
ZERO = "0x" + "00" * 20
ADMIN = "DEFAULT_ADMIN_ROLE"
AUTHORITY = "AUTHORITY"  # the city regulator, or the district regulator for its own district
UNIT_OR_AUTHORITY = "UNIT_OR_AUTHORITY"  # the unit itself (or its successor) or an authority

# contract.function → the guard. Role names are AccessControl roles of that contract.
MATRIX = {
    "AccountRegistry.addPollutant": "REGULATOR_ROLE",
    "AccountRegistry.registerAccount": AUTHORITY,
    "AccountRegistry.registerAccountBatch": AUTHORITY,
    "AccountRegistry.changeAttributes": AUTHORITY,
    # a freeze: an authority; the blacklist reasons (credit, fraud): TIMELOCK_ROLE (the council)
    # or ACCOUNT_MANAGER_ROLE (the lifecycle's fraud sanction) — see the blacklist test below
    "AccountRegistry.setRestriction": AUTHORITY,
    "AccountRegistry.setPolicyRestricted": AUTHORITY,
    "AccountRegistry.setQualifiedSeller": AUTHORITY,
    "AccountRegistry.closeAccount": "ACCOUNT_MANAGER_ROLE",
    "AccountRegistry.setNonAttainment": "REGULATOR_ROLE",
    "AccountRegistry.setSectorEnabled": "REGULATOR_ROLE",
    "AccountRegistry.setDistrictRegulator": ADMIN,
    "PriceBook.publish": "PRICE_SETTER_ROLE",
    "PriceBook.publishByCouncil": "TIMELOCK_ROLE",  # R-15 outside notice and band
    # the city's policy and its rule modules: only the council (docs/registry.md "Policy")
    "PolicyBook.schedule": "TIMELOCK_ROLE",
    "PolicyBook.scheduleSwitch": "TIMELOCK_ROLE",
    "PolicyBook.attach": "TIMELOCK_ROLE",
    "PolicyBook.detach": "TIMELOCK_ROLE",
    "RightsLedger.setCap": "REGULATOR_ROLE",  # held by the council's time lock only
    "RightsLedger.certifyTradable": AUTHORITY,
    "RightsLedger.allocateFree": AUTHORITY,
    "RightsLedger.allocate": "EXCHANGE_ROLE",
    "RightsLedger.allocateBatch": "EXCHANGE_ROLE",
    "RightsLedger.trade": "EXCHANGE_ROLE",
    "RightsLedger.recordPermit": "PERMIT_MANAGER_ROLE",
    "RightsLedger.endPermit": "PERMIT_MANAGER_ROLE",
    "RightsLedger.recordPermitted": "PERMIT_MANAGER_ROLE",
    "RightsLedger.pledgeRights": "PLEDGE_MANAGER_ROLE",
    "RightsLedger.releaseRights": "PLEDGE_MANAGER_ROLE",
    "RightsLedger.transferPledged": "PLEDGE_MANAGER_ROLE",
    "RightsLedger.surrender": "COMPLIANCE_ROLE",
    "RightsLedger.setOwed": "COMPLIANCE_ROLE",
    "RightsLedger.create": "RESERVE_ROLE",
    "RightsLedger.reclaim": "RESERVE_ROLE",
    "RightsLedger.lease": "LEASING_ROLE",
    "RightsLedger.endLease": "LEASING_ROLE",
    "RightsLedger.succeed": "LIFECYCLE_ROLE",
    "PermitRegistry.issuePermit": AUTHORITY,
    "PermitRegistry.changePermit": AUTHORITY,
    "PermitRegistry.renewPermit": AUTHORITY,
    "PermitRegistry.revokePermit": AUTHORITY,
    "PledgeBook.transferPledges": "LIFECYCLE_ROLE",
    "PledgeBook.settleEnforcement": "EXCHANGE_ROLE",
    "VerificationOracle.attest": "VERIFIER_ROLE",
    "VerificationOracle.attestBatch": "VERIFIER_ROLE",
    "VerificationOracle.correct": "REGULATOR_ROLE",
    "VerificationOracle.setQuorum": "TIMELOCK_ROLE",
    "VerificationOracle.setDisputeWindow": "TIMELOCK_ROLE",
    "ComplianceManager.definePeriod": "REGULATOR_ROLE",
    "ComplianceManager.setSuccessor": "LIFECYCLE_ROLE",
    "ComplianceManager.useSurplus": "RESERVE_ROLE",  # R-26 buy-backs of the period's surplus
    "ComplianceManager.surrender": UNIT_OR_AUTHORITY,
    "ComplianceManager.surrenderBatch": UNIT_OR_AUTHORITY,
    "ComplianceManager.carryOver": UNIT_OR_AUTHORITY,
    "ComplianceManager.settleOwed": UNIT_OR_AUTHORITY,
    "SettlementToken.issue": "SETTLEMENT_BANK_ROLE",
    "SettlementToken.redeem": "SETTLEMENT_BANK_ROLE",
    "SettlementToken.confirmRedemption": "SETTLEMENT_BANK_ROLE",
    "SettlementToken.rejectRedemption": "SETTLEMENT_BANK_ROLE",
    "Exchange.lock": "MARKET_ROLE",
    "Exchange.unlock": "MARKET_ROLE",
    "Exchange.transferLocked": "MARKET_ROLE",
    "Exchange.payOut": "MARKET_ROLE",
    "PrimaryMarket.approve": AUTHORITY,
    "PrimaryMarket.reject": AUTHORITY,
    "PrimaryMarket.waive": "TREASURY_ROLE",
    "PrimaryMarket.fulfil": "AUCTION_ROLE",
    "PrimaryMarket.holdApplication": "AUCTION_ROLE",  # R-09 a bidder is bound by its bid
    "PrimaryMarket.releaseApplication": "AUCTION_ROLE",
    "AuctionHouse.offerPrimary": "OPERATOR_ROLE",
    "GovernmentReserve.reclaim": "TIMELOCK_ROLE",
    "GovernmentReserve.reclaimForFraud": "LIFECYCLE_ROLE",
    "GovernmentReserve.acquireFromFacility": "TIMELOCK_ROLE",  # pays public money (R-27)
    "GovernmentReserve.offerRelease": "REGULATOR_ROLE",
    "GovernmentReserve.withdrawOffer": "REGULATOR_ROLE",
    # an authority over every unit with each unit's signature, or the council's time lock (see
    # the consent test below: a regulator alone is refused)
    "UnitLifecycle.merge": AUTHORITY,
    "UnitLifecycle.split": AUTHORITY,
    "UnitLifecycle.close": AUTHORITY,
    "UnitLifecycle.sanctionFraud": "TIMELOCK_ROLE",
    "RelayBatch.relay": "RELAYER_ROLE",  # the service's relayer key: many signed orders, one tx
    # the regulator council (its time lock's own functions are OpenZeppelin's, tested with the
    # council in tests/contracts/governance/test_council.py)
    "RegulatorCouncil.propose": "MEMBER_ROLE",
    "RegulatorCouncil.approve": "MEMBER_ROLE",
    "RegulatorCouncil.execute": "MEMBER_ROLE",
    "RegulatorCouncil.cancel": "GUARDIAN_ROLE",
    "RegulatorCouncil.setThreshold": ADMIN,
    "RegulatorCouncil.setDelay": ADMIN,
}
# Functions where an operator or a bank acts besides the order's own party: covered with set-ups
# by tests/contracts/market/test_permissions.py (the guard needs a live order to be reached).
PARTY_OR_OPERATOR = {
    "Exchange.cancelListing",  # the seller, or the operator (suspension)
    "Exchange.cancelListingBySig",  # the same, signed by the seller (or the operator)
    "AuctionHouse.cancel",  # the creator, or the operator (suspension)
    "AuctionHouse.cancelBySig",  # the same, signed by the creator (or the operator)
    "AuctionHouse.offerEnforcement",  # the pledge's bank, or the operator
}
AUTHORITY_ERRORS = {
    "AccountRegistry": "RegistryNotAuthority",
    "PermitRegistry": "PermitNotAuthority",
    "RightsLedger": "LedgerNotAuthority",
    "UnitLifecycle": "LifecycleNotAuthority",
    "PrimaryMarket": "PrimaryNotAuthority",
    "ComplianceManager": "ComplianceNotAuthorised",
}
# markers of a guard in a function's header or body (directly or through a private helper)
AUTHORITY_MARKERS = (
    "onlyAuthorityFor(",
    "_requireAuthority(",
    "_requireDistrictAuthority(",
    "isAuthorityFor(msg.sender",
    "_byAuthority(",
    "_requireParties(",
)
UNIT_MARKERS = ("_requireActor(",)
OPERATOR_MARKERS = ("hasRole(OPERATOR_ROLE, msg.sender)", "hasRole(OPERATOR_ROLE, actor)")


# ----------------------------------------------------------------------------- source analysis


def _contract_source(name: str) -> str:
    for path in (ROOT / "contracts").rglob("*.sol"):
        text = path.read_text(encoding="utf-8")
        if re.search(rf"^(abstract )?contract {name}\b", text, re.M):
            return text
    return ""


def _functions(source: str) -> dict[str, tuple[str, str]]:
    """name → (header, body) of every function with a body (private ones too)."""
    out = {}
    for m in re.finditer(r"\bfunction (\w+)\s*\(", source):
        i = source.find("{", m.end())
        j = source.find(";", m.end())
        if i < 0 or (0 <= j < i):
            continue
        depth, k = 0, i
        while True:
            if source[k] == "{":
                depth += 1
            elif source[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        out[m.group(1)] = (source[m.end() : i], source[i : k + 1])
    return out


def _bases(source: str, name: str) -> list[str]:
    m = re.search(rf"contract {name} is ([^{{]+)\{{", source)
    return [b.strip().split("(")[0] for b in m.group(1).split(",")] if m else []


def guards_in_source(name: str) -> dict[str, str]:
    """function → guard of a contract and its project bases, read from the source."""
    source = _contract_source(name)
    functions: dict[str, tuple[str, str]] = {}
    for base in _bases(source, name):
        functions.update(_functions(_contract_source(base)))
    functions.update(_functions(source))

    def marked(markers, seen=()):
        found = {f for f, (h, b) in functions.items() if any(x in h + b for x in markers)}
        helpers = {f for f in found if "private" in functions[f][0] or f.startswith("_")}
        calls = tuple(f"{h}(" for h in helpers if h not in seen)
        return found | (marked(calls, seen + tuple(helpers)) if calls else set())

    guards = {}
    for f, (header, _) in functions.items():
        if ("external" not in header and "public" not in header) or " view" in header:
            continue
        role = re.search(r"onlyRole\((\w+)\)", header)
        if role:
            guards[f] = role.group(1)
    for kind, markers in (
        (UNIT_OR_AUTHORITY, UNIT_MARKERS),
        (AUTHORITY, AUTHORITY_MARKERS),
        ("OPERATOR", OPERATOR_MARKERS),
    ):
        for f in marked(markers):
            header = functions[f][0]
            if f in guards or f.startswith("_") or "private" in header or " view" in header:
                continue
            guards[f] = kind
    return guards


def derived_matrix(deployment) -> dict[str, str]:
    derived = {}
    for name, record in deployment.contracts.items():
        for function, guard in guards_in_source(name).items():
            derived[f"{name}.{function}"] = guard
        if any(e.get("name") == "grantRole" for e in record.abi):
            derived[f"{name}.grantRole"] = ADMIN
            derived[f"{name}.revokeRole"] = ADMIN
    return derived


def test_matrix_lists_every_privileged_function(deployment):
    """100 % coverage: the matrix is exactly the set of guarded functions found in the source."""
    derived = derived_matrix(deployment)
    operator = {k for k, v in derived.items() if v == "OPERATOR"}
    assert operator == PARTY_OR_OPERATOR
    derived = {k: v for k, v in derived.items() if v != "OPERATOR"}
    expected = {**MATRIX}
    for name, record in deployment.contracts.items():
        if any(e.get("name") == "grantRole" for e in record.abi):
            expected[f"{name}.grantRole"] = expected[f"{name}.revokeRole"] = ADMIN
    missing = sorted(set(derived) - set(expected))
    stale = sorted(set(expected) - set(derived))
    assert not missing, f"privileged functions missing from the matrix: {missing}"
    assert not stale, f"matrix entries without a guard in the source: {stale}"
    wrong = {k: (derived[k], expected[k]) for k in derived if derived[k] != expected[k]}
    assert not wrong


# ----------------------------------------------------------------------------- calling


def _zero(abi_type: str, components=None, fill=None):
    fixed = re.fullmatch(r"(.+)\[(\d+)\]", abi_type)
    if fixed:
        return [_zero(fixed.group(1), components, fill) for _ in range(int(fixed.group(2)))]
    if abi_type.endswith("]"):
        return []
    if abi_type == "tuple":
        return tuple(_zero(c["type"], c.get("components"), fill) for c in components)
    if abi_type == "address":
        return fill or ZERO
    if abi_type == "bool":
        return False
    if abi_type == "string":
        return ""
    if abi_type == "bytes":
        return b""
    if abi_type.startswith("bytes"):
        return b"\x00" * int(abi_type[5:])
    return 0


def _abi_of(record, function):
    entries = [e for e in record.abi if e.get("type") == "function" and e["name"] == function]
    assert len(entries) == 1, f"{function}: overloaded or missing"
    return entries[0]


def _revert_data(w3, record, function, args, callers: list[str]) -> list[bytes | None]:
    """The revert data of ``function(args)`` called from each caller (None: it succeeds), in one
    JSON-RPC batch of ``eth_call`` s."""
    contract = w3.eth.contract(address=record.address, abi=record.abi)
    data = contract.encode_abi(function, args)
    batch = [
        {
            "jsonrpc": "2.0",
            "id": i,
            "method": "eth_call",
            "params": [
                {"from": c, "to": record.address, "data": data, "gas": hex(10**7)},
                "latest",
            ],
        }
        for i, c in enumerate(callers)
    ]
    answers = requests.post(w3.provider.endpoint_uri, json=batch, timeout=60).json()
    out: list[bytes | None] = [None] * len(callers)
    for a in answers:
        if "error" in a:
            raw = a["error"].get("data")
            out[a["id"]] = (
                bytes.fromhex(raw.removeprefix("0x"))
                if isinstance(raw, str)
                else (b"revert:" + str(a["error"]).encode())
            )
    return out


def _error(signature: str, types: list[str], values: list) -> bytes:
    return keccak(text=signature)[:4] + encode(types, values)


def _unauthorized(caller: str, role: bytes) -> bytes:
    return _error(
        "AccessControlUnauthorizedAccount(address,bytes32)", ["address", "bytes32"], [caller, role]
    )


def _role_id(w3, record, role: str) -> bytes:
    """The role's id as the contract defines it (its public ``X_ROLE`` getter)."""
    if role == ADMIN:
        return b"\x00" * 32
    contract = w3.eth.contract(address=record.address, abi=record.abi)
    if not any(e.get("name") == role for e in record.abi):  # Roles.sol's id, no getter of its own
        return keccak(text=role)
    return bytes(getattr(contract.functions, role)().call())


@pytest.fixture(scope="module")
def deployment(production):
    """The production role layout: the deployer renounced its admin, the council's time lock
    alone administers every contract and holds the high-impact roles."""
    return production


@pytest.fixture(scope="module")
def units(deployment, parties, companies):
    """Two registered units: one in the district regulator's district (1), one outside it (2)."""
    from brownie import AccountRegistry

    registry = AccountRegistry.at(deployment.contracts["AccountRegistry"].address)
    regulator = parties["city_regulator"]
    plan = ((companies[0], 1), (companies[1], 2), (companies[3], 1), (companies[4], 2))
    for i, (unit, district) in enumerate(plan):
        registry.registerAccount(
            unit, f"91500000MA5X{i:06d}", f"unit{i}", int(Sector.INDUSTRY), district, 1,
            {"from": regulator},
        )  # fmt: skip
    return {1: companies[0].address, 2: companies[1].address}


@pytest.fixture(scope="module")
def partners(units, companies):
    """A second unit in each district: the surviving unit of a merger."""
    return {1: companies[3].address, 2: companies[4].address}


@pytest.fixture(scope="module")
def callers(deployment, parties, stranger, companies):
    """Every party, every deployed contract, a registered company and a stranger."""
    out = {name: account.address for name, account in parties.items()}
    out.update({f"contract:{n}": r.address for n, r in deployment.contracts.items()})
    out["company"] = companies[2].address
    out["stranger"] = stranger.address
    return out


def _role_holders(deployment, contract: str, role: str) -> set[str]:
    return set(deployment.roles.get(f"{contract}.{role}", []))


ROLE_ENTRIES = sorted(k for k, v in MATRIX.items() if v not in (AUTHORITY, UNIT_OR_AUTHORITY))


def test_role_gated_functions_refuse_everyone_but_the_role_holders(deployment, callers, parties):
    """Each role-gated function × each caller: exactly AccessControlUnauthorizedAccount(caller,
    role) for those without the role; the guard passes for its holders (deployment record)."""
    from brownie import web3

    entries = ROLE_ENTRIES + sorted(
        f"{n}.{f}"
        for n, r in deployment.contracts.items()
        for f in ("grantRole", "revokeRole")
        if any(e.get("name") == "grantRole" for e in r.abi)
    )
    cells = 0
    for entry in entries:
        contract, function = entry.split(".")
        role = MATRIX.get(entry, ADMIN)
        record = deployment.contracts[contract]
        abi = _abi_of(record, function)
        args = [_zero(i["type"], i.get("components")) for i in abi["inputs"]]
        holders = _role_holders(deployment, contract, role)
        assert holders, f"{entry}: nobody holds {role}"
        role_id = _role_id(web3, record, role)
        answers = _revert_data(web3, record, function, args, list(callers.values()))
        for (name, caller), data in zip(callers.items(), answers, strict=True):
            refusal = _unauthorized(caller, role_id)
            if caller in holders:
                assert data != refusal, f"{entry}: holder {name} refused"
            else:
                assert data == refusal, f"{entry}: {name} not refused with {role} ({data!r})"
            cells += 1
    assert cells == len(entries) * len(callers)


def test_only_the_time_lock_may_upgrade_any_contract(deployment, callers):
    """Replacing a contract's code (docs/operations.md "Upgrades"): each proxy's ``ProxyAdmin``
    × each caller: exactly ``OwnableUnauthorizedAccount(caller)`` for everyone but the council's
    time lock, whose re-pointing passes."""
    from brownie import ProxyAdmin, web3

    proxied = {n: r for n, r in deployment.contracts.items() if r.implementation}
    assert len(proxied) == 15, sorted(proxied)
    timelock = deployment.contracts["CouncilTimelock"].address
    for name, record in proxied.items():
        admin = SimpleNamespace(address=proxy_admin_of(web3, record.address), abi=ProxyAdmin.abi)
        args = [record.address, record.implementation, b""]
        answers = _revert_data(web3, admin, "upgradeAndCall", args, list(callers.values()))
        for (who, caller), data in zip(callers.items(), answers, strict=True):
            if caller == timelock:
                assert data is None, f"{name}: the time lock refused ({data!r})"
            else:
                refusal = _error("OwnableUnauthorizedAccount(address)", ["address"], [caller])
                assert data == refusal, f"{name}: {who} not refused ({data!r})"


# Batches whose guard runs per line (each line under the single call's check): an empty batch
# reaches no guard, so their refusals are tested with lines in tests/contracts/registry/
# test_batches.py.
GUARDED_PER_LINE = {"AccountRegistry.registerAccountBatch", "ComplianceManager.surrenderBatch"}
AUTHORITY_ENTRIES = sorted(
    k
    for k, v in MATRIX.items()
    if v in (AUTHORITY, UNIT_OR_AUTHORITY) and k not in GUARDED_PER_LINE
)


# regulator actions the council's time lock may also take (a sector change, a merger or split the
# units did not sign)
COUNCIL_TOO = {
    "AccountRegistry.changeAttributes",
    "UnitLifecycle.merge",
    "UnitLifecycle.split",
}


def _authority_args(abi, unit, district, app_id, partner):
    args = []
    for i in abi["inputs"]:
        if i["name"] in ("district",) and i["type"] == "uint16":
            args.append(district)
        elif i["name"] == "id":
            args.append(app_id)
        elif i["name"] == "sector":
            args.append(int(Sector.INDUSTRY))
        elif i["name"] == "creditCode":
            args.append("91500000MA5X999991")
        else:
            args.append(_zero(i["type"], i.get("components"), fill=unit))
    if abi["name"] == "merge":  # merge(from, to): the survivor is in the same district
        args[1] = partner
    if abi["name"] == "split":  # split(from, plan, obligor, reason): likewise the obligor
        args[2] = partner
    return args


def test_authority_scoped_functions_refuse_others_and_other_districts(
    deployment, callers, parties, units, partners
):
    """Each regulator action over a unit × each caller: the city regulator passes, the district
    regulator passes for units of its district only, the unit itself passes where it may act on
    its own (surrender, R-24); everyone else gets the contract's authority error, with the actor
    and the unit (SPEC §1 district scope)."""
    from brownie import AccountRegistry, PrimaryMarket, web3

    primary = PrimaryMarket.at(deployment.contracts["PrimaryMarket"].address)
    registry = AccountRegistry.at(deployment.contracts["AccountRegistry"].address)
    cod = open_paid_use(registry, parties["city_regulator"])  # applications need it (R-01, R-38)
    apps = {
        d: primary.submitApplication(cod, 1_000, 0, {"from": unit}).return_value
        for d, unit in units.items()
    }
    city, district_regulator = parties["city_regulator"].address, parties["district_regulator"]
    cells = 0
    for entry in AUTHORITY_ENTRIES:
        contract, function = entry.split(".")
        record = deployment.contracts[contract]
        abi = _abi_of(record, function)
        error = AUTHORITY_ERRORS[contract]
        for district, unit in units.items():
            args = _authority_args(abi, unit, district, apps[district], partners[district])
            allowed = {city} | ({district_regulator.address} if district == 1 else set())
            if MATRIX[entry] == UNIT_OR_AUTHORITY:
                allowed.add(unit)
            if entry == "AccountRegistry.setRestriction":  # the lifecycle; the time lock
                allowed |= set(deployment.roles["AccountRegistry.ACCOUNT_MANAGER_ROLE"])
                allowed |= set(deployment.roles["AccountRegistry.TIMELOCK_ROLE"])
            if entry in COUNCIL_TOO:  # the council's time lock acts without an authority's scope
                allowed |= set(deployment.roles[f"{contract}.TIMELOCK_ROLE"])
            answers = _revert_data(web3, record, function, args, list(callers.values()))
            for (name, caller), data in zip(callers.items(), answers, strict=True):
                if contract == "AccountRegistry" and caller == district_regulator.address:
                    refusal = _error(  # the registry names the district the regulator lacks
                        "RegistryOutsideDistrict(address,address,uint16)",
                        ["address", "address", "uint16"],
                        [caller, ZERO if function == "registerAccount" else unit, district],
                    )
                elif contract == "AccountRegistry":
                    refusal = _error(f"{error}(address)", ["address"], [caller])
                else:
                    refusal = _error(
                        f"{error}(address,address)", ["address", "address"], [caller, unit]
                    )
                if caller in allowed:
                    assert data != refusal, f"{entry}: {name} refused for district {district}"
                else:
                    assert data == refusal, f"{entry}: {name} not refused ({data!r})"
                cells += 1
    assert cells == len(AUTHORITY_ENTRIES) * len(units) * len(callers)


def test_blacklist_reasons_refuse_everyone_but_the_time_lock(deployment, callers, units):
    """R-17 blacklist (credit, fraud), set or lifted: only the council's time lock (or the
    lifecycle's time-locked fraud sanction); the city regulator too gets
    AccessControlUnauthorizedAccount(caller, TIMELOCK_ROLE)."""
    from brownie import web3

    record = deployment.contracts["AccountRegistry"]
    role = _role_id(web3, record, "TIMELOCK_ROLE")
    allowed = set(deployment.roles["AccountRegistry.TIMELOCK_ROLE"])
    allowed |= set(deployment.roles["AccountRegistry.ACCOUNT_MANAGER_ROLE"])
    for bit in (1, 16):  # RESTRICTION_CREDIT, RESTRICTION_FRAUD
        for active in (True, False):
            args = [units[1], bit, active, ""]
            answers = _revert_data(web3, record, "setRestriction", args, list(callers.values()))
            for (name, caller), data in zip(callers.items(), answers, strict=True):
                if caller in allowed:
                    assert data is None, f"{name} refused"
                else:
                    assert data == _unauthorized(caller, role), f"{name} not refused"


def test_a_regulator_alone_is_refused_merge_and_split(deployment, parties, units, partners):
    """R-30, R-31: the city regulator, and the district regulator in its own district, pass the
    authority check but are refused without the units' signatures
    (`LifecycleConsentMissing(unit)`); only the council's time lock acts without them."""
    from brownie import AccountRegistry, web3

    registry = AccountRegistry.at(deployment.contracts["AccountRegistry"].address)
    registry.addPollutant("COD", "化学需氧量", 1, {"from": parties["city_regulator"]})
    record = deployment.contracts["UnitLifecycle"]
    unit, partner = units[1], partners[1]
    plan = [(partner, 1, 0, 0, 0, 0, 0)]
    calls = {
        "merge": [unit, partner, "吸收合并", 2**40, []],
        "split": [unit, plan, partner, "分立", 2**40, []],
    }
    lock = deployment.roles["UnitLifecycle.TIMELOCK_ROLE"]
    missing = _error("LifecycleConsentMissing(address)", ["address"], [unit])
    regulators = [parties["city_regulator"].address, parties["district_regulator"].address]
    for function, args in calls.items():
        answers = _revert_data(web3, record, function, args, [*regulators, *lock])
        assert answers[:2] == [missing, missing], function
        assert all(a != missing for a in answers[2:]), function


def test_deployed_contracts_fit_the_size_limit(deployment):
    """EIP-170: geth refuses contracts above 24 576 bytes; every deployed one fits (behind a
    proxy: its implementation, the code that grows)."""
    from brownie import web3

    def size(record) -> int:
        return len(web3.eth.get_code(record.implementation or record.address))

    for name, record in deployment.contracts.items():
        assert size(record) <= 24_576, name
    # issue 18: the ledger keeps a fifth of the limit free for what it must still gain
    ledger = deployment.contracts["RightsLedger"]
    assert ledger.implementation, "the ledger is behind a proxy"
    assert size(ledger) <= 24_576 * 8 // 10, size(ledger)
