// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {MarketReason} from "./MarketTypes.sol";
import {Reason} from "./Types.sol";

/// @title IAuctionHouse
/// @notice Public auctions (公开竞价, R-14): ascending (open outcry) or sealed-bid (commit, then
/// reveal). Lots come from a holder — a unit or the government reserve — selling its rights, from a
/// bank's pledge enforcement (R-34), or from new rights of a district's cap sold to approved new
/// units and expansions (R-09). Bidders lodge a deposit (交易保证金) from their trading account to
/// join; a bid locks its whole price, so the winner's settlement cannot default; losers are refunded
/// (R-16). Settlement is delivery versus payment in one transaction; the rule engine decides it.
interface IAuctionHouse {
    enum Kind {
        Sale, // a unit's paid rights: the price to the seller
        Enforcement, // pledged rights sold on the bank's enforcement, proceeds to the bank first (R-34)
        Primary, // new rights of a district's cap, for approved new-unit and expansion applications (R-09)
        Reserve // the government reserve's rights (R-28): the price to the treasury (R-29)
    }

    enum Format {
        Ascending,
        Sealed
    }

    enum Status {
        None,
        Open,
        Sold,
        Unsold, // closed without a valid bid
        Failed, // the winning bid could not settle: the rule engine's reason is in the event
        Cancelled // withdrawn before any bidder joined, or suspended by the operator
    }

    /// @notice The auction terms the seller (or bank, or operator) announces.
    struct Terms {
        Format format;
        uint96 reserveFen; // 起拍价: total price of the lot, at least its benchmark value
        uint96 depositFen; // 交易保证金 per bidder, at most the reserve
        uint96 stepFen; // ascending: smallest raise over the leading bid
        uint40 biddingEnds; // ascending: bids until then; sealed: commitments until then
        uint40 revealEnds; // sealed: reveals until then
    }

    /// @notice A lot (four storage slots).
    struct Lot {
        address seller; // Sale, Reserve: the seller; Enforcement: the pledgor when offered (the sale is from the pledge's holder then); Primary: none
        uint32 pollutant;
        uint64 quantityKg;
        uint96 reserveFen;
        uint96 depositFen;
        uint40 closesAt; // settles from then: ascending, the end of bidding (late bids extend it); sealed, of reveals
        Kind kind;
        Format format;
        Status status;
        address leader;
        uint96 leadingFen;
        uint96 stepFen;
        uint40 commitsEnd; // sealed: commitments until then, reveals after
        uint64 ref; // Enforcement: the pledge id
        uint16 region; // Primary: the district whose cap the rights come from
        uint32 bidders; // how many joined
    }

    /// @notice A bidder in a lot (one storage slot).
    struct Bidder {
        uint96 lockedFen; // deposit, raised to the bid while it leads
        uint64 application; // Primary: the bidder's approved application
        bool joined;
        bool committed; // sealed: a commitment was made
        bool revealed; // sealed: the commitment was revealed
    }

    event LotOffered(
        uint256 indexed id,
        Kind kind,
        address indexed seller,
        uint32 indexed pollutant,
        uint64 quantityKg,
        uint64 ref,
        uint16 region,
        Terms terms
    );
    event BidderJoined(uint256 indexed id, address indexed bidder, uint256 depositFen, uint64 application);
    event BidPlaced(uint256 indexed id, address indexed bidder, uint256 priceFen, uint256 closesAt);
    event BidCommitted(uint256 indexed id, address indexed bidder, bytes32 commitment);
    event BidRevealed(uint256 indexed id, address indexed bidder, uint256 priceFen, bool leading);
    event LotSold(uint256 indexed id, address indexed winner, uint256 priceFen);
    event LotClosed(uint256 indexed id, Status status, address indexed by);
    event LotFailed(uint256 indexed id, MarketReason market, Reason rule, uint256 have, uint256 need);
    event DepositRefunded(uint256 indexed id, address indexed bidder, uint256 fen);
    /// @notice A sealed bid committed and never revealed: its deposit goes to the treasury.
    event DepositForfeited(uint256 indexed id, address indexed bidder, uint256 fen);
    /// @notice R-34: how an enforcement sale's price was divided.
    event EnforcementProceeds(
        uint256 indexed id, uint256 indexed pledge, address bank, uint256 bankFen, address holder, uint256 holderFen
    );

