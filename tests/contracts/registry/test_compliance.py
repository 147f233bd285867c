"""Surrender against verified usage, shortfall and carry-over (R-23 … R-26)."""

import pytest
from brownie import chain

from backend.chain.domain import Origin, TradeMode
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.helpers import company_key, fen_at_benchmark, loan, now, plain, reverts, signed

OPEN, AWAITING, DUE, OVERDUE, COMPLIANT, NON_COMPLIANT = 1, 2, 3, 4, 5, 6
UNIT_PERIOD = [("unit", "address"), ("pollutant", "uint32"), ("period", "uint32")]
TAIL = [("nonce", "uint256"), ("deadline", "uint256")]
NEGOTIATED = int(TradeMode.NEGOTIATED)


@pytest.fixture(scope="module")
def cycle(city, ledger, exchange, regulator, compliance):
    """chem holds COD 1 t waived, 2 t free, 10 t paid; period 1 ends in a day."""
    cod = city.pollutant["COD"]
    ledger.allocate(city.chem, cod, int(Origin.WAIVED), 1_000, {"from": exchange})
    ledger.allocateFree(city.chem, cod, 2_000, {"from": regulator})
    ledger.allocate(city.chem, cod, int(Origin.PAID), 10_000, {"from": exchange})
    t0 = now()
    end = t0 + DAY
    compliance.definePeriod(t0 - YEAR, end, end + 30 * DAY, end + 60 * DAY, {"from": regulator})
    return city


def after_period():
    chain.sleep(DAY + 1)
    chain.mine()


def test_surrender_burns_waived_and_free_before_paid_R24(compliance, ledger, usage, cycle):
    """R-24: rights equal to verified usage are burned, waived/free first, then paid."""
    cod = cycle.pollutant["COD"]
    usage.post(cycle.chem, cod, 1, 4_000, True)
    after_period()
    tx = compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})
    burned = [(e["origin"], e["kg"]) for e in tx.events["RightsSurrendered"]]
    assert burned == [
        (int(Origin.WAIVED), 1_000),
        (int(Origin.FREE), 2_000),
        (int(Origin.PAID), 1_000),
    ]
    assert tx.events["Surrendered"]["remaining"] == 0
    assert plain(ledger.balanceOf(cycle.chem, cod)) == (9_000, 0, 0, 0)
    assert ledger.totalSupply(cod) == 9_000
    assert plain(compliance.status(cycle.chem, cod, 1)) == (COMPLIANT, 4_000, 4_000)


def test_surrender_waits_for_the_period_end_and_final_usage_R23(compliance, usage, cycle):
    """R-23: surrender uses only final figures, after the period ends."""
    cod = cycle.pollutant["COD"]
    usage.post(cycle.chem, cod, 1, 4_000, True)
    assert compliance.status(cycle.chem, cod, 1)[0] == OPEN
    with reverts("CompliancePeriodNotEnded"):
        compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})
    usage.post(cycle.chem, cod, 1, 4_000, False)
    after_period()
    assert compliance.status(cycle.chem, cod, 1)[0] == AWAITING
    with reverts("ComplianceUsageNotFinal", cycle.chem, cod, 1):
        compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})


def test_shortfall_is_recorded_as_owed_after_the_deadline_R25(
    compliance, ledger, permits, usage, exchange, regulator, cycle
):
    """R-25: what cannot be surrendered by the deadline is owed; no permit until it is settled."""
    cod = cycle.pollutant["COD"]
    usage.post(cycle.chem, cod, 1, 20_000, True)
    after_period()
    tx = compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})
    assert tx.events["Surrendered"]["remaining"] == 7_000
    assert compliance.status(cycle.chem, cod, 1)[0] == DUE
    with reverts("ComplianceDeadlineNotReached"):
        compliance.closeSurrender(cycle.chem, cod, 1, {"from": regulator})
    chain.sleep(30 * DAY)
    chain.mine()
    assert compliance.status(cycle.chem, cod, 1)[0] == OVERDUE
    with reverts("ComplianceDeadlinePassed"):
        compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})
    tx = compliance.closeSurrender(cycle.chem, cod, 1, {"from": cycle.steel.account})  # anyone
    assert tx.events["SurrenderClosed"]["shortfall"] == 7_000
    assert ledger.owed(cycle.chem, cod) == 7_000
    assert compliance.status(cycle.chem, cod, 1)[0] == NON_COMPLIANT
    with reverts("ComplianceAlreadyClosed"):
        compliance.closeSurrender(cycle.chem, cod, 1, {"from": regulator})
    t0 = now()
    with reverts("PermitOwesShortfall", cycle.chem, cod, 7_000):
        permits.issuePermit(cycle.chem, [cod], [0], t0, t0 + YEAR, {"from": regulator})
    # the unit buys 7 t on the exchange and settles what it owes
    ledger.allocate(cycle.chem, cod, int(Origin.PAID), 7_000, {"from": exchange})
    tx = compliance.settleOwed(cycle.chem, cod, {"from": cycle.chem.account})
    assert tx.events["OwedSettled"]["remaining"] == 0
    assert ledger.owed(cycle.chem, cod) == 0
    permits.issuePermit(cycle.chem, [cod], [0], t0, t0 + YEAR, {"from": regulator})
    with reverts("ComplianceNothingOwed", cycle.chem, cod):
        compliance.settleOwed(cycle.chem, cod, {"from": cycle.chem.account})


