"""The primary market (R-08 – R-12): application, approval of the quantity by the unit's
regulator, purchase at the benchmark for existing units, auction for new units and expansions;
rights registered only in the transaction that pays the fee to the treasury; fee waivers."""

import pytest
from brownie import chain

from backend.chain.domain import MarketReason, Origin, Reason
from backend.chain.policy import Switch
from tests.conftest import BENCHMARKS, CAP_KG
from tests.contracts.market.conftest import ascending, issue
from tests.contracts.market.orders import (
    APPLICATION_FIELDS,
    HOUR,
    PURCHASE_FIELDS,
    key_of,
)
from tests.helpers import (
    fen_at_benchmark,
    now,
    plain,
    policy_switch_now,
    publish_now,
    reverts,
    signed,
)

EXISTING, NEW_UNIT, EXPANSION = range(3)
APPLIED, APPROVED, REJECTED, WITHDRAWN, SETTLED = range(1, 6)
COD_PRICE = BENCHMARKS["COD"]
FUNDS = 10**9  # 一千万元


@pytest.fixture(scope="module")
def applicants(city, cny, secondary, settlement_bank):
    """chem, power2, hotel, fund (district 1) and steel (district 2) have money at the exchange
    and no rights yet."""
    names = ("chem", "power2", "hotel", "fund", "steel")
    issue(cny, settlement_bank, settlement_bank, FUNDS * len(names))
    cny.approve(secondary, 2**256 - 1, {"from": settlement_bank})
    for name in names:
        secondary.deposit(getattr(city, name), FUNDS, {"from": settlement_bank})
    return city


def submit(primary, unit, pollutant, kg, kind=EXISTING):
    return primary.submitApplication(pollutant, kg, kind, {"from": unit.account}).return_value


def test_existing_unit_buys_its_approved_rights_at_the_benchmark_R08_R09(
    primary, ledger, secondary, cny, treasury, district_regulator, applicants
):
    """R-08, R-09: apply 10 t → the district regulator approves 8 t → the unit pays 8 t × benchmark
    to the treasury and the rights are registered paid in the same transaction (R-29)."""
    cod = applicants.pollutant["COD"]
    app = submit(primary, applicants.chem, cod, 10_000)
    primary.approve(app, 8_000, {"from": district_regulator})
    assert ledger.balanceOf(applicants.chem, cod)["paid"] == 0  # nothing before payment
    fee = fen_at_benchmark(8_000, COD_PRICE)
    assert primary.feeOf(app) == fee
    assert plain(primary.checkPurchase(app))[0] == MarketReason.OK
    before = cny.balanceOf(treasury)
    tx = primary.purchase(app, {"from": applicants.chem.account})
    assert tx.events["PrimaryPurchased"]["feeFen"] == fee
    assert tx.events["RightsAllocated"]["origin"] == Origin.PAID
    assert cny.balanceOf(treasury) == before + fee
    assert secondary.fundsOf(applicants.chem)["available"] == FUNDS - fee
    assert plain(ledger.balanceOf(applicants.chem, cod)) == (8_000, 0, 0, 0)
    assert primary.application(app)["status"] == SETTLED
    with reverts("PrimaryWrongStatus", app, SETTLED):
        primary.purchase(app, {"from": applicants.chem.account})


def test_fee_uses_the_districts_benchmark_rounded_up_to_the_fen_R08_R15(
    primary, prices, price_bureau, regulator, applicants, cny, treasury
):
    """R-08: approved quantity × the benchmark of the unit's district, rounded up to the fen."""
    cod = applicants.pollutant["COD"]
    publish_now(prices, price_bureau, cod, 1, 333_333)
    app = submit(primary, applicants.chem, cod, 7)
    primary.approve(app, 7, {"from": regulator})
    assert primary.feeOf(app) == 2_334  # 7 kg × 3 333.33 元/t = 23.33331 元 → 23.34 元
    before = cny.balanceOf(treasury)
    primary.purchase(app, {"from": applicants.chem.account})
    assert cny.balanceOf(treasury) - before == 2_334


