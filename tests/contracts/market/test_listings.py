"""Listings (挂牌) with electronic bidding (电子竞价, R-14): a buyer takes the lot at the ask, or
bids; each bid locks its price and refunds the bid it beats; when bidding ends the best bid
settles delivery versus payment (R-16). The ledger decides every rule."""

import pytest
from brownie import chain

from backend.chain.domain import MarketReason, Reason, Sector, TradeMode
from backend.chain.policy import Switch
from tests.conftest import BENCHMARKS
from tests.contracts.market.conftest import FUNDS_FEN, STOCK_KG
from tests.contracts.market.orders import HOUR
from tests.helpers import fen_at_benchmark, loan, now, plain, policy_switch_now, reverts

COD_PRICE = BENCHMARKS["COD"]
KG = 2_000
ASK = fen_at_benchmark(KG, COD_PRICE)  # 8 000 yuan
STEP = 10_000  # 100 yuan
OPEN, BIDDING, TAKEN, SETTLED, EXPIRED, CANCELLED, FAILED = range(1, 8)


@pytest.fixture(scope="module")
def cod(traders):
    return traders.pollutant["COD"]


@pytest.fixture
def listed(secondary, traders, cod):
    """chem lists 2 t COD at the benchmark value for one hour; returns the listing id."""
    tx = secondary.list(cod, KG, ASK, STEP, now() + HOUR, {"from": traders.chem.account})
    return tx.return_value


def funds(secondary, unit):
    return plain(secondary.fundsOf(unit))


def end_bidding(listing_end):
    chain.sleep(listing_end - now() + 1)
    chain.mine()


def test_listing_is_taken_at_the_ask_R14_R16(secondary, ledger, traders, cod, listed):
    """R-14, R-16: 摘牌 — the whole lot at the ask, rights and money in one transaction."""
    assert secondary.listing(listed)["reserveSale"] is False
    assert plain(secondary.checkTake(listed, traders.steel))[0] == MarketReason.OK
    tx = secondary.take(listed, {"from": traders.steel.account})
    assert tx.events["ListingTaken"]["priceFen"] == ASK
    assert tx.events["RightsTraded"]["mode"] == TradeMode.LISTING
    assert secondary.listing(listed)["status"] == TAKEN
    assert ledger.balanceOf(traders.steel, cod)["paid"] == STOCK_KG + KG
    assert funds(secondary, traders.chem) == (FUNDS_FEN + ASK, 0)
    assert funds(secondary, traders.steel) == (FUNDS_FEN - ASK, 0)
    with reverts("ExchangeListingNotOpen", listed, TAKEN):
        secondary.take(listed, {"from": traders.hotel.account})


def test_listing_terms_are_checked(secondary, traders, cod):
    """A listing needs a quantity, an ask, a step and an end in the future."""
    end = now() + HOUR
    with reverts("ExchangeZeroAmount"):
        secondary.list(cod, 0, ASK, STEP, end, {"from": traders.chem.account})
    with reverts("ExchangeInvalidListing", 0, STEP, end):
        secondary.list(cod, KG, 0, STEP, end, {"from": traders.chem.account})
    with reverts("ExchangeInvalidListing", ASK, 0, end):
        secondary.list(cod, KG, ASK, 0, end, {"from": traders.chem.account})
    past = now() - 1
    with reverts("ExchangeInvalidListing", ASK, STEP, past):
        secondary.list(cod, KG, ASK, STEP, past, {"from": traders.chem.account})
    assert secondary.listingCount() == 0


