"""Every trading rule, allowed path and refusal, in the one rule engine (R-05 … R-39).

Each refusal is asserted twice: the pre-check ``check`` answers with the reason code, and the
settlement reverts with the rule's named error.
"""

import pytest
from brownie import chain

from backend.chain.domain import Op, Origin, Reason, Sector, TradeMode
from backend.chain.policy import Switch
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.helpers import (
    fen_at_benchmark,
    loan,
    movement,
    now,
    plain,
    policy_switch_now,
    publish_now,
    reverts,
)

COD_PRICE = BENCHMARKS["COD"]
SO2_PRICE = BENCHMARKS["SO2"]


@pytest.fixture(scope="module")
def market(city, ledger, registry, exchange, regulator):
    """Sellers with paid rights, qualified and certified (R-39)."""
    cod, so2 = city.pollutant["COD"], city.pollutant["SO2"]
    grants = [
        (city.chem, cod, 20_000),
        (city.chem, so2, 20_000),
        (city.power, so2, 20_000),
        (city.power, cod, 5_000),
        (city.farm, cod, 10_000),
        (city.reserve, cod, 5_000),
    ]
    for unit, pollutant, kg in grants:
        ledger.allocate(unit, pollutant, int(Origin.PAID), kg, {"from": exchange})
        if unit is not city.reserve:
            registry.setQualifiedSeller(unit, True, {"from": regulator})
            ledger.certifyTradable(unit, pollutant, kg // 2, {"from": regulator})
    return city


def trade(ledger, exchange, frm, to, pollutant, kg, price, mode=TradeMode.NEGOTIATED):
    return ledger.trade(frm, to, pollutant, kg, price, int(mode), {"from": exchange})


def refused(
    ledger, exchange, frm, to, pollutant, kg, price, reason, error, *args, mode=TradeMode.NEGOTIATED
):
    m = movement(Op.TRADE, frm, to, pollutant, kg, price, mode)
    assert plain(ledger.check(m))[0] == reason
    with reverts(error, *args):
        trade(ledger, exchange, frm, to, pollutant, kg, price, mode)


def test_trade_moves_paid_rights_and_consumes_certification_R14(ledger, exchange, market):
    """R-14: a negotiated trade at benchmark moves paid rights; R-39 certification is used up."""
    cod = market.pollutant["COD"]
    price = fen_at_benchmark(1_000, COD_PRICE)
    assert (
        plain(ledger.check(movement(Op.TRADE, market.chem, market.steel, cod, 1_000, price, 1)))[0]
        == Reason.OK
    )
    tx = trade(ledger, exchange, market.chem, market.steel, cod, 1_000, price)
    assert tx.events["RightsTraded"]["priceFen"] == price
    assert ledger.balanceOf(market.chem, cod)["paid"] == 19_000
    assert ledger.balanceOf(market.steel, cod)["paid"] == 1_000
    assert ledger.positionOf(market.chem, cod)["tradable"] == 9_000
    assert ledger.totalSupply(cod) == 40_000


def test_only_paid_rights_are_sold_R05(ledger, exchange, regulator, registry, market):
    """R-05: free and waived rights never go to the market."""
    cod = market.pollutant["COD"]
    ledger.allocateFree(market.hotel, cod, 5_000, {"from": regulator})
    ledger.allocate(market.hotel, cod, int(Origin.WAIVED), 5_000, {"from": exchange})
    registry.setQualifiedSeller(market.hotel, True, {"from": regulator})
    ledger.certifyTradable(market.hotel, cod, 5_000, {"from": regulator})
    price = fen_at_benchmark(1_000, COD_PRICE)
    refused(
        ledger,
        exchange,
        market.hotel,
        market.chem,
        cod,
        1_000,
        price,
        Reason.INSUFFICIENT_RIGHTS,
        "LedgerInsufficientRights",
        market.hotel,
        cod,
        1_000,
        0,
    )


def test_pledged_rights_cannot_be_sold_R07(ledger, exchange, pledges, bank, market):
    """R-07: pledged rights are not transferable; the unpledged rest is."""
    cod = market.pollutant["COD"]
    pledges.pledge(bank, cod, 19_500, *loan(), {"from": market.chem.account})
    price = fen_at_benchmark(1_000, COD_PRICE)
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        cod,
        1_000,
        price,
        Reason.INSUFFICIENT_RIGHTS,
        "LedgerInsufficientRights",
        market.chem,
        cod,
        1_000,
        500,
    )
    trade(ledger, exchange, market.chem, market.steel, cod, 500, fen_at_benchmark(500, COD_PRICE))
    assert ledger.balanceOf(market.chem, cod)["pledged"] == 19_500


