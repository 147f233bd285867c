"""The government reserve: inflows by source, outflows by use, money from the fund (R-21,
R-26–R-29)."""

import pytest
from brownie import chain

from backend.chain.domain import Origin, Sector
from scripts.deploy import deploy_contract
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.helpers import fen_at_benchmark, loan, now, plain, reverts

RECLAIMED, BOUGHT_BACK, FACILITY, IDLE, FRAUD = range(5)
MARKET, PRIORITY, GREEN = range(3)
COD_PRICE = BENCHMARKS["COD"]


@pytest.fixture(scope="module")
def stocked(city, ledger, exchange, regulator, reserve):
    """chem: 10 t paid + 3 t free COD; steel: 2 t paid COD."""
    cod = city.pollutant["COD"]
    ledger.allocate(city.chem, cod, int(Origin.PAID), 10_000, {"from": exchange})
    ledger.allocateFree(city.chem, cod, 3_000, {"from": regulator})
    ledger.allocate(city.steel, cod, int(Origin.PAID), 2_000, {"from": exchange})
    return city


def test_free_rights_are_reclaimed_without_pay_R27(reserve, ledger, money, regulator, stocked):
    """R-27: rights of a closed or banned unit — free ones reclaimed free (seed 003 §2(二))."""
    cod = stocked.pollutant["COD"]
    tx = reserve.reclaim(
        stocked.chem, cod, int(Origin.FREE), 3_000, RECLAIMED, "关停", {"from": regulator}
    )
    assert tx.events["ReserveInflow"]["paidFen"] == 0
    assert tx.events["ReserveInflow"]["reason"] == "关停"
    assert money.balanceOf(stocked.chem) == 0
    assert ledger.balanceOf(stocked.chem, cod)["free"] == 0
    assert ledger.balanceOf(reserve, cod)["paid"] == 3_000
    assert reserve.stock(RECLAIMED, cod) == 3_000


def test_paid_rights_are_bought_back_at_the_benchmark_R27(
    reserve, ledger, money, regulator, stocked
):
    """R-27: paid rights of a closed unit are bought back at the city benchmark from the fund."""
    cod = stocked.pollutant["COD"]
    fund = money.balanceOf(reserve)
    reserve.reclaim(
        stocked.chem, cod, int(Origin.PAID), 4_000, IDLE, "5年未开工", {"from": regulator}
    )
    pay = fen_at_benchmark(4_000, COD_PRICE)
    assert money.balanceOf(stocked.chem) == pay
    assert money.balanceOf(reserve) == fund - pay
    assert reserve.stock(IDLE, cod) == 4_000


def test_reclaim_refusals_R27(
    reserve, regulator, district_regulator, money, stocked, pledges, bank
):
    """R-27: only the council's time lock, only reclaim sources, never pledged rights, never
    beyond the fund."""
    cod = stocked.pollutant["COD"]
    # only the council's time lock reclaims (this module's fixture grants it to the city
    # regulator's key, tests/conftest.py); a district regulator never
    with reverts("AccessControlUnauthorizedAccount", district_regulator, reserve.TIMELOCK_ROLE()):
        reserve.reclaim(stocked.steel, cod, 0, 1, RECLAIMED, "", {"from": district_regulator})
    with reverts("ReserveInvalidSource", BOUGHT_BACK):
        reserve.reclaim(stocked.chem, cod, 0, 1, BOUGHT_BACK, "", {"from": regulator})
    pledges.pledge(bank, cod, 9_000, *loan(), {"from": stocked.chem.account})
    with reverts("LedgerInsufficientRights", stocked.chem, cod, 2_000, 1_000):
        reserve.reclaim(stocked.chem, cod, 0, 2_000, RECLAIMED, "", {"from": regulator})


