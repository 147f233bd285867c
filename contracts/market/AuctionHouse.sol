// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IAuctionHouse} from "../interfaces/IAuctionHouse.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IPledgeBook} from "../interfaces/IPledgeBook.sol";
import {IPriceBook} from "../interfaces/IPriceBook.sol";
import {IPrimaryMarket} from "../interfaces/IPrimaryMarket.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IRuleGate} from "../interfaces/IRuleGate.sol";
import {ITradingAccounts} from "../interfaces/ITradingAccounts.sol";
import {MarketReason} from "../interfaces/MarketTypes.sol";
import {Op, Origin, Reason, TradeMode} from "../interfaces/Types.sol";
import {SignedActions} from "../utils/SignedActions.sol";
import {Roles} from "../access/Roles.sol";

/// @title AuctionHouse
/// @notice Ascending and sealed-bid auctions of sale, enforcement and primary lots (R-09, R-14,
/// R-16, R-34). The auction checks its procedure (phases, deposits, bids, money); the ledger's rule
/// engine is asked when a bidder joins, bids or reveals (so that a bid that could never settle is
/// refused at once) and decides the settlement itself.
/// Every act of a unit (offer and cancel its lot, join, bid, commit, reveal) can be signed as typed
/// data and relayed (`…BySig`), so a company needs no gas of its own (docs/signing.md).
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract AuctionHouse is IAuctionHouse, CouncilUpgradeable, SignedActions {
    bytes32 public constant OPERATOR_ROLE = Roles.EXCHANGE_OPERATOR;
    // The signed structs' typehashes are private (docs/signing.md rule 6): the contract is at the
    // EIP-170 size limit; the service's structs are checked against this source by the tests.
    bytes32 private constant OFFER_TYPEHASH = keccak256(
        "Offer(address seller,uint32 pollutant,uint64 quantityKg,uint8 format,uint96 reserveFen,uint96 depositFen,uint96 stepFen,uint40 biddingEnds,uint40 revealEnds,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant CANCEL_TYPEHASH =
        keccak256("CancelLot(address creator,uint256 lot,uint256 nonce,uint256 deadline)");
    bytes32 private constant JOIN_TYPEHASH = keccak256(
        "Join(address bidder,uint256 lot,uint64 application,uint96 depositFen,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant BID_TYPEHASH =
        keccak256("LotBid(address bidder,uint256 lot,uint96 priceFen,uint256 nonce,uint256 deadline)");
    bytes32 private constant COMMIT_TYPEHASH =
        keccak256("Commit(address bidder,uint256 lot,bytes32 commitment,uint256 nonce,uint256 deadline)");
    bytes32 private constant REVEAL_TYPEHASH = keccak256(
        "Reveal(address bidder,uint256 lot,uint96 priceFen,bytes32 salt,uint256 nonce,uint256 deadline)"
    );
    /// A bid this close to the end extends the bidding to this long after it (延时竞价).
    uint40 public constant BID_EXTENSION = 5 minutes;
    uint16 private constant CITY = 0;

    IAccountRegistry public immutable registry;
    IRightsLedger public immutable ledger;
    IPriceBook public immutable priceBook;
    IPledgeBook public immutable pledges;
    address public immutable treasury;

    uint256 private _lotCount;
    mapping(uint256 id => Lot) private _lots; // ids from 1; an unknown id has status None
    mapping(uint256 id => mapping(address bidder => Bidder)) private _bidders;
    mapping(uint256 id => mapping(address bidder => bytes32)) private _commitments;
    mapping(uint256 pledge => uint256 id) private _enforcementLots;
    /// The exchange's trading accounts and the primary market: stored, set by `initialize` (the
    /// only peers kept in storage: as immutables their many call sites would take the contract
    /// past EIP-170; docs/operations.md "Upgrades").
    ITradingAccounts public accounts;
    IPrimaryMarket public primary;

    constructor(
        IAccountRegistry registry_,
        IRightsLedger ledger_,
        IPriceBook priceBook_,
        IPledgeBook pledges_,
        address treasury_
    ) SignedActions("AuctionHouse", "1") {
        if (treasury_ == address(0)) revert AuctionZeroAddress();
        registry = registry_;
        ledger = ledger_;
        priceBook = priceBook_;
        pledges = pledges_;
        treasury = treasury_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    /// @param accounts_ the exchange's trading accounts (the auction's deposits and payments)
    /// @param primary_ the primary market (applications bound by their bids, R-09)
    function initialize(address admin, ITradingAccounts accounts_, IPrimaryMarket primary_) external initializer {
        _initCouncilAdmin(admin);
        accounts = accounts_;
        primary = primary_;
    }

    // ------------------------------------------------------------------ lots

    /// @inheritdoc IAuctionHouse
    function offer(uint32 pollutant, uint64 quantityKg, Terms calldata terms) external returns (uint256) {
        return _offerSale(msg.sender, pollutant, quantityKg, terms);
    }

    /// @inheritdoc IAuctionHouse
    function offerBySig(
        address seller,
        uint32 pollutant,
        uint64 quantityKg,
        Terms calldata terms,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        _useSignature(
            seller,
            bytes.concat(abi.encode(OFFER_TYPEHASH, seller, pollutant, quantityKg), abi.encode(terms)),
            deadline,
            signature
        );
        return _offerSale(seller, pollutant, quantityKg, terms);
    }

    function _offerSale(address seller, uint32 pollutant, uint64 quantityKg, Terms calldata terms)
        private
        returns (uint256)
    {
        // a lot of the government reserve becomes `Reserve` when the seller is checked (`_offer`)
        return _offer(Kind.Sale, seller, pollutant, quantityKg, 0, CITY, terms);
    }

    /// @inheritdoc IAuctionHouse
    function offerEnforcement(uint256 pledge, Terms calldata terms) external returns (uint256 id) {
        IPledgeBook.Pledge memory p = pledges.pledgeOf(pledge);
        if (msg.sender != p.bank && !hasRole(OPERATOR_ROLE, msg.sender)) revert AuctionNotBank(pledge, msg.sender);
        if (p.status != IPledgeBook.Status.Enforcing) revert AuctionPledgeNotEnforcing(pledge);
        uint256 onSale = _enforcementLots[pledge];
        if (onSale != 0) revert AuctionPledgeOnSale(pledge, onSale);
        id = _offer(Kind.Enforcement, p.holder, p.pollutant, p.kg, uint64(pledge), CITY, terms);
        _enforcementLots[pledge] = id;
    }

    /// @inheritdoc IAuctionHouse
    function offerPrimary(uint32 pollutant, uint16 region, uint64 quantityKg, Terms calldata terms)
        external
        onlyRole(OPERATOR_ROLE)
        returns (uint256)
    {
        return _offer(Kind.Primary, address(0), pollutant, quantityKg, 0, region, terms);
    }

    /// @inheritdoc IAuctionHouse
    function cancel(uint256 id) external {
        _cancel(msg.sender, id);
    }

    /// @inheritdoc IAuctionHouse
    function cancelBySig(address creator, uint256 lot_, uint256 deadline, bytes calldata signature) external {
        _useSignature(creator, abi.encode(CANCEL_TYPEHASH, creator, lot_), deadline, signature);
        _cancel(creator, lot_);
    }

    function _cancel(address actor, uint256 id) private {
        Lot storage l = _lot(id);
        if (l.status != Status.Open) revert AuctionNotOpen(id, l.status);
        if (!hasRole(OPERATOR_ROLE, actor)) {
            if (actor != _creator(l)) revert AuctionNotCreator(id, actor);
            if (l.bidders != 0) revert AuctionHasBidders(id, l.bidders);
        }
        _close(id, l, Status.Cancelled, actor);
    }

    // ------------------------------------------------------------------ bidding

    /// @inheritdoc IAuctionHouse
    function join(uint256 id, uint64 application) external {
        _join(msg.sender, id, application);
    }

    /// @inheritdoc IAuctionHouse
    function joinBySig(
        address bidder,
        uint256 lot_,
        uint64 application,
        uint96 depositFen,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _useSignature(bidder, abi.encode(JOIN_TYPEHASH, bidder, lot_, application, depositFen), deadline, signature);
        uint96 deposit = _lot(lot_).depositFen;
        if (deposit != depositFen) revert AuctionDepositMismatch(lot_, deposit);
        _join(bidder, lot_, application);
    }

    function _join(address bidder, uint256 id, uint64 application) private {
        Lot storage l = _lot(id);
        (MarketReason r, uint256 have, uint256 need) = _joinVerdict(id, l, bidder, application);
        if (r != MarketReason.Ok) _refuse(id, l, bidder, application, r, have, need);
        _requireRules(l, bidder, l.reserveFen);
        Bidder storage b = _bidders[id][bidder];
        uint96 deposit = l.depositFen;
        b.joined = true;
        b.lockedFen = deposit;
        b.application = application;
        l.bidders += 1;
        emit BidderJoined(id, bidder, deposit, application);
        // R-09: a primary bidder is bound by its bid: its application cannot be withdrawn meanwhile
        if (l.kind == Kind.Primary) primary.holdApplication(application);
        accounts.lock(bidder, deposit);
    }

    /// @inheritdoc IAuctionHouse
    function bid(uint256 id, uint96 priceFen) external {
        _bid(msg.sender, id, priceFen);
    }

    /// @inheritdoc IAuctionHouse
    function bidBySig(address bidder, uint256 lot_, uint96 priceFen, uint256 deadline, bytes calldata signature)
        external
    {
        _useSignature(bidder, abi.encode(BID_TYPEHASH, bidder, lot_, priceFen), deadline, signature);
        _bid(bidder, lot_, priceFen);
    }

    function _bid(address bidder, uint256 id, uint96 priceFen) private {
        Lot storage l = _lot(id);
        if (l.format != Format.Ascending) revert AuctionWrongPhase(id, l.format);
        (MarketReason r, uint256 have, uint256 need) = _bidVerdict(id, l, bidder, priceFen, false);
        if (r != MarketReason.Ok) _refuse(id, l, bidder, 0, r, have, need);
        _requireRules(l, bidder, priceFen);
        uint40 ends = l.closesAt;
        if (ends - block.timestamp < BID_EXTENSION) ends = uint40(block.timestamp) + BID_EXTENSION;
        l.closesAt = ends;
        emit BidPlaced(id, bidder, priceFen, ends);
        _lead(id, l, bidder, priceFen);
    }

    /// @inheritdoc IAuctionHouse
    function commit(uint256 id, bytes32 commitment) external {
        _commit(msg.sender, id, commitment);
    }

    /// @inheritdoc IAuctionHouse
    function commitBySig(address bidder, uint256 lot_, bytes32 commitment, uint256 deadline, bytes calldata signature)
        external
    {
        _useSignature(bidder, abi.encode(COMMIT_TYPEHASH, bidder, lot_, commitment), deadline, signature);
        _commit(bidder, lot_, commitment);
    }

    function _commit(address bidder, uint256 id, bytes32 commitment) private {
        Lot storage l = _lot(id);
        if (l.format != Format.Sealed) revert AuctionWrongPhase(id, l.format);
        (MarketReason r, uint256 have, uint256 need) = _bidVerdict(id, l, bidder, 0, true);
        if (r != MarketReason.Ok) _refuse(id, l, bidder, 0, r, have, need);
        _requireRules(l, bidder, l.reserveFen); // as when joining: the price is still sealed
        _bidders[id][bidder].committed = true;
        _commitments[id][bidder] = commitment;
        emit BidCommitted(id, bidder, commitment);
    }

    /// @inheritdoc IAuctionHouse
    function reveal(uint256 id, uint96 priceFen, bytes32 salt) external {
        _reveal(msg.sender, id, priceFen, salt);
    }

    /// @inheritdoc IAuctionHouse
    function revealBySig(
        address bidder,
        uint256 lot_,
        uint96 priceFen,
        bytes32 salt,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _useSignature(bidder, abi.encode(REVEAL_TYPEHASH, bidder, lot_, priceFen, salt), deadline, signature);
        _reveal(bidder, lot_, priceFen, salt);
    }

    function _reveal(address bidder, uint256 id, uint96 priceFen, bytes32 salt) private {
        Lot storage l = _lot(id);
        if (l.format != Format.Sealed) revert AuctionWrongPhase(id, l.format);
        (MarketReason r, uint256 have, uint256 need) = _bidVerdict(id, l, bidder, priceFen, false);
        if (r != MarketReason.Ok) _refuse(id, l, bidder, 0, r, have, need);
        if (keccak256(abi.encode(id, bidder, priceFen, salt)) != _commitments[id][bidder]) {
            revert AuctionBadReveal(id, bidder);
        }
        bool leads = priceFen > l.leadingFen;
        if (leads) _requireRules(l, bidder, priceFen); // a bid that cannot settle never leads
        _bidders[id][bidder].revealed = true;
        emit BidRevealed(id, bidder, priceFen, leads);
        if (leads) _lead(id, l, bidder, priceFen);
    }

    // ------------------------------------------------------------------ closing

    /// @inheritdoc IAuctionHouse
    function settle(uint256 id) external {
        Lot storage l = _lot(id);
        if (l.status != Status.Open) revert AuctionNotOpen(id, l.status);
        uint256 ends = l.closesAt;
        if (block.timestamp < ends) revert AuctionNotEnded(id, ends);
        address winner = l.leader;
        if (winner == address(0)) return _close(id, l, Status.Unsold, msg.sender);
        uint96 price = l.leadingFen;
        uint64 application = _bidders[id][winner].application;
        delete _bidders[id][winner]; // the leader's lock is its bid: it pays now
        l.status = Status.Sold;
        emit LotSold(id, winner, price);
        Kind kind = l.kind;
        if (kind == Kind.Sale || kind == Kind.Reserve) {
            address seller = l.seller;
            if (kind == Kind.Sale) accounts.transferLocked(winner, seller, price);
            else accounts.payOut(winner, treasury, price, true); // R-29: reserve revenue
            ledger.trade(seller, winner, l.pollutant, l.quantityKg, price, TradeMode.Auction);
        } else if (kind == Kind.Enforcement) {
            _settleEnforcement(id, l, winner, price);
        } else {
            accounts.payOut(winner, treasury, price, true); // R-29: the price of new rights to the treasury
            primary.fulfil(application, winner, l.pollutant, l.quantityKg, price); // releases its hold
        }
    }

    /// @inheritdoc IAuctionHouse
    function abandon(uint256 id) external {
        Lot storage l = _lot(id);
        if (l.status != Status.Open) revert AuctionNotOpen(id, l.status);
        uint256 ends = l.closesAt;
        if (block.timestamp < ends) revert AuctionNotEnded(id, ends);
        if (l.leader == address(0)) revert AuctionLotCanSettle(id); // settle closes it unsold
        (MarketReason r, Reason rule, uint256 have, uint256 need) = _settleVerdict(id, l);
        if (r == MarketReason.Ok) revert AuctionLotCanSettle(id);
        l.status = Status.Failed;
        if (l.kind == Kind.Enforcement) delete _enforcementLots[l.ref];
        emit LotFailed(id, r, rule, have, need);
    }

    /// @inheritdoc IAuctionHouse
    function refund(uint256 id, address bidder) external {
        Lot storage l = _lot(id);
        Status status = l.status;
        if (status == Status.Open) revert AuctionStillOpen(id);
        Bidder memory b = _bidders[id][bidder];
        uint96 fen = b.lockedFen;
        if (fen == 0) revert AuctionNothingToRefund(id, bidder);
        delete _bidders[id][bidder];
        if (l.format == Format.Sealed && b.committed && !b.revealed && status != Status.Cancelled) {
            emit DepositForfeited(id, bidder, fen);
            accounts.payOut(bidder, treasury, fen, true);
        } else {
            emit DepositRefunded(id, bidder, fen);
            accounts.unlock(bidder, fen);
        }
        if (l.kind == Kind.Primary) primary.releaseApplication(b.application); // R-09: unbound
    }

    // ------------------------------------------------------------------ pre-checks

    /// @inheritdoc IAuctionHouse
    function checkJoin(uint256 id, address bidder, uint64 application)
        external
        view
        returns (MarketReason, Reason, uint256, uint256)
    {
        Lot storage l = _lots[id];
        if (l.status == Status.None) return (MarketReason.UnknownOrder, Reason.Ok, id, 0);
        (MarketReason r, uint256 have, uint256 need) = _joinVerdict(id, l, bidder, application);
        if (r != MarketReason.Ok) return (r, Reason.Ok, have, need);
        return _rule(_movement(l, bidder, l.reserveFen));
    }

    /// @inheritdoc IAuctionHouse
    function checkBid(uint256 id, address bidder, uint256 priceFen)
        external
        view
        returns (MarketReason, Reason, uint256, uint256)
    {
        Lot storage l = _lots[id];
        if (l.status == Status.None) return (MarketReason.UnknownOrder, Reason.Ok, id, 0);
        bool commitment = l.format == Format.Sealed && block.timestamp < l.commitsEnd;
        (MarketReason r, uint256 have, uint256 need) = _bidVerdict(id, l, bidder, priceFen, commitment);
        if (r != MarketReason.Ok) return (r, Reason.Ok, have, need);
        return _rule(_movement(l, bidder, commitment ? l.reserveFen : priceFen));
    }

    /// @inheritdoc IAuctionHouse
    function checkSettle(uint256 id) external view returns (MarketReason, Reason, uint256, uint256) {
        Lot storage l = _lots[id];
        if (l.status == Status.None) return (MarketReason.UnknownOrder, Reason.Ok, id, 0);
        if (l.status != Status.Open) return (MarketReason.WrongStatus, Reason.Ok, uint8(l.status), 0);
        uint256 ends = l.closesAt;
        if (block.timestamp < ends) return (MarketReason.NotEnded, Reason.Ok, ends, block.timestamp);
        if (l.leader == address(0)) return (MarketReason.Ok, Reason.Ok, 0, 0); // closes unsold
        return _settleVerdict(id, l);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IAuctionHouse
    function lot(uint256 id) external view returns (Lot memory) {
        return _lot(id);
    }

    /// @inheritdoc IAuctionHouse
    function lotCount() external view returns (uint256) {
        return _lotCount;
    }

    /// @inheritdoc IAuctionHouse
    function bidderOf(uint256 id, address bidder) external view returns (Bidder memory) {
        return _bidders[id][bidder];
    }

    /// @inheritdoc IAuctionHouse
    function commitmentOf(uint256 id, address bidder) external view returns (bytes32) {
        return _commitments[id][bidder];
    }

    /// @inheritdoc IAuctionHouse
    function enforcementLot(uint256 pledge) external view returns (uint256) {
        return _enforcementLots[pledge];
    }

    // ------------------------------------------------------------------ internals

    function _offer(
        Kind kind, // Sale for a holder's own rights: Reserve when the holder is the government reserve
        address seller,
        uint32 pollutant,
        uint64 kg,
        uint64 ref,
        uint16 region,
        Terms calldata t
    ) private returns (uint256 id) {
        if (kg == 0) revert AuctionZeroQuantity();
        bool isSealed = t.format == Format.Sealed;
        if (
            t.depositFen == 0 || t.depositFen > t.reserveFen || t.biddingEnds <= block.timestamp
                || (isSealed ? t.revealEnds <= t.biddingEnds : t.stepFen == 0)
        ) revert AuctionInvalidTerms();
        // R-09, R-15: the reserve price (起拍价) is at least the lot's benchmark value
        uint256 benchmark = priceBook.quote(pollutant, region, kg);
        if (t.reserveFen < benchmark) revert AuctionReserveBelowBenchmark(t.reserveFen, benchmark);
        // what the settlement would refuse whoever wins is refused now, with the same error: a
        // seller that could not deliver (as a listing), new rights beyond the district's cap (R-10)
        if (kind == Kind.Sale) {
            if (_rules().requireDeliverable(seller, pollutant, kg)) kind = Kind.Reserve;
        } else if (kind == Kind.Primary) {
            _rules().requireCapacity(region, pollutant, kg); // R-10, checked again at settlement
        }
        id = ++_lotCount;
        _lots[id] = (
            Lot({
                seller: seller,
                pollutant: pollutant,
                quantityKg: kg,
                reserveFen: t.reserveFen,
                depositFen: t.depositFen,
                closesAt: isSealed ? t.revealEnds : t.biddingEnds,
                kind: kind,
                format: t.format,
                status: Status.Open,
                leader: address(0),
                leadingFen: 0,
                stepFen: t.stepFen,
                commitsEnd: isSealed ? t.biddingEnds : 0,
                ref: ref,
                region: region,
                bidders: 0
            })
        );
        emit LotOffered(id, kind, seller, pollutant, kg, ref, region, t);
    }

    /// @dev `bidder` takes the lead at `priceFen`: its lock rises to the price; the bid it beats
    /// falls back to its deposit.
    function _lead(uint256 id, Lot storage l, address bidder, uint96 priceFen) private {
        address previous = l.leader;
        l.leader = bidder;
        l.leadingFen = priceFen;
        Bidder storage b = _bidders[id][bidder];
        uint96 raise = priceFen - b.lockedFen;
        b.lockedFen = priceFen;
        if (previous != address(0) && previous != bidder) {
            Bidder storage p = _bidders[id][previous];
            uint96 excess = p.lockedFen - l.depositFen;
            p.lockedFen = l.depositFen;
            accounts.unlock(previous, excess);
        }
        if (raise != 0) accounts.lock(bidder, raise);
    }

    /// @dev R-34: the price goes to the bank up to its claim, the rest to the pledgor, with the rights.
    function _settleEnforcement(uint256 id, Lot storage l, address winner, uint256 price) private {
        uint256 pledge = l.ref;
        delete _enforcementLots[pledge];
        (address holder, address bank, uint128 claim) = pledges.settleEnforcement(pledge, winner, price);
        uint256 toBank = price < claim ? price : claim;
        emit EnforcementProceeds(id, pledge, bank, toBank, holder, price - toBank);
        accounts.transferLocked(winner, bank, toBank);
        accounts.transferLocked(winner, holder, price - toBank);
    }

    function _close(uint256 id, Lot storage l, Status status, address by) private {
        l.status = status;
        if (l.kind == Kind.Enforcement) delete _enforcementLots[l.ref];
        emit LotClosed(id, status, by);
    }

    function _joinVerdict(uint256 id, Lot storage l, address bidder, uint64 application)
        private
        view
        returns (MarketReason, uint256, uint256)
    {
        if (l.status != Status.Open) return (MarketReason.WrongStatus, id, uint8(l.status));
        uint256 biddingEnds = l.format == Format.Sealed ? l.commitsEnd : l.closesAt;
        if (block.timestamp >= biddingEnds) return (MarketReason.Ended, biddingEnds, block.timestamp);
        if (_bidders[id][bidder].joined) return (MarketReason.AlreadyJoined, 0, 0);
        if (l.kind == Kind.Primary) {
            uint16 district = registry.profile(bidder).district;
            if (district != l.region) return (MarketReason.OutsideRegion, district, l.region);
            if (!primary.usableFor(application, bidder, l.pollutant, l.quantityKg)) {
                return (MarketReason.ApplicationUnusable, application, 0);
            }
        }
        uint256 available = accounts.fundsOf(bidder).available;
        if (available < l.depositFen) return (MarketReason.InsufficientFunds, available, l.depositFen);
        return (MarketReason.Ok, 0, 0);
    }

    /// @dev Ascending: a bid; sealed: a commitment (before `commitsEnd`) or a reveal (after it).
    function _bidVerdict(uint256 id, Lot storage l, address bidder, uint256 priceFen, bool commitment)
        private
        view
        returns (MarketReason, uint256, uint256)
    {
        if (l.status != Status.Open) return (MarketReason.WrongStatus, id, uint8(l.status));
        bool isSealed = l.format == Format.Sealed;
        uint256 ends = commitment ? l.commitsEnd : l.closesAt;
        if (block.timestamp >= ends) return (MarketReason.Ended, ends, block.timestamp);
        if (isSealed && !commitment && block.timestamp < l.commitsEnd) {
            return (MarketReason.NotEnded, l.commitsEnd, block.timestamp); // reveals open after the commitments
        }
        Bidder storage b = _bidders[id][bidder];
        if (!b.joined) return (MarketReason.NotJoined, 0, 0);
        if (commitment) return (MarketReason.Ok, 0, 0);
        if (isSealed && (!b.committed || b.revealed)) return (MarketReason.BadReveal, 0, 0);
        if (priceFen > type(uint96).max) return (MarketReason.TooLarge, priceFen, type(uint96).max);
        uint256 minimum = l.reserveFen;
        if (!isSealed && l.leader != address(0)) minimum = uint256(l.leadingFen) + l.stepFen;
        if (priceFen < minimum) return (MarketReason.BidTooLow, priceFen, minimum);
        if (isSealed && priceFen <= l.leadingFen) return (MarketReason.Ok, 0, 0); // will not lead: no lock
        uint256 available = accounts.fundsOf(bidder).available + b.lockedFen;
        if (available < priceFen) return (MarketReason.InsufficientFunds, available, priceFen);
        return (MarketReason.Ok, 0, 0);
    }

    function _settleVerdict(uint256 id, Lot storage l) private view returns (MarketReason, Reason, uint256, uint256) {
        address winner = l.leader;
        if (l.kind == Kind.Enforcement && pledges.pledgeOf(l.ref).status != IPledgeBook.Status.Enforcing) {
            return (MarketReason.PledgeNotEnforcing, Reason.Ok, l.ref, 0);
        }
        if (l.kind == Kind.Primary) {
            uint64 application = _bidders[id][winner].application;
            if (!primary.usableFor(application, winner, l.pollutant, l.quantityKg)) {
                return (MarketReason.ApplicationUnusable, Reason.Ok, application, 0);
            }
        }
        return _rule(_movement(l, winner, l.leadingFen));
    }

    /// @dev A bidder whose settlement the ledger would refuse now is refused with its named error.
    function _requireRules(Lot storage l, address bidder, uint256 priceFen) private view {
        _rules().requireAllowed(_movement(l, bidder, priceFen));
    }

    /// @dev The ledger's rules with their named errors, asked of the exchange (`IRuleGate`): the
    /// refusal table lives there once, not in this contract too.
    function _rules() private view returns (IRuleGate) {
        return IRuleGate(address(accounts));
    }

    function _rule(IRightsLedger.Movement memory m) private view returns (MarketReason, Reason, uint256, uint256) {
        (Reason rule, uint256 have, uint256 need) = ledger.check(m);
        return (rule == Reason.Ok ? MarketReason.Ok : MarketReason.RuleRefused, rule, have, need);
    }

    /// @dev The movement a lot's settlement to `bidder` at `priceFen` would make.
    function _movement(Lot storage l, address bidder, uint256 priceFen)
        private
        view
        returns (IRightsLedger.Movement memory m)
    {
        m.to = bidder;
        m.pollutant = l.pollutant;
        m.kg = l.quantityKg;
        m.origin = Origin.Paid;
        if (l.kind == Kind.Primary) {
            m.op = Op.Allocate;
            m.region = l.region;
            return m;
        }
        // R-30, R-34: pledged rights are sold from whoever holds the pledge now (a merged pledgor's successor)
        m.from = l.kind == Kind.Enforcement ? pledges.pledgeOf(l.ref).holder : l.seller;
        m.priceFen = priceFen;
        (m.op, m.mode) =
            l.kind == Kind.Enforcement ? (Op.EnforcedSale, TradeMode.Enforcement) : (Op.Trade, TradeMode.Auction);
    }

    // A reason code is compared with `==` on purpose: it names one refusal (it only derives from
    // the block time through the pre-check). docs/security.md, Slither triage.
    // slither-disable-start incorrect-equality
    function _refuse(
        uint256 id,
        Lot storage l,
        address bidder,
        uint64 application,
        MarketReason r,
        uint256 have,
        uint256 need
    ) private view {
        if (r == MarketReason.WrongStatus) revert AuctionNotOpen(id, l.status);
        if (r == MarketReason.Ended) revert AuctionBiddingClosed(id, have);
        if (r == MarketReason.NotEnded) revert AuctionNotEnded(id, have);
        if (r == MarketReason.AlreadyJoined) revert AuctionAlreadyJoined(id, bidder);
        if (r == MarketReason.NotJoined) revert AuctionNotJoined(id, bidder);
        if (r == MarketReason.OutsideRegion) revert AuctionOutsideRegion(id, bidder, uint16(have), uint16(need));
        if (r == MarketReason.ApplicationUnusable) revert AuctionApplicationUnusable(id, bidder, application);
        if (r == MarketReason.BadReveal) revert AuctionBadReveal(id, bidder);
        if (r == MarketReason.TooLarge) revert AuctionBidTooLarge(have);
        if (r == MarketReason.BidTooLow) revert AuctionBidTooLow(id, have, need);
        revert AuctionInsufficientFunds(bidder, have, need);
    }
    // slither-disable-end incorrect-equality

    function _creator(Lot storage l) private view returns (address) {
        if (l.kind == Kind.Sale || l.kind == Kind.Reserve) return l.seller;
        if (l.kind == Kind.Enforcement) return pledges.pledgeOf(l.ref).bank;
        return address(0); // primary lots: the operator
    }

    function _lot(uint256 id) private view returns (Lot storage l) {
        l = _lots[id];
        if (l.status == Status.None) revert AuctionUnknownLot(id);
    }
}