def test_no_payment_no_rights_R08_R16(
    primary, ledger, secondary, regulator, applicants, cny, treasury
):
    """R-08, R-16: without the fee in the trading account nothing is registered or paid."""
    cod = applicants.pollutant["COD"]
    app = submit(primary, applicants.chem, cod, 5_000)
    primary.approve(app, 5_000, {"from": regulator})
    secondary.withdraw(FUNDS - 1_000, {"from": applicants.chem.account})
    fee = fen_at_benchmark(5_000, COD_PRICE)
    assert plain(primary.checkPurchase(app)) == (
        MarketReason.INSUFFICIENT_FUNDS,
        Reason.OK,
        1_000,
        fee,
    )
    before = cny.balanceOf(treasury)
    with reverts("ExchangeInsufficientFunds", applicants.chem, 1_000, fee):
        primary.purchase(app, {"from": applicants.chem.account})
    assert ledger.balanceOf(applicants.chem, cod)["paid"] == 0
    assert cny.balanceOf(treasury) == before
    assert primary.application(app)["status"] == APPROVED


def test_approval_is_the_applicants_regulators_and_within_the_request_R08(
    primary, district_regulator, regulator, applicants, stranger
):
    """R-08: the city regulator or the unit's own district regulator approves, at most what was
    applied for, once; the applicant alone pays."""
    cod = applicants.pollutant["COD"]
    app = submit(primary, applicants.steel, cod, 5_000)  # district 2
    with reverts("PrimaryNotAuthority", district_regulator, applicants.steel):
        primary.approve(app, 5_000, {"from": district_regulator})
    with reverts("PrimaryNotAuthority", stranger, applicants.steel):
        primary.approve(app, 5_000, {"from": stranger})
    with reverts("PrimaryApprovedAboveRequested", app, 5_001, 5_000):
        primary.approve(app, 5_001, {"from": regulator})
    with reverts("PrimaryZeroQuantity"):
        primary.approve(app, 0, {"from": regulator})
    with reverts("PrimaryWrongStatus", app, APPLIED):
        primary.purchase(app, {"from": applicants.steel.account})
    primary.approve(app, 5_000, {"from": regulator})
    with reverts("PrimaryWrongStatus", app, APPROVED):
        primary.approve(app, 4_000, {"from": regulator})
    with reverts("PrimaryNotApplicant", app, applicants.chem):
        primary.purchase(app, {"from": applicants.chem.account})
    with reverts("PrimaryZeroQuantity"):
        primary.submitApplication(cod, 0, EXISTING, {"from": applicants.steel.account})
    with reverts("PrimaryUnknownApplication", 99):
        primary.purchase(99, {"from": applicants.steel.account})


def test_rejected_and_withdrawn_applications_are_never_bought_R08(
    primary, regulator, applicants, stranger
):
    """R-08: a rejected or withdrawn application ends; only the applicant withdraws."""
    cod = applicants.pollutant["COD"]
    app = submit(primary, applicants.chem, cod, 5_000)
    tx = primary.reject(app, "总量不足", {"from": regulator})
    assert tx.events["ApplicationRejected"]["reason"] == "总量不足"
    with reverts("PrimaryWrongStatus", app, REJECTED):
        primary.purchase(app, {"from": applicants.chem.account})
    other = submit(primary, applicants.chem, cod, 5_000)
    with reverts("PrimaryNotApplicant", other, stranger):
        primary.withdrawApplication(other, {"from": stranger})
    primary.withdrawApplication(other, {"from": applicants.chem.account})
    with reverts("PrimaryWrongStatus", other, WITHDRAWN):
        primary.approve(other, 5_000, {"from": regulator})


def test_treasury_waiver_registers_waived_rights_without_fee_R12(
    primary, ledger, secondary, regulator, treasury, cny, applicants, stranger
):
    """R-12: the finance bureau waives the fee; the rights are registered waived (never sold,
    R-05), nothing is paid."""
    cod = applicants.pollutant["COD"]
    app = submit(primary, applicants.hotel, cod, 3_000)
    with reverts("AccessControlUnauthorizedAccount"):
        primary.waive(app, {"from": stranger})
    primary.waive(app, {"from": treasury})
    with reverts("PrimaryAlreadyWaived", app):
        primary.waive(app, {"from": treasury})
    primary.approve(app, 3_000, {"from": regulator})
    assert primary.feeOf(app) == 0
    before = cny.balanceOf(treasury)
    tx = primary.purchase(app, {"from": applicants.hotel.account})
    assert tx.events["PrimaryPurchased"]["origin"] == Origin.WAIVED
    assert plain(ledger.balanceOf(applicants.hotel, cod)) == (0, 0, 3_000, 0)
    assert cny.balanceOf(treasury) == before
    assert secondary.fundsOf(applicants.hotel)["available"] == FUNDS