def test_holdings_never_fall_below_the_permit_R06(ledger, exchange, permits, regulator, market):
    """R-06: while the permit is valid only the excess over the permitted quantity is sold."""
    cod = market.pollutant["COD"]
    t0 = now()
    permits.issuePermit(market.chem, [cod], [19_500], t0 - DAY, t0 + YEAR, {"from": regulator})
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        cod,
        1_000,
        fen_at_benchmark(1_000, COD_PRICE),
        Reason.BELOW_PERMIT,
        "LedgerBelowPermit",
        market.chem,
        cod,
        19_000,
        19_500,
    )
    trade(ledger, exchange, market.chem, market.steel, cod, 500, fen_at_benchmark(500, COD_PRICE))
    chain.sleep(YEAR + DAY)  # the permit expired: R-06 no longer binds
    trade(
        ledger, exchange, market.chem, market.steel, cod, 1_000, fen_at_benchmark(1_000, COD_PRICE)
    )
    assert ledger.balanceOf(market.chem, cod)["paid"] == 18_500


def test_price_floor_is_the_benchmark_R15(ledger, exchange, market):
    """R-15: one fen under the benchmark value is refused; exactly the benchmark clears."""
    cod = market.pollutant["COD"]
    minimum = fen_at_benchmark(1_234, COD_PRICE)
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        cod,
        1_234,
        minimum - 1,
        Reason.PRICE_BELOW_BENCHMARK,
        "LedgerPriceBelowBenchmark",
        cod,
        minimum - 1,
        minimum,
    )
    trade(ledger, exchange, market.chem, market.steel, cod, 1_234, minimum)


def test_regional_benchmark_applies_to_the_buyers_region_R15(
    ledger, exchange, prices, price_bureau, market
):
    """R-15: where the price bureau set a regional benchmark, it binds sales into that region."""
    cod = market.pollutant["COD"]
    publish_now(prices, price_bureau, cod, market.steel.district, COD_PRICE * 3 // 2)
    city_price = fen_at_benchmark(1_000, COD_PRICE)
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        cod,
        1_000,
        city_price,
        Reason.PRICE_BELOW_BENCHMARK,
        "LedgerPriceBelowBenchmark",
        cod,
        city_price,
        city_price * 3 // 2,
    )
    trade(ledger, exchange, market.chem, market.hotel, cod, 1_000, city_price)  # hotel: district 1


def test_no_trade_without_a_benchmark_R15(ledger, exchange, regulator, registry, market):
    """R-15: a pollutant without a published benchmark cannot trade."""
    gisw = market.pollutant["GISW"]
    ledger.allocate(market.chem, gisw, 0, 1_000, {"from": exchange})
    ledger.certifyTradable(market.chem, gisw, 1_000, {"from": regulator})
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        gisw,
        100,
        10**12,
        Reason.NO_BENCHMARK,
        "LedgerNoBenchmark",
        gisw,
        market.steel.district,
    )


@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_blacklisted_units_cannot_trade_R17(ledger, exchange, registry, regulator, market, side):
    """R-17: 环保信用不良 / 挂牌督办 / 限期治理 / 区域限批 bar both sides until lifted."""
    cod = market.pollutant["COD"]
    unit = market.chem if side == "seller" else market.steel
    registry.setRestriction(
        unit, registry.RESTRICTION_REGIONAL_SUSPENSION(), True, "区域限批", {"from": regulator}
    )
    price = fen_at_benchmark(1_000, COD_PRICE)
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        cod,
        1_000,
        price,
        Reason.BLACKLISTED,
        "LedgerBlacklisted",
        unit,
        8,
    )
    registry.setRestriction(
        unit, registry.RESTRICTION_REGIONAL_SUSPENSION(), False, "整治完成", {"from": regulator}
    )
    trade(ledger, exchange, market.chem, market.steel, cod, 1_000, price)


