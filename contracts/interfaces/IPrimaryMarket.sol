// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {MarketReason} from "./MarketTypes.sol";
import {Origin, Reason} from "./Types.sol";

/// @title IPrimaryMarket
/// @notice The primary market (一级市场, R-08 – R-12): a unit applies (申报), the regulator approves
/// the quantity (核定), and the rights are registered only when they are paid for through the
/// exchange — existing units buy their initial rights at the benchmark price, new units and
/// expansions win them at auction (R-09). The paid-use fee goes to the treasury (R-08, R-29); the
/// treasury may waive it, and the rights are then `waived` (R-12). Caps (R-10), industrial policy
/// (R-11) and the sector roll-out (R-38) are the ledger's rules, checked when the rights are allocated
/// and, with the same errors, already when the unit applies and when the quantity is approved.
interface IPrimaryMarket {
    /// @notice What the application is for (R-09).
    enum Kind {
        Existing, // 现有排污单位的初始排污权: bought at the benchmark price
        NewUnit, // 新建排污单位: by auction
        Expansion // 改扩建、扩大生产的新增排污权: by auction
    }

    enum Status {
        None,
        Applied,
        Approved,
        Rejected,
        Withdrawn,
        Settled // bought, or won at auction for the whole approved quantity
    }

    /// @notice One application (two storage slots).
    struct Application {
        address applicant;
        uint32 pollutant;
        uint64 requestedKg;
        uint64 approvedKg; // 核定量
        uint64 remainingKg; // approved and not yet acquired
        Kind kind;
        Status status;
        bool waived; // R-12: the treasury waived the fee
        uint32 auctions; // R-09: primary lots the applicant joined with it and not yet left (bound by its bids)
    }

    /// @notice `applicant` applied for `requestedKg` of `pollutant` (申报, R-08, R-09).
    /// @param id the application's number
    /// @param applicant the applying unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kind its kind (R-08, R-09)
    /// @param requestedKg the quantity requested, kg
    event ApplicationSubmitted(
        uint256 indexed id, address indexed applicant, uint32 indexed pollutant, Kind kind, uint64 requestedKg
    );
    /// @notice The regulator approved `approvedKg` of the application.
    /// @param id the application's number
    /// @param approvedKg the quantity approved, kg
    /// @param by the regulator or treasury that acted
    event ApplicationApproved(uint256 indexed id, uint64 approvedKg, address indexed by);
    /// @notice The regulator rejected the application, with its reason.
    /// @param id the application's number
    /// @param reason the reason, in words
    /// @param by the regulator or treasury that acted
    event ApplicationRejected(uint256 indexed id, string reason, address indexed by);
    /// @notice The applicant withdrew the application.
    /// @param id the application's number
    event ApplicationWithdrawn(uint256 indexed id);
    /// @notice The treasury waived the application's paid-use fee (R-12).
    /// @param id the application's number
    /// @param by the regulator or treasury that acted
    event FeeWaived(uint256 indexed id, address indexed by);
    /// @notice R-09: the number of primary lots that hold the application changed (joined, left).
    /// @param id the application's number
    /// @param auctions the number of primary lots holding it
    event ApplicationBound(uint256 indexed id, uint32 auctions);
    /// @notice Rights bought at the benchmark (fee to the treasury) or allocated under a waiver (fee 0).
    /// @param id the application's number
    /// @param applicant the applying unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param feeFen the fee, fen
    /// @param origin the rights' origin (paid, or waived under R-12)
    event PrimaryPurchased(
        uint256 indexed id, address indexed applicant, uint32 indexed pollutant, uint64 kg, uint256 feeFen, Origin origin
    );
    /// @notice Rights won at a primary auction, paid to the treasury by the auction house.
    /// @param id the application's number
    /// @param applicant the applying unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param priceFen the price, fen
    event PrimaryAuctionAllocated(
        uint256 indexed id, address indexed applicant, uint32 indexed pollutant, uint64 kg, uint256 priceFen
    );

