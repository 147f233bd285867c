// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IPrimaryMarket} from "../interfaces/IPrimaryMarket.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IPriceBook} from "../interfaces/IPriceBook.sol";
import {ITradingAccounts} from "../interfaces/ITradingAccounts.sol";
import {MarketReason} from "../interfaces/MarketTypes.sol";
import {Op, Origin, Reason, TradeMode} from "../interfaces/Types.sol";
import {Roles} from "../access/Roles.sol";
import {SignedActions} from "../utils/SignedActions.sol";
import {LedgerRefusals} from "../registry/LedgerRefusals.sol";

/// @title PrimaryMarket
/// @notice Applications, approvals, waivers and benchmark purchases (R-08 – R-12); auction wins are
/// registered here for the auction house. Rights appear only in the transaction that pays for them.
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract PrimaryMarket is IPrimaryMarket, CouncilUpgradeable, SignedActions {
    bytes32 public constant TREASURY_ROLE = Roles.TREASURY;
    bytes32 public constant AUCTION_ROLE = Roles.AUCTION;
    bytes32 private constant APPLICATION_TYPEHASH = keccak256(
        "Application(address applicant,uint32 pollutant,uint64 quantityKg,uint8 kind,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant PURCHASE_TYPEHASH = keccak256(
        "Purchase(address applicant,uint256 application,uint256 maxFeeFen,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant WITHDRAW_APPLICATION_TYPEHASH =
        keccak256("WithdrawApplication(address applicant,uint256 application,uint256 nonce,uint256 deadline)");

    IAccountRegistry public immutable registry;
    IRightsLedger public immutable ledger;
    IPriceBook public immutable priceBook;
    ITradingAccounts public immutable accounts;
    address public immutable treasury;
    uint256 private _applicationCount;
    mapping(uint256 id => Application) private _applications; // ids from 1; unknown: status None

    constructor(
        IAccountRegistry registry_,
        IRightsLedger ledger_,
        IPriceBook priceBook_,
        ITradingAccounts accounts_,
        address treasury_
    ) SignedActions("PrimaryMarket", "2") {
        if (treasury_ == address(0)) revert PrimaryZeroAddress();
        registry = registry_;
        ledger = ledger_;
        priceBook = priceBook_;
        accounts = accounts_;
        treasury = treasury_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        _initCouncilAdmin(admin);
    }

    // ------------------------------------------------------------------ applicant

    /// @inheritdoc IPrimaryMarket
    function submitApplication(uint32 pollutant, uint64 kg, Kind kind) external returns (uint256) {
        return _submit(msg.sender, pollutant, kg, kind);
    }

    /// @inheritdoc IPrimaryMarket
    function submitApplicationBySig(
        address applicant,
        uint32 pollutant,
        uint64 kg,
        Kind kind,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        _useSignature(
            applicant, abi.encode(APPLICATION_TYPEHASH, applicant, pollutant, kg, uint8(kind)), deadline, signature
        );
        return _submit(applicant, pollutant, kg, kind);
    }

    /// @inheritdoc IPrimaryMarket
    function withdrawApplication(uint256 id) external {
        _withdraw(msg.sender, id);
    }

    /// @inheritdoc IPrimaryMarket
    function withdrawApplicationBySig(address applicant, uint256 application, uint256 deadline, bytes calldata signature)
        external
    {
        _useSignature(
            applicant, abi.encode(WITHDRAW_APPLICATION_TYPEHASH, applicant, application), deadline, signature
        );
        _withdraw(applicant, application);
    }

    function _withdraw(address applicant, uint256 id) private {
        Application storage a = _get(id);
        if (a.applicant != applicant) revert PrimaryNotApplicant(id, applicant);
        if (a.status != Status.Applied && a.status != Status.Approved) revert PrimaryWrongStatus(id, a.status);
        _requireNotInAuction(id, a);
        a.status = Status.Withdrawn;
        emit ApplicationWithdrawn(id);
    }

    /// @inheritdoc IPrimaryMarket
    function purchase(uint256 id) external {
        Application storage a = _get(id);
        if (a.applicant != msg.sender) revert PrimaryNotApplicant(id, msg.sender);
        _purchase(id, a);
    }

    /// @inheritdoc IPrimaryMarket
    function purchaseBySig(uint256 id, uint256 maxFeeFen, uint256 deadline, bytes calldata signature) external {
        Application storage a = _get(id);
        _useSignature(a.applicant, abi.encode(PURCHASE_TYPEHASH, a.applicant, id, maxFeeFen), deadline, signature);
        uint256 fee = feeOf(id);
        if (fee > maxFeeFen) revert PrimaryFeeAboveAccepted(id, fee, maxFeeFen);
        _purchase(id, a);
    }

    // ------------------------------------------------------------------ authorities

    /// @inheritdoc IPrimaryMarket
    function approve(uint256 id, uint64 approvedKg) external {
        Application storage a = _byAuthority(id);
        if (a.status != Status.Applied) revert PrimaryWrongStatus(id, a.status);
        if (approvedKg == 0) revert PrimaryZeroQuantity();
        if (approvedKg > a.requestedKg) revert PrimaryApprovedAboveRequested(id, approvedKg, a.requestedKg);
        // an approval its allocation would be refused today (R-10 cap, R-11, R-38) is refused now,
        // with the allocation's own error; the purchase or the auction's settlement checks it again
        LedgerRefusals.requireAllowed(ledger, _allocation(a, approvedKg));
        a.approvedKg = approvedKg;
        a.remainingKg = approvedKg;
        a.status = Status.Approved;
        emit ApplicationApproved(id, approvedKg, msg.sender);
    }

    /// @inheritdoc IPrimaryMarket
    function reject(uint256 id, string calldata reason) external {
        Application storage a = _byAuthority(id);
        if (a.status != Status.Applied && a.status != Status.Approved) revert PrimaryWrongStatus(id, a.status);
        _requireNotInAuction(id, a);
        a.status = Status.Rejected;
        emit ApplicationRejected(id, reason, msg.sender);
    }

    /// @inheritdoc IPrimaryMarket
    function waive(uint256 id) external onlyRole(TREASURY_ROLE) {
        Application storage a = _get(id);
        if (a.kind != Kind.Existing) revert PrimaryWrongKind(id, a.kind);
        if (a.status != Status.Applied && a.status != Status.Approved) revert PrimaryWrongStatus(id, a.status);
        if (a.waived) revert PrimaryAlreadyWaived(id);
        a.waived = true;
        emit FeeWaived(id, msg.sender);
    }

    /// @inheritdoc IPrimaryMarket
    function fulfil(uint256 id, address winner, uint32 pollutant, uint64 kg, uint256 priceFen)
        external
        onlyRole(AUCTION_ROLE)
    {
        Application storage a = _get(id);
        if (!_usable(a, winner, pollutant, kg)) revert PrimaryApplicationUnusable(id, winner, pollutant, kg);
        a.remainingKg -= kg;
        if (a.remainingKg == 0) a.status = Status.Settled;
        emit PrimaryAuctionAllocated(id, winner, pollutant, kg, priceFen);
        _release(id, a);
        ledger.allocate(winner, pollutant, Origin.Paid, kg); // R-10, R-11, R-38
    }

    /// @inheritdoc IPrimaryMarket
    function holdApplication(uint256 id) external onlyRole(AUCTION_ROLE) {
        Application storage a = _get(id);
        emit ApplicationBound(id, ++a.auctions);
    }

    /// @inheritdoc IPrimaryMarket
    function releaseApplication(uint256 id) external onlyRole(AUCTION_ROLE) {
        _release(id, _get(id));
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPrimaryMarket
    function application(uint256 id) external view returns (Application memory) {
        return _get(id);
    }

    /// @inheritdoc IPrimaryMarket
    function applicationCount() external view returns (uint256) {
        return _applicationCount;
    }

    /// @inheritdoc IPrimaryMarket
    function feeOf(uint256 id) public view returns (uint256) {
        Application storage a = _get(id);
        if (a.waived) return 0;
        return priceBook.quote(a.pollutant, registry.profile(a.applicant).district, a.approvedKg);
    }

    /// @inheritdoc IPrimaryMarket
    function checkPurchase(uint256 id) external view returns (MarketReason, Reason, uint256, uint256) {
        Application storage a = _applications[id];
        if (a.status == Status.None) return (MarketReason.UnknownOrder, Reason.Ok, id, 0);
        if (a.kind != Kind.Existing) return (MarketReason.WrongStatus, Reason.Ok, uint8(a.kind), 0);
        if (a.status != Status.Approved) return (MarketReason.WrongStatus, Reason.Ok, uint8(a.status), 0);
        uint16 district = registry.profile(a.applicant).district;
        if (!a.waived) {
            try priceBook.quote(a.pollutant, district, a.approvedKg) returns (uint256 fee) {
                uint256 available = accounts.fundsOf(a.applicant).available;
                if (available < fee) return (MarketReason.InsufficientFunds, Reason.Ok, available, fee);
            } catch {
                return (MarketReason.RuleRefused, Reason.NoBenchmark, a.pollutant, district);
            }
        }
        (Reason rule, uint256 have, uint256 need) = ledger.check(_allocation(a, a.approvedKg));
        return (rule == Reason.Ok ? MarketReason.Ok : MarketReason.RuleRefused, rule, have, need);
    }

    /// @inheritdoc IPrimaryMarket
    function usableFor(uint256 id, address bidder, uint32 pollutant, uint64 kg) external view returns (bool) {
        return _usable(_applications[id], bidder, pollutant, kg);
    }

    // ------------------------------------------------------------------ internals

    function _submit(address applicant, uint32 pollutant, uint64 kg, Kind kind) private returns (uint256 id) {
        if (kg == 0) revert PrimaryZeroQuantity();
        // an applicant that could be allocated nothing today is refused now (R-01, R-02, R-11,
        // R-32, R-38); the cap (R-10) is the approval's question, where the quantity is decided
        IRightsLedger.Movement memory m = IRightsLedger.Movement(
            Op.Allocate, address(0), applicant, pollutant, kg, 0, TradeMode.None, 0, Origin.Paid, false
        );
        (Reason rule, uint256 have, uint256 need) = ledger.check(m);
        if (rule != Reason.Ok && rule != Reason.NoCap && rule != Reason.CapExceeded) {
            LedgerRefusals.refuse(rule, m, have, need);
        }
        id = ++_applicationCount;
        _applications[id] = Application(applicant, pollutant, kg, 0, 0, kind, Status.Applied, false, 0);
        emit ApplicationSubmitted(id, applicant, pollutant, kind, kg);
    }

    /// @dev R-08, R-09: pay, then register, in one transaction; the ledger's rules decide the allocation.
    function _purchase(uint256 id, Application storage a) private {
        if (a.kind != Kind.Existing) revert PrimaryWrongKind(id, a.kind);
        if (a.status != Status.Approved) revert PrimaryWrongStatus(id, a.status);
        uint256 fee = feeOf(id);
        Origin origin = a.waived ? Origin.Waived : Origin.Paid;
        address applicant = a.applicant;
        uint64 kg = a.approvedKg;
        a.remainingKg = 0;
        a.status = Status.Settled;
        emit PrimaryPurchased(id, applicant, a.pollutant, kg, fee, origin);
        accounts.payOut(applicant, treasury, fee, false); // R-29: the fee to the treasury
        ledger.allocate(applicant, a.pollutant, origin, kg); // R-10, R-11, R-12, R-38
    }

    /// @dev The allocation of `kg` under application `a`: to the applicant, against its district's cap.
    function _allocation(Application storage a, uint64 kg) private view returns (IRightsLedger.Movement memory) {
        uint16 district = registry.profile(a.applicant).district;
        Origin origin = a.waived ? Origin.Waived : Origin.Paid;
        return IRightsLedger.Movement(
            Op.Allocate, address(0), a.applicant, a.pollutant, kg, 0, TradeMode.None, district, origin, false
        );
    }

    /// @dev An approved new-unit or expansion application of `bidder` for `pollutant` covering `kg`.
    function _usable(Application storage a, address bidder, uint32 pollutant, uint64 kg) private view returns (bool) {
        return a.applicant == bidder && a.kind != Kind.Existing && a.status == Status.Approved
            && a.pollutant == pollutant && a.remainingKg >= kg;
    }

    function _release(uint256 id, Application storage a) private {
        if (a.auctions != 0) emit ApplicationBound(id, --a.auctions);
    }

    /// @dev R-09: an application a bidder joined a primary lot with is bound by its bid.
    function _requireNotInAuction(uint256 id, Application storage a) private view {
        if (a.auctions != 0) revert PrimaryApplicationInAuction(id, a.auctions);
    }

    function _get(uint256 id) private view returns (Application storage a) {
        a = _applications[id];
        if (a.status == Status.None) revert PrimaryUnknownApplication(id);
    }

    function _byAuthority(uint256 id) private view returns (Application storage a) {
        a = _get(id);
        if (!registry.isAuthorityFor(msg.sender, a.applicant)) revert PrimaryNotAuthority(msg.sender, a.applicant);
    }
}
