// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ITradingAccounts} from "./ITradingAccounts.sol";
import {MarketReason} from "./MarketTypes.sol";
import {Reason, TradeMode} from "./Types.sol";

/// @title IExchange
/// @notice The secondary market (二级市场, R-13, R-14) over the members' trading accounts:
/// negotiated trades (协议转让) signed by both parties, and listings (挂牌) that a buyer takes at the
/// asking price or, once a bid is made, that go to electronic bidding (电子竞价). Every settlement
/// moves the rights through the ledger, whose rule engine decides (R-05 … R-39), and the money by
/// book entry in the same transaction (R-16).
interface IExchange is ITradingAccounts {
    /// @notice The terms both parties of a negotiated trade sign (typed data
    /// `Trade(address seller,address buyer,uint32 pollutant,uint64 quantityKg,uint256 priceFen,uint8 mode,uint256 nonce,uint256 deadline)`,
    /// each with its own next nonce). `priceFen` is the total price of the lot.
    struct Terms {
        address seller;
        address buyer;
        uint32 pollutant;
        uint64 quantityKg;
        uint256 priceFen;
        TradeMode mode; // Negotiated, GreenChannel (R-21) or ReserveRelease (R-28)
        uint256 deadline;
    }

    enum ListingStatus {
        None,
        Open, // may be taken at the ask, or bid on
        Bidding, // electronic bidding: settles to the best bid when it ends
        Taken, // sold at the ask
        Settled, // sold to the best bid
        Expired, // ended without a buyer
        Cancelled, // withdrawn by the seller before any bid, or suspended by the operator
        Failed // the best bid could not settle when bidding ended (the rule engine's reason is in the event)
    }

    /// @notice A listing (two storage slots).
    struct Listing {
        address seller;
        uint32 pollutant;
        uint64 quantityKg;
        uint96 askFen; // total price of the lot
        uint96 stepFen; // smallest raise over the leading bid
        uint40 endsAt;
        ListingStatus status;
        bool reserveSale; // the seller is the government reserve: the price goes to the treasury (R-29)
    }

    /// @notice The leading bid of a listing in electronic bidding, its money locked (one slot).
    /// Cleared when it is paid or refunded; the events keep every bid.
    struct Bid {
        address bidder;
        uint96 priceFen;
    }

    /// @notice `seller` listed `quantityKg` of paid rights at `askFen` until `endsAt` (挂牌, R-14).
    /// @param id the listing's number
    /// @param seller the selling member
    /// @param pollutant the pollutant's id in the account registry
    /// @param quantityKg the quantity, kg
    /// @param askFen the ask, fen (the whole lot)
    /// @param stepFen the smallest raise, fen
    /// @param endsAt the end, unix seconds
    event Listed(
        uint256 indexed id,
        address indexed seller,
        uint32 indexed pollutant,
        uint64 quantityKg,
        uint256 askFen,
        uint256 stepFen,
        uint256 endsAt
    );
    /// @notice `buyer` took the whole listing at the ask (摘牌): settled at once.
    /// @param id the listing's number
    /// @param buyer the buying member
    /// @param priceFen the price, fen
    event ListingTaken(uint256 indexed id, address indexed buyer, uint256 priceFen);
    /// @notice `bidder` leads the bidding at `priceFen`; a late bid extends the end (延时竞价).
    /// @param id the listing's number
    /// @param bidder the bidding member
    /// @param priceFen the price, fen
    /// @param endsAt the end, unix seconds
    event ListingBid(uint256 indexed id, address indexed bidder, uint256 priceFen, uint256 endsAt);
    /// @notice The bidding ended and the listing settled to the best bid (delivery versus payment).
    /// @param id the listing's number
    /// @param buyer the buying member
    /// @param priceFen the price, fen
    event ListingSettled(uint256 indexed id, address indexed buyer, uint256 priceFen);
    /// @notice The listing closed without a sale: expired, cancelled by the seller or suspended by the operator.
    /// @param id the listing's number
    /// @param status its status
    /// @param by who closed it
    event ListingClosed(uint256 indexed id, ListingStatus status, address indexed by);
    /// @notice The best bid could not settle when the bidding ended: the rule engine's reason and figures; the bid was refunded.
    /// @param id the listing's number
    /// @param reason the rule engine's reason
    /// @param have the figure the refusal found
    /// @param need the figure the rule asks
    event ListingFailed(uint256 indexed id, Reason reason, uint256 have, uint256 need);

