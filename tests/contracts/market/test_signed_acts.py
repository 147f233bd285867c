"""Every act of a member on the exchange, signed in its wallet and sent by anyone (the service's
relayer): listings, takes bound to the listing's terms, bids, cancellations, auction offers,
joins bound to the deposit, bids, sealed commitments and reveals, application withdrawals, and
redemptions of settlement money to a bank account (R-14, R-16; docs/signing.md). Each works
once, for its signer only, and the contract refuses other terms."""

import pytest
from brownie import chain
from eth_abi import encode
from eth_utils import keccak

from tests.contracts.market.conftest import ascending, sealed
from tests.contracts.market.orders import HOUR
from tests.helpers import company_key, fen_at_benchmark, now, plain, reverts, signed

CHEM, STEEL = 0, 1  # companies[i], tests/conftest.py CITY_UNITS
KG = 2_000
COD_FEN_PER_T = 400_000
ASK = fen_at_benchmark(KG, COD_FEN_PER_T)
LIST = [("seller", "address"), ("pollutant", "uint32"), ("quantityKg", "uint64"),
        ("askFen", "uint96"), ("stepFen", "uint96"), ("endsAt", "uint40"), ("nonce", "uint256"),
        ("deadline", "uint256")]  # fmt: skip
TAKE = [("buyer", "address"), ("listing", "uint256"), ("pollutant", "uint32"),
        ("quantityKg", "uint64"), ("priceFen", "uint96"), ("nonce", "uint256"),
        ("deadline", "uint256")]  # fmt: skip
BID = [("bidder", "address"), ("listing", "uint256"), ("priceFen", "uint96"),
       ("nonce", "uint256"), ("deadline", "uint256")]  # fmt: skip
CANCEL_LISTING = [("seller", "address"), ("listing", "uint256"), ("nonce", "uint256"),
                  ("deadline", "uint256")]  # fmt: skip
OFFER = [("seller", "address"), ("pollutant", "uint32"), ("quantityKg", "uint64"),
         ("format", "uint8"), ("reserveFen", "uint96"), ("depositFen", "uint96"),
         ("stepFen", "uint96"), ("biddingEnds", "uint40"), ("revealEnds", "uint40"),
         ("nonce", "uint256"), ("deadline", "uint256")]  # fmt: skip
JOIN = [("bidder", "address"), ("lot", "uint256"), ("application", "uint64"),
        ("depositFen", "uint96"), ("nonce", "uint256"), ("deadline", "uint256")]  # fmt: skip
LOT_BID = [("bidder", "address"), ("lot", "uint256"), ("priceFen", "uint96"),
           ("nonce", "uint256"), ("deadline", "uint256")]  # fmt: skip
CANCEL_LOT = [("creator", "address"), ("lot", "uint256"), ("nonce", "uint256"),
              ("deadline", "uint256")]  # fmt: skip
COMMIT = [("bidder", "address"), ("lot", "uint256"), ("commitment", "bytes32"),
          ("nonce", "uint256"), ("deadline", "uint256")]  # fmt: skip
REVEAL = [("bidder", "address"), ("lot", "uint256"), ("priceFen", "uint96"), ("salt", "bytes32"),
          ("nonce", "uint256"), ("deadline", "uint256")]  # fmt: skip
WITHDRAW_APPLICATION = [("applicant", "address"), ("application", "uint256"),
                        ("nonce", "uint256"), ("deadline", "uint256")]  # fmt: skip
REDEMPTION = [("holder", "address"), ("amountFen", "uint256"), ("bankAccount", "bytes32"),
              ("nonce", "uint256"), ("deadline", "uint256")]  # fmt: skip


@pytest.fixture(scope="module")
def cod(traders):
    return traders.pollutant["COD"]


def sig(contract, primary, fields, key_index, **message):
    return signed(contract, primary, fields, message, company_key(key_index))


def listed(secondary, traders, cod, relayer) -> int:
    seller = traders.chem.account
    end, deadline = now() + HOUR, now() + HOUR
    message = {"seller": seller.address, "pollutant": cod, "quantityKg": KG, "askFen": ASK,
               "stepFen": 10_000, "endsAt": end, "nonce": secondary.nonces(seller),
               "deadline": deadline}  # fmt: skip
    signature = sig(secondary, "List", LIST, CHEM, **message)
    tx = secondary.listBySig(seller, cod, KG, ASK, 10_000, end, deadline, signature,
                             {"from": relayer})  # fmt: skip
    assert tx.events["Listed"]["seller"] == seller
    with reverts("SignedActionInvalidSignature", seller):  # once only
        secondary.listBySig(seller, cod, KG, ASK, 10_000, end, deadline, signature,
                            {"from": relayer})  # fmt: skip
    return tx.return_value


