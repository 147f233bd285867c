"""Every act of a company on the exchange as a signed action the service relays (docs/signing.md):
listings, auctions, the primary market, withdrawals from the trading account and redemptions to
a bank account. A company never needs the chain's native coin: it signs readable EIP-712
structs in its wallet, the service checks and relays them.

Each :class:`ActionSpec` names the contract's ``…BySig`` function and its unsigned twin, which
the service simulates from the signer before anything is signed (the twin runs the same rules,
so its revert is the named error the signed action would meet). Acceptances and priced acts
bind what the signer accepted: a take signs the listing's terms, a join the lot's deposit (the
contracts refuse other terms: ``ExchangeTermsMismatch``, ``AuctionDepositMismatch``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from backend.chain.client import Chain
from backend.chain.domain import LEDGER_REASONS, Op, Origin, TradeMode
from backend.chain.errors import DecodedError
from backend.services.actions.spec import ActionBody, ActionSpec, PreCheck, Simulation
from backend.services.fields import Address, Bytes32, Fen, Kg, Uint8, Uint32, Uint64, Uint256

Fen96 = Annotated[int, Field(strict=True, ge=0, le=2**96 - 1, description="fen (uint96)")]
Seconds40 = Annotated[int, Field(strict=True, ge=0, le=2**40 - 1, description="unix seconds")]

# -- listings (contracts/market/Exchange.sol) --------------------------------------------------


class ListBody(ActionBody):
    """List paid rights for sale (挂牌, R-14): taken whole at the ask until the first bid, then
    electronic bidding until ``endsAt``."""

    seller: Address = Field(description="the signer, whose paid rights are offered")
    pollutant: Uint32 = Field(description="pollutant id")
    quantity_kg: Kg = Field(alias="quantityKg")
    ask_fen: Fen96 = Field(alias="askFen", description="total price asked, fen")
    step_fen: Fen96 = Field(alias="stepFen", description="smallest raise over the leading bid")
    ends_at: Seconds40 = Field(alias="endsAt", description="end of the listing, unix seconds")


def _offer_movement(m: Mapping[str, Any]) -> list[Any]:
    """The seller's side of a sale (RightsLedger.check of an Op.Offer, as Exchange.list asks)."""
    seller = m["seller"]
    return [
        (int(Op.OFFER), seller, "0x" + "00" * 20, m["pollutant"], m["quantityKg"], 0,
         int(TradeMode.NONE), 0, int(Origin.PAID), False)
    ]  # fmt: skip


LIST = ActionSpec(
    name="list",
    contract="Exchange",
    function="listBySig",
    body=ListBody,
    summary="List rights for sale (挂牌)",
    typehash="LIST_TYPEHASH",
    precheck=PreCheck("check", contract="RightsLedger", args=_offer_movement),
    reasons=LEDGER_REASONS,
    simulate=Simulation("list"),
)


def _listing_terms(exchange: Contract, m: Mapping[str, Any]) -> DecodedError | None:
    try:
        _seller, pollutant, kg, ask, *_ = exchange.functions.listing(m["listing"]).call()
    except ContractLogicError:
        return None  # unknown listing: the simulation names it
    if (pollutant, kg, ask) != (m["pollutant"], m["quantityKg"], m["priceFen"]):
        args = {"id": m["listing"], "pollutant": pollutant, "quantityKg": kg, "askFen": ask}
        return DecodedError("ExchangeTermsMismatch", args, "", "")
    return None


class TakeBody(ActionBody):
    """Buy a whole listing at its ask (摘牌, R-14) from the trading account; the buyer signs
    the listing's terms, so the wallet shows what it buys and pays."""

    buyer: Address = Field(description="the signer, who buys and pays")
    listing: Uint256 = Field(description="the listing's id")
    pollutant: Uint32 = Field(description="pollutant id (as listed)")
    quantity_kg: Kg = Field(alias="quantityKg", description="quantity (as listed)")
    price_fen: Fen96 = Field(alias="priceFen", description="the ask, fen (as listed)")


TAKE = ActionSpec(
    name="take",
    contract="Exchange",
    function="takeBySig",
    body=TakeBody,
    summary="Buy a listing at its ask (摘牌)",
    typehash="TAKE_TYPEHASH",
    simulate=Simulation("take", args=lambda m: [m["listing"]], terms=_listing_terms),
)