def test_pledged_rights_stay_out_of_surrender_R07_R24(
    compliance, ledger, pledges, usage, bank, cycle
):
    """R-07: pledged rights are never surrendered; the shortfall remains due."""
    cod = cycle.pollutant["COD"]
    assert ledger.usable(cycle.chem, cod) == 13_000
    pledges.pledge(bank, cod, 6_000, *loan(), {"from": cycle.chem.account})
    assert ledger.usable(cycle.chem, cod) == 7_000  # what a surrender can burn
    usage.post(cycle.chem, cod, 1, 13_000, True)
    after_period()
    tx = compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})
    assert tx.events["Surrendered"]["kg"] == 7_000
    assert plain(ledger.balanceOf(cycle.chem, cod)) == (6_000, 0, 0, 6_000)


def test_nothing_due_and_nothing_to_surrender_refused_R24(compliance, usage, cycle):
    """R-24: a second surrender of a settled period, or a unit with nothing usable, is refused."""
    cod = cycle.pollutant["COD"]
    usage.post(cycle.chem, cod, 1, 1_000, True)
    usage.post(cycle.steel, cod, 1, 1_000, True)
    after_period()
    compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})
    with reverts("ComplianceNothingDue", cycle.chem, cod, 1):
        compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})
    with reverts("ComplianceNothingToSurrender", cycle.steel, cod, 1_000):
        compliance.surrender(cycle.steel, cod, 1, {"from": cycle.steel.account})


def test_who_may_surrender_for_a_unit_R24(
    compliance, usage, regulator, district_regulator, cycle, stranger
):
    """R-24, SPEC §1: the unit, the city regulator, or its own district regulator — nobody else."""
    cod = cycle.pollutant["COD"]
    for unit in (cycle.chem, cycle.steel):
        usage.post(unit, cod, 1, 0, True)
    after_period()
    with reverts("ComplianceNotAuthorised", stranger, cycle.chem):
        compliance.surrender(cycle.chem, cod, 1, {"from": stranger})
    with reverts("ComplianceNotAuthorised", district_regulator, cycle.steel):
        compliance.surrender(cycle.steel, cod, 1, {"from": district_regulator})  # steel: district 2
    with reverts("ComplianceNothingDue"):  # authorised, and nothing is due at 0 kg
        compliance.surrender(cycle.chem, cod, 1, {"from": district_regulator})


def test_surrender_signed_by_the_unit_is_relayed_R24(compliance, usage, cycle, stranger):
    """R-24: the unit signs the surrender in its wallet; the relayer submits it."""
    cod = cycle.pollutant["COD"]
    usage.post(cycle.chem, cod, 1, 500, True)
    after_period()
    deadline = now() + 3_600
    message = {
        "unit": cycle.chem.address,
        "pollutant": cod,
        "period": 1,
        "nonce": 0,
        "deadline": deadline,
    }
    sig = signed(compliance, "Surrender", UNIT_PERIOD + TAIL, message, company_key(0))
    tx = compliance.surrenderBySig(cycle.chem, cod, 1, deadline, sig, {"from": stranger})
    assert tx.events["Surrendered"]["kg"] == 500
    with reverts("SignedActionInvalidSignature", cycle.chem):
        compliance.surrenderBySig(cycle.chem, cod, 1, deadline, sig, {"from": stranger})


