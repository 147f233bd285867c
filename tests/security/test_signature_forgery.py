"""Replay and forgery of every signed action of the deployment (docs/signing.md, R-14, R-16,
R-24, R-26, R-28, R-34, R-35).

The signed actions are found in the ABIs (every ``…BySig`` function) and their structs in the
source (``…_TYPEHASH = keccak256("…")``), so an action added later is checked too. For each one a
valid signature passes the signature check, and each forgery is refused with its exact error:
a passed deadline (``SignedActionExpired(deadline, now)``), a nonce other than the signer's next
one (an old one, i.e. a replay, or a later one), another chain id, another contract, an altered
field, another signer's key — ``SignedActionInvalidSignature(signer)``. The checks are
``eth_call`` s: nothing is sent and no nonce moves.

Real replays after a successful action (the nonce moved on) are in the contracts' own tests; the
``ELSEWHERE`` table names them, and a test checks that every signed action has one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from brownie import chain
from eth_abi import encode
from eth_utils import keccak

from tests.helpers import company_key, now, open_paid_use, signed

ROOT = Path(__file__).resolve().parents[2]
STRUCT_OF = {  # function → its struct (docs/signing.md rule 4)
    "pledgeBySig": "Pledge",
    "surrenderBySig": "Surrender",
    "carryOverBySig": "CarryOver",
    "buyBackBySig": "BuyBack",
    "acceptReleaseBySig": "AcceptRelease",
    "offerLeaseBySig": "OfferLease",
    "cancelLeaseBySig": "CancelLease",
    "acceptLeaseBySig": "AcceptLease",
    "withdrawBySig": "Withdrawal",
    "submitApplicationBySig": "Application",
    "purchaseBySig": "Purchase",
    "withdrawApplicationBySig": "WithdrawApplication",
    "listBySig": "List",
    "takeBySig": "Take",
    "bidBySig": "Bid",
    "cancelListingBySig": "CancelListing",
    "cancelBySig": "CancelLot",
    "joinBySig": "Join",
    "commitBySig": "Commit",
    "revealBySig": "Reveal",
    # one function name on two contracts, two structs
    "AuctionHouse.bidBySig": "LotBid",
}


def struct_of(action: str) -> str:
    """The struct of ``Contract.function`` (by the contract where a name is on two)."""
    return STRUCT_OF.get(action) or STRUCT_OF[action.split(".")[1]]


# signed actions with their own shape, tested in full in their own files
OWN_SHAPE = {
    "VerificationOracle.attestBySig": "tests/contracts/oracle/test_signatures.py",
    "Exchange.settleTrade": "tests/contracts/market/test_negotiated.py",
    # the terms as a tuple argument: altered terms refused there
    "AuctionHouse.offerBySig": "tests/contracts/market/test_signed_acts.py",
    # the token's own domain and nonces (ERC-2612's): its errors are ERC2612InvalidSigner
    "SettlementToken.requestRedemptionBySig": "tests/contracts/market/test_signed_acts.py",
}
# where a successful action is replayed (the nonce moved on) and refused
ELSEWHERE = {
    "PledgeBook.pledgeBySig": "tests/contracts/registry/test_pledges.py",
    "ComplianceManager.surrenderBySig": "tests/contracts/registry/test_compliance.py",
    # one nonce counter per signer and contract: the surrender's replay test covers it
    "ComplianceManager.carryOverBySig": "tests/contracts/registry/test_compliance.py",
    "GovernmentReserve.buyBackBySig": "tests/contracts/lifecycle/test_signed_actions.py",
    "GovernmentReserve.acceptReleaseBySig": "tests/contracts/lifecycle/test_signed_actions.py",
    "LeaseBook.offerLeaseBySig": "tests/contracts/lifecycle/test_signed_actions.py",
    "LeaseBook.cancelLeaseBySig": "tests/contracts/lifecycle/test_signed_actions.py",
    "LeaseBook.acceptLeaseBySig": "tests/contracts/lifecycle/test_signed_actions.py",
    "Exchange.withdrawBySig": "tests/contracts/market/test_money.py",
    "PrimaryMarket.submitApplicationBySig": "tests/contracts/market/test_primary.py",
    "PrimaryMarket.purchaseBySig": "tests/contracts/market/test_primary.py",
    **{
        f"{c}.{f}": "tests/contracts/market/test_signed_acts.py"
        for c, f in (
            ("PrimaryMarket", "withdrawApplicationBySig"),
            ("Exchange", "listBySig"),
            ("Exchange", "takeBySig"),
            ("Exchange", "bidBySig"),
            ("Exchange", "cancelListingBySig"),
            ("AuctionHouse", "cancelBySig"),
            ("AuctionHouse", "joinBySig"),
            ("AuctionHouse", "bidBySig"),
            ("AuctionHouse", "commitBySig"),
            ("AuctionHouse", "revealBySig"),
        )
    },
    **OWN_SHAPE,
}


def structs_in_source() -> dict[str, list[tuple[str, str]]]:
    """struct name → [(field, type)] of every ``…_TYPEHASH`` in the contracts."""
    out = {}
    for path in (ROOT / "contracts").rglob("*.sol"):
        if "testing" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r'_TYPEHASH\s*=\s*keccak256\(\s*"(\w+)\(([^)]*)\)"', text):
            fields = [tuple(reversed(f.split())) for f in m.group(2).split(",")]
            out[m.group(1)] = fields
    return out


def signed_actions(deployment) -> list[str]:
    """Contract.function of every signed action in the deployed ABIs."""
    found = []
    for name, record in deployment.contracts.items():
        for e in record.abi:
            if e.get("type") != "function":
                continue
            if e["name"].endswith("BySig") or e["name"] == "settleTrade":
                found.append(f"{name}.{e['name']}")
    return sorted(found)


def test_every_signed_action_is_covered(deployment):
    """Each signed action is checked here (or, with its own shape, in its own file) and has a
    replay test after a successful use."""
    actions = signed_actions(deployment)
    checked = {a for a in actions if a in OWN_SHAPE or a.split(".")[1] in STRUCT_OF}
    assert set(actions) == checked
    assert set(actions) == set(ELSEWHERE)
    for path in set(ELSEWHERE.values()):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(r"(SignedAction|Oracle)InvalidSignature", text), path
    structs = structs_in_source()
    assert set(STRUCT_OF.values()) <= set(structs)


def _error(signature: str, types: list[str], values: list) -> str:
    return "0x" + (keccak(text=signature)[:4] + encode(types, values)).hex()


def _call(contract, function, args, sender) -> str | None:
    """Revert data of an ``eth_call`` (None if it would succeed)."""
    from brownie import web3

    data = (
        contract.signatures[function]
        + encode([i["type"] for i in _inputs(contract, function)], args).hex()
    )
    try:
        web3.eth.call({"from": sender, "to": contract.address, "data": data, "gas": 10**7})
    except Exception as e:  # web3 wraps reverts in several classes
        raw = getattr(e, "data", None)
        if e.args and isinstance(e.args[0], dict):
            raw = e.args[0].get("data")
        return raw if isinstance(raw, str) else f"other: {e}"
    return None


def _inputs(contract, function):
    return next(e for e in contract.abi if e.get("name") == function)["inputs"]


def _values(contract, function, signer, other):
    """Values for the action's fields: the signer first, then small numbers / another address."""
    values = []
    for i, inp in enumerate(_inputs(contract, function)[:-2]):
        if inp["type"] == "address":
            values.append(signer if i == 0 else other)
        elif inp["type"].startswith("bytes"):
            values.append(b"\x01" * 32)
        else:
            values.append(1)
    return values


