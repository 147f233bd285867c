"""Refusals at the first step, through the API, before anything is signed (issue 19).

Where a rule already decides an act at its first step (a carry-over, a release or lease offer,
a split plan), the service's prepare or build answers with the rule's own error — the one the
last step would give — and nothing is sent. The market's flows (listing, lot, approval) are in
test_market.py, the contracts' in tests/contracts/.
"""

from brownie import chain, web3

from backend.chain.domain import Origin
from tests.backend.flows import error_of, prepare, signed, submit
from tests.backend.writes.conftest import address_of, build, events, key_of, operate
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.helpers import fen_at_benchmark, loan, now

COD = 1


def act(api, action, body, party):
    return submit(api, action, signed(prepare(api, action, body)["typed_data"], key_of(party)))


def test_carry_over_of_pledged_rights_is_refused_before_signing_R07_R26(
    api, city, ledger, exchange, compliance, usage, pledges, bank, regulator
):
    """The reported case: every right the unit has left after surrender is pledged. The
    carry-over is refused at prepare with the rule's error (R-07); after the bank's release the
    surplus is carried over, and the record is what the unit then holds (R-26)."""
    ledger.allocate(city.chem, COD, int(Origin.PAID), 20_000, {"from": exchange})
    t0 = now()
    compliance.definePeriod(t0 - YEAR, t0 + 5, t0 + 30 * DAY, t0 + 60 * DAY, {"from": regulator})
    usage.post(city.chem, COD, 1, 0, True)
    chain.sleep(6)
    chain.mine()
    pledge = pledges.pledge(bank, COD, 20_000, *loan(), {"from": city.chem.account}).return_value
    body = {"unit": city.chem.address, "pollutant": COD, "period": 1}
    start = web3.eth.block_number
    refused = api.post("/api/v1/actions/carry-over/prepare", json=body)
    assert refused.status_code == 409
    error = error_of(refused)
    assert (error["code"], error["args"]) == (
        "ComplianceRightsPledged",
        {"unit": city.chem.address, "pollutant": COD, "period": 1, "pledgedKg": 20_000},
    )
    assert error["message_zh"].startswith("质押期间的排污权不得结转")
    assert web3.eth.block_number == start
    pledges.release(pledge, {"from": bank})
    carried = act(api, "carry-over", body, 0)
    assert carried.status_code == 200, carried.text
    assert events(carried.json())["CarriedOver"]["kg"] == 20_000
    assert compliance.record(city.chem, COD, 1)["carriedKg"] == ledger.holdings(city.chem, COD)


def test_a_green_channel_offer_above_the_limit_is_refused_when_built_R21(
    api, city, ledger, regulator
):
    """R-21: the regulator's release offer of 1 t through the green channel is refused when the
    service builds it, with the error the buyer's acceptance would give; 999 kg is offered."""
    ledger.allocateFree(city.chem, COD, 2_000, {"from": regulator})
    operate(
        api,
        "reserve/reclaim",
        {"unit": city.chem.address, "pollutant": "COD", "origin": "free", "kg": 2_000,
         "reason": "关停"},
        "regulator",
    )  # fmt: skip
    offer = {
        "sender": address_of("regulator"),
        "buyer": city.hotel.address,
        "pollutant": "COD",
        "priceFen": fen_at_benchmark(1_000, BENCHMARKS["COD"]),
        "source": "reclaimed",
        "use": "green-channel",
        "reason": "小型建设项目",
    }
    start = web3.eth.block_number
    refused = build(api, "reserve/offer-release", {**offer, "kg": 1_000})
    assert refused.status_code == 409
    assert (error_of(refused)["code"], error_of(refused)["args"]) == (
        "LedgerGreenChannelLimit",
        {"account": city.hotel.address, "intakeKg": 0, "requestedKg": 1_000},
    )
    assert "1 t" in error_of(refused)["message"]  # the limit in force, named in the refusal
    assert web3.eth.block_number == start
    assert build(api, "reserve/offer-release", {**offer, "kg": 999}).status_code == 200


def test_a_lease_offer_the_acceptance_would_refuse_is_refused_at_prepare_R17_R35(
    api, city, ledger, exchange, registry, regulator
):
    """R-35, R-17: the lessor's signed offer to a lessee barred from trading is refused at
    prepare, with the error the lessee's acceptance would give."""
    ledger.allocate(city.chem, COD, int(Origin.PAID), 5_000, {"from": exchange})
    registry.setRestriction(city.steel, 4, True, "限期治理", {"from": regulator})
    offer = {
        "lessor": city.chem.address,
        "lessee": city.steel.address,
        "pollutant": COD,
        "kg": 1_000,
        "endsAt": now() + YEAR,
        "rentFen": 100_000,  # above the floor of 1 t COD for a year (800 元, R-35)
    }
    refused = api.post("/api/v1/actions/offer-lease/prepare", json=offer)
    assert refused.status_code == 409
    assert (error_of(refused)["code"], error_of(refused)["args"]) == (
        "LedgerBlacklisted",
        {"account": city.steel.address, "restrictions": 4},
    )
    registry.setRestriction(city.steel, 4, False, "整改完成", {"from": regulator})
    assert act(api, "offer-lease", offer, 0).status_code == 200


def test_a_split_plan_that_does_not_add_up_names_the_field_R31(api, city, ledger, exchange):
    """R-31: the refusal names the field of the plan that is off ("paid"), not its index."""
    ledger.allocate(city.chem, COD, int(Origin.PAID), 4_000, {"from": exchange})
    plan = [
        {"successor": city.steel.address, "pollutant": "COD", "paid": 2_000},
        {"successor": city.hotel.address, "pollutant": "COD", "paid": 1_999},
    ]
    refused = build(
        api,
        "lifecycle/split",
        {"sender": address_of("regulator"), "from": city.chem.address, "plan": plan,
         "obligor": city.steel.address, "reason": "分立"},
    )  # fmt: skip
    assert refused.status_code == 422
    error = error_of(refused)
    assert (error["code"], error["args"]) == (
        "LifecyclePlanMismatch",
        {"pollutant": COD, "field": "paid", "planned": 3_999, "held": 4_000},
    )
    assert error["message"].startswith("The split plan does not add up")


def test_an_unknown_pollutant_code_lists_the_codes_as_registered_R01(api, city):
    """R-01: the known codes are spelled as the regulator registered them (NOx, not NOX); a code
    is accepted in any case."""
    body = {"sender": address_of("regulator"), "holder": city.chem.address, "kg": 1}
    refused = build(api, "allocation/allocate-free", {**body, "pollutant": "NOY"})
    assert refused.status_code == 404
    error = error_of(refused)
    assert error["code"] == "PollutantUnknown"
    assert "NOx" in error["args"]["known"] and "NOX" not in error["args"]["known"]
    assert "SO2, NOx" in error["message"] and "NOX" not in error["message"]
    assert build(api, "allocation/allocate-free", {**body, "pollutant": "nox"}).status_code == 200