def test_carry_over_within_the_window_R26(compliance, usage, cycle):
    """R-26: a unit that surrendered in full carries its surplus over, once, inside the window."""
    cod = cycle.pollutant["COD"]
    usage.post(cycle.chem, cod, 1, 4_000, True)
    after_period()
    with reverts("ComplianceNotCompliant", cycle.chem, cod, 1):
        compliance.carryOver(cycle.chem, cod, 1, {"from": cycle.chem.account})
    compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})
    assert compliance.surplusWindowOpen(cycle.chem, cod, 1)
    tx = compliance.carryOver(cycle.chem, cod, 1, {"from": cycle.chem.account})
    assert (tx.events["CarriedOver"]["kg"], tx.events["CarriedOver"]["automatic"]) == (9_000, False)
    assert not compliance.surplusWindowOpen(cycle.chem, cod, 1)
    with reverts("ComplianceAlreadyCarriedOver"):
        compliance.carryOver(cycle.chem, cod, 1, {"from": cycle.chem.account})


def test_carry_over_signed_by_the_unit_R26(compliance, usage, cycle, stranger):
    """R-26: carry-over may be signed in the unit's wallet and relayed."""
    cod = cycle.pollutant["COD"]
    usage.post(cycle.chem, cod, 1, 0, True)
    after_period()
    deadline = now() + 3_600
    message = {
        "unit": cycle.chem.address,
        "pollutant": cod,
        "period": 1,
        "nonce": 0,
        "deadline": deadline,
    }
    sig = signed(compliance, "CarryOver", UNIT_PERIOD + TAIL, message, company_key(0))
    tx = compliance.carryOverBySig(cycle.chem, cod, 1, deadline, sig, {"from": stranger})
    assert tx.events["CarriedOver"]["kg"] == 13_000


def test_pledged_rights_are_not_carried_over_R07_R26(
    compliance, ledger, registry, pledges, usage, bank, exchange, regulator, cycle
):
    """R-07, R-26: a unit whose whole surplus is pledged cannot carry it over (the window stays
    open); once the bank released it, the carry-over records what the unit holds unpledged at that
    moment — the next period's opening figure. A later sale is registered by its own trade; the
    record stays what was carried."""
    cod = cycle.pollutant["COD"]
    usage.post(cycle.chem, cod, 1, 4_000, True)
    after_period()
    compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})  # 9 t paid left
    pledges.pledge(bank, cod, 9_000, *loan(), {"from": cycle.chem.account})
    with reverts("ComplianceRightsPledged", cycle.chem, cod, 1, 9_000):
        compliance.carryOver(cycle.chem, cod, 1, {"from": cycle.chem.account})
    assert compliance.surplusWindowOpen(cycle.chem, cod, 1)
    assert not compliance.record(cycle.chem, cod, 1)["carriedOver"]
    pledges.release(1, {"from": bank})
    tx = compliance.carryOver(cycle.chem, cod, 1, {"from": cycle.chem.account})
    assert tx.events["CarriedOver"]["kg"] == 9_000 == ledger.holdings(cycle.chem, cod)
    registry.setQualifiedSeller(cycle.chem, True, {"from": regulator})
    ledger.certifyTradable(cycle.chem, cod, 9_000, {"from": regulator})
    price = fen_at_benchmark(9_000, BENCHMARKS["COD"])
    sale = ledger.trade(cycle.chem, cycle.steel, cod, 9_000, price, NEGOTIATED, {"from": exchange})
    assert sale.events["RightsTraded"]["kg"] == 9_000
    assert compliance.record(cycle.chem, cod, 1)["carriedKg"] == 9_000  # carried, then sold
    assert ledger.holdings(cycle.chem, cod) == 0


def test_only_the_unpledged_surplus_is_carried_over_R07_R26(
    compliance, ledger, pledges, usage, bank, cycle
):
    """R-07: with part of the surplus pledged, the unpledged part is carried and recorded; the
    pledged part stays with the bank's lien, outside the record. A unit holding nothing has
    nothing to carry."""
    cod = cycle.pollutant["COD"]
    usage.post(cycle.chem, cod, 1, 4_000, True)
    usage.post(cycle.steel, cod, 1, 0, True)  # steel holds nothing and owes nothing
    after_period()
    compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})
    pledges.pledge(bank, cod, 6_000, *loan(), {"from": cycle.chem.account})
    tx = compliance.carryOver(cycle.chem, cod, 1, {"from": cycle.chem.account})
    assert tx.events["CarriedOver"]["kg"] == 3_000
    assert compliance.record(cycle.chem, cod, 1)["carriedKg"] == 3_000
    assert plain(ledger.balanceOf(cycle.chem, cod)) == (9_000, 0, 0, 6_000)
    with reverts("ComplianceNothingToCarryOver", cycle.steel, cod, 1):
        compliance.carryOver(cycle.steel, cod, 1, {"from": cycle.steel.account})


