// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IComplianceManager} from "../interfaces/IComplianceManager.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IUsageOracle} from "../interfaces/IUsageOracle.sol";
import {Roles} from "../access/Roles.sol";
import {SignedActions} from "../utils/SignedActions.sol";

/// @title ComplianceManager
/// @notice Runs the permit cycle's end: surrender against verified usage, shortfall, carry-over.
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract ComplianceManager is IComplianceManager, CouncilUpgradeable, SignedActions {
    bytes32 public constant REGULATOR_ROLE = Roles.REGULATOR;
    bytes32 public constant LIFECYCLE_ROLE = Roles.LIFECYCLE;
    bytes32 public constant RESERVE_ROLE = Roles.RESERVE; // the government reserve's buy-backs (R-26)
    bytes32 private constant SURRENDER_TYPEHASH =
        keccak256("Surrender(address unit,uint32 pollutant,uint32 period,uint256 nonce,uint256 deadline)");
    bytes32 private constant CARRY_OVER_TYPEHASH =
        keccak256("CarryOver(address unit,uint32 pollutant,uint32 period,uint256 nonce,uint256 deadline)");

    IRightsLedger public immutable ledger;
    IAccountRegistry public immutable registry;
    IUsageOracle public immutable oracle;

    // ids 1, 2, …; a defined period's `end` is never 0 (start < end), so no count is read to
    // tell a defined one: one storage slot per period-bound action
    mapping(uint32 id => Period) private _periods;
    uint32 private _periodCount;
    mapping(address unit => mapping(uint32 pollutant => mapping(uint32 period => Record))) private _records;
    mapping(address unit => address) private _successor;

    constructor(IAccountRegistry registry_, IRightsLedger ledger_, IUsageOracle oracle_)
        SignedActions("ComplianceManager", "1")
    {
        registry = registry_;
        ledger = ledger_;
        oracle = oracle_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        _initCouncilAdmin(admin);
    }

    /// @inheritdoc IComplianceManager
    function definePeriod(uint64 start, uint64 end, uint64 surrenderDeadline, uint64 carryOverDeadline)
        external
        onlyRole(REGULATOR_ROLE)
        returns (uint32 id)
    {
        uint32 n = _periodCount;
        if (
            start >= end || end > surrenderDeadline || surrenderDeadline > carryOverDeadline
                || (n > 0 && start < _periods[n].end)
        ) revert ComplianceInvalidPeriod(start, end, surrenderDeadline, carryOverDeadline);
        id = n + 1;
        _periodCount = id;
        _periods[id] = Period(start, end, surrenderDeadline, carryOverDeadline);
        emit PeriodDefined(id, start, end, surrenderDeadline, carryOverDeadline);
    }

    /// @inheritdoc IComplianceManager
    function surrender(address unit, uint32 pollutant, uint32 periodId) external {
        _requireActor(unit);
        _surrender(unit, pollutant, periodId);
    }

    /// @inheritdoc IComplianceManager
    function surrenderBatch(address[] calldata units, uint32 pollutant, uint32 periodId) external {
        for (uint256 i; i < units.length; ++i) {
            _requireActor(units[i]);
            _surrender(units[i], pollutant, periodId);
        }
    }

    /// @inheritdoc IComplianceManager
    function surrenderBySig(address unit, uint32 pollutant, uint32 periodId, uint256 deadline, bytes calldata signature)
        external
    {
        _useSignature(unit, abi.encode(SURRENDER_TYPEHASH, unit, pollutant, periodId), deadline, signature);
        _surrender(unit, pollutant, periodId);
    }

    /// @inheritdoc IComplianceManager
    function closeSurrender(address unit, uint32 pollutant, uint32 periodId) external {
        Period memory p = _period(periodId);
        if (block.timestamp < p.surrenderDeadline) revert ComplianceDeadlineNotReached(periodId, p.surrenderDeadline);
        Record storage r = _records[unit][pollutant][periodId];
        if (r.closed) revert ComplianceAlreadyClosed(unit, pollutant, periodId);
        uint64 usage = _finalUsage(unit, pollutant, periodId);
        uint64 shortfall = usage > r.surrendered ? usage - r.surrendered : 0;
        r.closed = true;
        r.shortfall = shortfall;
        emit SurrenderClosed(unit, pollutant, periodId, shortfall);
        if (shortfall != 0) {
            address owner = obligor(unit);
            ledger.setOwed(owner, pollutant, ledger.owed(owner, pollutant) + shortfall);
        }
    }

    /// @inheritdoc IComplianceManager
    function settleOwed(address unit, uint32 pollutant) external {
        _requireActor(unit);
        uint64 owed = ledger.owed(unit, pollutant);
        if (owed == 0) revert ComplianceNothingOwed(unit, pollutant);
        uint64 burned = ledger.usable(unit, pollutant);
        if (burned > owed) burned = owed;
        if (burned == 0) revert ComplianceNothingToSurrender(unit, pollutant, owed);
        emit OwedSettled(unit, pollutant, burned, owed - burned, msg.sender);
        ledger.setOwed(unit, pollutant, owed - burned);
        ledger.surrender(unit, pollutant, burned);
    }

    /// @inheritdoc IComplianceManager
    function carryOver(address unit, uint32 pollutant, uint32 periodId) external {
        _requireActor(unit);
        _carryOver(unit, pollutant, periodId);
    }

    /// @inheritdoc IComplianceManager
    function carryOverBySig(address unit, uint32 pollutant, uint32 periodId, uint256 deadline, bytes calldata signature)
        external
    {
        _useSignature(unit, abi.encode(CARRY_OVER_TYPEHASH, unit, pollutant, periodId), deadline, signature);
        _carryOver(unit, pollutant, periodId);
    }

    /// @inheritdoc IComplianceManager
    function sweepCarryOver(address[] calldata units, uint32 pollutant, uint32 periodId) external {
        Period memory p = _period(periodId);
        if (block.timestamp < p.carryOverDeadline) revert ComplianceDeadlineNotReached(periodId, p.carryOverDeadline);
        for (uint256 i; i < units.length; ++i) {
            Record storage r = _records[units[i]][pollutant][periodId];
            if (r.carriedOver) continue;
            (bool isFinal, uint64 usage) = oracle.finalUsage(units[i], pollutant, periodId);
            if (!isFinal || r.surrendered < usage) continue;
            (uint64 kg,) = _carriable(units[i], pollutant);
            if (kg == 0) continue; // nothing unpledged is left to carry (R-07)
            _recordCarryOver(r, units[i], pollutant, periodId, kg, true);
        }
    }

    /// @inheritdoc IComplianceManager
    function useSurplus(address unit, uint32 pollutant, uint32 periodId, uint64 kg)
        external
        onlyRole(RESERVE_ROLE)
        returns (bool)
    {
        if (!surplusWindowOpen(unit, pollutant, periodId)) return false;
        Record storage r = _records[unit][pollutant][periodId];
        if (!r.surplusFixed) _recordSurplus(r, unit, pollutant, periodId, ledger.holdings(obligor(unit), pollutant));
        uint40 remaining = r.surplusKg;
        if (kg > remaining) revert ComplianceSurplusExceeded(unit, pollutant, periodId, kg, remaining);
        r.surplusKg = remaining - uint40(kg);
        emit SurplusBoughtBack(unit, pollutant, periodId, kg, r.surplusKg);
        return true;
    }

    /// @inheritdoc IComplianceManager
    function setSuccessor(address unit, address successor) external onlyRole(LIFECYCLE_ROLE) {
        _successor[unit] = successor;
        emit SuccessorSet(unit, successor);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IComplianceManager
    function obligor(address unit) public view returns (address) {
        address next = _successor[unit];
        while (next != address(0)) {
            unit = next;
            next = _successor[unit];
        }
        return unit;
    }

    /// @inheritdoc IComplianceManager
    function period(uint32 id)
        external
        view
        returns (uint64 start, uint64 end, uint64 surrenderDeadline, uint64 carryOverDeadline)
    {
        Period memory p = _period(id);
        return (p.start, p.end, p.surrenderDeadline, p.carryOverDeadline);
    }

    /// @inheritdoc IComplianceManager
    function periodCount() external view returns (uint32) {
        return _periodCount;
    }

    /// @inheritdoc IComplianceManager
    function record(address unit, uint32 pollutant, uint32 periodId) external view returns (Record memory) {
        return _records[unit][pollutant][periodId];
    }

    /// @inheritdoc IComplianceManager
    function status(address unit, uint32 pollutant, uint32 periodId)
        public
        view
        returns (Status, uint64 usage, uint64 surrendered)
    {
        Period memory p = _periods[periodId];
        if (p.end == 0) return (Status.None, 0, 0);
        Record memory r = _records[unit][pollutant][periodId];
        surrendered = r.surrendered;
        if (block.timestamp < p.end) return (Status.Open, 0, surrendered);
        bool isFinal;
        (isFinal, usage) = oracle.finalUsage(unit, pollutant, periodId);
        if (!isFinal) return (Status.AwaitingVerification, usage, surrendered);
        if (surrendered >= usage) return (Status.Compliant, usage, surrendered);
        if (r.closed) return (Status.NonCompliant, usage, surrendered);
        return (block.timestamp < p.surrenderDeadline ? Status.Due : Status.Overdue, usage, surrendered);
    }

    /// @inheritdoc IComplianceManager
    function pendingObligation(address unit) external view returns (uint32, uint32) {
        IRightsLedger.Permit memory permit = ledger.permitOf(unit);
        uint32 count = registry.pollutantCount();
        for (uint32 id = 1; id <= _periodCount; ++id) {
            Period memory p = _periods[id];
            bool covered = permit.version != 0 && p.start < permit.validTo && p.end > permit.validFrom;
            for (uint32 q = 1; q <= count; ++q) {
                (Status s,,) = status(unit, q, id);
                if (s == Status.Due || s == Status.Overdue) return (q, id);
                bool running = s == Status.Open || s == Status.AwaitingVerification;
                if (running && covered && ledger.positionOf(unit, q).permitted != 0) return (q, id);
            }
        }
        return (0, 0);
    }

    /// @inheritdoc IComplianceManager
    function surplusWindowOpen(address unit, uint32 pollutant, uint32 periodId) public view returns (bool) {
        (Status s,,) = status(unit, pollutant, periodId);
        return s == Status.Compliant && !_records[unit][pollutant][periodId].carriedOver
            && block.timestamp < _periods[periodId].carryOverDeadline;
    }

    // ------------------------------------------------------------------ internals

    function _surrender(address unit, uint32 pollutant, uint32 periodId) private {
        Period memory p = _period(periodId);
        if (block.timestamp < p.end) revert CompliancePeriodNotEnded(periodId, p.end);
        if (block.timestamp >= p.surrenderDeadline) revert ComplianceDeadlinePassed(periodId, p.surrenderDeadline);
        uint64 usage = _finalUsage(unit, pollutant, periodId);
        Record storage r = _records[unit][pollutant][periodId];
        if (r.surrendered >= usage) revert ComplianceNothingDue(unit, pollutant, periodId);
        uint64 due = usage - r.surrendered;
        address owner = obligor(unit);
        (uint64 burned, uint64 holdings, uint64 leasedIn) = ledger.surrenderable(owner, pollutant);
        if (burned > due) burned = due;
        if (burned == 0) revert ComplianceNothingToSurrender(unit, pollutant, due);
        r.surrendered += burned;
        emit Surrendered(unit, pollutant, periodId, burned, due - burned, msg.sender);
        // R-26: what the unit holds once its usage is met is the period's surplus; leased-in
        // rights are burned first and are no part of its holdings (R-24)
        if (burned == due) {
            uint64 fromHoldings = burned > leasedIn ? burned - leasedIn : 0;
            _recordSurplus(r, unit, pollutant, periodId, holdings - fromHoldings);
        }
        ledger.surrender(owner, pollutant, burned); // burns exactly `burned` (R-24 order)
    }

    /// @dev Saturates at uint40 (1.1 × 10⁹ t), far beyond any unit's holdings of one pollutant.
    function _recordSurplus(Record storage r, address unit, uint32 pollutant, uint32 periodId, uint64 kg) private {
        uint40 surplus = kg > type(uint40).max ? type(uint40).max : uint40(kg);
        r.surplusFixed = true;
        r.surplusKg = surplus;
        emit SurplusRecorded(unit, pollutant, periodId, surplus);
    }

    function _carryOver(address unit, uint32 pollutant, uint32 periodId) private {
        Period memory p = _period(periodId);
        if (block.timestamp >= p.carryOverDeadline) revert ComplianceWindowClosed(periodId, p.carryOverDeadline);
        Record storage r = _records[unit][pollutant][periodId];
        if (r.carriedOver) revert ComplianceAlreadyCarriedOver(unit, pollutant, periodId);
        (Status s,,) = status(unit, pollutant, periodId);
        if (s != Status.Compliant) revert ComplianceNotCompliant(unit, pollutant, periodId);
        (uint64 kg, uint64 pledged) = _carriable(unit, pollutant);
        if (kg == 0) {
            if (pledged != 0) revert ComplianceRightsPledged(unit, pollutant, periodId, pledged);
            revert ComplianceNothingToCarryOver(unit, pollutant, periodId);
        }
        _recordCarryOver(r, unit, pollutant, periodId, kg, false);
    }

    /// @dev The record is the quantity carried at this moment: the next period's opening figure.
    function _recordCarryOver(
        Record storage r,
        address unit,
        uint32 pollutant,
        uint32 periodId,
        uint64 kg,
        bool automatic
    ) private {
        r.carriedOver = true;
        r.carriedKg = kg;
        emit CarriedOver(unit, pollutant, periodId, kg, automatic);
    }

    /// @dev R-26, R-07: what a carry-over takes into the next period — the unpledged holdings of
    /// the unit (or its successor) — and the pledged rights it leaves out.
    function _carriable(address unit, uint32 pollutant) private view returns (uint64 kg, uint64 pledged) {
        IRightsLedger.Balance memory b = ledger.balanceOf(obligor(unit), pollutant);
        return (b.paid + b.free + b.waived - b.pledged, b.pledged);
    }

    function _finalUsage(address unit, uint32 pollutant, uint32 periodId) private view returns (uint64) {
        (bool isFinal, uint64 usage) = oracle.finalUsage(unit, pollutant, periodId);
        if (!isFinal) revert ComplianceUsageNotFinal(unit, pollutant, periodId);
        return usage;
    }

    function _period(uint32 id) private view returns (Period memory) {
        Period memory p = _periods[id];
        if (p.end == 0) revert ComplianceUnknownPeriod(id);
        return p;
    }

    /// @dev The unit itself (or its successor), or a regulator with authority over it ("runs
    /// surrender", SPEC §1).
    function _requireActor(address unit) private view {
        if (msg.sender != unit && msg.sender != obligor(unit) && !registry.isAuthorityFor(msg.sender, unit)) {
            revert ComplianceNotAuthorised(msg.sender, unit);
        }
    }
}