class BidBody(ActionBody):
    """Bid on a listing (电子竞价, R-14): the price is locked in the trading account."""

    bidder: Address = Field(description="the signer")
    listing: Uint256 = Field(description="the listing's id")
    price_fen: Fen96 = Field(alias="priceFen", description="total price bid, fen")


BID = ActionSpec(
    name="bid",
    contract="Exchange",
    function="bidBySig",
    body=BidBody,
    summary="Bid on a listing (电子竞价)",
    typehash="BID_TYPEHASH",
    simulate=Simulation("bid"),
)


class CancelListingBody(ActionBody):
    """Withdraw one's own listing that has no bid yet."""

    seller: Address = Field(description="the signer: the listing's seller")
    listing: Uint256 = Field(description="the listing's id")


CANCEL_LISTING = ActionSpec(
    name="cancel-listing",
    contract="Exchange",
    function="cancelListingBySig",
    body=CancelListingBody,
    summary="Withdraw a listing (撤牌)",
    typehash="CANCEL_LISTING_TYPEHASH",
    simulate=Simulation("cancelListing"),
)


class WithdrawBody(ActionBody):
    """Pay available money of the trading account back to the signer's own wallet (R-16)."""

    account: Address = Field(description="the signer: the trading account's holder")
    amount_fen: Fen = Field(alias="amountFen", description="fen")


WITHDRAW = ActionSpec(
    name="withdraw",
    contract="Exchange",
    function="withdrawBySig",
    body=WithdrawBody,
    summary="Withdraw money from the trading account (出金)",
    struct="Withdrawal(address account,uint256 amountFen,uint256 nonce,uint256 deadline)",
    simulate=Simulation("withdraw", args=lambda m: [m["amountFen"]]),
)

# -- auctions (contracts/market/AuctionHouse.sol) ----------------------------------------------


class OfferLotBody(ActionBody):
    """Offer one's paid rights at auction (拍卖, R-14): ascending (format 0) or sealed bid (1)."""

    seller: Address = Field(description="the signer, whose rights are offered")
    pollutant: Uint32 = Field(description="pollutant id")
    quantity_kg: Kg = Field(alias="quantityKg")
    format: Uint8 = Field(description="0 ascending, 1 sealed bid")
    reserve_fen: Fen96 = Field(alias="reserveFen", description="起拍价, at least the benchmark")
    deposit_fen: Fen96 = Field(alias="depositFen", description="交易保证金 per bidder")
    step_fen: Fen96 = Field(alias="stepFen", description="ascending: smallest raise")
    bidding_ends: Seconds40 = Field(alias="biddingEnds", description="sealed: commitments end")
    reveal_ends: Seconds40 = Field(alias="revealEnds", description="sealed: reveals end, else 0")


def _terms(m: Mapping[str, Any]) -> tuple[int, ...]:
    return (m["format"], m["reserveFen"], m["depositFen"], m["stepFen"], m["biddingEnds"],
            m["revealEnds"])  # fmt: skip


OFFER_LOT = ActionSpec(
    name="offer-lot",
    contract="AuctionHouse",
    function="offerBySig",
    body=OfferLotBody,
    summary="Offer rights at auction (拍卖)",
    struct="Offer(address seller,uint32 pollutant,uint64 quantityKg,uint8 format,uint96 reserveFen,"
    "uint96 depositFen,uint96 stepFen,uint40 biddingEnds,uint40 revealEnds,uint256 nonce,"
    "uint256 deadline)",
    call_args=lambda m: [m["seller"], m["pollutant"], m["quantityKg"], _terms(m)],
    simulate=Simulation("offer", args=lambda m: [m["pollutant"], m["quantityKg"], _terms(m)]),
)


class LotBody(ActionBody):
    creator: Address = Field(description="the signer: the lot's seller (or bank)")
    lot: Uint256 = Field(description="the lot's id")


CANCEL_LOT = ActionSpec(
    name="cancel-lot",
    contract="AuctionHouse",
    function="cancelBySig",
    body=LotBody,
    summary="Withdraw a lot nobody joined (撤拍)",
    struct="CancelLot(address creator,uint256 lot,uint256 nonce,uint256 deadline)",
    simulate=Simulation("cancel", args=lambda m: [m["lot"]]),
)