    /// @notice A quantity of zero kg.
    error PrimaryZeroQuantity();
    /// @notice No application has this number.
    /// @param id the application's number
    error PrimaryUnknownApplication(uint256 id);
    /// @notice The application is not in a status that allows this step.
    /// @param id the application's number
    /// @param status its status
    error PrimaryWrongStatus(uint256 id, Status status);
    /// @notice The step is for another kind of application (existing units buy, new units and expansions bid, R-08, R-09).
    /// @param id the application's number
    /// @param kind its kind (R-08, R-09)
    error PrimaryWrongKind(uint256 id, Kind kind);
    /// @notice Only the applicant acts on its application.
    /// @param id the application's number
    /// @param caller who asked
    error PrimaryNotApplicant(uint256 id, address caller);
    /// @notice Only a regulator with authority over the applicant approves or rejects.
    /// @param actor who asked
    /// @param applicant the applying unit
    error PrimaryNotAuthority(address actor, address applicant);
    /// @notice A regulator approves at most what was requested.
    /// @param id the application's number
    /// @param approvedKg the quantity approved, kg
    /// @param requestedKg the quantity requested, kg
    error PrimaryApprovedAboveRequested(uint256 id, uint64 approvedKg, uint64 requestedKg);
    /// @notice The fee is already waived.
    /// @param id the application's number
    error PrimaryAlreadyWaived(uint256 id);
    /// @notice The application does not let the winner acquire this quantity of this pollutant (R-09).
    /// @param id the application's number
    /// @param winner the auction's winner
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    error PrimaryApplicationUnusable(uint256 id, address winner, uint32 pollutant, uint64 kg);
    /// @notice A deployment without a treasury.
    error PrimaryZeroAddress();
    /// R-09: the application backs a bid in a primary auction (the bidder is bound by it).
    /// @param id the application's number
    /// @param auctions the number of primary lots holding it
    error PrimaryApplicationInAuction(uint256 id, uint32 auctions);
    /// The fee is above what the applicant accepted when it signed.
    /// @param id the application's number
    /// @param feeFen the fee, fen
    /// @param maxFeeFen the largest fee the applicant accepts, fen
    error PrimaryFeeAboveAccepted(uint256 id, uint256 feeFen, uint256 maxFeeFen);

    /// @notice Apply for `kg` of `pollutant` (申报). Refused at once, with the ledger's named error,
    /// when no rights could be allocated to the applicant today whatever the quantity approved:
    /// unknown pollutant (R-01), not registered or closed (R-02, R-32), failing industrial policy
    /// (R-11), sector not yet in paid use (R-38). The cap (R-10) is decided at approval.
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param kind its kind (R-08, R-09)
    /// @return id the new application's number
    function submitApplication(uint32 pollutant, uint64 kg, Kind kind) external returns (uint256 id);

    /// @notice The same, signed by `applicant` as typed data
    /// `Application(address applicant,uint32 pollutant,uint64 quantityKg,uint8 kind,uint256 nonce,uint256 deadline)`.
    /// @param applicant the applying unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param kind its kind (R-08, R-09)
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    /// @return id the new application's number
    function submitApplicationBySig(
        address applicant,
        uint32 pollutant,
        uint64 kg,
        Kind kind,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 id);

    /// @notice The applicant withdraws an application not yet settled and not bound to a primary
    /// auction it joined (`PrimaryApplicationInAuction`, R-09).
    /// @param id the application's number
    function withdrawApplication(uint256 id) external;

    /// @notice The same, signed by the applicant as typed data
    /// `WithdrawApplication(address applicant,uint256 application,uint256 nonce,uint256 deadline)`.
    /// @param applicant the applying unit
    /// @param application the application's number
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function withdrawApplicationBySig(address applicant, uint256 application, uint256 deadline, bytes calldata signature)
        external;

