"""Negotiated trades (协议转让, R-14): both parties sign the same terms in their own wallets,
anyone submits them, rights and money settle in one transaction (R-16). A signature works once,
before its deadline, for these exact terms, on this contract and chain."""

import pytest
from brownie import chain

from backend.chain.domain import MarketReason, Reason, TradeMode
from tests.conftest import BENCHMARKS
from tests.contracts.market.conftest import FUNDS_FEN, STOCK_KG
from tests.contracts.market.orders import (
    NO_SIGNATURE,
    both_sign,
    key_of,
    sign_trade,
    terms,
)
from tests.helpers import fen_at_benchmark, now, plain, reverts

COD_PRICE = BENCHMARKS["COD"]


def state(ledger, secondary, t):
    """What a refused trade must leave unchanged: both parties' rights, money and nonces."""
    seller, buyer, pollutant = t[0], t[1], t[2]
    return (
        plain(ledger.balanceOf(seller, pollutant)),
        plain(ledger.balanceOf(buyer, pollutant)),
        plain(secondary.fundsOf(seller)),
        plain(secondary.fundsOf(buyer)),
        secondary.nonces(seller),
        secondary.nonces(buyer),
    )


@pytest.fixture(scope="module")
def cod(traders):
    return traders.pollutant["COD"]


def test_signed_trade_is_relayed_and_settles_delivery_versus_payment_R14_R16(
    secondary, ledger, traders, cod, stranger
):
    """R-14, R-16: the relayer submits both signatures; the buyer's money pays the seller and the
    rights move in the same transaction."""
    price = fen_at_benchmark(2_000, COD_PRICE) + 50_000  # above the floor: the parties' price
    t = terms(traders.chem, traders.steel, cod, 2_000, price)
    tx = secondary.settleTrade(t, *both_sign(secondary, t), {"from": stranger})
    assert tx.events["RightsTraded"]["mode"] == TradeMode.NEGOTIATED
    assert tx.events["RightsTraded"]["priceFen"] == price
    assert tx.events["FundsTransferred"]["fen"] == price
    assert ledger.balanceOf(traders.chem, cod)["paid"] == STOCK_KG - 2_000
    assert ledger.balanceOf(traders.steel, cod)["paid"] == STOCK_KG + 2_000
    assert plain(secondary.fundsOf(traders.chem)) == (FUNDS_FEN + price, 0)
    assert plain(secondary.fundsOf(traders.steel)) == (FUNDS_FEN - price, 0)
    assert secondary.nonces(traders.chem) == secondary.nonces(traders.steel) == 1


def test_a_party_submitting_itself_needs_no_signature_of_its_own_R14(
    secondary, ledger, traders, cod
):
    """R-14: the buyer sends the seller's signature itself; its own call is its consent."""
    t = terms(traders.chem, traders.steel, cod, 1_000, fen_at_benchmark(1_000, COD_PRICE))
    seller_sig = sign_trade(secondary, t, traders.chem)
    with reverts("SignedActionInvalidSignature", traders.steel):  # a third party needs both
        secondary.settleTrade(t, seller_sig, NO_SIGNATURE, {"from": traders.fund.account})
    secondary.settleTrade(t, seller_sig, NO_SIGNATURE, {"from": traders.steel.account})
    assert ledger.balanceOf(traders.steel, cod)["paid"] == STOCK_KG + 1_000
    assert secondary.nonces(traders.steel) == 0  # no signature of the buyer was used


def test_buyer_without_the_money_is_refused_R16(secondary, ledger, traders, cod, stranger):
    """R-16: the price must be in the buyer's trading account; nothing moves otherwise."""
    t = terms(traders.chem, traders.steel, cod, 1_000, FUNDS_FEN + 1)
    assert plain(secondary.checkTrade(t)) == (
        MarketReason.INSUFFICIENT_FUNDS,
        Reason.OK,
        FUNDS_FEN,
        FUNDS_FEN + 1,
    )
    before = state(ledger, secondary, t)
    with reverts("ExchangeInsufficientFunds", traders.steel, FUNDS_FEN, FUNDS_FEN + 1):
        secondary.settleTrade(t, *both_sign(secondary, t), {"from": stranger})
    assert state(ledger, secondary, t) == before