def _deposit_terms(house: Contract, m: Mapping[str, Any]) -> DecodedError | None:
    try:
        deposit = house.functions.lot(m["lot"]).call()[4]
    except ContractLogicError:
        return None  # unknown lot: the simulation names it
    if deposit != m["depositFen"]:
        return DecodedError(
            "AuctionDepositMismatch", {"id": m["lot"], "depositFen": deposit}, "", ""
        )
    return None


class JoinBody(ActionBody):
    """Join an auction: the lot's deposit (交易保证金) is locked in the trading account (R-16);
    a primary lot names the approved application (R-09), else 0."""

    bidder: Address = Field(description="the signer")
    lot: Uint256 = Field(description="the lot's id")
    application: Uint64 = Field(description="approved application (primary lots), else 0")
    deposit_fen: Fen96 = Field(alias="depositFen", description="the lot's deposit, fen")


JOIN = ActionSpec(
    name="join",
    contract="AuctionHouse",
    function="joinBySig",
    body=JoinBody,
    summary="Join an auction and lodge the deposit (报名竞买)",
    struct="Join(address bidder,uint256 lot,uint64 application,uint96 depositFen,uint256 nonce,"
    "uint256 deadline)",
    simulate=Simulation("join", args=lambda m: [m["lot"], m["application"]], terms=_deposit_terms),
)


class BidLotBody(ActionBody):
    bidder: Address = Field(description="the signer, a joined bidder")
    lot: Uint256 = Field(description="the lot's id")
    price_fen: Fen96 = Field(alias="priceFen", description="total price bid, fen")


BID_LOT = ActionSpec(
    name="bid-lot",
    contract="AuctionHouse",
    function="bidBySig",
    body=BidLotBody,
    summary="Bid in an ascending auction (竞价)",
    struct="LotBid(address bidder,uint256 lot,uint96 priceFen,uint256 nonce,uint256 deadline)",
    simulate=Simulation("bid", args=lambda m: [m["lot"], m["priceFen"]]),
)


class CommitBody(ActionBody):
    """A sealed bid's commitment ``keccak256(abi.encode(lot, bidder, priceFen, salt))``: the price
    stays the bidder's until it reveals it."""

    bidder: Address = Field(description="the signer, a joined bidder")
    lot: Uint256 = Field(description="the lot's id")
    commitment: Bytes32


COMMIT_BID = ActionSpec(
    name="commit-bid",
    contract="AuctionHouse",
    function="commitBySig",
    body=CommitBody,
    summary="Commit a sealed bid (密封报价)",
    struct="Commit(address bidder,uint256 lot,bytes32 commitment,uint256 nonce,uint256 deadline)",
    simulate=Simulation("commit", args=lambda m: [m["lot"], m["commitment"]]),
)


class RevealBody(ActionBody):
    bidder: Address = Field(description="the signer, who committed")
    lot: Uint256 = Field(description="the lot's id")
    price_fen: Fen96 = Field(alias="priceFen", description="the committed price, fen")
    salt: Bytes32


REVEAL_BID = ActionSpec(
    name="reveal-bid",
    contract="AuctionHouse",
    function="revealBySig",
    body=RevealBody,
    summary="Reveal a sealed bid (揭示报价)",
    struct="Reveal(address bidder,uint256 lot,uint96 priceFen,bytes32 salt,uint256 nonce,"
    "uint256 deadline)",
    simulate=Simulation("reveal", args=lambda m: [m["lot"], m["priceFen"], m["salt"]]),
)

# -- the primary market (contracts/market/PrimaryMarket.sol) -----------------------------------


class ApplyBody(ActionBody):
    """Apply for initial rights (kind 0: an existing unit, bought at the benchmark, R-08) or for
    new rights by auction (1 new unit, 2 expansion, R-09)."""

    applicant: Address = Field(description="the signer, a registered unit")
    pollutant: Uint32 = Field(description="pollutant id")
    quantity_kg: Kg = Field(alias="quantityKg")
    kind: Uint8 = Field(description="0 existing unit, 1 new unit, 2 expansion")


