"""Public auctions of a holder's rights (公开竞价, R-14): ascending and sealed-bid, deposits
from the trading account (R-16), refunds to the losers, settlement to the winner, a reserve
price of at least the benchmark value (R-09, R-15)."""

import pytest
from brownie import chain

from backend.chain.domain import MarketReason, Reason, Sector, TradeMode
from backend.chain.policy import Switch
from tests.conftest import BENCHMARKS
from tests.contracts.market.conftest import FUNDS_FEN, STOCK_KG, ascending, sealed
from tests.contracts.market.orders import commitment
from tests.helpers import fen_at_benchmark, loan, now, plain, policy_switch_now, reverts

COD_PRICE = BENCHMARKS["COD"]
KG = 5_000
RESERVE = fen_at_benchmark(KG, COD_PRICE)  # 20 000 yuan
DEPOSIT = RESERVE // 10
STEP = 50_000
OPEN, SOLD, UNSOLD, FAILED, CANCELLED = range(1, 6)
SALE = 0  # IAuctionHouse.Kind.Sale
SALTS = {name: bytes([i + 1]) * 32 for i, name in enumerate(("steel", "hotel", "fund", "power2"))}


@pytest.fixture(scope="module")
def cod(traders):
    return traders.pollutant["COD"]


def funds(secondary, unit):
    return plain(secondary.fundsOf(unit))


def after(seconds_from_now):
    chain.sleep(seconds_from_now)
    chain.mine()


def until(timestamp):
    after(timestamp - now() + 1)


@pytest.fixture
def open_lot(auctions, traders, cod):
    """chem offers 5 t COD by ascending auction at the benchmark value, deposit 10 %."""
    return auctions.offer(
        cod, KG, ascending(RESERVE, DEPOSIT, STEP), {"from": traders.chem.account}
    ).return_value


@pytest.fixture
def sealed_lot(auctions, traders, cod):
    return auctions.offer(
        cod, KG, sealed(RESERVE, DEPOSIT), {"from": traders.chem.account}
    ).return_value


def test_ascending_auction_with_several_bidders_R14_R16(
    auctions, secondary, ledger, traders, cod, open_lot, stranger
):
    """R-14, R-16: four bidders lodge deposits; each bid locks its price, the bid it beats falls
    back to its deposit; the winner's locked money pays the seller as the rights move; the losers'
    deposits are refunded."""
    bidders = [traders.steel, traders.hotel, traders.fund, traders.power2]
    for b in bidders:
        auctions.join(open_lot, 0, {"from": b.account})
        assert funds(secondary, b) == (FUNDS_FEN - DEPOSIT, DEPOSIT)
    prices = [RESERVE, RESERVE + STEP, RESERVE + 3 * STEP, RESERVE + 4 * STEP, RESERVE + 6 * STEP]
    order = [traders.steel, traders.hotel, traders.steel, traders.fund, traders.hotel]
    for bidder, price in zip(order, prices, strict=True):
        auctions.bid(open_lot, price, {"from": bidder.account})
    win = prices[-1]
    assert funds(secondary, traders.hotel) == (FUNDS_FEN - win, win)
    assert funds(secondary, traders.steel) == (FUNDS_FEN - DEPOSIT, DEPOSIT)  # outbid: deposit only
    until(auctions.lot(open_lot)["closesAt"])
    assert plain(auctions.checkSettle(open_lot))[0] == MarketReason.OK
    tx = auctions.settle(open_lot, {"from": stranger})
    assert tx.events["LotSold"]["priceFen"] == win
    assert tx.events["RightsTraded"]["mode"] == TradeMode.AUCTION
    assert ledger.balanceOf(traders.hotel, cod)["paid"] == STOCK_KG + KG
    assert funds(secondary, traders.chem) == (FUNDS_FEN + win, 0)
    assert funds(secondary, traders.hotel) == (FUNDS_FEN - win, 0)
    with reverts("AuctionNothingToRefund", open_lot, traders.hotel):
        auctions.refund(open_lot, traders.hotel, {"from": stranger})
    for loser in (traders.steel, traders.fund, traders.power2):
        tx = auctions.refund(open_lot, loser, {"from": stranger})
        assert tx.events["DepositRefunded"]["fen"] == DEPOSIT
        assert funds(secondary, loser) == (FUNDS_FEN, 0)