CASES = sorted(
    f"{c}.{f}"
    for c, f in (
        ("PledgeBook", "pledgeBySig"),
        ("ComplianceManager", "surrenderBySig"),
        ("ComplianceManager", "carryOverBySig"),
        ("GovernmentReserve", "buyBackBySig"),
        ("GovernmentReserve", "acceptReleaseBySig"),
        ("LeaseBook", "offerLeaseBySig"),
        ("LeaseBook", "cancelLeaseBySig"),
        ("LeaseBook", "acceptLeaseBySig"),
        ("Exchange", "withdrawBySig"),
        ("PrimaryMarket", "submitApplicationBySig"),
        ("PrimaryMarket", "purchaseBySig"),
        ("PrimaryMarket", "withdrawApplicationBySig"),
        ("Exchange", "listBySig"),
        ("Exchange", "takeBySig"),
        ("Exchange", "bidBySig"),
        ("Exchange", "cancelListingBySig"),
        ("AuctionHouse", "cancelBySig"),
        ("AuctionHouse", "joinBySig"),
        ("AuctionHouse", "bidBySig"),
        ("AuctionHouse", "commitBySig"),
        ("AuctionHouse", "revealBySig"),
    )
)


@pytest.mark.parametrize("action", CASES)
def test_forged_signatures_are_refused_by_name(deployment, companies, stranger, action):
    """Expired, replayed (old nonce), future nonce, other chain id, other contract, altered field
    and wrong signer: each refused with its exact error; the genuine signature passes the check."""
    import brownie

    name, function = action.split(".")
    contract = getattr(brownie, name).at(deployment.contracts[name].address)
    fields = structs_in_source()[struct_of(action)]
    signer, other = companies[0].address, companies[1].address
    values = _values(contract, function, signer, other)
    implied = []  # a struct field the function reads from the chain (the purchase's applicant)
    if function == "purchaseBySig":  # the application's id and the largest fee accepted
        values = [_own_application(deployment, companies[0]), 1]
        implied = [signer]
    assert len(implied + values) == len(fields) - 2
    nonce = contract.nonces(signer)
    deadline = now() + 3_600

    own_key = company_key(0)

    def sign(vals=values, key=own_key, n=nonce, dl=deadline, **domain):
        message = {f: v for (f, _), v in zip(fields, [*implied, *vals, n, dl], strict=True)}
        return signed(contract, struct_of(action), fields, message, key, **domain)

    def attempt(signature, vals=values, dl=deadline):
        args = [*vals, dl, bytes.fromhex(signature[2:])]
        return _call(contract, function, args, stranger.address)

    invalid = _error("SignedActionInvalidSignature(address)", ["address"], [signer])
    genuine = attempt(sign())
    assert genuine is None or not genuine.startswith((invalid[:10], "0x" + _sel_expired()))
    past = now() - 1
    expired = attempt(sign(dl=past), dl=past)
    assert expired is not None
    assert expired.startswith("0x" + _sel_expired() + encode(["uint256"], [past]).hex())
    altered = [*values]
    last = values[-1]
    altered[-1] = (
        last + 1 if isinstance(last, int) else b"\x02" * 32 if isinstance(last, bytes) else other
    )
    forgeries = {
        "future nonce": attempt(sign(n=nonce + 1)),
        "other chain id": attempt(sign(chain_id=chain.id + 1)),
        "other contract": attempt(sign(verifying_contract=other)),
        "altered field": attempt(sign(), vals=altered),
        "wrong signer": attempt(sign(key=company_key(1))),
    }
    if nonce:
        forgeries["replayed (an old nonce)"] = attempt(sign(n=nonce - 1))
    assert forgeries == dict.fromkeys(forgeries, invalid)
    assert contract.nonces(signer) == nonce


def _own_application(deployment, unit) -> int:
    """An application of ``unit`` (registered for it), whose purchase it may sign (R-08)."""
    from brownie import AccountRegistry, PrimaryMarket

    from backend.chain.domain import Sector

    registry = AccountRegistry.at(deployment.contracts["AccountRegistry"].address)
    primary = PrimaryMarket.at(deployment.contracts["PrimaryMarket"].address)
    from scripts.deploy import dev_parties

    admin = dev_parties()["city_regulator"]
    registry.registerAccount(
        unit, "91500000MA5Y00000L", "signer", int(Sector.INDUSTRY), 1, 1, {"from": admin}
    )
    cod = open_paid_use(registry, admin)  # an application needs a pollutant in paid use
    first = primary.submitApplication(cod, 1_000, 0, {"from": unit}).return_value
    primary.submitApplication(cod, 2_000, 0, {"from": unit})  # the altered id names this one
    return first


def _sel_expired() -> str:
    return keccak(text="SignedActionExpired(uint256,uint256)")[:4].hex()