def test_rights_the_seller_could_not_deliver_are_not_listed_R05_R07_R17_R38_R39(
    secondary, ledger, registry, pledges, permits, traders, cod, regulator, bank, policy
):
    """Offering rights is refused at once, with the ledger's own error (the one the take would
    give), when the seller could not deliver them today: more than it holds unpledged (R-05,
    R-07), below its permit (R-06), not certified for that quantity or not qualified (R-39),
    blacklisted (R-17), its sector not open to trading (R-38). Nothing is listed."""
    end = now() + HOUR
    chem, steel, hotel, fund = traders.chem, traders.steel, traders.hotel, traders.fund

    def refused(unit, kg, *error):
        with reverts(*error):
            secondary.list(cod, kg, ASK, STEP, end, {"from": unit.account})

    refused(chem, STOCK_KG + 1, "LedgerNotCertifiedTradable", chem, cod, STOCK_KG + 1, STOCK_KG)
    ledger.certifyTradable(chem, cod, 2 * STOCK_KG, {"from": regulator})
    refused(chem, STOCK_KG + 1, "LedgerInsufficientRights", chem, cod, STOCK_KG + 1, STOCK_KG)
    pledges.pledge(bank, cod, KG, *loan(), {"from": chem.account})
    refused(chem, STOCK_KG, "LedgerInsufficientRights", chem, cod, STOCK_KG, STOCK_KG - KG)
    t0 = now()
    permits.issuePermit(fund, [cod], [STOCK_KG - KG], t0 - HOUR, t0 + HOUR, {"from": regulator})
    refused(fund, KG + 1, "LedgerBelowPermit", fund, cod, STOCK_KG - KG - 1, STOCK_KG - KG)
    registry.setQualifiedSeller(hotel, False, {"from": regulator})
    refused(hotel, KG, "LedgerSellerNotQualified", hotel)
    registry.setRestriction(steel, 2, True, "挂牌督办", {"from": regulator})  # supervision
    refused(steel, KG, "LedgerBlacklisted", steel, 2)
    policy_switch_now(policy, regulator, Switch.SECTOR_ROLLOUT)  # a city with a roll-out
    registry.setSectorEnabled(int(Sector.INVESTOR), False, {"from": regulator})
    refused(fund, KG, "LedgerSectorNotEnabled", fund, int(Sector.INVESTOR))
    assert secondary.listingCount() == 0
    # what it can deliver is listed; the reserve needs no recognition
    secondary.list(cod, STOCK_KG - KG, ASK, STEP, end, {"from": chem.account})
    secondary.list(cod, STOCK_KG, ASK, STEP, end, {"from": traders.reserve.account})
    assert secondary.listingCount() == 2


def test_taking_is_refused_without_money_or_when_a_rule_refuses_R16_R20(
    secondary, ledger, traders, cod, listed, settlement_bank
):
    """R-16: the ask must be available in the buyer's account; R-20: the ledger's refusal of a
    livestock buyer surfaces by its name. Nothing changes."""
    traders_funds = funds(secondary, traders.farm)
    with reverts("LedgerIndustryLivestock", traders.chem, traders.farm):
        secondary.take(listed, {"from": traders.farm.account})
    assert plain(secondary.checkTake(listed, traders.farm))[:2] == (
        MarketReason.RULE_REFUSED,
        Reason.INDUSTRY_LIVESTOCK,
    )
    assert funds(secondary, traders.farm) == traders_funds
    secondary.withdraw(FUNDS_FEN - ASK + 1, {"from": traders.steel.account})
    assert plain(secondary.checkTake(listed, traders.steel)) == (
        MarketReason.INSUFFICIENT_FUNDS,
        Reason.OK,
        ASK - 1,
        ASK,
    )
    with reverts("ExchangeInsufficientFunds", traders.steel, ASK - 1, ASK):
        secondary.take(listed, {"from": traders.steel.account})
    assert secondary.listing(listed)["status"] == OPEN
    assert ledger.balanceOf(traders.chem, cod)["paid"] == STOCK_KG