def test_bids_need_a_deposit_and_must_beat_the_leader_R16(auctions, secondary, traders, open_lot):
    """R-16: no bid without a deposit; a bid is at least the reserve, then the leading bid plus the
    step; a bid beyond the bidder's money is refused."""
    assert plain(auctions.checkBid(open_lot, traders.steel, RESERVE))[0] == MarketReason.NOT_JOINED
    with reverts("AuctionNotJoined", open_lot, traders.steel):
        auctions.bid(open_lot, RESERVE, {"from": traders.steel.account})
    auctions.join(open_lot, 0, {"from": traders.steel.account})
    with reverts("AuctionAlreadyJoined", open_lot, traders.steel):
        auctions.join(open_lot, 0, {"from": traders.steel.account})
    with reverts("AuctionBidTooLow", open_lot, RESERVE - 1, RESERVE):
        auctions.bid(open_lot, RESERVE - 1, {"from": traders.steel.account})
    auctions.bid(open_lot, RESERVE, {"from": traders.steel.account})
    auctions.join(open_lot, 0, {"from": traders.hotel.account})
    with reverts("AuctionBidTooLow", open_lot, RESERVE + STEP - 1, RESERVE + STEP):
        auctions.bid(open_lot, RESERVE + STEP - 1, {"from": traders.hotel.account})
    too_much = FUNDS_FEN + 1
    assert plain(auctions.checkBid(open_lot, traders.hotel, too_much)) == (
        MarketReason.INSUFFICIENT_FUNDS,
        Reason.OK,
        FUNDS_FEN,
        too_much,
    )
    with reverts("AuctionInsufficientFunds", traders.hotel, FUNDS_FEN, too_much):
        auctions.bid(open_lot, too_much, {"from": traders.hotel.account})


def test_joining_needs_the_deposit_and_eligibility_R16_R17(
    auctions, secondary, registry, regulator, traders, open_lot
):
    """R-16: the deposit must be available; R-17: a blacklisted unit cannot join (the error the
    settlement would give, before any money is locked)."""
    secondary.withdraw(FUNDS_FEN - DEPOSIT + 1, {"from": traders.steel.account})
    with reverts("AuctionInsufficientFunds", traders.steel, DEPOSIT - 1, DEPOSIT):
        auctions.join(open_lot, 0, {"from": traders.steel.account})
    registry.setRestriction(traders.hotel, 2, True, "挂牌督办", {"from": regulator})
    assert plain(auctions.checkJoin(open_lot, traders.hotel, 0))[:2] == (
        MarketReason.RULE_REFUSED,
        Reason.BLACKLISTED,
    )
    with reverts("LedgerBlacklisted", traders.hotel, 2):
        auctions.join(open_lot, 0, {"from": traders.hotel.account})
    assert funds(secondary, traders.hotel) == (FUNDS_FEN, 0)