    /// @notice The regulator for the applicant (city, or the applicant's district) approves a
    /// quantity up to the one requested (核定, R-08). Refused, with the error the purchase (or the
    /// auction's settlement) would give, when that allocation would be refused today: beyond the
    /// remaining cap of the applicant's district (R-10: `LedgerCapExceeded`, `LedgerNoCap`), R-11,
    /// R-38. The allocation checks it again.
    /// @param id the application's number
    /// @param approvedKg the quantity approved, kg
    function approve(uint256 id, uint64 approvedKg) external;

    /// @notice The regulator rejects an application not yet settled and not bound to a primary auction.
    /// @param id the application's number
    /// @param reason the reason, in words
    function reject(uint256 id, string calldata reason) external;

    /// @notice R-12: the treasury waives the paid-use fee of an existing unit's application.
    /// @param id the application's number
    function waive(uint256 id) external;

    /// @notice R-08, R-09: the applicant (an existing unit) pays approved quantity × benchmark of its
    /// district from its trading account to the treasury, and the rights are registered `paid` in the
    /// same transaction (or `waived` without payment under a waiver).
    /// @param id the application's number
    function purchase(uint256 id) external;

    /// @notice The same, signed by the applicant as typed data with the largest fee it accepts, so a
    /// relayer cannot buy at a higher benchmark:
    /// `Purchase(address applicant,uint256 application,uint256 maxFeeFen,uint256 nonce,uint256 deadline)`;
    /// a higher fee is refused (`PrimaryFeeAboveAccepted`).
    /// @param id the application's number
    /// @param maxFeeFen the largest fee the applicant accepts, fen
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function purchaseBySig(uint256 id, uint256 maxFeeFen, uint256 deadline, bytes calldata signature) external;

    /// @notice The auction house (AUCTION_ROLE) registers `kg` won at a primary auction by the
    /// application's applicant, `priceFen` having been paid to the treasury in the same transaction.
    /// @param id the application's number
    /// @param winner the auction's winner
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param priceFen the price, fen
    function fulfil(uint256 id, address winner, uint32 pollutant, uint64 kg, uint256 priceFen) external;

    /// @notice The auction house (AUCTION_ROLE): a bidder joined a primary lot with application `id`.
    /// @param id the application's number
    function holdApplication(uint256 id) external;

    /// @notice The auction house (AUCTION_ROLE): the bidder left the lot (deposit refunded); the
    /// registration of its win (`fulfil`) releases the hold too.
    /// @param id the application's number
    function releaseApplication(uint256 id) external;

    // ---- views ----

    /// @notice The application numbered `id`.
    /// @param id the application's number
    /// @return the application
    function application(uint256 id) external view returns (Application memory);
    /// @notice How many applications were submitted (numbers 1 … this).
    /// @return the number of applications
    function applicationCount() external view returns (uint256);

    /// @notice The paid-use fee of an application now: approved quantity × benchmark of the
    /// applicant's district (else city-wide), rounded up to the fen; 0 under a waiver.
    /// @param id the application's number
    /// @return the fee, fen
    function feeOf(uint256 id) external view returns (uint256);

    /// @notice Whether `purchase(id)` would succeed now, with the exchange's or the rule engine's reason.
    /// @param id the application's number
    /// @return market the exchange's reason (`MarketReason.Ok` when it has none)
    /// @return rule the rule engine's reason (`Reason.Ok` when it allows)
    /// @return have the figure the refusal found
    /// @return need the figure the rule asks
    function checkPurchase(uint256 id)
        external
        view
        returns (MarketReason market, Reason rule, uint256 have, uint256 need);

    /// @notice Whether application `id` lets `bidder` acquire `kg` of `pollutant` at a primary auction.
    /// @param id the application's number
    /// @param bidder the bidder
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @return true when it does
    function usableFor(uint256 id, address bidder, uint32 pollutant, uint64 kg) external view returns (bool);
}