def test_approval_beyond_the_remaining_cap_is_refused_at_approval_R10(
    primary, ledger, regulator, applicants
):
    """R-10: a quantity beyond the district's remaining cap is refused when it is approved, with
    the error the purchase would give; within it the approval stands. A district without a cap
    approves nothing."""
    cod = applicants.pollutant["COD"]
    ledger.setCap(1, cod, 5_000, {"from": regulator})
    app = submit(primary, applicants.chem, cod, 8_000)  # the cap is the approval's question
    with reverts("LedgerCapExceeded", 1, cod, 8_000, 5_000):
        primary.approve(app, 8_000, {"from": regulator})
    assert primary.application(app)["status"] == APPLIED
    primary.approve(app, 5_000, {"from": regulator})
    assert plain(primary.checkPurchase(app))[0] == MarketReason.OK
    so2 = applicants.pollutant["SO2"]
    ledger.setCap(1, so2, 0, {"from": regulator})
    with reverts("LedgerCapExceeded", 1, so2, 1, 0):
        primary.approve(submit(primary, applicants.chem, so2, 1), 1, {"from": regulator})


def test_cap_is_checked_again_when_the_rights_are_registered_R10(
    primary, ledger, regulator, applicants, cny, treasury
):
    """R-10: the cap may fill up between approval and purchase; the purchase is refused by the
    same error, nothing is paid."""
    cod = applicants.pollutant["COD"]
    ledger.setCap(1, cod, 8_000, {"from": regulator})
    app = submit(primary, applicants.chem, cod, 8_000)
    primary.approve(app, 8_000, {"from": regulator})
    other = submit(primary, applicants.hotel, cod, 3_000)
    primary.approve(other, 3_000, {"from": regulator})
    primary.purchase(other, {"from": applicants.hotel.account})
    assert plain(primary.checkPurchase(app)) == (
        MarketReason.RULE_REFUSED,
        Reason.CAP_EXCEEDED,
        5_000,
        8_000,
    )
    before = cny.balanceOf(treasury)
    with reverts("LedgerCapExceeded", 1, cod, 8_000, 5_000):
        primary.purchase(app, {"from": applicants.chem.account})
    assert cny.balanceOf(treasury) == before
    ledger.setCap(1, cod, CAP_KG, {"from": regulator})
    primary.purchase(app, {"from": applicants.chem.account})


def test_units_failing_industrial_policy_get_no_rights_R11(
    primary, registry, regulator, applicants
):
    """R-11: the regulator's industrial-policy flag refuses the application at once, and the
    approval and purchase when it is set later."""
    cod = applicants.pollutant["COD"]
    registry.setPolicyRestricted(applicants.fund, True, "落后产能", {"from": regulator})
    with reverts("LedgerPolicyRestricted", applicants.fund):
        submit(primary, applicants.fund, cod, 1_000)
    pending = submit(primary, applicants.steel, cod, 1_000)
    registry.setPolicyRestricted(applicants.steel, True, "落后产能", {"from": regulator})
    with reverts("LedgerPolicyRestricted", applicants.steel):
        primary.approve(pending, 1_000, {"from": regulator})
    app = submit(primary, applicants.chem, cod, 1_000)
    primary.approve(app, 1_000, {"from": regulator})
    registry.setPolicyRestricted(applicants.chem, True, "落后产能", {"from": regulator})
    assert plain(primary.checkPurchase(app))[:2] == (
        MarketReason.RULE_REFUSED,
        Reason.POLICY_RESTRICTED,
    )
    with reverts("LedgerPolicyRestricted", applicants.chem):
        primary.purchase(app, {"from": applicants.chem.account})