def test_a_refused_rule_moves_neither_rights_nor_money_R15_R16(
    secondary, ledger, traders, cod, stranger
):
    """R-15, R-16: the ledger refuses one fen under the benchmark; the payment already booked in the
    same transaction is undone with it (all or nothing)."""
    minimum = fen_at_benchmark(1_500, COD_PRICE)
    t = terms(traders.chem, traders.steel, cod, 1_500, minimum - 1)
    assert plain(secondary.checkTrade(t)) == (
        MarketReason.RULE_REFUSED,
        Reason.PRICE_BELOW_BENCHMARK,
        minimum - 1,
        minimum,
    )
    before = state(ledger, secondary, t)
    with reverts("LedgerPriceBelowBenchmark", cod, minimum - 1, minimum):
        secondary.settleTrade(t, *both_sign(secondary, t), {"from": stranger})
    assert state(ledger, secondary, t) == before


@pytest.mark.parametrize(
    "mode", [TradeMode.NONE, TradeMode.LISTING, TradeMode.AUCTION, TradeMode.BUY_BACK]
)
def test_only_negotiated_modes_settle_here_R14(secondary, traders, cod, stranger, mode):
    """R-14: listings, auctions and buy-backs have their own procedures."""
    t = terms(traders.chem, traders.steel, cod, 1_000, 10**7, mode)
    assert plain(secondary.checkTrade(t))[0] == MarketReason.INVALID_MODE
    with reverts("ExchangeInvalidMode", int(mode)):
        secondary.settleTrade(t, *both_sign(secondary, t), {"from": stranger})


def test_green_channel_takes_reserve_rights_without_deposit_R21(
    secondary, ledger, cny, treasury, traders, cod, stranger
):
    """R-21: a small project takes < 1 t of reserve rights by negotiated transfer: no deposit is
    locked, only the price is paid, to the treasury (R-29); the next kilogram over 1 t in total is
    refused."""
    price = fen_at_benchmark(999, COD_PRICE)
    t = terms(traders.reserve, traders.hotel, cod, 999, price, TradeMode.GREEN_CHANNEL)
    assert plain(secondary.checkTrade(t))[0] == MarketReason.OK
    before = cny.balanceOf(treasury)
    tx = secondary.settleTrade(t, *both_sign(secondary, t), {"from": stranger})
    assert tx.events["FundsPaidOut"]["to"] == treasury
    assert cny.balanceOf(treasury) == before + price
    assert plain(secondary.fundsOf(traders.hotel)) == (FUNDS_FEN - price, 0)
    assert plain(secondary.fundsOf(traders.reserve)) == (FUNDS_FEN, 0)
    assert ledger.greenChannelIntake(traders.hotel) == 999
    more = terms(traders.reserve, traders.hotel, cod, 1, fen_at_benchmark(1, COD_PRICE), 4)
    assert plain(secondary.checkTrade(more))[:2] == (
        MarketReason.RULE_REFUSED,
        Reason.GREEN_CHANNEL_LIMIT,
    )
    with reverts("LedgerGreenChannelLimit", traders.hotel, 999, 1):
        secondary.settleTrade(more, *both_sign(secondary, more), {"from": stranger})


def test_green_channel_is_for_reserve_rights_only_R21(secondary, traders, cod, stranger):
    """R-21: a unit cannot sell through the green channel."""
    t = terms(traders.chem, traders.hotel, cod, 500, 10**7, TradeMode.GREEN_CHANNEL)
    with reverts("LedgerNotReserve", traders.chem):
        secondary.settleTrade(t, *both_sign(secondary, t), {"from": stranger})


def test_reserve_releases_rights_by_negotiated_transfer_R28_R29(
    secondary, ledger, cny, treasury, traders, cod, stranger
):
    """R-28: reserve rights released to a buyer by agreement (the reserve needs no recognition);
    R-29: the price is the treasury's revenue."""
    price = fen_at_benchmark(5_000, COD_PRICE)
    t = terms(traders.reserve, traders.steel, cod, 5_000, price, TradeMode.RESERVE_RELEASE)
    before = cny.balanceOf(treasury)
    tx = secondary.settleTrade(t, *both_sign(secondary, t), {"from": stranger})
    assert tx.events["RightsTraded"]["mode"] == TradeMode.RESERVE_RELEASE
    assert ledger.balanceOf(traders.reserve, cod)["paid"] == STOCK_KG - 5_000
    assert cny.balanceOf(treasury) == before + price
    assert plain(secondary.fundsOf(traders.steel)) == (FUNDS_FEN - price, 0)


def test_release_mode_is_for_the_reserve_alone_R28(secondary, traders, cod, stranger):
    """R-28: a unit cannot send its price to the treasury by calling its sale a reserve release."""
    t = terms(traders.chem, traders.steel, cod, 1_000, 10**7, TradeMode.RESERVE_RELEASE)
    with reverts("LedgerNotReserve", traders.chem):
        secondary.settleTrade(t, *both_sign(secondary, t), {"from": stranger})


