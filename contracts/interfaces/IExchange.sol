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

    event Listed(
        uint256 indexed id,
        address indexed seller,
        uint32 indexed pollutant,
        uint64 quantityKg,
        uint256 askFen,
        uint256 stepFen,
        uint256 endsAt
    );
    event ListingTaken(uint256 indexed id, address indexed buyer, uint256 priceFen);
    event ListingBid(uint256 indexed id, address indexed bidder, uint256 priceFen, uint256 endsAt);
    event ListingSettled(uint256 indexed id, address indexed buyer, uint256 priceFen);
    event ListingClosed(uint256 indexed id, ListingStatus status, address indexed by);
    event ListingFailed(uint256 indexed id, Reason reason, uint256 have, uint256 need);

    error ExchangeInvalidMode(TradeMode mode);
    error ExchangeUnknownListing(uint256 id);
    error ExchangeListingNotOpen(uint256 id, ListingStatus status);
    error ExchangeListingEnded(uint256 id, uint256 endsAt);
    error ExchangeListingNotEnded(uint256 id, uint256 endsAt);
    error ExchangeListingHasBids(uint256 id);
    error ExchangeInvalidListing(uint256 askFen, uint256 stepFen, uint256 endsAt);
    error ExchangeBidTooLow(uint256 id, uint256 priceFen, uint256 minimumFen);
    error ExchangeNotSeller(uint256 id, address caller);
    error ExchangeListingCanSettle(uint256 id);
    error ExchangeZeroAddress();
    /// @notice A signed acceptance names terms other than the listing's (pollutant, quantity, ask).
    error ExchangeTermsMismatch(uint256 id, uint32 pollutant, uint64 quantityKg, uint96 askFen);

    // ---- negotiated trades (协议转让) ----

    /// @notice Settle a negotiated trade both parties signed: the buyer's available money pays the
    /// seller — or, for a release of reserve rights (`ReserveRelease`, `GreenChannel`), the treasury
    /// (R-29) — and the rights move, in one transaction (R-16). Anyone may submit it; a party that
    /// submits it itself needs no signature of its own (pass empty bytes). Reverts with the
    /// ledger's named error when a rule refuses.
    function settleTrade(Terms calldata terms, bytes calldata sellerSignature, bytes calldata buyerSignature)
        external;

    // ---- listings (挂牌, 电子竞价) ----

    /// @notice List `quantityKg` of the caller's paid rights for sale at `askFen` until `endsAt`.
    /// When the caller is the government reserve, the price will be paid to the treasury (R-29).
    /// Refused at once, with the ledger's named error the settlement would give, when the seller
    /// could not deliver today: blacklisted (R-17), its sector not open to trading (R-38), not
    /// qualified or certified for that quantity (R-39), or short of unpledged paid rights above its
    /// permit (R-05, R-06, R-07).
    function list(uint32 pollutant, uint64 quantityKg, uint96 askFen, uint96 stepFen, uint40 endsAt)
        external
        returns (uint256 id);

    /// @notice `list` signed by `seller` as typed data
    /// `List(address seller,uint32 pollutant,uint64 quantityKg,uint96 askFen,uint96 stepFen,uint40 endsAt,uint256 nonce,uint256 deadline)`
    /// (relayable: the seller needs no gas).
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
    function take(uint256 id) external;

    /// @notice `take` signed by `buyer` over the listing's terms as typed data
    /// `Take(address buyer,uint256 listing,uint32 pollutant,uint64 quantityKg,uint96 priceFen,uint256 nonce,uint256 deadline)`:
    /// the buyer pays exactly the price it signed (`ExchangeTermsMismatch` otherwise).
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
    function bid(uint256 id, uint96 priceFen) external;

    /// @notice `bid` signed by `bidder` as typed data
    /// `Bid(address bidder,uint256 listing,uint96 priceFen,uint256 nonce,uint256 deadline)`.
    function bidBySig(address bidder, uint256 listing, uint96 priceFen, uint256 deadline, bytes calldata signature)
        external;

    /// @notice After the end: settle to the best bid (delivery versus payment), or close unsold.
    function settleListing(uint256 id) external;

    /// @notice The seller withdraws a listing without bids; the operator may suspend any open
    /// listing (the leading bid is refunded).
    function cancelListing(uint256 id) external;

    /// @notice `cancelListing` signed by the seller as typed data
    /// `CancelListing(address seller,uint256 listing,uint256 nonce,uint256 deadline)`.
    function cancelListingBySig(address seller, uint256 listing, uint256 deadline, bytes calldata signature) external;

    /// @notice After the end, when the rule engine refuses the best bid's settlement: close the
    /// listing as failed and refund the bid. Refused while the listing can settle.
    function abandonListing(uint256 id) external;

    // ---- pre-checks (never revert) ----

    /// @notice Whether `terms` would settle now, signatures aside: the exchange's reason, or
    /// `RuleRefused` with the rule engine's reason and values.
    function checkTrade(Terms calldata terms)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    function checkTake(uint256 id, address buyer)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    function checkBid(uint256 id, address bidder, uint256 priceFen)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    function checkSettleListing(uint256 id)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    // ---- views ----

    function listing(uint256 id) external view returns (Listing memory);
    function leadingBid(uint256 id) external view returns (Bid memory);
    function listingCount() external view returns (uint256);
}