def test_paid_use_waits_for_the_sectors_roll_out_R38(
    primary, registry, regulator, applicants, policy
):
    """R-38: services cannot apply for, be approved or buy paid rights while their sector is not
    enabled — refused at whichever step finds it closed, with the same error (a city whose policy
    rolls paid use out by sector: Chongqing 2014)."""
    policy_switch_now(policy, regulator, Switch.SECTOR_ROLLOUT)
    cod = applicants.pollutant["COD"]
    opened = submit(primary, applicants.hotel, cod, 1_000)
    registry.setSectorEnabled(3, False, {"from": regulator})
    with reverts("LedgerSectorNotEnabled", applicants.hotel, 3):
        submit(primary, applicants.hotel, cod, 1_000)
    with reverts("LedgerSectorNotEnabled", applicants.hotel, 3):
        primary.approve(opened, 1_000, {"from": regulator})
    registry.setSectorEnabled(3, True, {"from": regulator})
    primary.approve(opened, 1_000, {"from": regulator})
    registry.setSectorEnabled(3, False, {"from": regulator})
    with reverts("LedgerSectorNotEnabled", applicants.hotel, 3):
        primary.purchase(opened, {"from": applicants.hotel.account})
    registry.setSectorEnabled(3, True, {"from": regulator})
    primary.purchase(opened, {"from": applicants.hotel.account})


def test_new_units_do_not_buy_at_the_benchmark_R09(primary, treasury, regulator, applicants):
    """R-09: new units and expansions obtain rights by auction; no benchmark purchase, no waiver."""
    cod = applicants.pollutant["COD"]
    app = submit(primary, applicants.chem, cod, 1_000, NEW_UNIT)
    primary.approve(app, 1_000, {"from": regulator})
    with reverts("PrimaryWrongKind", app, NEW_UNIT):
        primary.purchase(app, {"from": applicants.chem.account})
    with reverts("PrimaryWrongKind", app, NEW_UNIT):
        primary.waive(app, {"from": treasury})
    assert plain(primary.checkPurchase(app))[0] == MarketReason.WRONG_STATUS


def test_application_and_purchase_signed_in_the_wallet_are_relayed_R08(
    primary, ledger, regulator, applicants, stranger
):
    """R-08: the unit signs its application and its purchase; the relayer submits both; a
    signature works once."""
    cod = applicants.pollutant["COD"]
    unit = applicants.fund
    deadline = now() + HOUR
    message = {
        "applicant": unit.address,
        "pollutant": cod,
        "quantityKg": 2_000,
        "kind": EXISTING,
        "nonce": 0,
        "deadline": deadline,
    }
    sig = signed(primary, "Application", APPLICATION_FIELDS, message, key_of(unit))
    tx = primary.submitApplicationBySig(
        unit, cod, 2_000, EXISTING, deadline, sig, {"from": stranger}
    )
    app = tx.return_value
    assert primary.application(app)["applicant"] == unit.address
    with reverts("SignedActionInvalidSignature", unit):
        primary.submitApplicationBySig(
            unit, cod, 2_000, EXISTING, deadline, sig, {"from": stranger}
        )
    primary.approve(app, 2_000, {"from": regulator})
    fee = primary.feeOf(app)
    purchase = {"applicant": unit.address, "application": app, "maxFeeFen": fee - 1, "nonce": 1,
                "deadline": deadline}  # fmt: skip
    low = signed(primary, "Purchase", PURCHASE_FIELDS, purchase, key_of(unit))
    with reverts("PrimaryFeeAboveAccepted", app, fee, fee - 1):  # finding 11: the fee is bound
        primary.purchaseBySig(app, fee - 1, deadline, low, {"from": stranger})
    purchase["maxFeeFen"] = fee
    sig = signed(primary, "Purchase", PURCHASE_FIELDS, purchase, key_of(unit))
    with reverts("SignedActionInvalidSignature", unit):  # another maximum than the one signed
        primary.purchaseBySig(app, fee + 1, deadline, sig, {"from": stranger})
    primary.purchaseBySig(app, fee, deadline, sig, {"from": stranger})
    assert ledger.balanceOf(unit, cod)["paid"] == 2_000
    forged = signed(
        primary, "Purchase", PURCHASE_FIELDS, {**purchase, "nonce": 2}, key_of(stranger)
    )
    with reverts("SignedActionInvalidSignature", unit):
        primary.purchaseBySig(app, fee, deadline, forged, {"from": stranger})


# ---------------------------------------------------------------- primary auctions


