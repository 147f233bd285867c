"""Every class of bad input is a 4xx with a clear message and changes nothing (R-01 integers,
checksummed addresses, credit codes, signatures, deadlines, nonces)."""

import pytest
from brownie import web3

from backend.chain.domain import Origin
from backend.services.registration import with_check
from tests.backend.flows import error_of, prepare, signed, submit
from tests.backend.writes.conftest import address_of, build, key_of
from tests.helpers import now

COD = 1


@pytest.fixture(scope="module")
def holder(city, ledger, exchange):
    ledger.allocate(city.chem, COD, int(Origin.PAID), 10_000, {"from": exchange})
    return city


def lease(holder, **changes):
    body = {
        "lessor": holder.chem.address,
        "lessee": holder.steel.address,
        "pollutant": COD,
        "kg": 1_000,
        "endsAt": now() + 86_400,
        "rentFen": 10_000,  # above the floor of 1 t COD for a day
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kg": "1000"}, "kg"),  # a string
        ({"kg": 1000.5}, "kg"),  # a float
        ({"kg": True}, "kg"),  # a boolean
        ({"kg": -1}, "kg"),  # negative
        ({"kg": 2**64}, "kg"),  # oversized for uint64
        ({"rentFen": -5}, "rentFen"),
        ({"lessee": "0xbCd4042DE499D14e55001CcbB24a551F3b954096"}, "lessee"),  # bad checksum
        ({"lessee": "0x1234"}, "lessee"),
        ({"colour": "red"}, "colour"),  # unknown field
    ],
)
def test_bad_values_are_422_and_name_the_field_R01(api, holder, change, field):
    """R-01: quantities are integers in range; addresses checksummed; no unknown fields."""
    response = api.post("/api/v1/actions/offer-lease/prepare", json=lease(holder, **change))
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "RequestInvalid"
    assert any(p["field"].endswith(field) for p in error["problems"]), error


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"creditCode": "91500000MA5U00001"}, "creditCode"),  # 17 characters
        ({"creditCode": "91500000MA5U0000IO"}, "creditCode"),  # I and O are not used
        ({"creditCode": "91500000MA5UNEW020"}, "creditCode"),  # not its check character
        ({"sector": "bakery"}, "sector"),
        ({"district": 70_000}, "district"),
        ({"sender": "0x70997970c51812dC3A010C7d01b50e0d17dc79C9"}, "sender"),  # bad checksum
    ],
)
def test_bad_operation_bodies_are_422(api, city, change, problem):
    body = {
        "sender": address_of("regulator"),
        "holder": "0x000000000000000000000000000000000000bEEF",
        "creditCode": with_check("91500000MA5UNEW02"),
        "name": "新单位",
        "sector": "industry",
        "district": 1,
        "basin": 1,
    }
    response = build(api, "registry/register-account", {**body, **change})
    assert response.status_code == 422
    assert any(p["field"].endswith(problem) for p in error_of(response)["problems"])


def test_unknown_unit_is_404(api, holder):
    """An address that is no registered unit: the ledger's rule, 404, before signing."""
    stranger = "0x000000000000000000000000000000000000dEaD"
    response = api.post(
        "/api/v1/actions/buy-back/prepare",
        json={"unit": stranger, "pollutant": COD, "period": 1, "kg": 1, "minPriceFen": 0},
    )
    assert response.status_code == 409  # no surplus window for a stranger
    response = build(
        api,
        "allocation/certify-tradable",
        {"sender": address_of("regulator"), "holder": stranger, "pollutant": COD, "kg": 1},
    )
    assert response.status_code == 404
    assert error_of(response)["code"] == "LedgerNotRegistered"


def test_bad_signature_wrong_signer_and_tampering_are_401(api, holder, leases):
    """A malformed signature, another key's, or a changed message: 401, nothing sent."""
    prepared = prepare(api, "offer-lease", lease(holder))
    envelope = signed(prepared["typed_data"], key_of(0))
    start = web3.eth.block_number
    bad = submit(api, "offer-lease", {**envelope, "signature": "0x1234"})
    assert (bad.status_code, error_of(bad)["code"]) == (401, "SignatureMalformed")
    foreign = submit(api, "offer-lease", signed(prepared["typed_data"], key_of(1)))
    assert (foreign.status_code, error_of(foreign)["code"]) == (401, "SignerMismatch")
    tampered = {
        **envelope,
        "typed_data": {
            **envelope["typed_data"],
            "message": {**envelope["typed_data"]["message"], "rentFen": 0, "kg": 9_999},
        },
    }
    assert submit(api, "offer-lease", tampered).status_code == 401
    assert web3.eth.block_number == start
    assert leases.leaseCount() == 0


def test_expired_and_out_of_range_deadlines(api, holder):
    """A deadline in the past is refused at prepare (422) and at submit (400)."""
    response = api.post(
        "/api/v1/actions/offer-lease/prepare", json={**lease(holder), "deadline": now() - 10}
    )
    assert (response.status_code, error_of(response)["code"]) == (422, "DeadlineOutOfRange")
    prepared = prepare(api, "offer-lease", lease(holder))
    typed = prepared["typed_data"]
    expired = {**typed, "message": {**typed["message"], "deadline": now() - 10}}
    response = submit(api, "offer-lease", signed(expired, key_of(0)))
    assert (response.status_code, error_of(response)["code"]) == (400, "SignatureExpired")


def test_replayed_signature_returns_the_first_transaction_and_acts_once(api, holder, leases):
    """The same signed action again is the first answer (replayed), never a second lease; the
    same signature under a new Idempotency-Key is a used nonce (409)."""
    envelope = signed(prepare(api, "offer-lease", lease(holder))["typed_data"], key_of(0))
    first = submit(api, "offer-lease", envelope, "lease-1")
    again = submit(api, "offer-lease", envelope, "lease-1")
    assert first.status_code == again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["tx_hash"] == first.json()["tx_hash"]
    other = submit(api, "offer-lease", envelope, "lease-2")
    assert (other.status_code, error_of(other)["code"]) == (409, "NonceAlreadyUsed")
    assert leases.leaseCount() == 1
    state = api.get(f"/api/v1/actions/offer-lease/requests/{holder.chem.address}/lease-1").json()
    assert (state["state"], state["tx_hash"]) == ("mined", first.json()["tx_hash"])
    nonces = api.get(f"/api/v1/nonces/{holder.chem.address}").json()
    assert nonces["signed_action_nonces"]["LeaseBook"] == 1


def test_pre_check_refusal_names_the_rule_R17(api, holder, registry, regulator):
    """R-17: a lessee blacklisted after the offer; the lease is refused at acceptance with the
    rule's name (an offer to a lessee already blacklisted is refused at the offer: see
    test_first_steps.py)."""
    envelope = signed(prepare(api, "offer-lease", lease(holder))["typed_data"], key_of(0))
    assert submit(api, "offer-lease", envelope).status_code == 200
    registry.setRestriction(holder.steel, 1, True, "环保信用不良", {"from": regulator})
    response = api.post(
        "/api/v1/actions/accept-lease/prepare",
        json={
            "lessee": holder.steel.address,
            "id": 1,
            "pollutant": COD,
            "kg": 1_000,
            "rentFen": lease(holder)["rentFen"],
        },
    )
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "LedgerBlacklisted"
    assert "R-17" in error["message"] and error["message_zh"]