# ---------------------------------------------------------------- signatures


def test_a_signed_trade_cannot_be_replayed(secondary, ledger, traders, cod, stranger):
    """The same two signatures settle once: the nonces they were made for are used up."""
    t = terms(traders.chem, traders.steel, cod, 1_000, fen_at_benchmark(1_000, COD_PRICE))
    sigs = both_sign(secondary, t)
    secondary.settleTrade(t, *sigs, {"from": stranger})
    before = state(ledger, secondary, t)
    with reverts("SignedActionInvalidSignature", traders.chem):
        secondary.settleTrade(t, *sigs, {"from": stranger})
    assert state(ledger, secondary, t) == before


def test_a_signed_trade_expires_at_its_deadline(secondary, ledger, traders, cod, stranger):
    """Terms signed with a deadline are refused after it, even by a party submitting itself."""
    deadline = now() + 60
    t = terms(traders.chem, traders.steel, cod, 1_000, 10**7, deadline=deadline)
    sigs = both_sign(secondary, t)
    chain.sleep(120)
    chain.mine()
    assert plain(secondary.checkTrade(t))[0] == MarketReason.ENDED
    before = state(ledger, secondary, t)
    with reverts("SignedActionExpired"):
        secondary.settleTrade(t, *sigs, {"from": stranger})
    with reverts("SignedActionExpired"):
        secondary.settleTrade(t, sigs[0], NO_SIGNATURE, {"from": traders.steel.account})
    assert state(ledger, secondary, t) == before


@pytest.mark.parametrize("field", [2, 3, 4, 5, 6])
def test_altered_terms_are_refused(secondary, ledger, traders, cod, stranger, field):
    """Changing any signed field (pollutant, quantity, price, mode, deadline) invalidates both
    signatures; nothing moves."""
    t = terms(traders.chem, traders.steel, cod, 1_000, 10**7)
    sigs = both_sign(secondary, t)
    altered = list(t)
    altered[field] = {2: cod + 1, 3: 999, 4: 10**7 + 1, 5: 6, 6: t[6] + 1}[field]
    before = state(ledger, secondary, t)
    with reverts("SignedActionInvalidSignature", traders.chem):
        secondary.settleTrade(tuple(altered), *sigs, {"from": stranger})
    assert state(ledger, secondary, t) == before


def test_parties_cannot_be_swapped(secondary, ledger, traders, cod, stranger):
    """The buyer's and seller's signatures bind their roles: swapping them is refused."""
    t = terms(traders.chem, traders.steel, cod, 1_000, 10**7)
    seller_sig, buyer_sig = both_sign(secondary, t)
    swapped = (t[1], t[0], *t[2:])
    with reverts("SignedActionInvalidSignature", traders.steel):
        secondary.settleTrade(swapped, buyer_sig, seller_sig, {"from": stranger})


@pytest.mark.parametrize("forgery", ["wrong_signer", "other_chain", "other_contract"])
def test_forged_signatures_are_refused(secondary, primary, ledger, traders, cod, stranger, forgery):
    """A signature by another key, for another chain id or for another contract is refused, for
    either party; nothing moves."""
    t = terms(traders.chem, traders.steel, cod, 1_000, 10**7)
    key, domain = None, {}
    if forgery == "wrong_signer":
        key = key_of(traders.fund)
    elif forgery == "other_chain":
        domain = {"chain_id": 1}
    else:
        domain = {"verifying_contract": primary.address}
    good_seller, good_buyer = both_sign(secondary, t)
    bad_seller = sign_trade(secondary, t, traders.chem, key=key, **domain)
    bad_buyer = sign_trade(secondary, t, traders.steel, key=key, **domain)
    before = state(ledger, secondary, t)
    with reverts("SignedActionInvalidSignature", traders.chem):
        secondary.settleTrade(t, bad_seller, good_buyer, {"from": stranger})
    with reverts("SignedActionInvalidSignature", traders.steel):
        secondary.settleTrade(t, good_seller, bad_buyer, {"from": stranger})
    assert state(ledger, secondary, t) == before


def test_signed_trade_domain_is_published(secondary):
    """ERC-5267: wallets read the domain they sign under from the contract."""
    _, name, version, chain_id, verifying, _, _ = secondary.eip712Domain()
    assert (name, version, verifying) == ("Exchange", "1", secondary.address)
    assert chain_id == chain.id
