"""Every trading rule, through the exchange (R-05 … R-39): the exchange's pre-check names the rule
engine's reason, the settlement reverts with the ledger's named error and moves nothing, and the
allowed path settles. The rules live in the ledger only; the exchange adds none of its own."""

import pytest

from backend.chain.domain import MarketReason, Reason, TradeMode
from backend.chain.policy import Switch
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.contracts.market.orders import both_sign, terms
from tests.helpers import (
    fen_at_benchmark,
    loan,
    now,
    plain,
    policy_switch_now,
    publish_now,
    reverts,
)

COD_PRICE, SO2_PRICE = BENCHMARKS["COD"], BENCHMARKS["SO2"]


@pytest.fixture(scope="module")
def rules(traders):
    return traders


def at_benchmark(kg, price=COD_PRICE):
    return fen_at_benchmark(kg, price)


def settles(secondary, ledger, relayer, seller, buyer, pollutant, kg, price=None, mode=1):
    t = terms(seller, buyer, pollutant, kg, price or at_benchmark(kg), mode)
    assert plain(secondary.checkTrade(t))[0] == MarketReason.OK
    before = ledger.balanceOf(buyer, pollutant)["paid"]
    secondary.settleTrade(t, *both_sign(secondary, t), {"from": relayer})
    assert ledger.balanceOf(buyer, pollutant)["paid"] == before + kg


def refused(secondary, ledger, relayer, t, reason, error, *args):
    """The pre-check answers `reason`; the settlement reverts with `error`; nothing changes."""
    assert plain(secondary.checkTrade(t))[:2] == (MarketReason.RULE_REFUSED, reason)
    seller, buyer, pollutant = t[0], t[1], t[2]
    before = [
        plain(ledger.balanceOf(seller, pollutant)),
        plain(ledger.balanceOf(buyer, pollutant)),
        plain(secondary.fundsOf(seller)),
        plain(secondary.fundsOf(buyer)),
    ]
    with reverts(error, *args):
        secondary.settleTrade(t, *both_sign(secondary, t), {"from": relayer})
    after = [
        plain(ledger.balanceOf(seller, pollutant)),
        plain(ledger.balanceOf(buyer, pollutant)),
        plain(secondary.fundsOf(seller)),
        plain(secondary.fundsOf(buyer)),
    ]
    assert after == before


def test_only_paid_rights_are_sold_R05(secondary, ledger, regulator, exchange, rules, stranger):
    """R-05: free and waived rights stay with the holder: 50 t paid + 10 t free + 5 t waived sell
    50 t at most."""
    cod = rules.pollutant["COD"]
    ledger.allocateFree(rules.chem, cod, 10_000, {"from": regulator})
    ledger.allocate(rules.chem, cod, 2, 5_000, {"from": exchange})
    t = terms(rules.chem, rules.steel, cod, 50_001, at_benchmark(50_001))
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.INSUFFICIENT_RIGHTS,
        "LedgerInsufficientRights",
        rules.chem,
        cod,
        50_001,
        50_000,
    )
    settles(secondary, ledger, stranger, rules.chem, rules.steel, cod, 50_000)


def test_holdings_stay_at_the_permit_R06(secondary, ledger, permits, regulator, rules, stranger):
    """R-06: with a permit of 45 t, 50 t held sell only 5 t while the permit is valid."""
    cod = rules.pollutant["COD"]
    t0 = now()
    permits.issuePermit(rules.chem, [cod], [45_000], t0 - DAY, t0 + YEAR, {"from": regulator})
    t = terms(rules.chem, rules.steel, cod, 6_000, at_benchmark(6_000))
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.BELOW_PERMIT,
        "LedgerBelowPermit",
        rules.chem,
        cod,
        44_000,
        45_000,
    )
    settles(secondary, ledger, stranger, rules.chem, rules.steel, cod, 5_000)


def test_pledged_rights_are_not_sold_R07(secondary, ledger, pledges, bank, rules, stranger):
    """R-07: of 50 t with 48 t pledged, 2 t sell."""
    cod = rules.pollutant["COD"]
    pledges.pledge(bank, cod, 48_000, *loan(), {"from": rules.chem.account})
    t = terms(rules.chem, rules.steel, cod, 3_000, at_benchmark(3_000))
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.INSUFFICIENT_RIGHTS,
        "LedgerInsufficientRights",
        rules.chem,
        cod,
        3_000,
        2_000,
    )
    settles(secondary, ledger, stranger, rules.chem, rules.steel, cod, 2_000)


