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

    /// @notice A lot was offered at auction under `terms` (R-09, R-14, R-28, R-34).
    /// @param id the lot's number
    /// @param kind the lot's kind
    /// @param seller the seller (the pledgor for an enforcement lot; none for a primary lot)
    /// @param pollutant the pollutant's id in the account registry
    /// @param quantityKg the quantity, kg
    /// @param ref the pledge's number for an enforcement lot, else 0
    /// @param region the district whose cap a primary lot sells, else 0
    /// @param terms the lot's format, reserve, deposit, step and phases
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
    /// @notice `bidder` lodged the lot's deposit from its trading account and may bid (R-16).
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @param depositFen the deposit, fen
    /// @param application the bidder's approved application (primary lots), else 0
    event BidderJoined(uint256 indexed id, address indexed bidder, uint256 depositFen, uint64 application);
    /// @notice `bidder` leads the ascending lot at `priceFen`; a late bid extends the close.
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @param priceFen the price, fen
    /// @param closesAt when the lot settles from, unix seconds
    event BidPlaced(uint256 indexed id, address indexed bidder, uint256 priceFen, uint256 closesAt);
    /// @notice `bidder` committed a sealed bid (its hash only).
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @param commitment keccak256 of the sealed bid
    event BidCommitted(uint256 indexed id, address indexed bidder, bytes32 commitment);
    /// @notice `bidder` revealed its sealed bid.
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @param priceFen the price, fen
    /// @param leading true when it leads
    event BidRevealed(uint256 indexed id, address indexed bidder, uint256 priceFen, bool leading);
    /// @notice The lot settled to `winner` for `priceFen` (delivery versus payment).
    /// @param id the lot's number
    /// @param winner the winning bidder
    /// @param priceFen the price, fen
    event LotSold(uint256 indexed id, address indexed winner, uint256 priceFen);
    /// @notice The lot closed without a sale: unsold, cancelled or suspended.
    /// @param id the lot's number
    /// @param status its status
    /// @param by who closed it
    event LotClosed(uint256 indexed id, Status status, address indexed by);
    /// @notice The winning bid could not settle: the exchange's or the rule engine's reason and figures.
    /// @param id the lot's number
    /// @param market the exchange's reason
    /// @param rule the rule engine's reason
    /// @param have the figure the refusal found
    /// @param need the figure the rule asks
    event LotFailed(uint256 indexed id, MarketReason market, Reason rule, uint256 have, uint256 need);
    /// @notice `bidder`'s locked money was released after the lot closed.
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @param fen the amount, fen
    event DepositRefunded(uint256 indexed id, address indexed bidder, uint256 fen);
    /// @notice A sealed bid committed and never revealed: its deposit goes to the treasury.
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @param fen the amount, fen
    event DepositForfeited(uint256 indexed id, address indexed bidder, uint256 fen);
    /// @notice R-34: how an enforcement sale's price was divided.
    /// @param id the lot's number
    /// @param pledge the pledge's number
    /// @param bank the pledgee
    /// @param bankFen paid to the bank, fen
    /// @param holder the pledgor (or its successor)
    /// @param holderFen paid to the pledgor, fen
    event EnforcementProceeds(
        uint256 indexed id, uint256 indexed pledge, address bank, uint256 bankFen, address holder, uint256 holderFen
    );

    /// @notice No lot has this number.
    /// @param id the lot's number
    error AuctionUnknownLot(uint256 id);
    /// @notice The lot is not open.
    /// @param id the lot's number
    /// @param status its status
    error AuctionNotOpen(uint256 id, Status status);
    /// @notice Terms with a deposit above zero and at most the reserve, bidding ending in the future, and a step (ascending) or a reveal phase after the bidding (sealed).
    error AuctionInvalidTerms();
    /// @notice A lot of zero kg.
    error AuctionZeroQuantity();
    /// @notice R-09, R-15: the reserve price is at least the lot's benchmark value.
    /// @param reserveFen the reserve price, fen
    /// @param benchmarkFen the lot's benchmark value, fen
    error AuctionReserveBelowBenchmark(uint256 reserveFen, uint256 benchmarkFen);
    /// @notice Only the lot's creator withdraws it.
    /// @param id the lot's number
    /// @param caller who asked
    error AuctionNotCreator(uint256 id, address caller);
    /// @notice A lot that bidders joined is no longer withdrawn.
    /// @param id the lot's number
    /// @param bidders the bidders joined
    error AuctionHasBidders(uint256 id, uint256 bidders);
    /// @notice The bidding (or committing) ended.
    /// @param id the lot's number
    /// @param endsAt the phase's end, unix seconds
    error AuctionBiddingClosed(uint256 id, uint256 endsAt);
    /// @notice The lot's phase has not ended yet.
    /// @param id the lot's number
    /// @param endsAt the phase's end, unix seconds
    error AuctionNotEnded(uint256 id, uint256 endsAt);
    /// @notice The step belongs to the other format (ascending bids, sealed commitments and reveals).
    /// @param id the lot's number
    /// @param format the lot's format
    error AuctionWrongPhase(uint256 id, Format format);
    /// @notice The bidder already joined the lot.
    /// @param id the lot's number
    /// @param bidder the bidding member
    error AuctionAlreadyJoined(uint256 id, address bidder);
    /// @notice Only a bidder that joined (and lodged the deposit) bids.
    /// @param id the lot's number
    /// @param bidder the bidding member
    error AuctionNotJoined(uint256 id, address bidder);
    /// @notice A bid is at least the reserve, or the leading bid plus the step.
    /// @param id the lot's number
    /// @param priceFen the price, fen
    /// @param minimumFen the least bid, fen
    error AuctionBidTooLow(uint256 id, uint256 priceFen, uint256 minimumFen);
    /// @notice A bid beyond what a lot records (uint96 fen).
    /// @param priceFen the price, fen
    error AuctionBidTooLarge(uint256 priceFen);
    /// @notice The revealed price and salt do not match the commitment.
    /// @param id the lot's number
    /// @param bidder the bidding member
    error AuctionBadReveal(uint256 id, address bidder);
    /// @notice A primary lot sells a district's new rights to units of that district only (R-09).
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @param district the bidder's district
    /// @param region the district whose cap a primary lot sells, else 0
    error AuctionOutsideRegion(uint256 id, address bidder, uint16 district, uint16 region);
    /// @notice The application does not let the bidder acquire this lot (R-09).
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @param application the bidder's approved application (primary lots), else 0
    error AuctionApplicationUnusable(uint256 id, address bidder, uint64 application);
    /// @notice Only the pledge's bank (or the operator for it) offers an enforcement lot (R-34).
    /// @param pledge the pledge's number
    /// @param caller who asked
    error AuctionNotBank(uint256 pledge, address caller);
    /// @notice The bank has not declared default on the pledge (R-34).
    /// @param pledge the pledge's number
    error AuctionPledgeNotEnforcing(uint256 pledge);
    /// @notice The pledge is already on sale in an open lot.
    /// @param pledge the pledge's number
    /// @param lot the lot's number
    error AuctionPledgeOnSale(uint256 pledge, uint256 lot);
    /// @notice The winning bid can settle: the lot is settled, not abandoned.
    /// @param id the lot's number
    error AuctionLotCanSettle(uint256 id);
    /// @notice The bidder has no locked money in the lot, or is its winner.
    /// @param id the lot's number
    /// @param bidder the bidding member
    error AuctionNothingToRefund(uint256 id, address bidder);
    /// @notice Deposits are refunded only after the lot closed.
    /// @param id the lot's number
    error AuctionStillOpen(uint256 id);
    /// @notice The bidder's available money does not cover the deposit or the bid.
    /// @param bidder the bidding member
    /// @param available its available money, fen
    /// @param needed what the step needs, fen
    error AuctionInsufficientFunds(address bidder, uint256 available, uint256 needed);
    /// @notice A deployment without a treasury.
    error AuctionZeroAddress();
    /// @notice A signed join names another deposit than the lot's.
    /// @param id the lot's number
    /// @param depositFen the deposit, fen
    error AuctionDepositMismatch(uint256 id, uint96 depositFen);

    // ---- lots ----

    /// @notice The caller (a unit, or the reserve account) offers `quantityKg` of its paid rights;
    /// a lot of the reserve is of kind `Reserve`, its price paid to the treasury (R-29). Refused at
    /// once, with the ledger's named error the settlement would give, when the seller could not
    /// deliver today (the same rules as a listing: R-05 – R-07, R-17, R-38, R-39).
    /// @param pollutant the pollutant's id in the account registry
    /// @param quantityKg the quantity, kg
    /// @param terms the lot's format, reserve, deposit, step and phases
    /// @return id the new lot's number
    function offer(uint32 pollutant, uint64 quantityKg, Terms calldata terms) external returns (uint256 id);

    /// @notice `offer` signed by `seller` as typed data `Offer(address seller,uint32 pollutant,
    /// uint64 quantityKg,uint8 format,uint96 reserveFen,uint96 depositFen,uint96 stepFen,
    /// uint40 biddingEnds,uint40 revealEnds,uint256 nonce,uint256 deadline)` (the terms' fields
    /// in order; relayable, the seller needs no gas).
    /// @param seller the seller (the pledgor for an enforcement lot; none for a primary lot)
    /// @param pollutant the pollutant's id in the account registry
    /// @param quantityKg the quantity, kg
    /// @param terms the lot's format, reserve, deposit, step and phases
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    /// @return id the new lot's number
    function offerBySig(
        address seller,
        uint32 pollutant,
        uint64 quantityKg,
        Terms calldata terms,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 id);

    /// @notice R-34: the pledge's bank (or the operator for it) offers pledged rights under enforcement.
    /// @param pledge the pledge's number
    /// @param terms the lot's format, reserve, deposit, step and phases
    /// @return id the new lot's number
    function offerEnforcement(uint256 pledge, Terms calldata terms) external returns (uint256 id);

    /// @notice R-09: the operator offers new rights of `region`'s cap to approved new units and expansions.
    /// Refused beyond the cap's remaining capacity (R-10: `LedgerNoCap`, `LedgerCapExceeded`).
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district whose cap a primary lot sells, else 0
    /// @param quantityKg the quantity, kg
    /// @param terms the lot's format, reserve, deposit, step and phases
    /// @return id the new lot's number
    function offerPrimary(uint32 pollutant, uint16 region, uint64 quantityKg, Terms calldata terms)
        external
        returns (uint256 id);

    /// @notice The lot's creator withdraws it before any bidder joined; the operator may suspend an
    /// open lot at any time (every deposit is then refunded in full).
    /// @param id the lot's number
    function cancel(uint256 id) external;

    /// @notice `cancel` signed by the lot's creator: `CancelLot(address creator,uint256 lot,uint256 nonce,uint256 deadline)`.
    /// @param creator the lot's creator
    /// @param lot the lot's number
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function cancelBySig(address creator, uint256 lot, uint256 deadline, bytes calldata signature) external;

    // ---- bidding ----

    /// @notice Lodge the lot's deposit from the caller's trading account (R-16). For a primary lot,
    /// `application` is the caller's approved application covering it (else 0); it stays bound to
    /// the lot (neither withdrawn nor rejected, R-09) until the bidder's deposit is refunded or the
    /// rights are registered to it. Joining, bidding, committing and a leading reveal are refused
    /// with the ledger's named error when the settlement to the caller would be refused now (at the
    /// reserve price while the price is unknown or sealed).
    /// @param id the lot's number
    /// @param application the bidder's approved application (primary lots), else 0
    function join(uint256 id, uint64 application) external;

    /// @notice `join` signed by `bidder` over the deposit it lodges:
    /// `Join(address bidder,uint256 lot,uint64 application,uint96 depositFen,uint256 nonce,uint256 deadline)`
    /// (`AuctionDepositMismatch` when the lot asks another deposit).
    /// @param bidder the bidding member
    /// @param lot the lot's number
    /// @param application the bidder's approved application (primary lots), else 0
    /// @param depositFen the deposit, fen
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
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
    /// @param id the lot's number
    /// @param priceFen the price, fen
    function bid(uint256 id, uint96 priceFen) external;

    /// @notice `bid` signed: `LotBid(address bidder,uint256 lot,uint96 priceFen,uint256 nonce,uint256 deadline)`.
    /// @param bidder the bidding member
    /// @param lot the lot's number
    /// @param priceFen the price, fen
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function bidBySig(address bidder, uint256 lot, uint96 priceFen, uint256 deadline, bytes calldata signature)
        external;

    /// @notice Sealed lots, until `biddingEnds`: commit to
    /// `keccak256(abi.encode(id, bidder, priceFen, salt))` (a later commitment replaces it).
    /// @param id the lot's number
    /// @param commitment keccak256 of the sealed bid
    function commit(uint256 id, bytes32 commitment) external;

    /// @notice `commit` signed: `Commit(address bidder,uint256 lot,bytes32 commitment,uint256 nonce,uint256 deadline)`.
    /// @param bidder the bidding member
    /// @param lot the lot's number
    /// @param commitment keccak256 of the sealed bid
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function commitBySig(address bidder, uint256 lot, bytes32 commitment, uint256 deadline, bytes calldata signature)
        external;

    /// @notice Sealed lots, from `biddingEnds` until `revealEnds`: reveal the committed bid. A bid
    /// higher than the leading one locks its whole price and leads (ties: the earlier reveal).
    /// @param id the lot's number
    /// @param priceFen the price, fen
    /// @param salt the salt of the commitment
    function reveal(uint256 id, uint96 priceFen, bytes32 salt) external;

    /// @notice `reveal` signed: `Reveal(address bidder,uint256 lot,uint96 priceFen,bytes32 salt,uint256 nonce,uint256 deadline)`.
    /// @param bidder the bidding member
    /// @param lot the lot's number
    /// @param priceFen the price, fen
    /// @param salt the salt of the commitment
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
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
    /// @param id the lot's number
    function settle(uint256 id) external;

    /// @notice After the end, when the winning bid cannot settle (the pre-check's reason): close
    /// the lot as failed. Refused while it can settle.
    /// @param id the lot's number
    function abandon(uint256 id) external;

    /// @notice After the lot closed: release `bidder`'s locked money (anyone may call). A sealed
    /// bid committed and not revealed forfeits its deposit to the treasury.
    /// @param id the lot's number
    /// @param bidder the bidding member
    function refund(uint256 id, address bidder) external;

    // ---- pre-checks (never revert) ----

    /// @notice Whether `bidder` could join lot `id` now (with `application` for a primary lot), with the reason when not.
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @param application the bidder's approved application (primary lots), else 0
    /// @return market the exchange's reason (`MarketReason.Ok` when it has none)
    /// @return rule the rule engine's reason (`Reason.Ok` when it allows)
    /// @return have the figure the refusal found
    /// @return need the figure the rule asks
    function checkJoin(uint256 id, address bidder, uint64 application)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    /// @notice Ascending: a bid of `priceFen` now; sealed: a commitment (commit phase) or a reveal of
    /// `priceFen` (reveal phase), the commitment itself aside.
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @param priceFen the price, fen
    /// @return market the exchange's reason (`MarketReason.Ok` when it has none)
    /// @return rule the rule engine's reason (`Reason.Ok` when it allows)
    /// @return have the figure the refusal found
    /// @return need the figure the rule asks
    function checkBid(uint256 id, address bidder, uint256 priceFen)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    /// @notice Whether lot `id` would settle to its winning bid now, with the reason when not.
    /// @param id the lot's number
    /// @return market the exchange's reason (`MarketReason.Ok` when it has none)
    /// @return rule the rule engine's reason (`Reason.Ok` when it allows)
    /// @return have the figure the refusal found
    /// @return need the figure the rule asks
    function checkSettle(uint256 id)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    // ---- views ----

    /// @notice The lot numbered `id`.
    /// @param id the lot's number
    /// @return the lot
    function lot(uint256 id) external view returns (Lot memory);
    /// @notice How many lots were offered (numbers 1 … this).
    /// @return the number of lots
    function lotCount() external view returns (uint256);
    /// @notice `bidder`'s place in lot `id`: its locked money, application and phase.
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @return the bidder's record
    function bidderOf(uint256 id, address bidder) external view returns (Bidder memory);
    /// @notice `bidder`'s sealed commitment in lot `id` (zero when none).
    /// @param id the lot's number
    /// @param bidder the bidding member
    /// @return the commitment
    function commitmentOf(uint256 id, address bidder) external view returns (bytes32);
    /// @notice The open enforcement lot of a pledge (0 if none).
    /// @param pledge the pledge's number
    /// @return the lot's number
    function enforcementLot(uint256 pledge) external view returns (uint256);
}