    error AuctionUnknownLot(uint256 id);
    error AuctionNotOpen(uint256 id, Status status);
    error AuctionInvalidTerms();
    error AuctionZeroQuantity();
    error AuctionReserveBelowBenchmark(uint256 reserveFen, uint256 benchmarkFen);
    error AuctionNotCreator(uint256 id, address caller);
    error AuctionHasBidders(uint256 id, uint256 bidders);
    error AuctionBiddingClosed(uint256 id, uint256 endsAt);
    error AuctionNotEnded(uint256 id, uint256 endsAt);
    error AuctionWrongPhase(uint256 id, Format format);
    error AuctionAlreadyJoined(uint256 id, address bidder);
    error AuctionNotJoined(uint256 id, address bidder);
    error AuctionBidTooLow(uint256 id, uint256 priceFen, uint256 minimumFen);
    error AuctionBidTooLarge(uint256 priceFen);
    error AuctionBadReveal(uint256 id, address bidder);
    error AuctionOutsideRegion(uint256 id, address bidder, uint16 district, uint16 region);
    error AuctionApplicationUnusable(uint256 id, address bidder, uint64 application);
    error AuctionNotBank(uint256 pledge, address caller);
    error AuctionPledgeNotEnforcing(uint256 pledge);
    error AuctionPledgeOnSale(uint256 pledge, uint256 lot);
    error AuctionLotCanSettle(uint256 id);
    error AuctionNothingToRefund(uint256 id, address bidder);
    error AuctionStillOpen(uint256 id);
    error AuctionInsufficientFunds(address bidder, uint256 available, uint256 needed);
    error AuctionZeroAddress();
    /// @notice A signed join names another deposit than the lot's.
    error AuctionDepositMismatch(uint256 id, uint96 depositFen);

    // ---- lots ----

    /// @notice The caller (a unit, or the reserve account) offers `quantityKg` of its paid rights;
    /// a lot of the reserve is of kind `Reserve`, its price paid to the treasury (R-29). Refused at
    /// once, with the ledger's named error the settlement would give, when the seller could not
    /// deliver today (the same rules as a listing: R-05 – R-07, R-17, R-38, R-39).
    function offer(uint32 pollutant, uint64 quantityKg, Terms calldata terms) external returns (uint256 id);

    /// @notice `offer` signed by `seller` as typed data `Offer(address seller,uint32 pollutant,
    /// uint64 quantityKg,uint8 format,uint96 reserveFen,uint96 depositFen,uint96 stepFen,
    /// uint40 biddingEnds,uint40 revealEnds,uint256 nonce,uint256 deadline)` (the terms' fields
    /// in order; relayable, the seller needs no gas).
    function offerBySig(
        address seller,
        uint32 pollutant,
        uint64 quantityKg,
        Terms calldata terms,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 id);

    /// @notice R-34: the pledge's bank (or the operator for it) offers pledged rights under enforcement.
    function offerEnforcement(uint256 pledge, Terms calldata terms) external returns (uint256 id);

    /// @notice R-09: the operator offers new rights of `region`'s cap to approved new units and expansions.
    /// Refused beyond the cap's remaining capacity (R-10: `LedgerNoCap`, `LedgerCapExceeded`).
    function offerPrimary(uint32 pollutant, uint16 region, uint64 quantityKg, Terms calldata terms)
        external
        returns (uint256 id);

    /// @notice The lot's creator withdraws it before any bidder joined; the operator may suspend an
    /// open lot at any time (every deposit is then refunded in full).
    function cancel(uint256 id) external;

    /// @notice `cancel` signed by the lot's creator: `CancelLot(address creator,uint256 lot,uint256 nonce,uint256 deadline)`.
    function cancelBySig(address creator, uint256 lot, uint256 deadline, bytes calldata signature) external;