def test_buyer_failing_industrial_policy_receives_nothing_R11(
    secondary, ledger, registry, regulator, rules, stranger
):
    """R-11: a unit failing industrial policy gets no rights, by trade either."""
    cod = rules.pollutant["COD"]
    registry.setPolicyRestricted(rules.steel, True, "淘汰类", {"from": regulator})
    t = terms(rules.chem, rules.steel, cod, 1_000, at_benchmark(1_000))
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.POLICY_RESTRICTED,
        "LedgerPolicyRestricted",
        rules.steel,
    )
    registry.setPolicyRestricted(rules.steel, False, "整改完成", {"from": regulator})
    settles(secondary, ledger, stranger, rules.chem, rules.steel, cod, 1_000)


def test_price_floor_is_the_buyers_benchmark_R15(
    secondary, ledger, prices, price_bureau, rules, stranger
):
    """R-15: one fen under the buyer's district benchmark is refused; the benchmark clears."""
    cod = rules.pollutant["COD"]
    publish_now(prices, price_bureau, cod, rules.steel.district, COD_PRICE * 3 // 2)
    minimum = at_benchmark(1_000, COD_PRICE * 3 // 2)
    t = terms(rules.chem, rules.steel, cod, 1_000, minimum - 1)
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.PRICE_BELOW_BENCHMARK,
        "LedgerPriceBelowBenchmark",
        cod,
        minimum - 1,
        minimum,
    )
    settles(secondary, ledger, stranger, rules.chem, rules.steel, cod, 1_000, minimum)


@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_blacklisted_units_do_not_trade_R17(
    secondary, ledger, registry, regulator, rules, stranger, side
):
    """R-17: a restriction (here 环保信用不良) bars either side until it is lifted."""
    cod = rules.pollutant["COD"]
    unit = rules.chem if side == "seller" else rules.steel
    registry.setRestriction(
        unit, registry.RESTRICTION_CREDIT(), True, "信用不良", {"from": regulator}
    )
    t = terms(rules.chem, rules.steel, cod, 1_000, at_benchmark(1_000))
    refused(secondary, ledger, stranger, t, Reason.BLACKLISTED, "LedgerBlacklisted", unit, 1)
    registry.setRestriction(unit, registry.RESTRICTION_CREDIT(), False, "修复", {"from": regulator})
    settles(secondary, ledger, stranger, rules.chem, rules.steel, cod, 1_000)


def test_no_sale_into_a_non_attainment_district_R18(
    secondary, ledger, registry, regulator, rules, stranger
):
    """R-18: steel's district fails its COD standard: no COD from outside; inside it may trade."""
    cod = rules.pollutant["COD"]
    registry.setNonAttainment(False, rules.steel.district, cod, True, {"from": regulator})
    t = terms(rules.chem, rules.steel, cod, 1_000, at_benchmark(1_000))
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.NON_ATTAINMENT_DESTINATION,
        "LedgerNonAttainmentDestination",
        rules.steel,
        cod,
    )
    settles(secondary, ledger, stranger, rules.power, rules.steel, cod, 1_000)  # both district 2


def test_thermal_power_air_pollutants_stay_in_thermal_power_R19(secondary, ledger, rules, stranger):
    """R-19: SO2 from a power plant to industry is refused; between power plants it trades."""
    so2 = rules.pollutant["SO2"]
    t = terms(rules.power, rules.chem, so2, 1_000, at_benchmark(1_000, SO2_PRICE))
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.THERMAL_POWER_AIR_POLLUTANT,
        "LedgerThermalPowerAirPollutant",
        rules.power,
        rules.chem,
        so2,
    )
    settles(
        secondary,
        ledger,
        stranger,
        rules.power,
        rules.power2,
        so2,
        1_000,
        at_benchmark(1_000, SO2_PRICE),
    )


@pytest.mark.parametrize("direction", ["farm_to_industry", "industry_to_farm"])
def test_industry_and_livestock_do_not_trade_R20(secondary, ledger, rules, stranger, direction):
    """R-20: industrial and livestock sources never trade; livestock sells to services."""
    cod = rules.pollutant["COD"]
    seller, buyer = (
        (rules.farm, rules.chem) if direction == "farm_to_industry" else (rules.chem, rules.farm)
    )
    t = terms(seller, buyer, cod, 1_000, at_benchmark(1_000))
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.INDUSTRY_LIVESTOCK,
        "LedgerIndustryLivestock",
        seller,
        buyer,
    )
    settles(secondary, ledger, stranger, rules.farm, rules.hotel, cod, 1_000)


