"""Market operations: the exchange's trading accounts, listings, negotiated trades, auctions and
the primary market, as unsigned transactions the acting party signs with its own wallet.

A company trades with its own key (SPEC §5): the service builds the call to the market
contract, simulates it from the company's account (a refusal is the decoded custom error:
the procedure's own, or the ledger's own error when a trading rule refuses), and
the company signs and posts the transaction to ``POST /api/v1/tx/raw``. Only the market
contracts move rights between holders (they hold the ledger's ``EXCHANGE_ROLE``).

Concerns: ``market`` (contracts/market/Exchange.sol, TradingAccounts.sol), ``auctions``
(AuctionHouse.sol) and ``primary`` (PrimaryMarket.sol). A negotiated trade both parties sign
and the service relays is a signed action of its own (backend/services/trades.py).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.chain.client import Chain
from backend.chain.domain import ApplicationKind, AuctionFormat, NegotiatedMode
from backend.services.fields import (
    Address,
    Bytes32,
    Fen,
    Kg,
    Pollutant,
    Reason,
    Uint64,
    Uint256,
    by_name,
)
from backend.services.operations import Catalogue, OperationBody, pollutant_id

EXCHANGE, AUCTIONS, PRIMARY = "Exchange", "AuctionHouse", "PrimaryMarket"

Fen96 = Annotated[int, Field(strict=True, ge=0, le=2**96 - 1, description="fen (uint96)")]
Seconds40 = Annotated[int, Field(strict=True, ge=0, le=2**40 - 1, description="unix seconds")]
Region = Annotated[int, Field(strict=True, ge=0, le=2**16 - 1, description="district id")]
Signature = Annotated[
    str,
    Field(
        strict=True,
        pattern=r"^0x(?:[0-9a-fA-F]{2}){0,2048}$",
        description="the party's EIP-712 signature, or 0x for the sender's own side",
    ),
]


FormatField = by_name(AuctionFormat, "auction format")
KindField = by_name(ApplicationKind, "application kind")
NegotiatedModeField = by_name(NegotiatedMode, "trade mode")


def _p(chain: Chain, value: int | str) -> int:
    return pollutant_id(chain, value)


op = Catalogue()


# =============================================================================================
# market: trading accounts, listings, negotiated trades (Exchange)


class Deposit(OperationBody):
    """Pay money from the sender's wallet into a trading account (R-16); approve the exchange
    on the settlement token first (``payments/approve``, spender ``Exchange``)."""

    account: Address = Field(description="the trading account credited (usually the sender)")
    fen: Fen


op(name="deposit", concern="market", contract=EXCHANGE, function="deposit", body=Deposit,
   summary="Pay money into a trading account (R-16)", role="any account",
   rules=("R-16",))  # fmt: skip


class Withdraw(OperationBody):
    """Pay available (unlocked) money of the sender's trading account back to its wallet."""

    fen: Fen


op(name="withdraw", concern="market", contract=EXCHANGE, function="withdraw", body=Withdraw,
   summary="Withdraw available money from the trading account (R-16)", role="account holder",
   rules=("R-16",))  # fmt: skip


class ListRights(OperationBody):
    """List paid rights for sale (挂牌): taken whole at the ask (摘牌) until the first bid, then
    electronic bidding (电子竞价) until ``endsAt``; late bids extend it (R-14)."""

    pollutant: Pollutant
    quantity_kg: Kg = Field(alias="quantityKg")
    ask_fen: Fen96 = Field(alias="askFen", description="total price asked for the quantity")
    step_fen: Fen96 = Field(alias="stepFen", description="smallest raise over the leading bid")
    ends_at: Seconds40 = Field(alias="endsAt", description="end of the listing (unix seconds)")


op(name="list", concern="market", contract=EXCHANGE, function="list", body=ListRights,
   summary="List rights for sale (挂牌, R-14)", role="unit holding paid rights",
   rules=("R-05", "R-06", "R-14", "R-15", "R-39"),
   args=lambda b, c: [_p(c, b.pollutant), b.quantity_kg, b.ask_fen, b.step_fen,
                      b.ends_at])  # fmt: skip


class Order(OperationBody):
    """A listing (or lot, or application) by its id."""

    id: Uint256


op(name="take", concern="market", contract=EXCHANGE, function="take", body=Order,
   summary="Buy a whole listing at the ask (摘牌, R-14)", role="unit with money at the exchange",
   rules=("R-13", "R-14", "R-16"))  # fmt: skip


class PriceOrder(OperationBody):
    id: Uint256
    price_fen: Fen96 = Field(alias="priceFen", description="total price bid")


op(name="bid", concern="market", contract=EXCHANGE, function="bid", body=PriceOrder,
   summary="Bid on a listing (电子竞价, R-14): the money is locked",
   role="unit with money at the exchange", rules=("R-14", "R-16"))  # fmt: skip
op(name="settle-listing", concern="market", contract=EXCHANGE, function="settleListing",
   body=Order, summary="Settle a listing to its best bid after the end (R-13)",
   role="anyone", rules=("R-13",))  # fmt: skip