APPLY = ActionSpec(
    name="apply",
    contract="PrimaryMarket",
    function="submitApplicationBySig",
    body=ApplyBody,
    summary="Apply for initial or new rights (申报)",
    struct="Application(address applicant,uint32 pollutant,uint64 quantityKg,uint8 kind,"
    "uint256 nonce,uint256 deadline)",
    simulate=Simulation(
        "submitApplication", args=lambda m: [m["pollutant"], m["quantityKg"], m["kind"]]
    ),
)


class ApplicationBody(ActionBody):
    applicant: Address = Field(description="the signer: the applicant")
    application: Uint256 = Field(description="the application's id")


class PurchaseBody(ApplicationBody):
    max_fee_fen: Fen = Field(
        alias="maxFeeFen",
        description="the largest fee in fen the applicant accepts (the fee at the benchmark when "
        "it signs); a higher benchmark by the time it is relayed is refused: "
        "PrimaryFeeAboveAccepted",
    )


def _fee_accepted(primary: Contract, m: Mapping[str, Any]) -> DecodedError | None:
    """The fee the purchase would charge now against the most the applicant accepts: a higher
    one is refused before anything is signed (the contract refuses it too)."""
    try:
        fee = int(primary.functions.feeOf(m["application"]).call())
    except ContractLogicError:
        return None  # an unknown application: the simulation names it
    if fee > m["maxFeeFen"]:
        args = {"id": m["application"], "feeFen": fee, "maxFeeFen": m["maxFeeFen"]}
        return DecodedError("PrimaryFeeAboveAccepted", args, "", "")
    return None


PURCHASE = ActionSpec(
    name="purchase",
    contract="PrimaryMarket",
    function="purchaseBySig",
    body=PurchaseBody,
    summary="Buy the approved quantity at the benchmark (缴费取得), up to the fee accepted",
    struct="Purchase(address applicant,uint256 application,uint256 maxFeeFen,uint256 nonce,"
    "uint256 deadline)",
    call_args=lambda m: [m["application"], m["maxFeeFen"]],
    simulate=Simulation("purchase", args=lambda m: [m["application"]], terms=_fee_accepted),
)

WITHDRAW_APPLICATION = ActionSpec(
    name="withdraw-application",
    contract="PrimaryMarket",
    function="withdrawApplicationBySig",
    body=ApplicationBody,
    summary="Withdraw an application (撤回申报)",
    typehash="WITHDRAW_APPLICATION_TYPEHASH",
    simulate=Simulation("withdrawApplication", args=lambda m: [m["application"]]),
)

# -- money out (contracts/market/SettlementToken.sol) ------------------------------------------


def _redeemable(chain: Chain, m: Mapping[str, Any]) -> DecodedError | None:
    token = chain.contract("SettlementToken")
    balance = int(token.functions.balanceOf(m["holder"]).call())
    if balance < m["amountFen"]:
        args = {"holder": m["holder"], "balance": balance, "needed": m["amountFen"]}
        return DecodedError("SettlementInsufficientBalance", args, "", "")
    if m["amountFen"] == 0:
        return DecodedError("SettlementZeroAmount", {}, "", "")
    return None


class RedeemBody(ActionBody):
    """Ask the settlement bank to pay settlement money out to one's bank account (出金到银行账户,
    R-16). ``bankAccount``: SHA-256 of the account's details (personal data stays off chain)."""

    holder: Address = Field(description="the signer, whose wallet pays")
    amount_fen: Fen = Field(alias="amountFen", description="fen")
    bank_account: Bytes32 = Field(alias="bankAccount", description="SHA-256 of the account")


REDEEM = ActionSpec(
    name="redeem",
    contract="SettlementToken",
    function="requestRedemptionBySig",
    body=RedeemBody,
    summary="Redeem settlement money to a bank account (兑付至银行账户)",
    typehash="REDEMPTION_TYPEHASH",
    primary_type="Redemption",
    guard=_redeemable,
)

MARKET_ACTIONS: tuple[ActionSpec, ...] = (
    LIST,
    TAKE,
    BID,
    CANCEL_LISTING,
    WITHDRAW,
    OFFER_LOT,
    CANCEL_LOT,
    JOIN,
    BID_LOT,
    COMMIT_BID,
    REVEAL_BID,
    APPLY,
    PURCHASE,
    WITHDRAW_APPLICATION,
    REDEEM,
)