def test_no_sale_into_a_non_attainment_district_from_outside_R18(
    ledger, exchange, registry, regulator, market
):
    """R-18: rights may not flow into a district failing its standard; within it they may."""
    cod = market.pollutant["COD"]
    registry.setNonAttainment(False, market.steel.district, cod, True, {"from": regulator})
    price = fen_at_benchmark(1_000, COD_PRICE)
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        cod,
        1_000,
        price,
        Reason.NON_ATTAINMENT_DESTINATION,
        "LedgerNonAttainmentDestination",
        market.steel,
        cod,
    )
    trade(ledger, exchange, market.power, market.steel, cod, 1_000, price)  # both in district 2


def test_no_sale_into_a_non_attainment_basin_from_outside_R18(
    ledger, exchange, registry, regulator, market
):
    """R-18: the same for a basin (流域)."""
    cod = market.pollutant["COD"]
    registry.setNonAttainment(True, market.hotel.basin, cod, True, {"from": regulator})
    price = fen_at_benchmark(1_000, COD_PRICE)
    refused(
        ledger,
        exchange,
        market.farm,
        market.hotel,
        cod,
        1_000,
        price,
        Reason.NON_ATTAINMENT_DESTINATION,
        "LedgerNonAttainmentDestination",
        market.hotel,
        cod,
    )
    trade(ledger, exchange, market.chem, market.hotel, cod, 1_000, price)  # same basin 1


def test_thermal_power_keeps_air_pollutants_among_thermal_power_R19(ledger, exchange, market):
    """R-19: thermal power ↔ other sectors is refused for SO2/NOx, allowed among thermal power
    and for water pollutants."""
    so2, cod = market.pollutant["SO2"], market.pollutant["COD"]
    price = fen_at_benchmark(1_000, SO2_PRICE)
    refused(
        ledger,
        exchange,
        market.power,
        market.chem,
        so2,
        1_000,
        price,
        Reason.THERMAL_POWER_AIR_POLLUTANT,
        "LedgerThermalPowerAirPollutant",
        market.power,
        market.chem,
        so2,
    )
    refused(
        ledger,
        exchange,
        market.chem,
        market.power,
        so2,
        1_000,
        price,
        Reason.THERMAL_POWER_AIR_POLLUTANT,
        "LedgerThermalPowerAirPollutant",
        market.chem,
        market.power,
        so2,
    )
    trade(ledger, exchange, market.power, market.power2, so2, 1_000, price)
    trade(
        ledger, exchange, market.chem, market.power, cod, 1_000, fen_at_benchmark(1_000, COD_PRICE)
    )


def test_industry_and_livestock_never_trade_R20(ledger, exchange, market):
    """R-20: industrial and agricultural sources may not trade with each other, either way."""
    cod = market.pollutant["COD"]
    price = fen_at_benchmark(1_000, COD_PRICE)
    refused(
        ledger,
        exchange,
        market.farm,
        market.chem,
        cod,
        1_000,
        price,
        Reason.INDUSTRY_LIVESTOCK,
        "LedgerIndustryLivestock",
        market.farm,
        market.chem,
    )
    refused(
        ledger,
        exchange,
        market.chem,
        market.farm,
        cod,
        1_000,
        price,
        Reason.INDUSTRY_LIVESTOCK,
        "LedgerIndustryLivestock",
        market.chem,
        market.farm,
    )
    refused(
        ledger,
        exchange,
        market.power,
        market.farm,
        cod,
        1_000,
        price,
        Reason.INDUSTRY_LIVESTOCK,
        "LedgerIndustryLivestock",
        market.power,
        market.farm,
    )
    trade(ledger, exchange, market.farm, market.hotel, cod, 1_000, price)


