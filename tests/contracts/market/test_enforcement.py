"""Pledge enforcement sales (R-34): on default the bank enforces, the pledged rights are auctioned
through the exchange, and the price goes to the bank first, up to its claim, the rest to the
pledgor — in the same transaction as the rights (R-16)."""

import pytest
from brownie import chain

from backend.chain.domain import MarketReason
from tests.conftest import BENCHMARKS, DAY
from tests.contracts.market.conftest import FUNDS_FEN, STOCK_KG, ascending
from tests.helpers import fen_at_benchmark, loan, now, plain, reverts

PLEDGED = 20_000
RESERVE = fen_at_benchmark(PLEDGED, BENCHMARKS["COD"])  # 80 000 yuan
DEPOSIT = RESERVE // 20
CLAIM = 3_000_000  # the bank's claim: 30 000 yuan
ENFORCED = 4


def defaulted(pledges, bank, traders, kg=PLEDGED, claim=CLAIM):
    """chem pledged ``kg`` COD for ``claim`` due in a day; the day passes, chem defaults and the
    bank enforces for the claim (R-34)."""
    cod = traders.pollutant["COD"]
    maturity = now() + DAY
    pledge_id = pledges.pledge(
        bank, cod, kg, claim, maturity, {"from": traders.chem.account}
    ).return_value
    chain.sleep(DAY + 1)
    chain.mine()
    pledges.enforce(pledge_id, claim, {"from": bank})
    return pledge_id


@pytest.fixture
def pledge(traders, pledges, bank):
    """chem pledged 20 t COD to the bank and defaulted: the bank enforces for its claim."""
    return defaulted(pledges, bank, traders)


def funds(secondary, unit):
    return plain(secondary.fundsOf(unit))


def sell(auctions, lot, bidders, prices):
    for b in bidders:
        auctions.join(lot, 0, {"from": b.account})
    for b, p in zip(bidders, prices, strict=True):
        auctions.bid(lot, p, {"from": b.account})
    chain.sleep(auctions.lot(lot)["closesAt"] - now() + 1)
    chain.mine()


def test_enforcement_sale_pays_the_bank_first_R34(
    auctions, secondary, ledger, pledges, cny, traders, bank, pledge, stranger
):
    """R-34: 20 t pledged COD sold at auction; the bank receives its claim, the pledgor the rest;
    the rights leave the pledgor's pledged balance for the winner."""
    cod = traders.pollutant["COD"]
    lot = auctions.offerEnforcement(
        pledge, ascending(RESERVE, DEPOSIT), {"from": bank}
    ).return_value
    assert auctions.lot(lot)["seller"] == traders.chem.address
    assert auctions.enforcementLot(pledge) == lot
    price = RESERVE + 500_000
    sell(auctions, lot, [traders.steel, traders.hotel], [RESERVE, price])
    tx = auctions.settle(lot, {"from": stranger})
    proceeds = tx.events["EnforcementProceeds"]
    assert (proceeds["bankFen"], proceeds["holderFen"]) == (CLAIM, price - CLAIM)
    assert tx.events["RightsEnforced"]["priceFen"] == price
    assert pledges.pledgeOf(pledge)["status"] == ENFORCED
    assert plain(ledger.balanceOf(traders.chem, cod)) == (STOCK_KG - PLEDGED, 0, 0, 0)
    assert ledger.balanceOf(traders.hotel, cod)["paid"] == STOCK_KG + PLEDGED
    assert funds(secondary, bank) == (CLAIM, 0)
    assert funds(secondary, traders.chem) == (FUNDS_FEN + price - CLAIM, 0)
    assert funds(secondary, traders.hotel) == (FUNDS_FEN - price, 0)
    assert auctions.enforcementLot(pledge) == 0
    secondary.withdraw(CLAIM, {"from": bank})  # the bank takes its money out
    assert cny.balanceOf(bank) == CLAIM