    /// @notice A negotiated trade names a mode the exchange does not settle.
    /// @param mode the mode asked
    error ExchangeInvalidMode(TradeMode mode);
    /// @notice No listing has this number.
    /// @param id the listing's number
    error ExchangeUnknownListing(uint256 id);
    /// @notice The listing is not open for this step.
    /// @param id the listing's number
    /// @param status its status
    error ExchangeListingNotOpen(uint256 id, ListingStatus status);
    /// @notice The listing's time is over.
    /// @param id the listing's number
    /// @param endsAt the end, unix seconds
    error ExchangeListingEnded(uint256 id, uint256 endsAt);
    /// @notice The listing's time is not over yet.
    /// @param id the listing's number
    /// @param endsAt the end, unix seconds
    error ExchangeListingNotEnded(uint256 id, uint256 endsAt);
    /// @notice A listing with bids is no longer withdrawn.
    /// @param id the listing's number
    error ExchangeListingHasBids(uint256 id);
    /// @notice A listing asks more than zero, steps by more than zero and ends in the future.
    /// @param askFen the ask, fen (the whole lot)
    /// @param stepFen the smallest raise, fen
    /// @param endsAt the end, unix seconds
    error ExchangeInvalidListing(uint256 askFen, uint256 stepFen, uint256 endsAt);
    /// @notice A bid is at least the ask, or the leading bid plus the step.
    /// @param id the listing's number
    /// @param priceFen the price, fen
    /// @param minimumFen the least bid, fen
    error ExchangeBidTooLow(uint256 id, uint256 priceFen, uint256 minimumFen);
    /// @notice Only the listing's seller withdraws it.
    /// @param id the listing's number
    /// @param caller who asked
    error ExchangeNotSeller(uint256 id, address caller);
    /// @notice The best bid can settle: the listing is settled, not abandoned.
    /// @param id the listing's number
    error ExchangeListingCanSettle(uint256 id);
    /// @notice A deployment without a treasury or settlement money.
    error ExchangeZeroAddress();
    /// @notice A signed acceptance names terms other than the listing's (pollutant, quantity, ask).
    /// @param id the listing's number
    /// @param pollutant the pollutant's id in the account registry
    /// @param quantityKg the quantity, kg
    /// @param askFen the ask, fen (the whole lot)
    error ExchangeTermsMismatch(uint256 id, uint32 pollutant, uint64 quantityKg, uint96 askFen);

    // ---- negotiated trades (协议转让) ----

    /// @notice Settle a negotiated trade both parties signed: the buyer's available money pays the
    /// seller — or, for a release of reserve rights (`ReserveRelease`, `GreenChannel`), the treasury
    /// (R-29) — and the rights move, in one transaction (R-16). Anyone may submit it; a party that
    /// submits it itself needs no signature of its own (pass empty bytes). Reverts with the
    /// ledger's named error when a rule refuses.
    /// @param terms the trade's terms both parties signed
    /// @param sellerSignature the seller's EIP-712 signature
    /// @param buyerSignature the buyer's EIP-712 signature
    function settleTrade(Terms calldata terms, bytes calldata sellerSignature, bytes calldata buyerSignature)
        external;

    // ---- listings (挂牌, 电子竞价) ----

    /// @notice List `quantityKg` of the caller's paid rights for sale at `askFen` until `endsAt`.
    /// When the caller is the government reserve, the price will be paid to the treasury (R-29).
    /// Refused at once, with the ledger's named error the settlement would give, when the seller
    /// could not deliver today: blacklisted (R-17), its sector not open to trading (R-38), not
    /// qualified or certified for that quantity (R-39), or short of unpledged paid rights above its
    /// permit (R-05, R-06, R-07).
    /// @param pollutant the pollutant's id in the account registry
    /// @param quantityKg the quantity, kg
    /// @param askFen the ask, fen (the whole lot)
    /// @param stepFen the smallest raise, fen
    /// @param endsAt the end, unix seconds
    /// @return id the new listing's number
    function list(uint32 pollutant, uint64 quantityKg, uint96 askFen, uint96 stepFen, uint40 endsAt)
        external
        returns (uint256 id);

    /// @notice `list` signed by `seller` as typed data
    /// `List(address seller,uint32 pollutant,uint64 quantityKg,uint96 askFen,uint96 stepFen,uint40 endsAt,uint256 nonce,uint256 deadline)`
    /// (relayable: the seller needs no gas).
    /// @param seller the selling member
    /// @param pollutant the pollutant's id in the account registry
    /// @param quantityKg the quantity, kg
    /// @param askFen the ask, fen (the whole lot)
    /// @param stepFen the smallest raise, fen
    /// @param endsAt the end, unix seconds
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    /// @return id the new listing's number
    function listBySig(
        address seller,
        uint32 pollutant,
        uint64 quantityKg,
        uint96 askFen,
        uint96 stepFen,
        uint40 endsAt,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 id);