def test_rights_the_seller_could_not_deliver_are_not_offered_R05_R07_R17_R38_R39(
    auctions, ledger, registry, pledges, permits, traders, cod, regulator, bank, policy
):
    """A lot is refused when it is offered — with the ledger's own error, the one its settlement
    would give — when the seller could not deliver it today, by the rules a listing checks:
    fully pledged (R-07), free rights (R-05), below the permit (R-06), not certified or not
    qualified (R-39), blacklisted (R-17), its sector not open to trading (R-38). Nothing is
    offered. A bidder still meets the rules when the rights go after the offer."""
    chem, steel, fund, hotel, farm, power = (
        traders.chem,
        traders.steel,
        traders.fund,
        traders.hotel,
        traders.farm,
        traders.power,
    )

    def refused(unit, kg, *error):
        terms = ascending(fen_at_benchmark(kg, COD_PRICE), DEPOSIT, STEP)
        with reverts(*error):
            auctions.offer(cod, kg, terms, {"from": unit.account})

    pledge = pledges.pledge(bank, cod, STOCK_KG, *loan(), {"from": chem.account}).return_value
    refused(chem, KG, "LedgerInsufficientRights", chem, cod, KG, 0)
    ledger.allocateFree(steel, cod, KG, {"from": regulator})
    ledger.certifyTradable(steel, cod, STOCK_KG + KG, {"from": regulator})
    refused(steel, STOCK_KG + KG, "LedgerInsufficientRights", steel, cod, STOCK_KG + KG, STOCK_KG)
    t0 = now()
    permits.issuePermit(fund, [cod], [STOCK_KG - KG], t0 - 60, t0 + 3_600, {"from": regulator})
    refused(fund, KG + 1, "LedgerBelowPermit", fund, cod, STOCK_KG - KG - 1, STOCK_KG - KG)
    ledger.certifyTradable(hotel, cod, KG - 1, {"from": regulator})
    refused(hotel, KG, "LedgerNotCertifiedTradable", hotel, cod, KG, KG - 1)
    registry.setQualifiedSeller(hotel, False, {"from": regulator})
    refused(hotel, KG, "LedgerSellerNotQualified", hotel)
    registry.setRestriction(farm, 2, True, "挂牌督办", {"from": regulator})
    refused(farm, KG, "LedgerBlacklisted", farm, 2)
    policy_switch_now(policy, regulator, Switch.SECTOR_ROLLOUT)  # a city with a roll-out
    registry.setSectorEnabled(int(Sector.THERMAL_POWER), False, {"from": regulator})
    refused(power, KG, "LedgerSectorNotEnabled", power, int(Sector.THERMAL_POWER))
    assert auctions.lotCount() == 0
    # released, the same rights are offered; pledged again, no bidder can join (same error)
    pledges.release(pledge, {"from": bank})
    lot = auctions.offer(cod, KG, ascending(RESERVE, DEPOSIT, STEP), {"from": chem.account})
    assert lot.events["LotOffered"]["kind"] == SALE
    pledges.pledge(bank, cod, STOCK_KG, *loan(), {"from": chem.account})
    with reverts("LedgerInsufficientRights", chem, cod, KG, 0):
        auctions.join(lot.return_value, 0, {"from": steel.account})


def NONE(_pid):  # a refusal without arguments, in the table below
    return ()


@pytest.mark.parametrize(
    ("pollutant", "kg", "terms", "error", "args"),
    [
        ("COD", KG, lambda: ascending(RESERVE - 1, DEPOSIT), "AuctionReserveBelowBenchmark",
         lambda pid: (RESERVE - 1, RESERVE)),
        ("COD", KG, lambda: ascending(RESERVE, RESERVE + 1), "AuctionInvalidTerms", NONE),
        ("COD", KG, lambda: ascending(RESERVE, 0), "AuctionInvalidTerms", NONE),
        ("COD", KG, lambda: ascending(RESERVE, DEPOSIT, 0), "AuctionInvalidTerms", NONE),
        ("COD", KG, lambda: sealed(RESERVE, DEPOSIT, 1, 0), "AuctionInvalidTerms", NONE),
        ("COD", 0, lambda: ascending(RESERVE, DEPOSIT), "AuctionZeroQuantity", NONE),
        ("GISW", KG, lambda: ascending(RESERVE, DEPOSIT), "PriceBookNoBenchmark",
         lambda pid: (pid, 0)),
    ],
    ids=[
        "reserve-below-benchmark",
        "deposit-above-reserve",
        "no-deposit-R16",
        "no-step",
        "reveals-before-commitments",
        "zero-quantity",
        "no-benchmark",
    ],
)  # fmt: skip
def test_reserve_price_is_at_least_the_benchmark_value_R09_R15(
    auctions, traders, pollutant, kg, terms, error, args
):
    """R-15: the auction cannot start below the lot's benchmark value; terms must be coherent
    (a deposit, at most the reserve, R-16; a step; reveals after the commitments)."""
    pid = traders.pollutant[pollutant]
    with reverts(error, *args(pid)):
        auctions.offer(pid, kg, terms(), {"from": traders.chem.account})
    assert auctions.lotCount() == 0