def test_green_channel_under_one_tonne_from_the_reserve_R21(ledger, exchange, market):
    """R-21: reserve rights by negotiated transfer for a project needing < 1 t in total, without
    the party review; the 1 t counts across transfers."""
    cod = market.pollutant["COD"]
    trade(
        ledger,
        exchange,
        market.reserve,
        market.hotel,
        cod,
        999,
        fen_at_benchmark(999, COD_PRICE),
        TradeMode.GREEN_CHANNEL,
    )
    assert ledger.greenChannelIntake(market.hotel) == 999
    refused(
        ledger,
        exchange,
        market.reserve,
        market.hotel,
        cod,
        1,
        fen_at_benchmark(1, COD_PRICE),
        Reason.GREEN_CHANNEL_LIMIT,
        "LedgerGreenChannelLimit",
        market.hotel,
        999,
        1,
        mode=TradeMode.GREEN_CHANNEL,
    )


def test_green_channel_only_from_the_reserve_R21(ledger, exchange, market):
    """R-21: the green channel sells reserve rights only."""
    cod = market.pollutant["COD"]
    refused(
        ledger,
        exchange,
        market.chem,
        market.hotel,
        cod,
        100,
        fen_at_benchmark(100, COD_PRICE),
        Reason.NOT_RESERVE,
        "LedgerNotReserve",
        market.chem,
        mode=TradeMode.GREEN_CHANNEL,
    )


@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_units_of_sectors_not_yet_enabled_cannot_trade_R38(
    ledger, exchange, registry, regulator, market, policy, side
):
    """R-38: phased roll-out per sector (industry first), in a city whose policy has one
    (Chongqing 2014; tests/contracts/policy compares the profiles)."""
    cod = market.pollutant["COD"]
    policy_switch_now(policy, regulator, Switch.SECTOR_ROLLOUT)
    registry.setSectorEnabled(
        int(Sector.LIVESTOCK if side == "seller" else Sector.SERVICE), False, {"from": regulator}
    )
    unit = market.farm if side == "seller" else market.hotel
    seller = market.farm if side == "seller" else market.chem
    refused(
        ledger,
        exchange,
        seller,
        market.hotel,
        cod,
        1_000,
        fen_at_benchmark(1_000, COD_PRICE),
        Reason.SECTOR_NOT_ENABLED,
        "LedgerSectorNotEnabled",
        unit,
        int(unit.sector),
    )


def test_seller_must_pass_the_party_review_R39(ledger, exchange, registry, regulator, market):
    """R-39: 交易主体资格审查 — an unqualified seller is refused."""
    cod = market.pollutant["COD"]
    registry.setQualifiedSeller(market.chem, False, {"from": regulator})
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        cod,
        1_000,
        fen_at_benchmark(1_000, COD_PRICE),
        Reason.SELLER_NOT_QUALIFIED,
        "LedgerSellerNotQualified",
        market.chem,
    )


def test_only_certified_quantities_are_sold_R39(ledger, exchange, market):
    """R-39: 可交易排污权认定 — a sale beyond the certified quantity is refused."""
    cod = market.pollutant["COD"]
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        cod,
        10_001,
        fen_at_benchmark(10_001, COD_PRICE),
        Reason.NOT_CERTIFIED_TRADABLE,
        "LedgerNotCertifiedTradable",
        market.chem,
        cod,
        10_001,
        10_000,
    )


def test_reserve_release_and_buy_back_need_no_certification_R28_R26(ledger, exchange, market):
    """R-28 reserve releases and R-26 buy-backs are not unit sales: no R-39 recognition needed."""
    cod = market.pollutant["COD"]
    trade(
        ledger,
        exchange,
        market.reserve,
        market.steel,
        cod,
        2_000,
        fen_at_benchmark(2_000, COD_PRICE),
        TradeMode.RESERVE_RELEASE,
    )
    trade(
        ledger,
        exchange,
        market.chem,
        market.reserve,
        cod,
        15_000,
        fen_at_benchmark(15_000, COD_PRICE),
        TradeMode.BUY_BACK,
    )
    assert ledger.balanceOf(market.reserve, cod)["paid"] == 18_000
    assert ledger.positionOf(market.chem, cod)["tradable"] == 10_000