def test_a_claim_above_the_price_takes_all_of_it_R34(
    auctions, secondary, pledges, traders, bank, stranger
):
    """R-34: a claim the pledgor secured above the price takes the whole price; the pledgor gets
    nothing more."""
    pledge_id = defaulted(pledges, bank, traders, claim=RESERVE * 2)
    lot = auctions.offerEnforcement(pledge_id, ascending(RESERVE, DEPOSIT), {"from": bank})
    sell(auctions, lot.return_value, [traders.steel], [RESERVE])
    tx = auctions.settle(lot.return_value, {"from": stranger})
    assert tx.events["EnforcementProceeds"]["holderFen"] == 0
    assert funds(secondary, bank) == (RESERVE, 0)
    assert funds(secondary, traders.chem) == (FUNDS_FEN, 0)


def test_the_pledgors_blacklisting_does_not_stop_the_bank_R34_R17(
    auctions, registry, regulator, traders, bank, pledge, stranger
):
    """R-34, R-17: the bank's lien prevails over the pledgor's restriction; a blacklisted buyer
    could not buy, but a blacklisted pledgor's rights are still sold."""
    registry.setRestriction(traders.chem, 1, True, "信用不良", {"from": regulator})
    lot = auctions.offerEnforcement(
        pledge, ascending(RESERVE, DEPOSIT), {"from": bank}
    ).return_value
    sell(auctions, lot, [traders.steel], [RESERVE])
    auctions.settle(lot, {"from": stranger})
    assert auctions.lot(lot)["status"] == 2  # Sold


def test_only_the_bank_or_the_operator_offers_an_enforcing_pledge_once_R34(
    auctions, pledges, traders, bank, exchange, pledge, stranger
):
    """R-34: a stranger cannot auction someone's pledge; a pledge not under enforcement is not
    sold; a pledge is on one lot at a time; the operator may offer it for the bank."""
    terms = ascending(RESERVE, DEPOSIT)
    with reverts("AuctionNotBank", pledge, stranger):
        auctions.offerEnforcement(pledge, terms, {"from": stranger})
    lot = auctions.offerEnforcement(pledge, terms, {"from": exchange}).return_value
    with reverts("AuctionPledgeOnSale", pledge, lot):
        auctions.offerEnforcement(pledge, terms, {"from": bank})
    active = pledges.pledge(
        bank, traders.pollutant["COD"], 1_000, *loan(), {"from": traders.chem.account}
    )
    with reverts("AuctionPledgeNotEnforcing", active.return_value):
        auctions.offerEnforcement(active.return_value, terms, {"from": bank})
    # unsold, the pledge can be offered again
    chain.sleep(auctions.lot(lot)["closesAt"] - now() + 1)
    chain.mine()
    auctions.settle(lot, {"from": stranger})
    assert auctions.enforcementLot(pledge) == 0
    auctions.offerEnforcement(pledge, ascending(RESERVE, DEPOSIT), {"from": bank})


def test_a_pledge_released_during_the_sale_fails_the_lot_R34(
    auctions, secondary, pledges, traders, bank, pledge, stranger
):
    """R-34: the borrower repaid and the bank released the pledge while bids came in: the sale
    cannot settle, the lot fails with that reason and the winner is refunded."""
    lot = auctions.offerEnforcement(
        pledge, ascending(RESERVE, DEPOSIT), {"from": bank}
    ).return_value
    sell(auctions, lot, [traders.steel], [RESERVE])
    pledges.release(pledge, {"from": bank})
    with reverts("PledgeWrongStatus", pledge, 2):
        auctions.settle(lot, {"from": stranger})
    assert plain(auctions.checkSettle(lot))[0] == MarketReason.PLEDGE_NOT_ENFORCING
    tx = auctions.abandon(lot, {"from": stranger})
    assert tx.events["LotFailed"]["market"] == MarketReason.PLEDGE_NOT_ENFORCING
    auctions.refund(lot, traders.steel, {"from": stranger})
    assert funds(secondary, traders.steel) == (FUNDS_FEN, 0)