def test_a_late_bid_extends_the_auction(auctions, traders, open_lot):
    """延时竞价: a bid in the last five minutes extends bidding to five minutes after it."""
    auctions.join(open_lot, 0, {"from": traders.steel.account})
    end = auctions.lot(open_lot)["closesAt"]
    chain.sleep(end - now() - 30)
    tx = auctions.bid(open_lot, RESERVE, {"from": traders.steel.account})
    assert auctions.lot(open_lot)["closesAt"] == tx.timestamp + 300


def test_lot_without_bids_closes_unsold_and_deposits_return(
    auctions, secondary, traders, open_lot, stranger
):
    """Bidders joined but nobody bid: the lot closes unsold; every deposit is refunded."""
    auctions.join(open_lot, 0, {"from": traders.steel.account})
    with reverts("AuctionStillOpen", open_lot):
        auctions.refund(open_lot, traders.steel, {"from": stranger})
    until(auctions.lot(open_lot)["closesAt"])
    with reverts("AuctionBiddingClosed"):
        auctions.join(open_lot, 0, {"from": traders.hotel.account})
    tx = auctions.settle(open_lot, {"from": stranger})
    assert tx.events["LotClosed"]["status"] == UNSOLD
    auctions.refund(open_lot, traders.steel, {"from": stranger})
    assert funds(secondary, traders.steel) == (FUNDS_FEN, 0)


def test_settlement_waits_for_the_end(auctions, traders, open_lot, stranger):
    """Nobody settles before bidding ended."""
    end = auctions.lot(open_lot)["closesAt"]
    assert plain(auctions.checkSettle(open_lot))[0] == MarketReason.NOT_ENDED
    with reverts("AuctionNotEnded", open_lot, end):
        auctions.settle(open_lot, {"from": stranger})


def test_seller_cancels_before_anyone_joined_operator_suspends_any_time(
    auctions, secondary, traders, cod, open_lot, exchange, stranger
):
    """The seller withdraws an auction nobody joined; after that only the operator can suspend
    it, and every deposit and bid is refunded in full."""
    with reverts("AuctionNotCreator", open_lot, stranger):
        auctions.cancel(open_lot, {"from": stranger})
    auctions.join(open_lot, 0, {"from": traders.steel.account})
    auctions.bid(open_lot, RESERVE + STEP, {"from": traders.steel.account})
    with reverts("AuctionHasBidders", open_lot, 1):
        auctions.cancel(open_lot, {"from": traders.chem.account})
    tx = auctions.cancel(open_lot, {"from": exchange})
    assert tx.events["LotClosed"]["status"] == CANCELLED
    auctions.refund(open_lot, traders.steel, {"from": stranger})
    assert funds(secondary, traders.steel) == (FUNDS_FEN, 0)
    with reverts("AuctionNotOpen", open_lot, CANCELLED):
        auctions.bid(open_lot, RESERVE + 2 * STEP, {"from": traders.steel.account})
    other = auctions.offer(cod, KG, ascending(RESERVE, DEPOSIT), {"from": traders.chem.account})
    auctions.cancel(other.return_value, {"from": traders.chem.account})


def test_a_winner_that_cannot_settle_is_abandoned_and_refunded_R17(
    auctions, secondary, ledger, registry, regulator, traders, cod, open_lot, stranger
):
    """R-17: the winner was blacklisted after bidding; the ledger refuses the settlement by name,
    the lot closes as failed with the rule's reason, and the winner gets its money back."""
    auctions.join(open_lot, 0, {"from": traders.steel.account})
    auctions.bid(open_lot, RESERVE, {"from": traders.steel.account})
    until(auctions.lot(open_lot)["closesAt"])
    with reverts("AuctionLotCanSettle", open_lot):
        auctions.abandon(open_lot, {"from": stranger})
    registry.setRestriction(traders.steel, 4, True, "限期治理", {"from": regulator})
    with reverts("LedgerBlacklisted", traders.steel, 4):
        auctions.settle(open_lot, {"from": stranger})
    assert plain(auctions.checkSettle(open_lot))[:2] == (
        MarketReason.RULE_REFUSED,
        Reason.BLACKLISTED,
    )
    tx = auctions.abandon(open_lot, {"from": stranger})
    assert tx.events["LotFailed"]["rule"] == Reason.BLACKLISTED
    auctions.refund(open_lot, traders.steel, {"from": stranger})
    assert funds(secondary, traders.steel) == (FUNDS_FEN, 0)
    assert ledger.balanceOf(traders.chem, cod)["paid"] == STOCK_KG