def test_electronic_bidding_refunds_the_beaten_bid_and_settles_the_best_R14_R16(
    secondary, ledger, traders, cod, listed, stranger
):
    """R-14: once bid on, the listing goes to electronic bidding: each bid locks its price, the
    beaten bid is released, and after the end the best bid settles against its locked money."""
    secondary.bid(listed, ASK, {"from": traders.steel.account})
    assert funds(secondary, traders.steel) == (FUNDS_FEN - ASK, ASK)
    with reverts("ExchangeListingHasBids", listed):
        secondary.take(listed, {"from": traders.hotel.account})
    with reverts("ExchangeBidTooLow", listed, ASK + STEP - 1, ASK + STEP):
        secondary.bid(listed, ASK + STEP - 1, {"from": traders.hotel.account})
    secondary.bid(listed, ASK + STEP, {"from": traders.hotel.account})
    assert funds(secondary, traders.steel) == (FUNDS_FEN, 0)  # refunded at once
    assert funds(secondary, traders.hotel) == (FUNDS_FEN - ASK - STEP, ASK + STEP)
    secondary.bid(listed, ASK + 3 * STEP, {"from": traders.steel.account})
    end = secondary.listing(listed)["endsAt"]
    with reverts("ExchangeListingNotEnded", listed, end):
        secondary.settleListing(listed, {"from": stranger})
    end_bidding(end)
    with reverts("ExchangeListingEnded", listed, end):
        secondary.bid(listed, ASK + 10 * STEP, {"from": traders.hotel.account})
    assert plain(secondary.checkSettleListing(listed))[0] == MarketReason.OK
    tx = secondary.settleListing(listed, {"from": stranger})
    price = ASK + 3 * STEP
    assert tx.events["ListingSettled"]["priceFen"] == price
    assert tx.events["FundsTransferred"]["fromLocked"] is True
    assert ledger.balanceOf(traders.steel, cod)["paid"] == STOCK_KG + KG
    assert funds(secondary, traders.steel) == (FUNDS_FEN - price, 0)
    assert funds(secondary, traders.hotel) == (FUNDS_FEN, 0)
    assert funds(secondary, traders.chem) == (FUNDS_FEN + price, 0)
    assert secondary.listing(listed)["status"] == SETTLED


def test_a_late_bid_extends_the_bidding(secondary, traders, listed):
    """延时竞价: a bid in the last five minutes extends bidding to five minutes after it."""
    end = secondary.listing(listed)["endsAt"]
    chain.sleep(end - now() - 60)
    tx = secondary.bid(listed, ASK, {"from": traders.steel.account})
    assert secondary.listing(listed)["endsAt"] == tx.timestamp + 300 > end


def test_a_bidder_raises_its_own_bid_with_the_difference(secondary, traders, listed):
    """The leader may raise its bid; only the raise is locked in addition."""
    secondary.bid(listed, ASK, {"from": traders.steel.account})
    secondary.bid(listed, ASK + STEP, {"from": traders.steel.account})
    assert funds(secondary, traders.steel) == (FUNDS_FEN - ASK - STEP, ASK + STEP)


def test_bids_the_rules_refuse_are_refused_at_once(secondary, traders, listed):
    """A bid that could never settle (here a livestock farm for industrial rights, R-20) is
    refused when it is made, with the error the settlement would give."""
    assert plain(secondary.checkBid(listed, traders.farm, ASK))[:2] == (
        MarketReason.RULE_REFUSED,
        Reason.INDUSTRY_LIVESTOCK,
    )
    with reverts("LedgerIndustryLivestock", traders.chem, traders.farm):
        secondary.bid(listed, ASK, {"from": traders.farm.account})
    with reverts("ExchangeInsufficientFunds", traders.steel, FUNDS_FEN, FUNDS_FEN + 1):
        secondary.bid(listed, FUNDS_FEN + 1, {"from": traders.steel.account})