op(name="cancel-listing", concern="market", contract=EXCHANGE, function="cancelListing",
   body=Order, summary="Withdraw a listing without bids (seller) or suspend it (operator)",
   role="seller; exchange operator", rules=("R-14",))  # fmt: skip
op(name="abandon-listing", concern="market", contract=EXCHANGE, function="abandonListing",
   body=Order, summary="Close a listing whose best bid can no longer settle (bid refunded)",
   role="anyone", rules=("R-13",))  # fmt: skip


class SettleTrade(OperationBody):
    """Settle a negotiated trade (协议转让, R-14) that the other party signed (its signature
    over ``Exchange``'s ``Trade`` struct, see ``POST /api/v1/trades/prepare``); the sender's
    own side needs no signature (``0x``). The buyer's available money pays (R-16)."""

    seller: Address
    buyer: Address
    pollutant: Pollutant
    quantity_kg: Kg = Field(alias="quantityKg")
    price_fen: Fen = Field(alias="priceFen")
    mode: NegotiatedModeField = Field(default=int(NegotiatedMode.NEGOTIATED))
    deadline: Uint256
    seller_signature: Signature = Field(alias="sellerSignature", default="0x")
    buyer_signature: Signature = Field(alias="buyerSignature", default="0x")


def _settle_args(b: SettleTrade, c: Chain) -> list[object]:
    terms = (b.seller, b.buyer, _p(c, b.pollutant), b.quantity_kg, b.price_fen, b.mode, b.deadline)
    return [terms, bytes.fromhex(b.seller_signature[2:]), bytes.fromhex(b.buyer_signature[2:])]


op(name="settle-trade", concern="market", contract=EXCHANGE, function="settleTrade",
   body=SettleTrade, summary="Settle a negotiated trade (协议转让, R-13, R-14)",
   role="either party, with the other's signature",
   rules=("R-05", "R-06", "R-13", "R-14", "R-15", "R-16", "R-17", "R-18", "R-19", "R-20",
          "R-21", "R-39"),
   args=_settle_args)  # fmt: skip

# =============================================================================================
# auctions (AuctionHouse)


