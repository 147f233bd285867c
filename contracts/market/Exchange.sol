// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IExchange} from "../interfaces/IExchange.sol";
import {IRuleGate} from "../interfaces/IRuleGate.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {MarketReason} from "../interfaces/MarketTypes.sol";
import {Op, Origin, Reason, TradeMode} from "../interfaces/Types.sol";
import {SignedActions} from "../utils/SignedActions.sol";
import {TradingAccounts} from "./TradingAccounts.sol";
import {SellerOffer} from "./SellerOffer.sol";
import {LedgerRefusals} from "../registry/LedgerRefusals.sol";
import {Roles} from "../access/Roles.sol";

/// @title Exchange
/// @notice Negotiated trades and listings with electronic bidding, settled delivery versus payment
/// over the members' trading accounts (R-13, R-14, R-16). The exchange checks its procedure (order
/// state, time, money, signatures); every trading rule is the ledger's, evaluated when the rights
/// move and offered before through the pre-checks. A listing is refused at once when its seller
/// could not deliver it (`list`).
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract Exchange is IExchange, IRuleGate, TradingAccounts {
    bytes32 public constant OPERATOR_ROLE = Roles.EXCHANGE_OPERATOR;
    /// A bid this close to the end extends the bidding to this long after it (延时竞价).
    uint40 public constant BID_EXTENSION = 5 minutes;
    bytes32 private constant TRADE_TYPEHASH = keccak256(
        "Trade(address seller,address buyer,uint32 pollutant,uint64 quantityKg,uint256 priceFen,uint8 mode,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant LIST_TYPEHASH = keccak256(
        "List(address seller,uint32 pollutant,uint64 quantityKg,uint96 askFen,uint96 stepFen,uint40 endsAt,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant TAKE_TYPEHASH = keccak256(
        "Take(address buyer,uint256 listing,uint32 pollutant,uint64 quantityKg,uint96 priceFen,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant BID_TYPEHASH =
        keccak256("Bid(address bidder,uint256 listing,uint96 priceFen,uint256 nonce,uint256 deadline)");
    bytes32 public constant CANCEL_LISTING_TYPEHASH =
        keccak256("CancelListing(address seller,uint256 listing,uint256 nonce,uint256 deadline)");

    IRightsLedger public immutable ledger;
    IAccountRegistry public immutable registry;
    /// The finance bureau's account: the price of reserve rights is public revenue (R-29).
    address public immutable treasury;
    uint256 private _listingCount;
    mapping(uint256 id => Listing) private _listings; // ids from 1; an unknown id has status None
    mapping(uint256 id => Bid) private _bids;

    constructor(IRightsLedger ledger_, IAccountRegistry registry_, IERC20 money_, address treasury_)
        TradingAccounts(money_)
        SignedActions("Exchange", "1")
    {
        if (treasury_ == address(0)) revert ExchangeZeroAddress();
        ledger = ledger_;
        registry = registry_;
        treasury = treasury_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        _initCouncilAdmin(admin);
    }

    // ------------------------------------------------------------------ negotiated trades

    /// @inheritdoc IExchange
    function settleTrade(Terms calldata t, bytes calldata sellerSignature, bytes calldata buyerSignature) external {
        TradeMode mode = t.mode;
        if (mode != TradeMode.Negotiated && mode != TradeMode.GreenChannel && mode != TradeMode.ReserveRelease) {
            revert ExchangeInvalidMode(mode);
        }
        bytes memory head =
            abi.encode(TRADE_TYPEHASH, t.seller, t.buyer, t.pollutant, t.quantityKg, t.priceFen, uint8(mode));
        _consent(t.seller, head, t.deadline, sellerSignature);
        _consent(t.buyer, head, t.deadline, buyerSignature);
        // R-29: reserve releases (the ledger checks the seller is the reserve) pay the treasury
        if (mode == TradeMode.Negotiated) _transfer(t.buyer, t.seller, t.priceFen, false);
        else _payOut(t.buyer, treasury, t.priceFen, false);
        ledger.trade(t.seller, t.buyer, t.pollutant, t.quantityKg, t.priceFen, mode);
    }

    /// @dev A party's consent: its signature over the terms with its next nonce, or its own call.
    function _consent(address party, bytes memory head, uint256 deadline, bytes calldata signature) private {
        if (msg.sender != party) {
            _useSignature(party, head, deadline, signature);
        } else if (block.timestamp > deadline) {
            revert SignedActionExpired(deadline, block.timestamp);
        }
    }

    // ------------------------------------------------------------------ listings

    /// @inheritdoc IExchange
    function list(uint32 pollutant, uint64 quantityKg, uint96 askFen, uint96 stepFen, uint40 endsAt)
        external
        returns (uint256)
    {
        return _list(msg.sender, pollutant, quantityKg, askFen, stepFen, endsAt);
    }

    /// @inheritdoc IExchange
    function listBySig(
        address seller,
        uint32 pollutant,
        uint64 quantityKg,
        uint96 askFen,
        uint96 stepFen,
        uint40 endsAt,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        _useSignature(
            seller,
            abi.encode(LIST_TYPEHASH, seller, pollutant, quantityKg, askFen, stepFen, endsAt),
            deadline,
            signature
        );
        return _list(seller, pollutant, quantityKg, askFen, stepFen, endsAt);
    }

    function _list(address seller, uint32 pollutant, uint64 quantityKg, uint96 askFen, uint96 stepFen, uint40 endsAt)
        private
        returns (uint256 id)
    {
        if (quantityKg == 0) revert ExchangeZeroAmount();
        if (askFen == 0 || stepFen == 0 || endsAt <= block.timestamp) {
            revert ExchangeInvalidListing(askFen, stepFen, endsAt);
        }
        // the seller's side, decided now (SellerOffer); the buyer's and what changes until the sale
        // are checked again when the rights move
        bool reserveSale = SellerOffer.requireDeliverable(ledger, registry, seller, pollutant, quantityKg);
        id = ++_listingCount;
        _listings[id] = Listing(seller, pollutant, quantityKg, askFen, stepFen, endsAt, ListingStatus.Open, reserveSale);
        emit Listed(id, seller, pollutant, quantityKg, askFen, stepFen, endsAt);
    }

    // ------------------------------------------------------------------ the ledger's rules, asked

    /// @inheritdoc IRuleGate
    function requireAllowed(IRightsLedger.Movement calldata m) external view {
        LedgerRefusals.requireAllowed(ledger, m);
    }

    /// @inheritdoc IRuleGate
    function requireDeliverable(address seller, uint32 pollutant, uint64 kg) external view returns (bool) {
        return SellerOffer.requireDeliverable(ledger, registry, seller, pollutant, kg);
    }

    /// @inheritdoc IRuleGate
    function requireCapacity(uint16 region, uint32 pollutant, uint64 kg) external view {
        IRightsLedger.Cap memory cap = ledger.capOf(region, pollutant);
        IRightsLedger.Movement memory m = IRightsLedger.Movement(
            Op.Allocate, address(0), address(0), pollutant, kg, 0, TradeMode.None, region, Origin.Paid, false
        );
        if (!cap.set) LedgerRefusals.refuse(Reason.NoCap, m, region, pollutant);
        uint256 remaining = cap.cap - cap.allocated;
        if (kg > remaining) LedgerRefusals.refuse(Reason.CapExceeded, m, remaining, kg);
    }

    /// @inheritdoc IExchange
    function take(uint256 id) external {
        _take(msg.sender, id);
    }

    /// @inheritdoc IExchange
    function takeBySig(
        address buyer,
        uint256 listing,
        uint32 pollutant,
        uint64 quantityKg,
        uint96 priceFen,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _useSignature(
            buyer, abi.encode(TAKE_TYPEHASH, buyer, listing, pollutant, quantityKg, priceFen), deadline, signature
        );
        Listing storage l = _listing(listing);
        if (l.pollutant != pollutant || l.quantityKg != quantityKg || l.askFen != priceFen) {
            revert ExchangeTermsMismatch(listing, l.pollutant, l.quantityKg, l.askFen);
        }
        _take(buyer, listing);
    }

    function _take(address buyer, uint256 id) private {
        Listing storage l = _listing(id);
        if (l.status != ListingStatus.Open) {
            if (l.status == ListingStatus.Bidding) revert ExchangeListingHasBids(id);
            revert ExchangeListingNotOpen(id, l.status);
        }
        if (block.timestamp >= l.endsAt) revert ExchangeListingEnded(id, l.endsAt);
        uint256 price = l.askFen;
        address seller = l.seller;
        l.status = ListingStatus.Taken;
        emit ListingTaken(id, buyer, price);
        _pay(buyer, seller, l.reserveSale, price, false);
        ledger.trade(seller, buyer, l.pollutant, l.quantityKg, price, TradeMode.Listing);
    }

    /// @inheritdoc IExchange
    function bid(uint256 id, uint96 priceFen) external {
        _bid(msg.sender, id, priceFen);
    }

    /// @inheritdoc IExchange
    function bidBySig(address bidder, uint256 listing, uint96 priceFen, uint256 deadline, bytes calldata signature)
        external
    {
        _useSignature(bidder, abi.encode(BID_TYPEHASH, bidder, listing, priceFen), deadline, signature);
        _bid(bidder, listing, priceFen);
    }

    function _bid(address bidder, uint256 id, uint96 priceFen) private {
        Listing storage l = _listing(id);
        Bid memory previous = _bids[id];
        (MarketReason r, uint256 have, uint256 need) = _bidVerdict(id, l, previous, bidder, priceFen);
        if (r != MarketReason.Ok) _refuseBid(id, l, bidder, r, have, need);
        LedgerRefusals.requireAllowed(ledger, _movement(l, bidder, priceFen)); // the settlement's own error

        uint40 endsAt = l.endsAt;
        if (endsAt - block.timestamp < BID_EXTENSION) endsAt = uint40(block.timestamp) + BID_EXTENSION;
        l.endsAt = endsAt;
        l.status = ListingStatus.Bidding;
        _bids[id] = Bid(bidder, priceFen);
        emit ListingBid(id, bidder, priceFen, endsAt);
        if (previous.bidder != address(0)) _unlock(previous.bidder, previous.priceFen);
        _lock(bidder, priceFen);
    }

    /// @inheritdoc IExchange
    function settleListing(uint256 id) external {
        Listing storage l = _listing(id);
        ListingStatus status = l.status;
        if (status != ListingStatus.Open && status != ListingStatus.Bidding) revert ExchangeListingNotOpen(id, status);
        if (block.timestamp < l.endsAt) revert ExchangeListingNotEnded(id, l.endsAt);
        if (status == ListingStatus.Open) {
            l.status = ListingStatus.Expired;
            emit ListingClosed(id, ListingStatus.Expired, msg.sender);
            return;
        }
        Bid memory best = _bids[id];
        address seller = l.seller;
        l.status = ListingStatus.Settled;
        delete _bids[id]; // paid now
        emit ListingSettled(id, best.bidder, best.priceFen);
        _pay(best.bidder, seller, l.reserveSale, best.priceFen, true);
        ledger.trade(seller, best.bidder, l.pollutant, l.quantityKg, best.priceFen, TradeMode.Listing);
    }

    /// @inheritdoc IExchange
    function cancelListing(uint256 id) external {
        _cancelListing(msg.sender, id);
    }

    /// @inheritdoc IExchange
    function cancelListingBySig(address seller, uint256 listing, uint256 deadline, bytes calldata signature)
        external
    {
        _useSignature(seller, abi.encode(CANCEL_LISTING_TYPEHASH, seller, listing), deadline, signature);
        _cancelListing(seller, listing);
    }

    function _cancelListing(address actor, uint256 id) private {
        Listing storage l = _listing(id);
        ListingStatus status = l.status;
        bool operator = hasRole(OPERATOR_ROLE, actor);
        if (!operator && actor != l.seller) revert ExchangeNotSeller(id, actor);
        if (status == ListingStatus.Bidding && !operator) revert ExchangeListingHasBids(id);
        if (status != ListingStatus.Open && status != ListingStatus.Bidding) revert ExchangeListingNotOpen(id, status);
        l.status = ListingStatus.Cancelled;
        emit ListingClosed(id, ListingStatus.Cancelled, actor);
        if (status == ListingStatus.Bidding) _refundBid(id);
    }

    /// @inheritdoc IExchange
    function abandonListing(uint256 id) external {
        Listing storage l = _listing(id);
        if (l.status != ListingStatus.Bidding) revert ExchangeListingNotOpen(id, l.status);
        if (block.timestamp < l.endsAt) revert ExchangeListingNotEnded(id, l.endsAt);
        Bid memory best = _bids[id];
        (Reason rule, uint256 have, uint256 need) = ledger.check(_movement(l, best.bidder, best.priceFen));
        if (rule == Reason.Ok) revert ExchangeListingCanSettle(id);
        l.status = ListingStatus.Failed;
        emit ListingFailed(id, rule, have, need);
        _refundBid(id);
    }

    // ------------------------------------------------------------------ pre-checks

    /// @inheritdoc IExchange
    function checkTrade(Terms calldata t) external view returns (MarketReason, Reason, uint256, uint256) {
        TradeMode mode = t.mode;
        if (mode != TradeMode.Negotiated && mode != TradeMode.GreenChannel && mode != TradeMode.ReserveRelease) {
            return (MarketReason.InvalidMode, Reason.Ok, uint8(mode), 0);
        }
        if (block.timestamp > t.deadline) return (MarketReason.Ended, Reason.Ok, t.deadline, block.timestamp);
        uint256 available = _available(t.buyer);
        if (available < t.priceFen) return (MarketReason.InsufficientFunds, Reason.Ok, available, t.priceFen);
        return _rule(
            IRightsLedger.Movement(
                Op.Trade, t.seller, t.buyer, t.pollutant, t.quantityKg, t.priceFen, mode, 0, Origin.Paid, false
            )
        );
    }

    /// @inheritdoc IExchange
    function checkTake(uint256 id, address buyer) external view returns (MarketReason, Reason, uint256, uint256) {
        Listing storage l = _listings[id];
        if (l.status == ListingStatus.None) return (MarketReason.UnknownOrder, Reason.Ok, id, 0);
        if (l.status == ListingStatus.Bidding) return (MarketReason.HasBids, Reason.Ok, _bids[id].priceFen, 0);
        if (l.status != ListingStatus.Open) return (MarketReason.WrongStatus, Reason.Ok, uint8(l.status), 0);
        if (block.timestamp >= l.endsAt) return (MarketReason.Ended, Reason.Ok, l.endsAt, block.timestamp);
        uint256 available = _available(buyer);
        if (available < l.askFen) return (MarketReason.InsufficientFunds, Reason.Ok, available, l.askFen);
        return _rule(_movement(l, buyer, l.askFen));
    }

    /// @inheritdoc IExchange
    function checkBid(uint256 id, address bidder, uint256 priceFen)
        external
        view
        returns (MarketReason, Reason, uint256, uint256)
    {
        Listing storage l = _listings[id];
        if (l.status == ListingStatus.None) return (MarketReason.UnknownOrder, Reason.Ok, id, 0);
        (MarketReason r, uint256 have, uint256 need) = _bidVerdict(id, l, _bids[id], bidder, priceFen);
        if (r != MarketReason.Ok) return (r, Reason.Ok, have, need);
        return _rule(_movement(l, bidder, priceFen));
    }

    /// @inheritdoc IExchange
    function checkSettleListing(uint256 id) external view returns (MarketReason, Reason, uint256, uint256) {
        Listing storage l = _listings[id];
        if (l.status == ListingStatus.None) return (MarketReason.UnknownOrder, Reason.Ok, id, 0);
        if (l.status != ListingStatus.Open && l.status != ListingStatus.Bidding) {
            return (MarketReason.WrongStatus, Reason.Ok, uint8(l.status), 0);
        }
        if (block.timestamp < l.endsAt) return (MarketReason.NotEnded, Reason.Ok, l.endsAt, block.timestamp);
        if (l.status == ListingStatus.Open) return (MarketReason.Ok, Reason.Ok, 0, 0); // closes unsold
        Bid storage best = _bids[id];
        return _rule(_movement(l, best.bidder, best.priceFen));
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IExchange
    function listing(uint256 id) external view returns (Listing memory) {
        return _listing(id);
    }

    /// @inheritdoc IExchange
    function leadingBid(uint256 id) external view returns (Bid memory) {
        _listing(id);
        return _bids[id];
    }

    /// @inheritdoc IExchange
    function listingCount() external view returns (uint256) {
        return _listingCount;
    }

    // ------------------------------------------------------------------ internals

    function _listing(uint256 id) private view returns (Listing storage l) {
        l = _listings[id];
        if (l.status == ListingStatus.None) revert ExchangeUnknownListing(id);
    }

    /// @dev A listing's price: to the seller's trading account, or for the reserve to the treasury (R-29).
    function _pay(address buyer, address seller, bool reserveSale, uint256 fen, bool fromLocked) private {
        if (reserveSale) _payOut(buyer, treasury, fen, fromLocked);
        else _transfer(buyer, seller, fen, fromLocked);
    }

    /// @dev The leading bid is released to its bidder (outbid, suspended or failed listing).
    function _refundBid(uint256 id) private {
        Bid memory best = _bids[id];
        delete _bids[id];
        _unlock(best.bidder, best.priceFen);
    }

    /// @dev The exchange's own conditions for a bid; the ledger's rules are asked after.
    function _bidVerdict(uint256 id, Listing storage l, Bid memory leading, address bidder, uint256 priceFen)
        private
        view
        returns (MarketReason, uint256, uint256)
    {
        ListingStatus status = l.status;
        if (status != ListingStatus.Open && status != ListingStatus.Bidding) {
            return (MarketReason.WrongStatus, id, uint8(status));
        }
        if (block.timestamp >= l.endsAt) return (MarketReason.Ended, l.endsAt, block.timestamp);
        if (priceFen > type(uint96).max) return (MarketReason.TooLarge, priceFen, type(uint96).max);
        uint256 minimum = status == ListingStatus.Open ? l.askFen : uint256(leading.priceFen) + l.stepFen;
        if (priceFen < minimum) return (MarketReason.BidTooLow, priceFen, minimum);
        // the bidder's own leading bid is released before the new one is locked
        uint256 available = _available(bidder) + (leading.bidder == bidder ? leading.priceFen : 0);
        if (available < priceFen) return (MarketReason.InsufficientFunds, available, priceFen);
        return (MarketReason.Ok, 0, 0);
    }

    // A reason code is compared with `==` on purpose (docs/security.md, Slither triage).
    // slither-disable-start incorrect-equality
    function _refuseBid(uint256 id, Listing storage l, address bidder, MarketReason r, uint256 have, uint256 need)
        private
        view
    {
        if (r == MarketReason.WrongStatus) revert ExchangeListingNotOpen(id, l.status);
        if (r == MarketReason.Ended) revert ExchangeListingEnded(id, have);
        if (r == MarketReason.TooLarge) revert ExchangeAmountTooLarge(have);
        if (r == MarketReason.BidTooLow) revert ExchangeBidTooLow(id, have, need);
        revert ExchangeInsufficientFunds(bidder, have, need);
    }
    // slither-disable-end incorrect-equality

    function _movement(Listing storage l, address buyer, uint256 priceFen)
        private
        view
        returns (IRightsLedger.Movement memory)
    {
        return IRightsLedger.Movement(
            Op.Trade, l.seller, buyer, l.pollutant, l.quantityKg, priceFen, TradeMode.Listing, 0, Origin.Paid, false
        );
    }

    function _rule(IRightsLedger.Movement memory m) private view returns (MarketReason, Reason, uint256, uint256) {
        (Reason rule, uint256 have, uint256 need) = ledger.check(m);
        return (rule == Reason.Ok ? MarketReason.Ok : MarketReason.RuleRefused, rule, have, need);
    }
}