def test_an_unsold_listing_expires(secondary, traders, listed, stranger):
    """Without a buyer the listing closes unsold after its end; it can no longer be taken."""
    end = secondary.listing(listed)["endsAt"]
    end_bidding(end)
    assert plain(secondary.checkTake(listed, traders.steel))[0] == MarketReason.ENDED
    with reverts("ExchangeListingEnded", listed, end):
        secondary.take(listed, {"from": traders.steel.account})
    tx = secondary.settleListing(listed, {"from": stranger})
    assert tx.events["ListingClosed"]["status"] == EXPIRED


def test_seller_withdraws_before_bids_operator_suspends_any_time(
    secondary, traders, cod, listed, exchange, stranger
):
    """The seller withdraws a listing nobody bid on; after a bid only the operator can suspend it,
    and the bid is refunded. Others cannot."""
    with reverts("ExchangeNotSeller", listed, stranger):
        secondary.cancelListing(listed, {"from": stranger})
    secondary.bid(listed, ASK, {"from": traders.steel.account})
    with reverts("ExchangeListingHasBids", listed):
        secondary.cancelListing(listed, {"from": traders.chem.account})
    tx = secondary.cancelListing(listed, {"from": exchange})
    assert tx.events["ListingClosed"]["status"] == CANCELLED
    assert funds(secondary, traders.steel) == (FUNDS_FEN, 0)
    other = secondary.list(cod, KG, ASK, STEP, now() + HOUR, {"from": traders.chem.account})
    secondary.cancelListing(other.return_value, {"from": traders.chem.account})
    assert secondary.listing(other.return_value)["status"] == CANCELLED


def test_a_best_bid_that_cannot_settle_is_abandoned_and_refunded_R07_R16(
    secondary, ledger, pledges, bank, traders, cod, listed, stranger
):
    """R-07, R-16: the seller pledged the rights during the bidding; the settlement is refused
    by the ledger, the listing closes as failed with that reason, and the bid is refunded. A
    listing that can settle cannot be abandoned."""
    secondary.bid(listed, ASK, {"from": traders.steel.account})
    end = secondary.listing(listed)["endsAt"]
    with reverts("ExchangeListingNotEnded", listed, end):
        secondary.abandonListing(listed, {"from": stranger})
    end_bidding(end)
    with reverts("ExchangeListingCanSettle", listed):
        secondary.abandonListing(listed, {"from": stranger})
    pledges.pledge(bank, cod, STOCK_KG - 1_000, *loan(), {"from": traders.chem.account})
    with reverts("LedgerInsufficientRights", traders.chem, cod, KG, 1_000):
        secondary.settleListing(listed, {"from": stranger})
    tx = secondary.abandonListing(listed, {"from": stranger})
    assert tx.events["ListingFailed"]["reason"] == Reason.INSUFFICIENT_RIGHTS
    assert secondary.listing(listed)["status"] == FAILED
    assert funds(secondary, traders.steel) == (FUNDS_FEN, 0)
    assert ledger.balanceOf(traders.steel, cod)["paid"] == STOCK_KG


def test_unknown_listings_are_named(secondary, traders):
    """Every action on a listing that does not exist is refused with its id."""
    with reverts("ExchangeUnknownListing", 9):
        secondary.take(9, {"from": traders.steel.account})
    assert plain(secondary.checkBid(9, traders.steel, ASK))[0] == MarketReason.UNKNOWN_ORDER


def test_reserve_listings_pay_the_treasury_R28_R29(secondary, cny, treasury, traders, cod):
    """R-28, R-29: the reserve lists rights like any holder; the price is the treasury's revenue."""
    tx = secondary.list(cod, KG, ASK, STEP, now() + HOUR, {"from": traders.reserve.account})
    listing = tx.return_value
    assert secondary.listing(listing)["reserveSale"] is True
    before = cny.balanceOf(treasury)
    secondary.take(listing, {"from": traders.steel.account})
    assert cny.balanceOf(treasury) == before + ASK
    assert funds(secondary, traders.reserve) == (FUNDS_FEN, 0)