def test_buy_back_within_the_surplus_window_R26(
    reserve, compliance, usage, ledger, money, regulator, stocked
):
    """R-26: after surrender the unit sells surplus paid rights back at the benchmark, within the
    window; before surrender, after carry-over or after the window it cannot."""
    cod = stocked.pollutant["COD"]
    t0 = now()
    end = t0 + DAY
    compliance.definePeriod(t0 - YEAR, end, end + 30 * DAY, end + 60 * DAY, {"from": regulator})
    usage.post(stocked.chem, cod, 1, 5_000, True)
    chain.sleep(DAY + 1)
    chain.mine()
    with reverts("ReserveBuyBackClosed", stocked.chem, cod, 1):
        reserve.buyBack(cod, 1, 1_000, {"from": stocked.chem.account})
    compliance.surrender(
        stocked.chem, cod, 1, {"from": stocked.chem.account}
    )  # 3 t free + 2 t paid
    tx = reserve.buyBack(cod, 1, 6_000, {"from": stocked.chem.account})
    assert tx.events["RightsTraded"]["mode"] == 5  # BuyBack
    assert money.balanceOf(stocked.chem) == fen_at_benchmark(6_000, COD_PRICE)
    assert reserve.stock(BOUGHT_BACK, cod) == 6_000
    assert ledger.balanceOf(stocked.chem, cod)["paid"] == 2_000
    compliance.carryOver(stocked.chem, cod, 1, {"from": stocked.chem.account})
    with reverts("ReserveBuyBackClosed", stocked.chem, cod, 1):
        reserve.buyBack(cod, 1, 1_000, {"from": stocked.chem.account})


def test_buy_back_takes_only_unpledged_paid_rights_R05_R07(
    reserve, compliance, usage, pledges, bank, regulator, stocked
):
    """R-05, R-07: free, waived and pledged rights are never bought back."""
    cod = stocked.pollutant["COD"]
    t0 = now()
    compliance.definePeriod(t0 - YEAR, t0 - 1, t0 + YEAR, t0 + 2 * YEAR, {"from": regulator})
    usage.post(stocked.chem, cod, 1, 0, True)
    pledges.pledge(bank, cod, 9_000, *loan(), {"from": stocked.chem.account})
    with reverts("LedgerInsufficientRights", stocked.chem, cod, 1_001, 1_000):
        reserve.buyBack(cod, 1, 1_001, {"from": stocked.chem.account})


def test_facility_rights_enter_the_reserve_paid_at_benchmark_R27(
    reserve, registry, ledger, money, regulator, stocked, companies
):
    """R-27: a centralised sewage facility's rights are created into the reserve, within its
    district's cap, paid to the facility at the benchmark."""
    cod = stocked.pollutant["COD"]
    plant = companies[7]
    registry.registerAccount(
        plant,
        "12500000MC0000000H",
        "鸡冠石污水处理厂",
        int(Sector.TREATMENT_FACILITY),
        2,
        1,
        {"from": regulator},
    )
    tx = reserve.acquireFromFacility(plant, cod, 20_000, {"from": regulator})
    assert tx.events["RightsAllocated"]["region"] == 2
    assert money.balanceOf(plant) == fen_at_benchmark(20_000, COD_PRICE)
    assert reserve.stock(FACILITY, cod) == 20_000
    assert ledger.capOf(2, cod)["allocated"] == 2_000 + 20_000
    with reverts("ReserveNotFacility", stocked.chem):
        reserve.acquireFromFacility(stocked.chem, cod, 1, {"from": regulator})
    ledger.setCap(2, cod, 22_000, {"from": regulator})
    with reverts("LedgerCapExceeded"):
        reserve.acquireFromFacility(plant, cod, 1, {"from": regulator})


def test_release_to_a_priority_project_with_its_reason_R28_R29(
    reserve, ledger, money, regulator, treasury, stocked
):
    """R-28: reserve rights allotted to a priority project, reason on chain; R-29: proceeds to
    the treasury; stock by source and releases by use are kept."""
    cod = stocked.pollutant["COD"]
    reserve.reclaim(
        stocked.chem, cod, int(Origin.FREE), 3_000, RECLAIMED, "关停", {"from": regulator}
    )
    price = fen_at_benchmark(2_000, COD_PRICE)
    tx = reserve.offerRelease(
        stocked.steel,
        cod,
        2_000,
        price,
        RECLAIMED,
        PRIORITY,
        "重大科技示范项目",
        {"from": regulator},
    )
    offer_id = tx.return_value
    assert tx.events["ReleaseReason"]["reason"] == "重大科技示范项目"
    money.mint(stocked.steel, price, {"from": regulator})
    money.approve(reserve, price, {"from": stocked.steel.account})
    with reverts("ReserveNotBuyer", offer_id, stocked.chem.account):
        reserve.acceptRelease(offer_id, {"from": stocked.chem.account})
    tx = reserve.acceptRelease(offer_id, {"from": stocked.steel.account})
    assert tx.events["ReserveOutflow"]["use"] == PRIORITY
    assert money.balanceOf(treasury) == price
    assert ledger.balanceOf(stocked.steel, cod)["paid"] == 4_000
    assert (reserve.stock(RECLAIMED, cod), reserve.released(PRIORITY, cod)) == (1_000, 2_000)
    with reverts("ReserveOfferClosed", offer_id):
        reserve.acceptRelease(offer_id, {"from": stocked.steel.account})


