// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IUnitLifecycle} from "../interfaces/IUnitLifecycle.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IPledgeBook} from "../interfaces/IPledgeBook.sol";
import {IComplianceManager} from "../interfaces/IComplianceManager.sol";
import {IGovernmentReserve} from "../interfaces/IGovernmentReserve.sol";
import {Sector} from "../interfaces/Types.sol";
import {Roles} from "../access/Roles.sol";
import {SignedActions} from "../utils/SignedActions.sol";

/// @title UnitLifecycle
/// @notice Merger, split, closure and fraud sanction, each in one transaction (SPEC §9).
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract UnitLifecycle is IUnitLifecycle, CouncilUpgradeable, SignedActions {
    /// The council's time lock: fraud sanctions, and mergers and splits without the units' consent.
    bytes32 public constant TIMELOCK_ROLE = Roles.TIMELOCK;
    bytes32 public constant MERGE_TYPEHASH = keccak256("Merge(address from,address to,uint256 nonce,uint256 deadline)");
    bytes32 public constant SPLIT_TYPEHASH = keccak256(
        "Split(address from,SplitLine[] plan,address obligor,uint256 nonce,uint256 deadline)SplitLine(address successor,uint32 pollutant,uint64 paid,uint64 free,uint64 waived,uint64 permitted,uint64 owed)"
    );
    bytes32 public constant SPLIT_LINE_TYPEHASH = keccak256(
        "SplitLine(address successor,uint32 pollutant,uint64 paid,uint64 free,uint64 waived,uint64 permitted,uint64 owed)"
    );
    uint8 private constant RESTRICTION_FRAUD = 16;

    IAccountRegistry public immutable registry;
    IRightsLedger public immutable ledger;
    IPledgeBook public immutable pledges;
    IComplianceManager public immutable compliance;
    IGovernmentReserve public immutable reserve;

    constructor(
        IAccountRegistry registry_,
        IRightsLedger ledger_,
        IPledgeBook pledges_,
        IComplianceManager compliance_,
        IGovernmentReserve reserve_
    ) SignedActions("UnitLifecycle", "1") {
        registry = registry_;
        ledger = ledger_;
        pledges = pledges_;
        compliance = compliance_;
        reserve = reserve_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        _initCouncilAdmin(admin);
    }

    /// @inheritdoc IUnitLifecycle
    function merge(address from, address to, string calldata reason, uint256 deadline, bytes[] calldata signatures)
        external
    {
        if (from == to) revert LifecycleSameUnit(from);
        address[] memory parties = new address[](2);
        parties[0] = from;
        parties[1] = to;
        if (!_requireParties(parties)) {
            _requireSignatures(parties, abi.encode(MERGE_TYPEHASH, from, to), deadline, signatures);
        }
        uint32 count = registry.pollutantCount();
        for (uint32 p = 1; p <= count; ++p) {
            IRightsLedger.Balance memory b = ledger.balanceOf(from, p);
            IRightsLedger.Position memory pos = ledger.positionOf(from, p);
            if (pos.leasedIn | pos.leasedOut != 0) revert LifecycleActiveLease(from, p);
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
    function split(
        address from,
        SplitLine[] calldata plan,
        address obligor,
        string calldata reason,
        uint256 deadline,
        bytes[] calldata signatures
    ) external {
        address[] memory successors = _consentToSplit(from, plan, obligor, deadline, signatures);
        if (pledges.hasActivePledges(from)) revert LifecycleActivePledges(from);
        _requirePlanAddsUp(from, plan);
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
        _requireUnit(unit);
        if (pledges.hasActivePledges(unit)) revert LifecycleActivePledges(unit);
        if (ledger.permitValid(unit)) revert LifecyclePermitValid(unit);
        uint32 count = registry.pollutantCount();
        for (uint32 p = 1; p <= count; ++p) {
            IRightsLedger.Position memory pos = ledger.positionOf(unit, p);
            if (ledger.holdings(unit, p) | pos.leasedIn | pos.leasedOut | ledger.owed(unit, p) != 0) {
                revert LifecycleHoldsRights(unit, p);
            }
        }
        (uint32 pollutant, uint32 period) = compliance.pendingObligation(unit);
        if (period != 0) revert LifecyclePeriodPending(unit, pollutant, period);
        emit UnitClosed(unit, reason, msg.sender);
        registry.closeAccount(unit, reason);
    }

    /// @inheritdoc IUnitLifecycle
    /// @dev High impact: only through the regulator council's time lock (docs/security.md).
    function sanctionFraud(address unit, string calldata reason) external onlyRole(TIMELOCK_ROLE) {
        _requireUnit(unit);
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

    /// @dev The parties of a split (the unit and each successor), the obligor among the successors,
    /// and the parties' consent (or the council). Returns the plan's successor of each line.
    function _consentToSplit(
        address from,
        SplitLine[] calldata plan,
        address obligor,
        uint256 deadline,
        bytes[] calldata signatures
    ) private returns (address[] memory successors) {
        address[] memory parties;
        bytes32 planHash;
        (successors, parties, planHash) = _successors(from, plan);
        bool council = _requireParties(parties);
        bool named = false;
        for (uint256 i = 1; i < parties.length; ++i) {
            if (parties[i] == obligor) named = true;
        }
        if (!named) revert LifecycleObligorNotSuccessor(obligor);
        if (!council) {
            _requireSignatures(parties, abi.encode(SPLIT_TYPEHASH, from, planHash, obligor), deadline, signatures);
        }
    }

    /// @dev The council's time lock, or a regulator with authority over every party (true: the
    /// council acts); then every party must be an open unit, never an authority account.
    function _requireParties(address[] memory parties) private view returns (bool council) {
        council = hasRole(TIMELOCK_ROLE, msg.sender);
        for (uint256 i; i < parties.length; ++i) {
            if (!council) _requireAuthority(parties[i]);
        }
        for (uint256 i; i < parties.length; ++i) {
            _requireUnit(parties[i]);
        }
    }

    /// @dev Each party's signature of `head` (the struct's fields before the nonce), in the order
    /// of `parties`, with the party's own next nonce.
    function _requireSignatures(
        address[] memory parties,
        bytes memory head,
        uint256 deadline,
        bytes[] calldata signatures
    ) private {
        for (uint256 i; i < parties.length; ++i) {
            if (i >= signatures.length || signatures[i].length == 0) revert LifecycleConsentMissing(parties[i]);
            _useSignature(parties[i], head, deadline, signatures[i]);
        }
        if (signatures.length != parties.length) revert LifecycleConsentCount(parties.length, signatures.length);
    }

    /// @dev The plan's successors line by line, the parties (the unit, then each distinct
    /// successor in order of its first line) and the EIP-712 hash of the plan.
    function _successors(address from, SplitLine[] calldata plan)
        private
        view
        returns (address[] memory successors, address[] memory parties, bytes32 planHash)
    {
        uint32 count = registry.pollutantCount();
        successors = new address[](plan.length);
        address[] memory seen = new address[](plan.length + 1);
        seen[0] = from;
        uint256 n = 1;
        bytes32[] memory lines = new bytes32[](plan.length);
        for (uint256 i; i < plan.length; ++i) {
            SplitLine calldata line = plan[i];
            if (line.pollutant == 0 || line.pollutant > count) revert LifecycleUnknownPollutant(line.pollutant);
            address successor = line.successor;
            if (successor == from) revert LifecycleSameUnit(from);
            successors[i] = successor;
            bool known = false;
            for (uint256 j = 1; j < n; ++j) {
                if (seen[j] == successor) known = true;
            }
            if (!known) seen[n++] = successor;
            lines[i] = keccak256(abi.encode(SPLIT_LINE_TYPEHASH, line));
        }
        parties = new address[](n); // the distinct parties only
        for (uint256 i; i < n; ++i) {
            parties[i] = seen[i];
        }
        planHash = keccak256(abi.encodePacked(lines));
    }

    /// @dev R-31: every check before any move — the plan adds up exactly per pollutant and field,
    /// and no lease of the unit is active (whatever its other balances).
    function _requirePlanAddsUp(address from, SplitLine[] calldata plan) private view {
        uint32 count = registry.pollutantCount();
        uint256[5][] memory planned = new uint256[5][](count + 1);
        for (uint256 i; i < plan.length; ++i) {
            SplitLine calldata line = plan[i];
            uint256[5] memory sums = planned[line.pollutant];
            sums[0] += line.paid;
            sums[1] += line.free;
            sums[2] += line.waived;
            sums[3] += line.permitted;
            sums[4] += line.owed;
        }
        for (uint32 p = 1; p <= count; ++p) {
            IRightsLedger.Balance memory b = ledger.balanceOf(from, p);
            IRightsLedger.Position memory pos = ledger.positionOf(from, p);
            if (pos.leasedIn | pos.leasedOut != 0) revert LifecycleActiveLease(from, p);
            uint256[5] memory held = [uint256(b.paid), b.free, b.waived, pos.permitted, ledger.owed(from, p)];
            for (uint256 f; f < 5; ++f) {
                if (planned[p][f] != held[f]) revert LifecyclePlanMismatch(p, _fieldName(f), planned[p][f], held[f]);
            }
        }
    }

    function _requireAuthority(address unit) private view {
        if (!registry.isAuthorityFor(msg.sender, unit)) revert LifecycleNotAuthority(msg.sender, unit);
    }

    /// @dev An open unit: never the reserve or another Government-sector (authority) account.
    function _requireUnit(address unit) private view {
        IAccountRegistry.Profile memory p = registry.profile(unit);
        if (!p.registered || p.closed) revert LifecycleNotOpen(unit);
        if (p.sector == Sector.Government) revert LifecycleAuthorityAccount(unit);
    }
}