    /// @notice Buy the whole listing at the ask before any bid (摘牌): settles at once.
    /// @param id the listing's number
    function take(uint256 id) external;

    /// @notice `take` signed by `buyer` over the listing's terms as typed data
    /// `Take(address buyer,uint256 listing,uint32 pollutant,uint64 quantityKg,uint96 priceFen,uint256 nonce,uint256 deadline)`:
    /// the buyer pays exactly the price it signed (`ExchangeTermsMismatch` otherwise).
    /// @param buyer the buying member
    /// @param listing the listing's number
    /// @param pollutant the pollutant's id in the account registry
    /// @param quantityKg the quantity, kg
    /// @param priceFen the price, fen
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function takeBySig(
        address buyer,
        uint256 listing,
        uint32 pollutant,
        uint64 quantityKg,
        uint96 priceFen,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Bid `priceFen` (at least the ask, or the leading bid plus the step): the bid's money
    /// is locked and the bid it beats is refunded. A bid in the last `BID_EXTENSION` seconds extends
    /// the bidding to that long after it. A bid whose settlement the ledger would refuse now is
    /// refused with the ledger's named error.
    /// @param id the listing's number
    /// @param priceFen the price, fen
    function bid(uint256 id, uint96 priceFen) external;

    /// @notice `bid` signed by `bidder` as typed data
    /// `Bid(address bidder,uint256 listing,uint96 priceFen,uint256 nonce,uint256 deadline)`.
    /// @param bidder the bidding member
    /// @param listing the listing's number
    /// @param priceFen the price, fen
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function bidBySig(address bidder, uint256 listing, uint96 priceFen, uint256 deadline, bytes calldata signature)
        external;

    /// @notice After the end: settle to the best bid (delivery versus payment), or close unsold.
    /// @param id the listing's number
    function settleListing(uint256 id) external;

    /// @notice The seller withdraws a listing without bids; the operator may suspend any open
    /// listing (the leading bid is refunded).
    /// @param id the listing's number
    function cancelListing(uint256 id) external;

    /// @notice `cancelListing` signed by the seller as typed data
    /// `CancelListing(address seller,uint256 listing,uint256 nonce,uint256 deadline)`.
    /// @param seller the selling member
    /// @param listing the listing's number
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function cancelListingBySig(address seller, uint256 listing, uint256 deadline, bytes calldata signature) external;

    /// @notice After the end, when the rule engine refuses the best bid's settlement: close the
    /// listing as failed and refund the bid. Refused while the listing can settle.
    /// @param id the listing's number
    function abandonListing(uint256 id) external;

    // ---- pre-checks (never revert) ----

    /// @notice Whether `terms` would settle now, signatures aside: the exchange's reason, or
    /// `RuleRefused` with the rule engine's reason and values.
    /// @param terms the trade's terms both parties signed
    /// @return market the exchange's reason (`MarketReason.Ok` when it has none)
    /// @return rule the rule engine's reason (`Reason.Ok` when it allows)
    /// @return have the figure the refusal found
    /// @return need the figure the rule asks
    function checkTrade(Terms calldata terms)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    /// @notice Whether `buyer` could take listing `id` now: the exchange's reason, or the rule engine's with its figures.
    /// @param id the listing's number
    /// @param buyer the buying member
    /// @return market the exchange's reason (`MarketReason.Ok` when it has none)
    /// @return rule the rule engine's reason (`Reason.Ok` when it allows)
    /// @return have the figure the refusal found
    /// @return need the figure the rule asks
    function checkTake(uint256 id, address buyer)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    /// @notice Whether `bidder` could bid `priceFen` on listing `id` now, with the reason when not.
    /// @param id the listing's number
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

    /// @notice Whether listing `id` would settle to its best bid now, with the reason when not.
    /// @param id the listing's number
    /// @return market the exchange's reason (`MarketReason.Ok` when it has none)
    /// @return rule the rule engine's reason (`Reason.Ok` when it allows)
    /// @return have the figure the refusal found
    /// @return need the figure the rule asks
    function checkSettleListing(uint256 id)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    // ---- views ----

    /// @notice The listing numbered `id`.
    /// @param id the listing's number
    /// @return the listing
    function listing(uint256 id) external view returns (Listing memory);
    /// @notice The leading bid of listing `id` (zero when none).
    /// @param id the listing's number
    /// @return the bid
    function leadingBid(uint256 id) external view returns (Bid memory);
    /// @notice How many listings were made (numbers 1 … this).
    /// @return the number of listings
    function listingCount() external view returns (uint256);
}