def test_release_refusals_R28(reserve, registry, regulator, money, stocked):
    """R-28: no release beyond the stock of its source, below the benchmark (R-15) or to a buyer
    barred from trading (R-17) — refused when offered, with the error the acceptance would give;
    none after withdrawal."""
    cod = stocked.pollutant["COD"]
    with reverts("ReserveInsufficientStock", RECLAIMED, cod, 0, 1):
        reserve.offerRelease(
            stocked.steel, cod, 1, 10**9, RECLAIMED, MARKET, "", {"from": regulator}
        )
    reserve.reclaim(stocked.chem, cod, int(Origin.FREE), 3_000, RECLAIMED, "", {"from": regulator})
    price = fen_at_benchmark(1_000, COD_PRICE)
    with reverts("LedgerPriceBelowBenchmark", cod, price - 1, price):
        reserve.offerRelease(
            stocked.steel, cod, 1_000, price - 1, RECLAIMED, MARKET, "", {"from": regulator}
        )
    registry.setRestriction(stocked.farm, 1, True, "环保信用不良", {"from": regulator})
    with reverts("LedgerBlacklisted", stocked.farm, 1):
        reserve.offerRelease(
            stocked.farm, cod, 1_000, price, RECLAIMED, PRIORITY, "", {"from": regulator}
        )
    offer_id = reserve.offerRelease(
        stocked.steel, cod, 1_000, price, RECLAIMED, MARKET, "", {"from": regulator}
    ).return_value
    # the acceptance checks again: the buyer barred since the offer is refused by the same error
    registry.setRestriction(stocked.steel, 1, True, "环保信用不良", {"from": regulator})
    with reverts("LedgerBlacklisted", stocked.steel, 1):
        reserve.acceptRelease(offer_id, {"from": stocked.steel.account})
    reserve.withdrawOffer(offer_id, {"from": regulator})
    with reverts("ReserveOfferClosed", offer_id):
        reserve.acceptRelease(offer_id, {"from": stocked.steel.account})
    with reverts("AccessControlUnauthorizedAccount"):
        reserve.offerRelease(
            stocked.steel, cod, 1, 10**9, RECLAIMED, MARKET, "", {"from": stocked.steel.account}
        )


def test_green_channel_from_the_reserve_without_deposit_R21(
    reserve, ledger, money, regulator, stocked
):
    """R-21: a project needing < 1 t takes reserve rights by negotiated transfer, no party
    review."""
    cod = stocked.pollutant["COD"]
    reserve.reclaim(stocked.chem, cod, int(Origin.FREE), 3_000, RECLAIMED, "", {"from": regulator})
    price = fen_at_benchmark(900, COD_PRICE)
    first = reserve.offerRelease(
        stocked.hotel, cod, 900, price, RECLAIMED, GREEN, "轻污染项目", {"from": regulator}
    )
    money.mint(stocked.hotel, 10 * price, {"from": regulator})
    money.approve(reserve, 10 * price, {"from": stocked.hotel.account})
    reserve.acceptRelease(first.return_value, {"from": stocked.hotel.account})
    assert ledger.greenChannelIntake(stocked.hotel) == 900
    with reverts("LedgerGreenChannelLimit", stocked.hotel, 900, 100):
        reserve.offerRelease(
            stocked.hotel, cod, 100, price, RECLAIMED, GREEN, "", {"from": regulator}
        )
    reserve.offerRelease(stocked.hotel, cod, 99, price, RECLAIMED, GREEN, "", {"from": regulator})