def test_a_listing_signed_by_its_seller_and_taken_at_the_signed_price_R14(
    secondary, ledger, traders, cod, stranger
):
    lid = listed(secondary, traders, cod, stranger)
    steel = traders.steel.account
    deadline = now() + HOUR

    def take(price):
        message = {"buyer": steel.address, "listing": lid, "pollutant": cod, "quantityKg": KG,
                   "priceFen": price, "nonce": secondary.nonces(steel),
                   "deadline": deadline}  # fmt: skip
        return sig(secondary, "Take", TAKE, STEEL, **message)

    with reverts("ExchangeTermsMismatch", lid, cod, KG, ASK):  # the buyer signed another price
        secondary.takeBySig(steel, lid, cod, KG, ASK - 1, deadline, take(ASK - 1),
                            {"from": stranger})  # fmt: skip
    signature = take(ASK)
    with reverts("SignedActionInvalidSignature", steel):  # the signed terms, not others
        secondary.takeBySig(steel, lid, cod, KG - 1, ASK, deadline, signature, {"from": stranger})
    before = ledger.balanceOf(steel, cod)["paid"]
    tx = secondary.takeBySig(steel, lid, cod, KG, ASK, deadline, signature, {"from": stranger})
    assert tx.events["ListingTaken"]["buyer"] == steel
    assert ledger.balanceOf(steel, cod)["paid"] == before + KG
    with reverts("SignedActionInvalidSignature", steel):  # once only: the nonce moved on
        secondary.takeBySig(steel, lid, cod, KG, ASK, deadline, signature, {"from": stranger})


def test_a_signed_bid_and_a_signed_withdrawal_of_a_listing(secondary, traders, cod, stranger):
    chem, steel = traders.chem.account, traders.steel.account
    deadline = now() + HOUR
    unwanted = listed(secondary, traders, cod, stranger)
    withdraw = sig(secondary, "CancelListing", CANCEL_LISTING, CHEM, seller=chem.address,
                   listing=unwanted, nonce=secondary.nonces(chem), deadline=deadline)  # fmt: skip
    tx = secondary.cancelListingBySig(chem, unwanted, deadline, withdraw, {"from": stranger})
    assert tx.events["ListingClosed"]["by"] == chem
    with reverts("SignedActionInvalidSignature", chem):
        secondary.cancelListingBySig(chem, unwanted, deadline, withdraw, {"from": stranger})
    lid = listed(secondary, traders, cod, stranger)
    cancel = sig(secondary, "CancelListing", CANCEL_LISTING, STEEL, seller=steel.address,
                 listing=lid, nonce=secondary.nonces(steel), deadline=deadline)  # fmt: skip
    with reverts("ExchangeNotSeller", lid, steel):  # a signature of someone else than the seller
        secondary.cancelListingBySig(steel, lid, deadline, cancel, {"from": stranger})
    bid = sig(secondary, "Bid", BID, STEEL, bidder=steel.address, listing=lid, priceFen=ASK,
              nonce=secondary.nonces(steel), deadline=deadline)  # fmt: skip
    tx = secondary.bidBySig(steel, lid, ASK, deadline, bid, {"from": stranger})
    assert tx.events["ListingBid"]["bidder"] == steel
    assert plain(secondary.fundsOf(steel))[1] == ASK  # locked
    with reverts("SignedActionInvalidSignature", steel):
        secondary.bidBySig(steel, lid, ASK, deadline, bid, {"from": stranger})
    cancel = sig(secondary, "CancelListing", CANCEL_LISTING, CHEM, seller=chem.address,
                 listing=lid, nonce=secondary.nonces(chem), deadline=deadline)  # fmt: skip
    with reverts("ExchangeListingHasBids", lid):
        secondary.cancelListingBySig(chem, lid, deadline, cancel, {"from": stranger})