def test_green_channel_stops_at_one_tonne_R21(secondary, ledger, rules, stranger):
    """R-21: reserve rights through the green channel while the project's total stays under 1 t."""
    cod = rules.pollutant["COD"]
    green = TradeMode.GREEN_CHANNEL
    t = terms(rules.reserve, rules.fund, cod, 1_000, at_benchmark(1_000), green)
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.GREEN_CHANNEL_LIMIT,
        "LedgerGreenChannelLimit",
        rules.fund,
        0,
        1_000,
    )
    settles(secondary, ledger, stranger, rules.reserve, rules.fund, cod, 999, mode=green)


def test_sectors_not_yet_enabled_do_not_trade_R38(
    secondary, ledger, registry, regulator, rules, stranger, policy
):
    """R-38: services wait for the roll-out (a city whose policy has one); the hotel buys once
    its sector is enabled."""
    policy_switch_now(policy, regulator, Switch.SECTOR_ROLLOUT)
    cod = rules.pollutant["COD"]
    registry.setSectorEnabled(3, False, {"from": regulator})  # Sector.Service
    t = terms(rules.chem, rules.hotel, cod, 1_000, at_benchmark(1_000))
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.SECTOR_NOT_ENABLED,
        "LedgerSectorNotEnabled",
        rules.hotel,
        3,
    )
    registry.setSectorEnabled(3, True, {"from": regulator})
    settles(secondary, ledger, stranger, rules.chem, rules.hotel, cod, 1_000)


def test_seller_needs_the_party_review_R39(secondary, ledger, registry, regulator, rules, stranger):
    """R-39: a seller that has not passed the trading-party review cannot sell."""
    cod = rules.pollutant["COD"]
    registry.setQualifiedSeller(rules.chem, False, {"from": regulator})
    t = terms(rules.chem, rules.steel, cod, 1_000, at_benchmark(1_000))
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.SELLER_NOT_QUALIFIED,
        "LedgerSellerNotQualified",
        rules.chem,
    )
    registry.setQualifiedSeller(rules.chem, True, {"from": regulator})
    settles(secondary, ledger, stranger, rules.chem, rules.steel, cod, 1_000)


def test_only_certified_quantities_are_sold_R39(secondary, ledger, regulator, rules, stranger):
    """R-39: a unit sells only what the regulator recognised as tradable."""
    cod = rules.pollutant["COD"]
    ledger.certifyTradable(rules.chem, cod, 1_500, {"from": regulator})
    t = terms(rules.chem, rules.steel, cod, 2_000, at_benchmark(2_000))
    refused(
        secondary,
        ledger,
        stranger,
        t,
        Reason.NOT_CERTIFIED_TRADABLE,
        "LedgerNotCertifiedTradable",
        rules.chem,
        cod,
        2_000,
        1_500,
    )
    settles(secondary, ledger, stranger, rules.chem, rules.steel, cod, 1_500)
    assert ledger.positionOf(rules.chem, cod)["tradable"] == 0


def test_no_trade_with_oneself(secondary, ledger, rules, stranger):
    """A trade needs two parties."""
    cod = rules.pollutant["COD"]
    t = terms(rules.chem, rules.chem, cod, 1_000, at_benchmark(1_000))
    with reverts("SignedActionInvalidSignature", rules.chem):  # one nonce cannot sign twice
        secondary.settleTrade(t, *both_sign(secondary, t), {"from": stranger})
    assert plain(secondary.checkTrade(t))[:2] == (MarketReason.RULE_REFUSED, Reason.SAME_ACCOUNT)
    with reverts("LedgerSameAccount", rules.chem):
        secondary.settleTrade(t, b"", b"", {"from": rules.chem.account})


def test_holders_cannot_move_rights_outside_the_exchange_R13(ledger, deployment, rules):
    """R-13: the ledger's exchange capability belongs to the market contracts (and the reserve,
    for its own buy-backs and releases) alone: a holder (or the operator's own account) cannot
    move rights to another holder directly."""
    holders = set(deployment.roles["RightsLedger.EXCHANGE_ROLE"])
    contracts = ("Exchange", "PrimaryMarket", "AuctionHouse", "GovernmentReserve")
    assert holders == {deployment.contracts[n].address for n in contracts}
    with reverts("AccessControlUnauthorizedAccount"):
        ledger.trade(rules.chem, rules.steel, 1, 1, 10**9, 1, {"from": rules.chem.account})