def test_a_green_channel_offer_above_the_limit_is_refused_when_offered_R21(
    reserve, ledger, money, regulator, stocked
):
    """R-21: an offer of 1 t or more through the green channel is refused at the offer, with the
    error its acceptance would give; two offers each within the limit but together beyond it
    are both made, and the second acceptance is refused by the same error."""
    cod = stocked.pollutant["COD"]
    reserve.reclaim(stocked.chem, cod, int(Origin.FREE), 3_000, RECLAIMED, "", {"from": regulator})
    price = fen_at_benchmark(1_000, COD_PRICE)
    with reverts("LedgerGreenChannelLimit", stocked.hotel, 0, 1_000):
        reserve.offerRelease(
            stocked.hotel, cod, 1_000, price, RECLAIMED, GREEN, "", {"from": regulator}
        )

    def offer_600():
        return reserve.offerRelease(
            stocked.hotel, cod, 600, price, RECLAIMED, GREEN, "", {"from": regulator}
        ).return_value

    first, second = offer_600(), offer_600()
    assert (first, second) == (1, 2)  # the refused offer was never recorded
    money.mint(stocked.hotel, 2 * price, {"from": regulator})
    money.approve(reserve, 2 * price, {"from": stocked.hotel.account})
    reserve.acceptRelease(first, {"from": stocked.hotel.account})
    with reverts("LedgerGreenChannelLimit", stocked.hotel, 600, 600):
        reserve.acceptRelease(second, {"from": stocked.hotel.account})


def test_stock_by_source_reconciles_with_the_ledger_R27_R28(
    reserve, ledger, money, regulator, stocked
):
    """R-27, R-28: Σ stock by source = the reserve's holdings = Σ inflows − Σ outflows."""
    cod = stocked.pollutant["COD"]
    reserve.reclaim(stocked.chem, cod, int(Origin.FREE), 3_000, RECLAIMED, "", {"from": regulator})
    reserve.reclaim(stocked.chem, cod, int(Origin.PAID), 1_000, IDLE, "", {"from": regulator})
    price = fen_at_benchmark(500, COD_PRICE)
    money.mint(stocked.steel, price, {"from": regulator})
    money.approve(reserve, price, {"from": stocked.steel.account})
    oid = reserve.offerRelease(
        stocked.steel, cod, 500, price, IDLE, MARKET, "", {"from": regulator}
    ).return_value
    reserve.acceptRelease(oid, {"from": stocked.steel.account})
    stocks = [reserve.stock(s, cod) for s in range(5)]
    assert sum(stocks) == ledger.holdings(reserve, cod) == 3_500
    assert [reserve.inflow(s, cod) - reserve.outflow(s, cod) for s in range(5)] == stocks
    assert plain(ledger.balanceOf(reserve, cod)) == (3_500, 0, 0, 0)


def test_paid_reclaim_needs_money_in_the_fund_R27(
    registry, ledger, prices, compliance, money, treasury, regulator, stocked
):
    """R-27: a buy-back the fund cannot pay is refused and changes nothing."""
    from brownie import GovernmentReserve

    empty = deploy_contract(
        GovernmentReserve,
        regulator,
        regulator,
        registry,
        ledger,
        prices,
        compliance,
        money,
        treasury,
    )[0]
    registry.registerAccount(
        empty, "11500000MB0000002Q", "区级储备", int(Sector.GOVERNMENT), 0, 0, {"from": regulator}
    )
    ledger.grantRole(ledger.RESERVE_ROLE(), empty, {"from": regulator})
    empty.grantRole(empty.TIMELOCK_ROLE(), regulator, {"from": regulator})  # TEST ONLY
    cod = stocked.pollutant["COD"]
    need = fen_at_benchmark(1_000, COD_PRICE)
    with reverts("ReserveInsufficientFund", 0, need):
        empty.reclaim(
            stocked.chem, cod, int(Origin.PAID), 1_000, RECLAIMED, "", {"from": regulator}
        )
    assert ledger.balanceOf(stocked.chem, cod)["paid"] == 10_000