def test_an_auction_by_signatures_offer_join_bid_R14_R16(
    auctions, secondary, traders, cod, stranger
):
    chem, steel = traders.chem.account, traders.steel.account
    terms = ascending(ASK, 50_000)
    deadline = now() + HOUR
    offer = sig(auctions, "Offer", OFFER, CHEM, seller=chem.address, pollutant=cod, quantityKg=KG,
                format=terms[0], reserveFen=terms[1], depositFen=terms[2], stepFen=terms[3],
                biddingEnds=terms[4], revealEnds=terms[5], nonce=auctions.nonces(chem),
                deadline=deadline)  # fmt: skip
    with reverts("SignedActionInvalidSignature", chem):  # other terms than signed
        auctions.offerBySig(chem, cod, KG, (*terms[:2], 1, *terms[3:]), deadline, offer,
                            {"from": stranger})  # fmt: skip
    lot = auctions.offerBySig(
        chem, cod, KG, terms, deadline, offer, {"from": stranger}
    ).return_value
    assert auctions.lot(lot)["seller"] == chem
    with reverts("SignedActionInvalidSignature", chem):
        auctions.offerBySig(chem, cod, KG, terms, deadline, offer, {"from": stranger})

    def join(deposit):
        return sig(auctions, "Join", JOIN, STEEL, bidder=steel.address, lot=lot, application=0,
                   depositFen=deposit, nonce=auctions.nonces(steel), deadline=deadline)  # fmt: skip

    with reverts("AuctionDepositMismatch", lot, 50_000):
        auctions.joinBySig(steel, lot, 0, 40_000, deadline, join(40_000), {"from": stranger})
    joined = join(50_000)
    auctions.joinBySig(steel, lot, 0, 50_000, deadline, joined, {"from": stranger})
    assert plain(secondary.fundsOf(steel))[1] == 50_000
    with reverts("SignedActionInvalidSignature", steel):
        auctions.joinBySig(steel, lot, 0, 50_000, deadline, joined, {"from": stranger})
    bid = sig(auctions, "LotBid", LOT_BID, STEEL, bidder=steel.address, lot=lot, priceFen=ASK,
              nonce=auctions.nonces(steel), deadline=deadline)  # fmt: skip
    tx = auctions.bidBySig(steel, lot, ASK, deadline, bid, {"from": stranger})
    assert tx.events["BidPlaced"]["bidder"] == steel
    with reverts("SignedActionInvalidSignature", steel):
        auctions.bidBySig(steel, lot, ASK, deadline, bid, {"from": stranger})
    cancel = sig(auctions, "CancelLot", CANCEL_LOT, CHEM, creator=chem.address, lot=lot,
                 nonce=auctions.nonces(chem), deadline=deadline)  # fmt: skip
    with reverts("AuctionHasBidders", lot, 1):
        auctions.cancelBySig(chem, lot, deadline, cancel, {"from": stranger})
    idle = auctions.offer(cod, KG, ascending(ASK, 50_000), {"from": chem}).return_value
    withdraw = cancel_for(auctions, chem, idle, deadline)
    tx = auctions.cancelBySig(chem, idle, deadline, withdraw, {"from": stranger})
    assert tx.events["LotClosed"]["by"] == chem
    with reverts("SignedActionInvalidSignature", chem):
        auctions.cancelBySig(chem, idle, deadline, withdraw, {"from": stranger})


def cancel_for(auctions, creator, lot, deadline):
    """The creator's signed cancellation of ``lot`` with its next nonce."""
    return sig(auctions, "CancelLot", CANCEL_LOT, CHEM, creator=creator.address, lot=lot,
               nonce=auctions.nonces(creator), deadline=deadline)  # fmt: skip


def test_a_sealed_bid_committed_and_revealed_by_signature_R14(auctions, traders, cod, stranger):
    chem, steel = traders.chem.account, traders.steel.account
    lot = auctions.offer(cod, KG, sealed(ASK, 50_000), {"from": chem}).return_value
    auctions.join(lot, 0, {"from": steel})
    price, salt = ASK + 5_000, b"\x07" * 32
    commitment = keccak(encode(["uint256", "address", "uint96", "bytes32"],
                               [lot, steel.address, price, salt]))  # fmt: skip
    deadline = now() + 4 * HOUR
    commit = sig(auctions, "Commit", COMMIT, STEEL, bidder=steel.address, lot=lot,
                 commitment=commitment, nonce=auctions.nonces(steel),
                 deadline=deadline)  # fmt: skip
    auctions.commitBySig(steel, lot, commitment, deadline, commit, {"from": stranger})
    assert auctions.commitmentOf(lot, steel) == "0x" + commitment.hex()
    with reverts("SignedActionInvalidSignature", steel):
        auctions.commitBySig(steel, lot, commitment, deadline, commit, {"from": stranger})
    chain.sleep(HOUR + 1)
    chain.mine()
    reveal = sig(auctions, "Reveal", REVEAL, STEEL, bidder=steel.address, lot=lot, priceFen=price,
                 salt=salt, nonce=auctions.nonces(steel), deadline=deadline)  # fmt: skip
    tx = auctions.revealBySig(steel, lot, price, salt, deadline, reveal, {"from": stranger})
    assert tx.events["BidRevealed"]["leading"] is True
    with reverts("SignedActionInvalidSignature", steel):
        auctions.revealBySig(steel, lot, price, salt, deadline, reveal, {"from": stranger})


