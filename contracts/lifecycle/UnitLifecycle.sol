// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IUnitLifecycle} from "../interfaces/IUnitLifecycle.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IPledgeBook} from "../interfaces/IPledgeBook.sol";
import {IComplianceManager} from "../interfaces/IComplianceManager.sol";
import {IGovernmentReserve} from "../interfaces/IGovernmentReserve.sol";
import {Roles} from "../access/Roles.sol";

/// @title UnitLifecycle
/// @notice Merger, split, closure and fraud sanction, each in one transaction (SPEC §9).
contract UnitLifecycle is IUnitLifecycle, AccessControl {
    bytes32 public constant TIMELOCK_ROLE = Roles.TIMELOCK; // the council's time lock: sanctions
    uint8 private constant RESTRICTION_FRAUD = 16;

    IAccountRegistry public immutable registry;
    IRightsLedger public immutable ledger;
    IPledgeBook public immutable pledges;
    IComplianceManager public immutable compliance;
    IGovernmentReserve public immutable reserve;

    constructor(
        address admin,
        IAccountRegistry registry_,
        IRightsLedger ledger_,
        IPledgeBook pledges_,
        IComplianceManager compliance_,
        IGovernmentReserve reserve_
    ) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        registry = registry_;
        ledger = ledger_;
        pledges = pledges_;
        compliance = compliance_;
        reserve = reserve_;
    }

    /// @inheritdoc IUnitLifecycle
    function merge(address from, address to, string calldata reason) external {
        _requireParties(from, to);
        uint32 count = registry.pollutantCount();
        for (uint32 p = 1; p <= count; ++p) {
            IRightsLedger.Balance memory b = ledger.balanceOf(from, p);
            IRightsLedger.Position memory pos = ledger.positionOf(from, p);
            uint64 owed = ledger.owed(from, p);
            if (b.paid | b.free | b.waived | pos.permitted | pos.tradable | owed == 0) continue;
            ledger.succeed(from, to, p, [b.paid, b.free, b.waived], pos.permitted, pos.tradable, owed);
        }
        pledges.transferPledges(from, to); // the bank keeps its pledges (R-30)
        compliance.setSuccessor(from, to);
        emit UnitsMerged(from, to, reason, msg.sender);
        registry.closeAccount(from, reason);
    }

    /// @inheritdoc IUnitLifecycle
    function split(address from, SplitLine[] calldata plan, address obligor, string calldata reason) external {
        _requireParties(from, obligor);
        if (pledges.hasActivePledges(from)) revert LifecycleActivePledges(from);
        uint32 count = registry.pollutantCount();
        // every check before any move: the plan must add up exactly, per pollutant and field
        uint256[5][] memory planned = new uint256[5][](count + 1);
        address[] memory successors = new address[](plan.length);
        for (uint256 i; i < plan.length; ++i) {
            SplitLine calldata line = plan[i];
            if (line.pollutant == 0 || line.pollutant > count) revert LifecycleUnknownPollutant(line.pollutant);
            _requireParties(from, line.successor);
            uint256[5] memory sums = planned[line.pollutant];
            sums[0] += line.paid;
            sums[1] += line.free;
            sums[2] += line.waived;
            sums[3] += line.permitted;
            sums[4] += line.owed;
            successors[i] = line.successor;
        }
        for (uint32 p = 1; p <= count; ++p) {
            IRightsLedger.Balance memory b = ledger.balanceOf(from, p);
            uint256[5] memory held =
                [uint256(b.paid), b.free, b.waived, ledger.positionOf(from, p).permitted, ledger.owed(from, p)];
            for (uint256 f; f < 5; ++f) {
                if (planned[p][f] != held[f]) revert LifecyclePlanMismatch(p, _fieldName(f), planned[p][f], held[f]);
            }
        }
        for (uint256 i; i < plan.length; ++i) {
            SplitLine calldata line = plan[i];
            ledger.succeed(
                from, line.successor, line.pollutant, [line.paid, line.free, line.waived], line.permitted, 0, line.owed
            );
        }
        compliance.setSuccessor(from, obligor);
        emit UnitSplit(from, successors, obligor, reason, msg.sender);
        registry.closeAccount(from, reason);
    }

    /// @inheritdoc IUnitLifecycle
    function close(address unit, string calldata reason) external {
        _requireAuthority(unit);
        _requireOpen(unit);
        if (pledges.hasActivePledges(unit)) revert LifecycleActivePledges(unit);
        if (ledger.permitValid(unit)) revert LifecyclePermitValid(unit);
        uint32 count = registry.pollutantCount();
        for (uint32 p = 1; p <= count; ++p) {
            IRightsLedger.Position memory pos = ledger.positionOf(unit, p);
            if (ledger.holdings(unit, p) | pos.leasedIn | pos.leasedOut | ledger.owed(unit, p) != 0) {
                revert LifecycleHoldsRights(unit, p);
            }
        }
        emit UnitClosed(unit, reason, msg.sender);
        registry.closeAccount(unit, reason);
    }

    /// @inheritdoc IUnitLifecycle
    /// @dev High impact: only through the regulator council's time lock (docs/security.md).
    function sanctionFraud(address unit, string calldata reason) external onlyRole(TIMELOCK_ROLE) {
        _requireOpen(unit);
        emit FraudSanctioned(unit, reason, msg.sender);
        reserve.reclaimForFraud(unit, reason);
        registry.setRestriction(unit, RESTRICTION_FRAUD, true, reason);
    }

    /// @dev A split plan's field by its name in `SplitLine` (the order of `split`'s sums).
    function _fieldName(uint256 f) private pure returns (string memory) {
        if (f == 0) return "paid";
        if (f == 1) return "free";
        if (f == 2) return "waived";
        if (f == 3) return "permitted";
        return "owed";
    }

    function _requireParties(address from, address to) private view {
        if (from == to) revert LifecycleSameUnit(from);
        _requireAuthority(from);
        _requireAuthority(to);
        _requireOpen(from);
        _requireOpen(to);
    }

    function _requireAuthority(address unit) private view {
        if (!registry.isAuthorityFor(msg.sender, unit)) revert LifecycleNotAuthority(msg.sender, unit);
    }

    function _requireOpen(address unit) private view {
        IAccountRegistry.Profile memory p = registry.profile(unit);
        if (!p.registered || p.closed) revert LifecycleNotOpen(unit);
    }
}
