"""No single key takes what a company holds or drains what the public owns (docs/security.md).

An outside review found sixteen paths by which one authority key (or a relayer, or a bank) could
take a unit's rights or spend the reserve fund outside the rules. Each test here repeats one
finding's set-up on the production role layout — the deployer renounced its admin, the council's
time lock is the only admin and the only holder of the high-impact roles (fixture
``production``) — and shows the exploit refused with a named custom error, nothing moved, and the
lawful path (the units' signatures, the council, the rule) still working.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from brownie import chain

from backend.chain.consent import merge_document, split_document
from backend.chain.domain import POLLUTANTS, Origin, Sector
from backend.services.registration import with_check
from scripts.council import call, enact, jump
from tests.conftest import DAY, YEAR
from tests.helpers import (
    NOTICE,
    company_key,
    contract_domain,
    earliest_effect,
    fen_at_benchmark,
    now,
    plain,
    reverts,
    settle_benchmarks,
    sign_document,
)

COD, NH3, SO2 = 1, 2, 3
CITY_COD, D2_COD, SO2_PRICE = 400_000, 300_000, 200_000  # fen per tonne
CAP = 10_000_000
FUNDS = 10**10  # 一亿元 in each trading account
FUND = 400_000_000  # the reserve fund: 4 000 000 元
PERIOD = 1
EVIDENCE = b"\x11" * 32
EXISTING, NEW_UNIT = 0, 1
ASCENDING = 0
ENFORCING = 3
# companies[i] → (name, sector, district); d1 is the district regulator's
UNITS = {
    "victim": (Sector.INDUSTRY, 1),
    "accomplice": (Sector.INDUSTRY, 1),
    "south": (Sector.INDUSTRY, 2),  # district 2: a lower COD benchmark
    "hotel": (Sector.SERVICE, 1),
    "plant": (Sector.THERMAL_POWER, 1),
    "buyer": (Sector.INDUSTRY, 1),
}


def _at(production):
    import brownie

    return SimpleNamespace(
        **{n: getattr(brownie, n).at(r.address) for n, r in production.contracts.items()}
    )


@pytest.fixture(scope="module")
def city(production, parties, companies):
    """The production deployment with a small city: COD, NH3-N and SO2 with benchmarks (COD
    cheaper in district 2), caps and one compliance period set by the council, six units that
    bought 20 t COD and 10 t SO2 at the benchmark, money in every trading account, the reserve
    fund paid in."""
    c = _at(production)
    reg, bureau = parties["city_regulator"], parties["price_bureau"]
    for p in POLLUTANTS[:3]:
        c.AccountRegistry.addPollutant(p.code, p.name_zh, int(p.pollutant_class), {"from": reg})
    for sector in (
        Sector.INDUSTRY,
        Sector.THERMAL_POWER,
        Sector.SERVICE,
        Sector.TREATMENT_FACILITY,
    ):
        c.AccountRegistry.setSectorEnabled(int(sector), True, {"from": reg})
    effective = earliest_effect()
    for pollutant, region, price in (
        (COD, 0, CITY_COD),
        (COD, 2, D2_COD),
        (SO2, 0, SO2_PRICE),
        (NH3, 0, 800_000),
    ):
        c.PriceBook.publish(pollutant, region, price, effective, {"from": bureau})
    t0 = now()
    calls = [call(c.RightsLedger, "setCap", d, p, CAP) for d in (0, 1, 2) for p in (COD, NH3, SO2)]
    calls.append(
        call(
            c.ComplianceManager,
            "definePeriod",
            t0 - YEAR,
            t0 + 10 * DAY,
            t0 + 40 * DAY,
            t0 + 70 * DAY,
        )
    )
    enact(c.RegulatorCouncil, calls, "caps and the period", parties, wait=jump)
    settle_benchmarks()
    bank = parties["settlement_bank"]
    units = {}
    c.SettlementToken.issue(bank, FUNDS * (len(UNITS) + 1), b"\x01" * 32, {"from": bank})
    c.SettlementToken.approve(c.Exchange, 2**256 - 1, {"from": bank})
    for i, (name, (sector, district)) in enumerate(UNITS.items()):
        unit = companies[i]
        c.AccountRegistry.registerAccount(
            unit, with_check(f"91500000MA5T{i:05d}"), name, int(sector), district, 1, {"from": reg}
        )
        c.Exchange.deposit(unit, FUNDS, {"from": bank})
        units[name] = unit
    for name, unit in units.items():
        if UNITS[name][0] != Sector.SERVICE:
            buy(c, reg, unit, COD, 20_000)
        buy(c, reg, unit, SO2, 10_000)
    c.SettlementToken.issue(c.GovernmentReserve, FUND, b"\x02" * 32, {"from": bank})
    c.Exchange.deposit(parties["bank"], FUNDS, {"from": bank})
    return SimpleNamespace(
        c=c,
        units=SimpleNamespace(**units),
        key={name: company_key(i) for i, name in enumerate(UNITS)},
    )


def buy(c, regulator, unit, pollutant, kg):
    """R-08: an existing unit applies, the regulator approves, the unit buys at its benchmark."""
    app = c.PrimaryMarket.submitApplication(pollutant, kg, EXISTING, {"from": unit}).return_value
    c.PrimaryMarket.approve(app, kg, {"from": regulator})
    c.PrimaryMarket.purchase(app, {"from": unit})


def holdings(c, unit, pollutant=COD):
    return c.RightsLedger.holdings(unit, pollutant)


def merge_signatures(c, a, b, keys, deadline):
    domain = contract_domain(c.UnitLifecycle)
    return [
        sign_document(
            merge_document(domain, a.address, b.address, c.UnitLifecycle.nonces(u), deadline), k
        )
        for u, k in zip((a, b), keys, strict=True)
    ]


def final_usage(c, parties, unit, pollutant, kg):
    """R-23: both verifiers attest the period's usage; the period ends and the dispute window
    passes, so the figure is final."""
    for verifier in ("verifier_a", "verifier_b"):
        c.VerificationOracle.attest(
            unit, pollutant, PERIOD, kg, EVIDENCE, {"from": parties[verifier]}
        )
    chain.sleep(c.VerificationOracle.disputeWindow() + 10 * DAY)
    chain.mine()


# ------------------------------------------------------------------ critical / high


def test_1_the_reserve_is_never_closed_or_merged(city, parties):
    """Finding 1: one city regulator key closed the reserve (every later inflow reverted) or
    merged all of it into a company. The reserve is no party of a lifecycle act, for anyone."""
    c, reg = city.c, parties["city_regulator"]
    reserve = c.GovernmentReserve
    with reverts("LifecycleAuthorityAccount", reserve):
        c.UnitLifecycle.close(reserve, "注销", {"from": reg})
    with reverts("LifecycleAuthorityAccount", reserve):
        c.UnitLifecycle.merge(reserve, city.units.accomplice, "合并", 0, [], {"from": reg})
    with reverts("LifecycleAuthorityAccount", reserve):
        c.UnitLifecycle.merge(city.units.accomplice, reserve, "合并", 0, [], {"from": reg})
    merge = call(c.UnitLifecycle, "merge", reserve, city.units.accomplice, "合并", 0, [])
    with reverts("LifecycleAuthorityAccount", reserve):  # not even through the council
        enact(c.RegulatorCouncil, [merge], "合并储备", parties, wait=jump)
    assert not c.AccountRegistry.profile(reserve)["closed"]
    idle = call(reserve, "reclaim", city.units.victim, COD, int(Origin.PAID), 1_000, 3, "闲置")
    enact(c.RegulatorCouncil, [idle], "收回", parties, wait=jump)  # inflows still work
    assert reserve.stock(3, COD) == 1_000


def test_2_a_merger_needs_the_units_consent_or_the_council(city, parties):
    """Finding 2: a district regulator merged a victim into an accomplice, a confiscation
    without the council. Without the victim's own signature it is refused; with both units'
    signatures (or by the council) it goes through."""
    c, u, dr = city.c, city.units, parties["district_regulator"]
    before = holdings(c, u.victim)
    with reverts("LifecycleConsentMissing", u.victim):
        c.UnitLifecycle.merge(u.victim, u.accomplice, "合并", 0, [], {"from": dr})
    deadline = now() + 3_600
    forged = merge_signatures(
        c, u.victim, u.accomplice, [city.key["accomplice"], city.key["accomplice"]], deadline
    )
    with reverts("SignedActionInvalidSignature", u.victim):
        c.UnitLifecycle.merge(u.victim, u.accomplice, "合并", deadline, forged, {"from": dr})
    assert holdings(c, u.victim) == before
    assert not c.AccountRegistry.profile(u.victim)["closed"]
    consent = merge_signatures(
        c, u.victim, u.accomplice, [city.key["victim"], city.key["accomplice"]], deadline
    )
    c.UnitLifecycle.merge(u.victim, u.accomplice, "吸收合并", deadline, consent, {"from": dr})
    assert holdings(c, u.accomplice) == 2 * before


def test_3_facility_acquisitions_are_the_councils(city, parties, stranger):
    """Finding 3: a district regulator registered a wallet as a treatment facility and bought its
    district's headroom with the reserve fund, 4 000 000 元 to a stranger. Only the council
    acquires (at the settled benchmark, within the cap)."""
    c, dr = city.c, parties["district_regulator"]
    c.AccountRegistry.registerAccount(
        stranger,
        with_check("12500000MC0000009"),
        "某污水处理厂",
        int(Sector.TREATMENT_FACILITY),
        1,
        1,
        {"from": dr},
    )
    lock = c.GovernmentReserve.TIMELOCK_ROLE()
    fund = c.SettlementToken.balanceOf(c.GovernmentReserve)
    for who in (dr, parties["city_regulator"]):
        with reverts("AccessControlUnauthorizedAccount", who, lock):
            c.GovernmentReserve.acquireFromFacility(stranger, COD, 1_000_000, {"from": who})
    assert c.SettlementToken.balanceOf(c.GovernmentReserve) == fund
    acquire = call(c.GovernmentReserve, "acquireFromFacility", stranger, COD, 10_000)
    enact(c.RegulatorCouncil, [acquire], "集中式污水处理设施减排量入储", parties, wait=jump)
    pay = fen_at_benchmark(10_000, CITY_COD)
    assert c.SettlementToken.balanceOf(stranger) == pay
    assert c.SettlementToken.balanceOf(c.GovernmentReserve) == fund - pay


def test_4_a_splits_obligor_is_one_of_its_successors(city, parties):
    """Finding 4: a split named an outsider as obligor, whose rights surrender then burned. Even
    signed by every unit of the plan, an obligor outside it is refused."""
    c, u, dr = city.c, city.units, parties["district_regulator"]
    plan = [
        (u.accomplice.address, COD, 20_000, 0, 0, 0, 0),
        (u.accomplice.address, SO2, 10_000, 0, 0, 0, 0),
    ]
    lines = [
        dict(
            zip(
                ("successor", "pollutant", "paid", "free", "waived", "permitted", "owed"),
                line,
                strict=True,
            )
        )
        for line in plan
    ]
    deadline = now() + 3_600
    domain = contract_domain(c.UnitLifecycle)
    sigs = [
        sign_document(
            split_document(
                domain,
                u.victim.address,
                lines,
                u.hotel.address,
                c.UnitLifecycle.nonces(w),
                deadline,
            ),
            city.key[n],
        )
        for w, n in ((u.victim, "victim"), (u.accomplice, "accomplice"))
    ]
    with reverts("LifecycleObligorNotSuccessor", u.hotel):
        c.UnitLifecycle.split(u.victim, plan, u.hotel, "分立", deadline, sigs, {"from": dr})
    split = call(c.UnitLifecycle, "split", u.victim, plan, u.hotel, "分立", 0, [])
    with reverts("LifecycleObligorNotSuccessor", u.hotel):  # nor by the council
        enact(c.RegulatorCouncil, [split], "分立", parties, wait=jump)
    assert c.ComplianceManager.obligor(u.victim) == u.victim.address


def test_5_a_lease_blocks_merger_whatever_the_other_balances(city, parties):
    """Finding 5: a unit that had lent out all its SO2 was merged (its other SO2 balances zero),
    so the lease could never end and the lessor's rights were lost. The merger is refused while
    the lease runs; the lease then ends and returns the rights."""
    c, u, dr = city.c, city.units, parties["district_regulator"]
    ends = now() + 30 * DAY
    rent = c.LeaseBook.rentFloor(u.hotel, SO2, 10_000, ends)
    lease = c.LeaseBook.offerLease(u.hotel, SO2, 10_000, ends, rent, {"from": u.victim})
    c.SettlementToken.approve(c.LeaseBook, rent, {"from": u.hotel})
    c.Exchange.withdraw(rent, {"from": u.hotel})
    c.LeaseBook.acceptLease(lease.return_value, {"from": u.hotel})
    assert plain(c.RightsLedger.balanceOf(u.victim, SO2)) == (0, 0, 0, 0)
    deadline = now() + 3_600
    consent = merge_signatures(
        c, u.victim, u.accomplice, [city.key["victim"], city.key["accomplice"]], deadline
    )
    with reverts("LifecycleActiveLease", u.victim, SO2):
        c.UnitLifecycle.merge(u.victim, u.accomplice, "合并", deadline, consent, {"from": dr})
    chain.sleep(30 * DAY + 1)
    chain.mine()
    c.LeaseBook.endLease(lease.return_value, {"from": dr})
    assert c.RightsLedger.balanceOf(u.victim, SO2)["paid"] == 10_000


def test_6_one_key_cannot_price_the_reserve_fund_away(city, parties):
    """Finding 6: the price bureau published 1 000 000× the benchmark, in force two seconds
    later, and a unit in its buy-back window took the whole fund. Refused outside the band and
    before the notice; a raise inside the band reaches the fund only after a notice period in
    force."""
    c, u, bureau = city.c, city.units, parties["price_bureau"]
    with reverts("PriceBookOutsideBand", CITY_COD * 1_000_000, CITY_COD // 2, CITY_COD * 3 // 2):
        c.PriceBook.publish(COD, 0, CITY_COD * 1_000_000, earliest_effect(), {"from": bureau})
    soon = now() + 2
    with reverts("PriceBookNoticeTooShort", soon, ...):
        c.PriceBook.publish(COD, 0, CITY_COD * 3 // 2, soon, {"from": bureau})
    final_usage(c, parties, u.victim, COD, 5_000)
    c.ComplianceManager.surrender(u.victim, COD, PERIOD, {"from": u.victim})
    raised = earliest_effect()
    c.PriceBook.publish(COD, 0, CITY_COD * 3 // 2, raised, {"from": bureau})
    chain.sleep(raised - now() + 1)
    chain.mine()
    fund = c.SettlementToken.balanceOf(c.GovernmentReserve)
    c.GovernmentReserve.buyBack(COD, PERIOD, 10_000, {"from": u.victim})
    paid = fund - c.SettlementToken.balanceOf(c.GovernmentReserve)
    assert paid == fen_at_benchmark(10_000, CITY_COD)  # the settled benchmark, not the new one


# ------------------------------------------------------------------ medium / low


def test_7_buy_back_takes_the_periods_surplus_at_the_units_own_benchmark(city, parties):
    """Finding 7: buy-back paid the city benchmark for rights bought at a lower district floor,
    for any quantity. It takes the surrendered period's surplus only, at the unit's district
    benchmark."""
    c, u, reg = city.c, city.units, parties["city_regulator"]
    final_usage(c, parties, u.south, COD, 4_000)
    c.ComplianceManager.surrender(u.south, COD, PERIOD, {"from": u.south})  # surplus 16 t
    buy(c, reg, u.south, COD, 30_000)  # more rights at the district's floor after the period
    with reverts("ComplianceSurplusExceeded", u.south, COD, PERIOD, 20_000, 16_000):
        c.GovernmentReserve.buyBack(COD, PERIOD, 20_000, {"from": u.south})
    fund = c.SettlementToken.balanceOf(c.GovernmentReserve)
    tx = c.GovernmentReserve.buyBack(COD, PERIOD, 16_000, {"from": u.south})
    assert tx.events["ReserveInflow"]["paidFen"] == fen_at_benchmark(16_000, D2_COD)
    assert fund - c.SettlementToken.balanceOf(c.GovernmentReserve) == fen_at_benchmark(
        16_000, D2_COD
    )
    with reverts("ComplianceSurplusExceeded", u.south, COD, PERIOD, 1, 0):
        c.GovernmentReserve.buyBack(COD, PERIOD, 1, {"from": u.south})


def test_8_a_lease_is_bounded_in_term_and_rent(city):
    """Finding 8: a lease at 0 rent for 100 years (or until 2⁶⁴−1) was a sale below the floor,
    off the exchange and without recognition. Refused; a term's lease at its floor stands."""
    c, u = city.c, city.units
    for ends in (now() + 100 * YEAR, 2**64 - 1):
        with reverts("LeaseTermTooLong", ends, ...):
            c.LeaseBook.offerLease(u.accomplice, COD, 10_000, ends, 0, {"from": u.victim})
    ends = now() + YEAR
    floor = c.LeaseBook.rentFloor(u.accomplice, COD, 10_000, ends)
    with reverts("LeaseRentBelowFloor", 0, floor):
        c.LeaseBook.offerLease(u.accomplice, COD, 10_000, ends, 0, {"from": u.victim})
    c.LeaseBook.offerLease(u.accomplice, COD, 10_000, ends, floor, {"from": u.victim})