class AuctionTerms(BaseModel):
    """IAuctionHouse.Terms: the lot's format, prices and times."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    format: FormatField
    reserve_fen: Fen96 = Field(alias="reserveFen", description="起拍价, at least the benchmark")
    deposit_fen: Fen96 = Field(alias="depositFen", description="交易保证金 per bidder")
    step_fen: Fen96 = Field(alias="stepFen", default=0, description="ascending: smallest raise")
    bidding_ends: Seconds40 = Field(alias="biddingEnds", description="sealed: commitments end")
    reveal_ends: Seconds40 = Field(alias="revealEnds", default=0, description="sealed only")

    @model_validator(mode="after")
    def _times(self) -> AuctionTerms:
        if self.format == AuctionFormat.SEALED and self.reveal_ends <= self.bidding_ends:
            raise ValueError("sealed bids: revealEnds must come after biddingEnds")
        return self

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.format,
            self.reserve_fen,
            self.deposit_fen,
            self.step_fen,
            self.bidding_ends,
            self.reveal_ends,
        )


class OfferLot(OperationBody):
    """Offer the sender's paid rights at auction (拍卖, R-14); the reserve government's lots pay
    the treasury (R-29)."""

    pollutant: Pollutant
    quantity_kg: Kg = Field(alias="quantityKg")
    terms: AuctionTerms


op(name="offer-lot", concern="auctions", contract=AUCTIONS, function="offer", body=OfferLot,
   summary="Offer rights at auction (R-14)", role="unit holding paid rights; the reserve",
   rules=("R-14", "R-15"),
   args=lambda b, c: [_p(c, b.pollutant), b.quantity_kg, b.terms.as_tuple()])  # fmt: skip


class OfferEnforcement(OperationBody):
    """The bank puts a pledge under enforcement up for auction (R-34)."""

    pledge: Uint256
    terms: AuctionTerms


op(name="offer-enforcement", concern="auctions", contract=AUCTIONS,
   function="offerEnforcement", body=OfferEnforcement,
   summary="Auction pledged rights under enforcement (R-34)", role="bank (the pledgee)",
   rules=("R-34",), args=lambda b, c: [b.pledge, b.terms.as_tuple()])  # fmt: skip


class OfferPrimary(OperationBody):
    """The exchange operator auctions new rights of a district's cap to approved applicants of
    that district (R-09, R-10)."""

    pollutant: Pollutant
    region: Region
    quantity_kg: Kg = Field(alias="quantityKg")
    terms: AuctionTerms


op(name="offer-primary", concern="auctions", contract=AUCTIONS, function="offerPrimary",
   body=OfferPrimary, summary="Auction new rights (R-09)", role="exchange operator",
   rules=("R-09", "R-10"),
   args=lambda b, c: [_p(c, b.pollutant), b.region, b.quantity_kg,
                      b.terms.as_tuple()])  # fmt: skip
op(name="cancel-lot", concern="auctions", contract=AUCTIONS, function="cancel", body=Order,
   summary="Withdraw a lot before any bidder joined (seller) or suspend it (operator)",
   role="the lot's creator; exchange operator", rules=("R-14",))  # fmt: skip


class Join(OperationBody):
    """Lodge the lot's deposit (交易保证金, R-16) to bid; primary lots name the approved
    application (R-09), other lots ``0``."""

    id: Uint256
    application: Uint64 = 0


op(name="join", concern="auctions", contract=AUCTIONS, function="join", body=Join,
   summary="Join an auction: the deposit is locked (R-16)", role="unit with money at the exchange",
   rules=("R-09", "R-16"))  # fmt: skip
op(name="bid-lot", concern="auctions", contract=AUCTIONS, function="bid", body=PriceOrder,
   summary="Bid in an ascending auction", role="a joined bidder", rules=("R-14",))  # fmt: skip


class Commit(OperationBody):
    """A sealed bid's commitment: ``keccak256(abi.encode(id, bidder, priceFen, salt))`` with
    ``priceFen`` a uint96 and ``salt`` a secret bytes32; the price stays the bidder's until the
    reveal, so it is computed by the bidder, not sent here."""

    id: Uint256
    commitment: Bytes32


op(name="commit-bid", concern="auctions", contract=AUCTIONS, function="commit", body=Commit,
   summary="Commit a sealed bid", role="a joined bidder", rules=("R-14",),
   args=lambda b, c: [b.id, bytes.fromhex(b.commitment[2:])])  # fmt: skip


class Reveal(OperationBody):
    id: Uint256
    price_fen: Fen96 = Field(alias="priceFen")
    salt: Bytes32


op(name="reveal-bid", concern="auctions", contract=AUCTIONS, function="reveal", body=Reveal,
   summary="Reveal a sealed bid", role="a bidder that committed", rules=("R-14",),
   args=lambda b, c: [b.id, b.price_fen, bytes.fromhex(b.salt[2:])])  # fmt: skip
op(name="settle-lot", concern="auctions", contract=AUCTIONS, function="settle", body=Order,
   summary="Settle a lot to its winner after the close (R-13)", role="anyone",
   rules=("R-13", "R-34"))  # fmt: skip
op(name="abandon-lot", concern="auctions", contract=AUCTIONS, function="abandon", body=Order,
   summary="Close a lot whose winning bid can no longer settle", role="anyone",
   rules=("R-13",))  # fmt: skip


class Refund(OperationBody):
    id: Uint256
    bidder: Address


op(name="refund-deposit", concern="auctions", contract=AUCTIONS, function="refund", body=Refund,
   summary="Unlock a losing bidder's deposit after the close (R-16)", role="anyone",
   rules=("R-16",))  # fmt: skip

# =============================================================================================
# primary: applications for rights of the cap (PrimaryMarket)


class SubmitApplication(OperationBody):
    """Apply for initial rights (existing units buy at the benchmark, R-08) or for new rights
    of a new unit or an expansion (by auction, R-09)."""

    pollutant: Pollutant
    kg: Kg
    kind: KindField = Field(default=int(ApplicationKind.EXISTING))


op(name="submit-application", concern="primary", contract=PRIMARY,
   function="submitApplication", body=SubmitApplication,
   summary="Apply for initial or new rights (R-08, R-09)", role="registered unit",
   rules=("R-08", "R-09"),
   args=lambda b, c: [_p(c, b.pollutant), b.kg, b.kind])  # fmt: skip
op(name="withdraw-application", concern="primary", contract=PRIMARY,
   function="withdrawApplication", body=Order, summary="Withdraw an application",
   role="the applicant", rules=("R-08",))  # fmt: skip
op(name="purchase", concern="primary", contract=PRIMARY, function="purchase", body=Order,
   summary="Buy the approved quantity at the benchmark; the fee goes to the treasury "
   "(R-08, R-29)", role="the applicant", rules=("R-08", "R-10", "R-12", "R-29"))  # fmt: skip


class ApproveApplication(OperationBody):
    """Approve (核定) the quantity an applicant may acquire, at most what was requested."""

    id: Uint256
    approved_kg: Kg = Field(alias="approvedKg")


op(name="approve-application", concern="primary", contract=PRIMARY, function="approve",
   body=ApproveApplication, summary="Approve an application's quantity (R-08)",
   role="regulator; district regulator of the applicant", rules=("R-08", "R-10"))  # fmt: skip


class RejectApplication(OperationBody):
    id: Uint256
    reason: Reason


op(name="reject-application", concern="primary", contract=PRIMARY, function="reject",
   body=RejectApplication, summary="Reject an application, with the reason on chain",
   role="regulator; district regulator of the applicant", rules=("R-08",))  # fmt: skip
op(name="waive-fee", concern="primary", contract=PRIMARY, function="waive", body=Order,
   summary="Waive the fee of an approved application (R-12)", role="treasury",
   rules=("R-12",))  # fmt: skip