def test_automatic_carry_over_leaves_pledged_rights_out_R07_R26(
    compliance, ledger, pledges, usage, bank, exchange, cycle, stranger
):
    """R-26, R-07: at the window's close the sweep carries each compliant unit's unpledged
    surplus; a unit whose surplus is all pledged is skipped (nothing carried, no record)."""
    cod = cycle.pollutant["COD"]
    ledger.allocate(cycle.hotel, cod, int(Origin.PAID), 5_000, {"from": exchange})
    for unit in (cycle.chem, cycle.hotel):
        usage.post(unit, cod, 1, 0, True)
    pledges.pledge(bank, cod, 10_000, *loan(), {"from": cycle.chem.account})
    pledges.pledge(bank, cod, 5_000, *loan(), {"from": cycle.hotel.account})
    chain.sleep(62 * DAY)
    chain.mine()
    tx = compliance.sweepCarryOver([cycle.chem, cycle.hotel], cod, 1, {"from": stranger})
    assert [(e["unit"], e["kg"], e["automatic"]) for e in tx.events["CarriedOver"]] == [
        (cycle.chem.address, 3_000, True)  # 1 t waived + 2 t free; its 10 t paid are pledged
    ]
    assert not compliance.record(cycle.hotel, cod, 1)["carriedOver"]


def test_surplus_left_at_window_close_is_carried_over_automatically_R26(
    compliance, usage, cycle, stranger
):
    """R-26: after the window nothing can be carried by hand; the sweep records the automatic
    carry-over of compliant units and skips the others."""
    cod = cycle.pollutant["COD"]
    usage.post(cycle.chem, cod, 1, 4_000, True)
    usage.post(cycle.steel, cod, 1, 4_000, True)  # steel holds nothing: non-compliant
    after_period()
    compliance.surrender(cycle.chem, cod, 1, {"from": cycle.chem.account})
    with reverts("ComplianceDeadlineNotReached"):
        compliance.sweepCarryOver([cycle.chem], cod, 1, {"from": stranger})
    chain.sleep(60 * DAY)
    chain.mine()
    assert not compliance.surplusWindowOpen(cycle.chem, cod, 1)
    with reverts("ComplianceWindowClosed"):
        compliance.carryOver(cycle.chem, cod, 1, {"from": cycle.chem.account})
    tx = compliance.sweepCarryOver([cycle.chem, cycle.steel], cod, 1, {"from": stranger})
    assert [(e["unit"], e["kg"], e["automatic"]) for e in tx.events["CarriedOver"]] == [
        (cycle.chem.address, 9_000, True)
    ]
    assert compliance.record(cycle.chem, cod, 1)["carriedOver"]
    assert not compliance.record(cycle.steel, cod, 1)["carriedOver"]


def test_periods_follow_each_other_and_are_the_regulators_R26(
    compliance, regulator, cycle, stranger
):
    """Periods are ordered and non-overlapping; only the regulator defines them."""
    _, end, _, _ = compliance.period(1)
    with reverts("ComplianceInvalidPeriod"):
        compliance.definePeriod(end - 1, end + YEAR, end + YEAR, end + YEAR, {"from": regulator})
    with reverts("ComplianceInvalidPeriod"):
        compliance.definePeriod(end, end + YEAR, end + YEAR - 1, end + YEAR, {"from": regulator})
    with reverts("AccessControlUnauthorizedAccount"):
        compliance.definePeriod(end, end + YEAR, end + YEAR, end + YEAR, {"from": stranger})
    tx = compliance.definePeriod(
        end, end + YEAR, end + YEAR + DAY, end + YEAR + 2 * DAY, {"from": regulator}
    )
    assert tx.return_value == 2
    assert compliance.periodCount() == 2
    for unknown in (0, 3):
        with reverts("ComplianceUnknownPeriod", unknown):
            compliance.period(unknown)
        assert compliance.status(cycle.chem, 1, unknown)[0] == 0
        with reverts("ComplianceUnknownPeriod", unknown):
            compliance.surrender(cycle.chem, 1, unknown, {"from": cycle.chem.account})