@pytest.mark.parametrize(
    ("mode", "party"),
    [(TradeMode.BUY_BACK, "steel"), (TradeMode.RESERVE_RELEASE, "chem")],
    ids=["buy-back-R26", "reserve-release-R28"],
)
def test_buy_back_and_reserve_release_need_the_reserve_R26_R28(
    ledger, exchange, market, mode, party
):
    """R-26 buy-backs go into the reserve; R-28 releases come out of it: a trade between two
    units in either mode names the unit that should have been the reserve."""
    cod = market.pollutant["COD"]
    price = fen_at_benchmark(100, COD_PRICE)
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        cod,
        100,
        price,
        Reason.NOT_RESERVE,
        "LedgerNotReserve",
        getattr(market, party),
        mode=mode,
    )


def test_buyer_failing_industrial_policy_refused_R11(ledger, exchange, registry, regulator, market):
    """R-11: no rights for a unit failing industrial policy, bought ones included."""
    cod = market.pollutant["COD"]
    registry.setPolicyRestricted(market.steel, True, "限制类", {"from": regulator})
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        cod,
        100,
        fen_at_benchmark(100, COD_PRICE),
        Reason.POLICY_RESTRICTED,
        "LedgerPolicyRestricted",
        market.steel,
    )


@pytest.mark.parametrize(
    ("case", "reason", "error"),
    [
        ("same-account", Reason.SAME_ACCOUNT, "LedgerSameAccount"),
        ("unknown-pollutant", Reason.UNKNOWN_POLLUTANT, "LedgerUnknownPollutant"),
        ("zero-quantity", Reason.ZERO_QUANTITY, "LedgerZeroQuantity"),
    ],
    ids=["same-account", "unknown-pollutant", "zero-quantity"],
)
def test_same_account_unknown_pollutant_and_zero_refused(
    ledger, exchange, market, case, reason, error
):
    """A trade needs two parties, a known pollutant and a quantity."""
    cod = market.pollutant["COD"]
    buyer, pollutant, kg, args = {
        "same-account": (market.chem, cod, 100, (market.chem,)),
        "unknown-pollutant": (market.steel, 42, 100, (42,)),
        "zero-quantity": (market.steel, cod, 0, ()),
    }[case]
    refused(ledger, exchange, market.chem, buyer, pollutant, kg, 10**9, reason, error, *args)


@pytest.mark.parametrize(
    "mode", [TradeMode.NONE, TradeMode.ENFORCEMENT], ids=["none", "enforcement"]
)
def test_a_trade_needs_a_trade_mode(ledger, exchange, market, mode):
    """A ledger trade names how it was traded; enforcement sales are not plain trades."""
    with reverts("LedgerInvalidMode", int(mode)):
        trade(
            ledger, exchange, market.chem, market.steel, market.pollutant["COD"], 100, 10**9, mode
        )


def test_closed_and_unregistered_accounts_cannot_trade_R32(
    ledger, exchange, registry, regulator, market, stranger
):
    """R-32: a closed account refuses all further movement; R-02 strangers hold nothing."""
    cod = market.pollutant["COD"]
    registry.grantRole(registry.ACCOUNT_MANAGER_ROLE(), regulator, {"from": regulator})
    registry.closeAccount(market.steel, "注销", {"from": regulator})
    price = fen_at_benchmark(100, COD_PRICE)
    refused(
        ledger,
        exchange,
        market.chem,
        market.steel,
        cod,
        100,
        price,
        Reason.ACCOUNT_CLOSED,
        "LedgerAccountClosed",
        market.steel,
    )
    refused(
        ledger,
        exchange,
        market.chem,
        stranger,
        cod,
        100,
        price,
        Reason.NOT_REGISTERED,
        "LedgerNotRegistered",
        stranger,
    )