@pytest.fixture
def new_rights(primary, auctions, regulator, exchange, applicants):
    """Approved new-unit / expansion applications of chem (10 t), power2 (6 t) and hotel (6 t) in
    district 1, and an operator's auction of 6 t COD new rights of district 1's cap."""
    cod = applicants.pollutant["COD"]
    apps = {
        "chem": submit(primary, applicants.chem, cod, 10_000, NEW_UNIT),
        "power2": submit(primary, applicants.power2, cod, 6_000, EXPANSION),
        "hotel": submit(primary, applicants.hotel, cod, 6_000, NEW_UNIT),
    }
    for app in apps.values():
        primary.approve(app, primary.application(app)["requestedKg"], {"from": regulator})
    reserve = fen_at_benchmark(6_000, COD_PRICE)
    lot = auctions.offerPrimary(
        cod, 1, 6_000, ascending(reserve, reserve // 10, 100_000), {"from": exchange}
    )
    return lot.return_value, apps, reserve


def test_new_rights_go_to_the_best_approved_bidder_price_to_treasury_R09_R29(
    auctions, primary, ledger, secondary, cny, treasury, applicants, new_rights, stranger
):
    """R-09: new units and expansions with approved applications bid for new rights; the winner's
    price goes to the treasury (R-29) and its rights are registered paid against the district's
    cap (R-10); its application keeps what remains; the losers get their deposits back."""
    lot, apps, reserve = new_rights
    cod = applicants.pollutant["COD"]
    for name in ("chem", "power2", "hotel"):
        auctions.join(lot, apps[name], {"from": getattr(applicants, name).account})
    auctions.bid(lot, reserve, {"from": applicants.power2.account})
    auctions.bid(lot, reserve + 100_000, {"from": applicants.hotel.account})
    auctions.bid(lot, reserve + 300_000, {"from": applicants.chem.account})
    chain.sleep(auctions.lot(lot)["closesAt"] - now() + 1)
    chain.mine()
    allocated = ledger.capOf(1, cod)["allocated"]
    before = cny.balanceOf(treasury)
    tx = auctions.settle(lot, {"from": stranger})
    price = reserve + 300_000
    assert tx.events["PrimaryAuctionAllocated"]["priceFen"] == price
    assert cny.balanceOf(treasury) == before + price
    assert plain(ledger.balanceOf(applicants.chem, cod)) == (6_000, 0, 0, 0)
    assert ledger.capOf(1, cod)["allocated"] == allocated + 6_000
    remaining = primary.application(apps["chem"])
    assert (remaining["remainingKg"], remaining["status"]) == (4_000, APPROVED)
    assert secondary.fundsOf(applicants.chem)["available"] == FUNDS - price
    for loser in (applicants.power2, applicants.hotel):
        auctions.refund(lot, loser, {"from": stranger})
        assert plain(secondary.fundsOf(loser)) == (FUNDS, 0)


def test_only_approved_applicants_of_the_district_bid_for_new_rights_R09(
    auctions, primary, regulator, applicants, new_rights, exchange, stranger
):
    """R-08, R-09: no approved new-rights application covering the lot, no bid; an existing unit's
    benchmark application does not count; a unit of another district is refused; only the
    operator offers new rights."""
    lot, apps, reserve = new_rights
    cod = applicants.pollutant["COD"]
    with reverts("AuctionApplicationUnusable", lot, applicants.fund, 0):
        auctions.join(lot, 0, {"from": applicants.fund.account})
    benchmark_app = submit(primary, applicants.fund, cod, 9_000)
    primary.approve(benchmark_app, 9_000, {"from": regulator})
    with reverts("AuctionApplicationUnusable", lot, applicants.fund, benchmark_app):
        auctions.join(lot, benchmark_app, {"from": applicants.fund.account})
    with reverts("AuctionApplicationUnusable", lot, applicants.fund, apps["chem"]):
        auctions.join(lot, apps["chem"], {"from": applicants.fund.account})  # someone else's
    small = submit(primary, applicants.fund, cod, 5_999, NEW_UNIT)
    primary.approve(small, 5_999, {"from": regulator})
    assert (
        plain(auctions.checkJoin(lot, applicants.fund, small))[0]
        == MarketReason.APPLICATION_UNUSABLE
    )
    steel_app = submit(primary, applicants.steel, cod, 6_000, NEW_UNIT)
    primary.approve(steel_app, 6_000, {"from": regulator})
    with reverts("AuctionOutsideRegion", lot, applicants.steel, 2, 1):
        auctions.join(lot, steel_app, {"from": applicants.steel.account})
    with reverts("AccessControlUnauthorizedAccount"):
        auctions.offerPrimary(cod, 1, 6_000, ascending(reserve, 1), {"from": stranger})


def test_new_rights_beyond_the_remaining_cap_are_not_offered_R10(
    auctions, ledger, regulator, applicants, exchange
):
    """R-10: a lot of new rights beyond the district's remaining cap, or of a district without a
    cap, is refused when offered, with the error its settlement would give."""
    cod = applicants.pollutant["COD"]
    reserve = fen_at_benchmark(6_000, COD_PRICE)
    allocated = ledger.capOf(1, cod)["allocated"]
    ledger.setCap(1, cod, allocated + 5_000, {"from": regulator})
    count = auctions.lotCount()
    with reverts("LedgerCapExceeded", 1, cod, 6_000, 5_000):
        auctions.offerPrimary(cod, 1, 6_000, ascending(reserve, 1), {"from": exchange})
    with reverts("LedgerNoCap", 9, cod):
        auctions.offerPrimary(cod, 9, 6_000, ascending(reserve, 1), {"from": exchange})
    assert auctions.lotCount() == count
    auctions.offerPrimary(cod, 1, 5_000, ascending(reserve, 1), {"from": exchange})


def test_new_rights_beyond_the_cap_fail_the_lot_R10(
    auctions, ledger, regulator, applicants, new_rights, stranger
):
    """R-10: the cap filled up before settlement: the ledger refuses by name, the lot fails with
    the reason, and the winner is refunded."""
    lot, apps, reserve = new_rights
    cod = applicants.pollutant["COD"]
    auctions.join(lot, apps["hotel"], {"from": applicants.hotel.account})
    auctions.bid(lot, reserve, {"from": applicants.hotel.account})
    chain.sleep(auctions.lot(lot)["closesAt"] - now() + 1)
    chain.mine()
    allocated = ledger.capOf(1, cod)["allocated"]
    ledger.setCap(1, cod, allocated + 5_000, {"from": regulator})
    with reverts("LedgerCapExceeded", 1, cod, 6_000, 5_000):
        auctions.settle(lot, {"from": stranger})
    tx = auctions.abandon(lot, {"from": stranger})
    assert tx.events["LotFailed"]["rule"] == Reason.CAP_EXCEEDED
    auctions.refund(lot, applicants.hotel, {"from": stranger})


def test_a_bidder_is_bound_by_its_bid_R09(
    auctions, primary, ledger, regulator, applicants, new_rights, stranger
):
    """R-09 (finding 9 of the review): an application that backs a bid can be neither withdrawn
    nor rejected until the lot is settled or the bidder's deposit refunded; the winner gets the
    rights, the others are free to withdraw again."""
    lot, apps, reserve = new_rights
    cod = applicants.pollutant["COD"]
    for name in ("power2", "hotel"):
        tx = auctions.join(lot, apps[name], {"from": getattr(applicants, name).account})
        assert tx.events["ApplicationBound"]["auctions"] == 1
    auctions.bid(lot, reserve, {"from": applicants.power2.account})
    auctions.bid(lot, reserve + 100_000, {"from": applicants.hotel.account})
    with reverts("PrimaryApplicationInAuction", apps["hotel"], 1):
        primary.withdrawApplication(apps["hotel"], {"from": applicants.hotel.account})
    with reverts("PrimaryApplicationInAuction", apps["hotel"], 1):
        primary.reject(apps["hotel"], "撤回", {"from": regulator})
    chain.sleep(auctions.lot(lot)["closesAt"] - now() + 1)
    chain.mine()
    tx = auctions.settle(lot, {"from": stranger})
    assert tx.events["ApplicationBound"]["auctions"] == 0
    assert ledger.balanceOf(applicants.hotel, cod)["paid"] == 6_000
    with reverts("PrimaryApplicationInAuction", apps["power2"], 1):
        primary.withdrawApplication(apps["power2"], {"from": applicants.power2.account})
    auctions.refund(lot, applicants.power2, {"from": stranger})
    primary.withdrawApplication(apps["power2"], {"from": applicants.power2.account})


def test_only_auction_house_registers_auction_wins_R09(primary, applicants, new_rights, stranger):
    """R-09: nobody but the auction house turns an application into rights without a purchase."""
    _, apps, _ = new_rights
    with reverts("AccessControlUnauthorizedAccount"):
        primary.fulfil(apps["chem"], applicants.chem, 1, 1_000, 0, {"from": stranger})