def test_an_application_withdrawn_by_signature_R08(primary, traders, cod, stranger):
    chem, steel = traders.chem.account, traders.steel.account
    app = primary.submitApplication(cod, 1_000, 0, {"from": chem}).return_value
    deadline = now() + HOUR
    other = sig(primary, "WithdrawApplication", WITHDRAW_APPLICATION, STEEL,
                applicant=steel.address, application=app, nonce=primary.nonces(steel),
                deadline=deadline)  # fmt: skip
    with reverts("PrimaryNotApplicant", app, steel):
        primary.withdrawApplicationBySig(steel, app, deadline, other, {"from": stranger})
    own = sig(primary, "WithdrawApplication", WITHDRAW_APPLICATION, CHEM, applicant=chem.address,
              application=app, nonce=primary.nonces(chem), deadline=deadline)  # fmt: skip
    tx = primary.withdrawApplicationBySig(chem, app, deadline, own, {"from": stranger})
    assert "ApplicationWithdrawn" in tx.events
    with reverts("SignedActionInvalidSignature", chem):
        primary.withdrawApplicationBySig(chem, app, deadline, own, {"from": stranger})


def test_redemption_to_a_bank_account_paid_or_refused_R16(cny, traders, settlement_bank, stranger):
    """The holder signs; the amount waits in the token; the bank pays out (burned) or refuses
    (returned); only the bank decides; a closed request cannot be decided again."""
    from tests.helpers import issue

    chem = traders.chem.account
    issue(cny, settlement_bank, chem, 100_000)
    account = keccak(text="6222 0000 1111 2222")
    deadline = now() + HOUR

    def request(amount):
        signature = sig(cny, "Redemption", REDEMPTION, CHEM, holder=chem.address,
                        amountFen=amount, bankAccount=account, nonce=cny.nonces(chem),
                        deadline=deadline)  # fmt: skip
        return cny.requestRedemptionBySig(chem, amount, account, deadline, signature,
                                          {"from": stranger})  # fmt: skip

    supply, issued = cny.totalSupply(), cny.totalIssued()
    signature = sig(cny, "Redemption", REDEMPTION, CHEM, holder=chem.address, amountFen=60_000,
                    bankAccount=account, nonce=cny.nonces(chem), deadline=deadline)  # fmt: skip
    first = cny.requestRedemptionBySig(chem, 60_000, account, deadline, signature,
                                       {"from": stranger}).return_value  # fmt: skip
    with reverts("ERC2612InvalidSigner"):  # once only: the nonce moved on
        cny.requestRedemptionBySig(chem, 60_000, account, deadline, signature, {"from": stranger})
    assert cny.balanceOf(chem) == 40_000 and cny.pendingRedemptions() == 60_000
    with reverts("AccessControlUnauthorizedAccount"):
        cny.confirmRedemption(first, b"\x01" * 32, {"from": stranger})
    tx = cny.confirmRedemption(first, b"\x01" * 32, {"from": settlement_bank})
    assert tx.events["Redeemed"]["fen"] == 60_000 and tx.events["RedemptionPaid"]["id"] == first
    assert cny.totalSupply() == supply - 60_000 and cny.totalIssued() == issued
    with reverts("SettlementRedemptionNotOpen", first, 2):
        cny.rejectRedemption(first, "twice", {"from": settlement_bank})
    second = request(30_000).return_value
    cny.rejectRedemption(second, "账户名称不符", {"from": settlement_bank})
    assert cny.balanceOf(chem) == 40_000 and cny.pendingRedemptions() == 0
    assert cny.totalIssued() - cny.totalRedeemed() == cny.totalSupply()
    with reverts("ERC20InsufficientBalance"):
        request(50_000)