# ---------------------------------------------------------------- sealed bids


def seal(auctions, lot, unit, name, price):
    auctions.commit(lot, commitment(lot, unit, price, SALTS[name]), {"from": unit.account})


def test_sealed_bid_auction_highest_reveal_wins_R14_R16(
    auctions, secondary, ledger, traders, cod, sealed_lot, treasury, cny, stranger
):
    """R-14: sealed bids are committed, then revealed; the highest revealed bid wins at its own
    price. A committed bid never revealed forfeits its deposit to the treasury; the others are
    refunded."""
    bids = {"steel": RESERVE + 70_000, "hotel": RESERVE + 90_000, "fund": RESERVE + 10_000}
    for name in ("steel", "hotel", "fund", "power2"):
        unit = getattr(traders, name)
        auctions.join(sealed_lot, 0, {"from": unit.account})
        seal(auctions, sealed_lot, unit, name, bids.get(name, RESERVE * 3))
    lot = auctions.lot(sealed_lot)
    with reverts("AuctionNotEnded", sealed_lot, lot["commitsEnd"]):  # no reveal before the end
        auctions.reveal(sealed_lot, bids["steel"], SALTS["steel"], {"from": traders.steel.account})
    until(lot["commitsEnd"])
    with reverts("AuctionBiddingClosed", sealed_lot, lot["commitsEnd"]):
        seal(auctions, sealed_lot, traders.steel, "steel", RESERVE)
    for name in ("steel", "hotel", "fund"):  # power2 never reveals
        unit = getattr(traders, name)
        tx = auctions.reveal(sealed_lot, bids[name], SALTS[name], {"from": unit.account})
    assert tx.events["BidRevealed"]["leading"] is False  # fund's bid came last and lower
    assert auctions.lot(sealed_lot)["leader"] == traders.hotel.address
    assert funds(secondary, traders.steel) == (FUNDS_FEN - DEPOSIT, DEPOSIT)
    until(lot["closesAt"])
    treasury_before = cny.balanceOf(treasury)
    auctions.settle(sealed_lot, {"from": stranger})
    win = bids["hotel"]
    assert ledger.balanceOf(traders.hotel, cod)["paid"] == STOCK_KG + KG
    assert funds(secondary, traders.chem) == (FUNDS_FEN + win, 0)
    for name in ("steel", "fund"):
        auctions.refund(sealed_lot, getattr(traders, name), {"from": stranger})
        assert funds(secondary, getattr(traders, name)) == (FUNDS_FEN, 0)
    tx = auctions.refund(sealed_lot, traders.power2, {"from": stranger})
    assert tx.events["DepositForfeited"]["fen"] == DEPOSIT
    assert funds(secondary, traders.power2) == (FUNDS_FEN - DEPOSIT, 0)
    assert cny.balanceOf(treasury) == treasury_before + DEPOSIT


def test_a_sealed_bid_that_could_never_settle_is_refused_when_committed_R17(
    auctions, registry, regulator, traders, sealed_lot
):
    """R-17: a bidder barred from trading after it joined cannot commit (its bid could never
    win), with the error the settlement would give; the pre-check says so; lifted, it commits."""
    steel = traders.steel
    auctions.join(sealed_lot, 0, {"from": steel.account})
    registry.setRestriction(steel, 2, True, "挂牌督办", {"from": regulator})
    assert plain(auctions.checkBid(sealed_lot, steel, 0))[:2] == (
        MarketReason.RULE_REFUSED,
        Reason.BLACKLISTED,
    )
    sealed_bid = commitment(sealed_lot, steel, RESERVE, SALTS["steel"])
    with reverts("LedgerBlacklisted", steel, 2):
        auctions.commit(sealed_lot, sealed_bid, {"from": steel.account})
    registry.setRestriction(steel, 2, False, "整改完成", {"from": regulator})
    assert plain(auctions.checkBid(sealed_lot, steel, 0))[0] == MarketReason.OK
    auctions.commit(sealed_lot, sealed_bid, {"from": steel.account})
    assert auctions.bidderOf(sealed_lot, steel)["committed"]