    // ---- bidding ----

    /// @notice Lodge the lot's deposit from the caller's trading account (R-16). For a primary lot,
    /// `application` is the caller's approved application covering it (else 0); it stays bound to
    /// the lot (neither withdrawn nor rejected, R-09) until the bidder's deposit is refunded or the
    /// rights are registered to it. Joining, bidding, committing and a leading reveal are refused
    /// with the ledger's named error when the settlement to the caller would be refused now (at the
    /// reserve price while the price is unknown or sealed).
    function join(uint256 id, uint64 application) external;

    /// @notice `join` signed by `bidder` over the deposit it lodges:
    /// `Join(address bidder,uint256 lot,uint64 application,uint96 depositFen,uint256 nonce,uint256 deadline)`
    /// (`AuctionDepositMismatch` when the lot asks another deposit).
    function joinBySig(
        address bidder,
        uint256 lot,
        uint64 application,
        uint96 depositFen,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Ascending lots: bid `priceFen`; the whole price is locked and the bid it beats is
    /// released to its deposit. A bid in the last `BID_EXTENSION` seconds extends the bidding.
    function bid(uint256 id, uint96 priceFen) external;

    /// @notice `bid` signed: `LotBid(address bidder,uint256 lot,uint96 priceFen,uint256 nonce,uint256 deadline)`.
    function bidBySig(address bidder, uint256 lot, uint96 priceFen, uint256 deadline, bytes calldata signature)
        external;

    /// @notice Sealed lots, until `biddingEnds`: commit to
    /// `keccak256(abi.encode(id, bidder, priceFen, salt))` (a later commitment replaces it).
    function commit(uint256 id, bytes32 commitment) external;

    /// @notice `commit` signed: `Commit(address bidder,uint256 lot,bytes32 commitment,uint256 nonce,uint256 deadline)`.
    function commitBySig(address bidder, uint256 lot, bytes32 commitment, uint256 deadline, bytes calldata signature)
        external;

    /// @notice Sealed lots, from `biddingEnds` until `revealEnds`: reveal the committed bid. A bid
    /// higher than the leading one locks its whole price and leads (ties: the earlier reveal).
    function reveal(uint256 id, uint96 priceFen, bytes32 salt) external;

    /// @notice `reveal` signed: `Reveal(address bidder,uint256 lot,uint96 priceFen,bytes32 salt,uint256 nonce,uint256 deadline)`.
    function revealBySig(
        address bidder,
        uint256 lot,
        uint96 priceFen,
        bytes32 salt,
        uint256 deadline,
        bytes calldata signature
    ) external;

    // ---- closing ----

    /// @notice After bidding (and revealing) ended: deliver the rights to the winner against its
    /// locked money (R-16), or close unsold. Reverts with the ledger's named error if a rule refuses.
    function settle(uint256 id) external;

    /// @notice After the end, when the winning bid cannot settle (the pre-check's reason): close
    /// the lot as failed. Refused while it can settle.
    function abandon(uint256 id) external;

    /// @notice After the lot closed: release `bidder`'s locked money (anyone may call). A sealed
    /// bid committed and not revealed forfeits its deposit to the treasury.
    function refund(uint256 id, address bidder) external;

    // ---- pre-checks (never revert) ----

    function checkJoin(uint256 id, address bidder, uint64 application)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    /// @notice Ascending: a bid of `priceFen` now; sealed: a commitment (commit phase) or a reveal of
    /// `priceFen` (reveal phase), the commitment itself aside.
    function checkBid(uint256 id, address bidder, uint256 priceFen)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    function checkSettle(uint256 id)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    // ---- views ----

    function lot(uint256 id) external view returns (Lot memory);
    function lotCount() external view returns (uint256);
    function bidderOf(uint256 id, address bidder) external view returns (Bidder memory);
    function commitmentOf(uint256 id, address bidder) external view returns (bytes32);
    /// @notice The open enforcement lot of a pledge (0 if none).
    function enforcementLot(uint256 pledge) external view returns (uint256);
}