def test_9_a_primary_auction_winner_is_bound_by_its_bid(city, parties):
    """Finding 9: the winner withdrew its application after winning; the lot was abandoned and
    every deposit refunded. Its application is bound until settlement; the winner gets the
    rights and pays."""
    c, u, reg, op = city.c, city.units, parties["city_regulator"], parties["exchange_operator"]
    apps = {}
    for name in ("accomplice", "buyer"):
        unit = getattr(u, name)
        apps[name] = c.PrimaryMarket.submitApplication(
            NH3, 5_000, NEW_UNIT, {"from": unit}
        ).return_value
        c.PrimaryMarket.approve(apps[name], 5_000, {"from": reg})
    reserve = fen_at_benchmark(5_000, 800_000)
    terms = (ASCENDING, reserve, reserve // 10, 10_000, now() + 3_600, 0)
    lot = c.AuctionHouse.offerPrimary(NH3, 1, 5_000, terms, {"from": op}).return_value
    for name in ("accomplice", "buyer"):
        c.AuctionHouse.join(lot, apps[name], {"from": getattr(u, name)})
    c.AuctionHouse.bid(lot, reserve, {"from": u.buyer})
    c.AuctionHouse.bid(lot, reserve + 10_000, {"from": u.accomplice})
    with reverts("PrimaryApplicationInAuction", apps["accomplice"], 1):
        c.PrimaryMarket.withdrawApplication(apps["accomplice"], {"from": u.accomplice})
    chain.sleep(3_700)
    chain.mine()
    c.AuctionHouse.settle(lot, {"from": op})
    assert c.RightsLedger.balanceOf(u.accomplice, NH3)["paid"] == 5_000


def test_10_a_bank_enforces_only_after_default_and_the_pledgor_keeps_the_excess(city, parties):
    """Finding 10: a bank enforced the block after the pledge with a claim of 2¹²⁸−1, bid alone
    at the benchmark and kept rights and money; the pledgor got nothing. Default is declared
    after maturity, up to the recorded claim; the pledgor receives the rest of the price."""
    c, u, bank = city.c, city.units, parties["bank"]
    claim = 1_000_000  # 1 万元 secured
    maturity = now() + 90 * DAY
    pid = c.PledgeBook.pledge(bank, COD, 10_000, claim, maturity, {"from": u.victim}).return_value
    with reverts("PledgeNotMatured", pid, maturity, ...):
        c.PledgeBook.enforce(pid, 2**128 - 1, {"from": bank})
    chain.sleep(90 * DAY + 1)
    chain.mine()
    with reverts("PledgeClaimAboveRecorded", pid, 2**128 - 1, claim):
        c.PledgeBook.enforce(pid, 2**128 - 1, {"from": bank})
    c.PledgeBook.enforce(pid, claim, {"from": bank})
    # the bank bids from an account of its own (a qualified investor, R-38 enabled for it)
    c.AccountRegistry.setSectorEnabled(
        int(Sector.INVESTOR), True, {"from": parties["city_regulator"]}
    )
    c.AccountRegistry.registerAccount(
        bank,
        with_check("91500000MA5B00001"),
        "银行",
        int(Sector.INVESTOR),
        1,
        1,
        {"from": parties["city_regulator"]},
    )
    price = fen_at_benchmark(10_000, CITY_COD)
    terms = (ASCENDING, price, price // 10, 10_000, now() + 3_600, 0)
    lot = c.AuctionHouse.offerEnforcement(pid, terms, {"from": bank}).return_value
    c.AuctionHouse.join(lot, 0, {"from": bank})
    c.AuctionHouse.bid(lot, price, {"from": bank})
    chain.sleep(3_700)
    chain.mine()
    before = c.Exchange.fundsOf(u.victim)["available"]
    tx = c.AuctionHouse.settle(lot, {"from": bank})
    proceeds = tx.events["EnforcementProceeds"]
    assert (proceeds["bankFen"], proceeds["holderFen"]) == (claim, price - claim)
    assert c.Exchange.fundsOf(u.victim)["available"] == before + price - claim


def test_11_priced_signatures_bind_the_price_the_signer_accepted(city, parties, stranger):
    """Finding 11: a relayer held a signed purchase until a higher benchmark took effect and the
    company paid more. The signed maximum fee (purchase) and minimum price (buy-back) bind."""
    from backend.chain.typed_data import sign, typed_data

    c, u, reg, bureau = city.c, city.units, parties["city_regulator"], parties["price_bureau"]
    app = c.PrimaryMarket.submitApplication(COD, 10_000, EXISTING, {"from": u.buyer}).return_value
    c.PrimaryMarket.approve(app, 10_000, {"from": reg})
    fee = c.PrimaryMarket.feeOf(app)
    deadline = now() + 30 * DAY
    fields = [
        ("applicant", "address"),
        ("application", "uint256"),
        ("maxFeeFen", "uint256"),
        ("nonce", "uint256"),
        ("deadline", "uint256"),
    ]
    message = {
        "applicant": u.buyer.address,
        "application": app,
        "maxFeeFen": fee,
        "nonce": c.PrimaryMarket.nonces(u.buyer),
        "deadline": deadline,
    }
    document = typed_data(
        contract_domain(c.PrimaryMarket), "Purchase", {"Purchase": fields}, message
    )
    signature = "0x" + sign(document, city.key["buyer"]).hex()
    raised = earliest_effect()
    c.PriceBook.publish(COD, 0, CITY_COD * 3 // 2, raised, {"from": bureau})
    chain.sleep(raised - now() + 1)
    chain.mine()
    higher = c.PrimaryMarket.feeOf(app)
    with reverts("PrimaryFeeAboveAccepted", app, higher, fee):
        c.PrimaryMarket.purchaseBySig(app, fee, deadline, signature, {"from": stranger})
    assert c.RightsLedger.balanceOf(u.buyer, COD)["paid"] == 20_000


def test_12_an_enforcement_lot_follows_the_merged_pledgor(city, parties):
    """Finding 12: after the pledgor's merger the lot still named it; bidders were refused and
    the lot abandoned. The sale is from the pledge's holder now, the successor, who gets the
    excess."""
    c, u, bank, dr = city.c, city.units, parties["bank"], parties["district_regulator"]
    pid = c.PledgeBook.pledge(
        bank, COD, 10_000, 500_000, now() + DAY, {"from": u.victim}
    ).return_value
    chain.sleep(DAY + 1)
    chain.mine()
    c.PledgeBook.enforce(pid, 500_000, {"from": bank})
    price = fen_at_benchmark(10_000, CITY_COD)
    terms = (ASCENDING, price, price // 10, 10_000, now() + 3_600, 0)
    lot = c.AuctionHouse.offerEnforcement(pid, terms, {"from": bank}).return_value
    deadline = now() + 3_600
    consent = merge_signatures(
        c, u.victim, u.accomplice, [city.key["victim"], city.key["accomplice"]], deadline
    )
    c.UnitLifecycle.merge(u.victim, u.accomplice, "吸收合并", deadline, consent, {"from": dr})
    assert c.PledgeBook.pledgeOf(pid)["holder"] == u.accomplice.address
    c.AuctionHouse.join(lot, 0, {"from": u.buyer})
    c.AuctionHouse.bid(lot, price, {"from": u.buyer})
    chain.sleep(3_700)
    chain.mine()
    before = c.Exchange.fundsOf(u.accomplice)["available"]
    tx = c.AuctionHouse.settle(lot, {"from": bank})
    assert tx.events["RightsEnforced"]["from"] == u.accomplice.address
    assert c.Exchange.fundsOf(u.accomplice)["available"] == before + price - 500_000
    assert c.RightsLedger.balanceOf(u.buyer, COD)["paid"] == 30_000


def test_13_an_allowance_alone_never_moves_a_wallets_money(city, stranger):
    """Finding 13: `depositWithPermit` with an empty permit moved a wallet's money into its
    trading account through an existing allowance, for any caller. Only the owner's own valid
    permit (or the owner itself) moves it."""
    c, u = city.c, city.units
    c.Exchange.withdraw(5_000, {"from": u.victim})
    c.SettlementToken.approve(c.Exchange, 5_000, {"from": u.victim})
    with reverts("ExchangeInvalidPermit", u.victim):
        c.Exchange.depositWithPermit(
            u.victim, 5_000, 0, 0, b"\0" * 32, b"\0" * 32, {"from": stranger}
        )
    assert c.SettlementToken.balanceOf(u.victim) == 5_000


def test_14_a_district_regulator_cannot_change_a_units_sector(city, parties):
    """Finding 14: a district regulator set a unit's sector to Government and so lifted the
    thermal-power air ban (R-19) and recognition (R-39). Sector changes are the council's."""
    c, u, dr = city.c, city.units, parties["district_regulator"]
    lock = c.AccountRegistry.TIMELOCK_ROLE()
    for sector in (Sector.GOVERNMENT, Sector.INDUSTRY):
        with reverts("AccessControlUnauthorizedAccount", dr, lock):
            c.AccountRegistry.changeAttributes(u.plant, int(sector), 1, 1, {"from": dr})
    assert c.AccountRegistry.profile(u.plant)["sector"] == int(Sector.THERMAL_POWER)
    change = call(c.AccountRegistry, "changeAttributes", u.plant, int(Sector.INDUSTRY), 1, 1)
    enact(c.RegulatorCouncil, [change], "热电厂转为工业企业", parties, wait=jump)
    assert c.AccountRegistry.profile(u.plant)["sector"] == int(Sector.INDUSTRY)


def test_15_closure_waits_for_pending_periods(city, parties):
    """Finding 15: `close` ignored pending periods; the closed unit owed what nothing could
    collect (R-32). While a period its permit covers awaits verification, closure is refused."""
    c, u, reg = city.c, city.units, parties["city_regulator"]
    t0 = now()
    c.PermitRegistry.issuePermit(u.hotel, [SO2], [10_000], t0 - YEAR, t0 + DAY, {"from": reg})
    chain.sleep(DAY + 1)
    chain.mine()
    reclaim = call(
        c.GovernmentReserve, "reclaim", u.hotel, SO2, int(Origin.PAID), 10_000, 0, "关停"
    )
    enact(c.RegulatorCouncil, [reclaim], "收回", parties, wait=jump)
    with reverts("LifecyclePeriodPending", u.hotel, SO2, PERIOD):
        c.UnitLifecycle.close(u.hotel, "注销", {"from": reg})
    assert not c.AccountRegistry.profile(u.hotel)["closed"]


def test_16_a_correction_never_makes_an_open_figure_final(city, parties):
    """Finding 16: a regulator's correction made an Open figure (no quorum) final (R-23),
    contrary to the security document. Refused until a quorum agrees."""
    c, u, reg = city.c, city.units, parties["city_regulator"]
    c.VerificationOracle.attest(u.victim, COD, PERIOD, 1, EVIDENCE, {"from": parties["verifier_a"]})
    with reverts("OracleQuorumNotReached", u.victim, COD, PERIOD, 1, 2):
        c.VerificationOracle.correct(u.victim, COD, PERIOD, 0, EVIDENCE, "更正", {"from": reg})
    assert plain(c.VerificationOracle.finalUsage(u.victim, COD, PERIOD)) == (False, 0)


def test_notice_period_is_the_dev_chains_scaled_week(city):
    """The dev deployment's price rules (docs/security.md): a week's notice scaled to seconds,
    ±50 %."""
    assert (city.c.PriceBook.notice(), city.c.PriceBook.bandBps()) == (NOTICE, 5_000)