def test_reveals_must_match_the_commitment(auctions, traders, sealed_lot):
    """A reveal with another price or salt, a second reveal, or a reveal without a commitment is
    refused."""
    price = RESERVE + 1
    auctions.join(sealed_lot, 0, {"from": traders.steel.account})
    auctions.join(sealed_lot, 0, {"from": traders.hotel.account})
    seal(auctions, sealed_lot, traders.steel, "steel", price)
    until(auctions.lot(sealed_lot)["commitsEnd"])
    with reverts("AuctionBadReveal", sealed_lot, traders.steel):
        auctions.reveal(sealed_lot, price + 1, SALTS["steel"], {"from": traders.steel.account})
    with reverts("AuctionBadReveal", sealed_lot, traders.steel):
        auctions.reveal(sealed_lot, price, SALTS["hotel"], {"from": traders.steel.account})
    auctions.reveal(sealed_lot, price, SALTS["steel"], {"from": traders.steel.account})
    with reverts("AuctionBadReveal", sealed_lot, traders.steel):
        auctions.reveal(sealed_lot, price, SALTS["steel"], {"from": traders.steel.account})
    with reverts("AuctionBadReveal", sealed_lot, traders.hotel):
        auctions.reveal(sealed_lot, price, SALTS["hotel"], {"from": traders.hotel.account})


def test_sealed_ties_go_to_the_earlier_reveal(auctions, traders, sealed_lot, stranger):
    """Equal sealed bids: the one revealed first keeps the lead."""
    for name in ("steel", "hotel"):
        unit = getattr(traders, name)
        auctions.join(sealed_lot, 0, {"from": unit.account})
        seal(auctions, sealed_lot, unit, name, RESERVE + 5)
    until(auctions.lot(sealed_lot)["commitsEnd"])
    for name in ("hotel", "steel"):
        unit = getattr(traders, name)
        auctions.reveal(sealed_lot, RESERVE + 5, SALTS[name], {"from": unit.account})
    assert auctions.lot(sealed_lot)["leader"] == traders.hotel.address


def test_bidding_formats_are_not_mixed(auctions, traders, open_lot, sealed_lot):
    """Open bids go to ascending lots, commitments and reveals to sealed ones."""
    with reverts("AuctionWrongPhase", sealed_lot, 1):
        auctions.bid(sealed_lot, RESERVE, {"from": traders.steel.account})
    with reverts("AuctionWrongPhase", open_lot, 0):
        auctions.commit(open_lot, b"\x00" * 32, {"from": traders.steel.account})


def test_reserve_auctions_pay_the_treasury_R28_R29(
    auctions, secondary, ledger, cny, treasury, traders, cod, stranger
):
    """R-28: the reserve releases rights at auction; R-29: the price goes to the treasury."""
    lot = auctions.offer(
        cod, KG, ascending(RESERVE, DEPOSIT, STEP), {"from": traders.reserve.account}
    )
    lot = lot.return_value
    assert auctions.lot(lot)["kind"] == 3  # Kind.Reserve
    auctions.join(lot, 0, {"from": traders.steel.account})
    auctions.bid(lot, RESERVE, {"from": traders.steel.account})
    until(auctions.lot(lot)["closesAt"])
    before = cny.balanceOf(treasury)
    auctions.settle(lot, {"from": stranger})
    assert cny.balanceOf(treasury) == before + RESERVE
    assert funds(secondary, traders.reserve) == (FUNDS_FEN, 0)
    assert funds(secondary, traders.steel) == (FUNDS_FEN - RESERVE, 0)
    assert ledger.balanceOf(traders.steel, cod)["paid"] == STOCK_KG + KG
