// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IPermitRegistry} from "../interfaces/IPermitRegistry.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {Figure} from "../interfaces/IPolicyBook.sol";

/// @title PermitRegistry
/// @notice Issues, changes, renews and revokes discharge permits (R-22), refusing while holdings are
/// below the permitted quantity or a shortfall is owed (R-25). The city regulator acts for every
/// unit, a district regulator for the units of its district.
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract PermitRegistry is IPermitRegistry, CouncilUpgradeable {
    IRightsLedger public immutable ledger;
    IAccountRegistry public immutable registry;

    constructor(IAccountRegistry registry_, IRightsLedger ledger_) {
        registry = registry_;
        ledger = ledger_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        _initCouncilAdmin(admin);
    }

    modifier onlyAuthorityFor(address holder) {
        if (!registry.isAuthorityFor(msg.sender, holder)) revert PermitNotAuthority(msg.sender, holder);
        IAccountRegistry.Profile memory p = registry.profile(holder);
        if (!p.registered || p.closed) revert PermitAccountNotOpen(holder);
        _;
    }

    /// @inheritdoc IPermitRegistry
    function issuePermit(
        address holder,
        uint32[] calldata pollutants,
        uint64[] calldata quantities,
        uint64 validFrom,
        uint64 validTo
    ) external onlyAuthorityFor(holder) {
        if (validFrom >= validTo || validTo <= block.timestamp) revert PermitInvalidPeriod(validFrom, validTo);
        _requireWithinValidity(validFrom, validTo);
        _checkQuantities(holder, pollutants, quantities);
        ledger.recordPermit(holder, validFrom, validTo, msg.sender);
        _recordQuantities(holder, pollutants, quantities);
    }

    /// @inheritdoc IPermitRegistry
    function changePermit(address holder, uint32[] calldata pollutants, uint64[] calldata quantities)
        external
        onlyAuthorityFor(holder)
    {
        IRightsLedger.Permit memory permit = ledger.permitOf(holder);
        if (permit.version == 0 || permit.validTo <= block.timestamp) revert PermitNoValidPermit(holder);
        _checkQuantities(holder, pollutants, quantities);
        ledger.recordPermit(holder, permit.validFrom, permit.validTo, msg.sender);
        _recordQuantities(holder, pollutants, quantities);
    }

    /// @inheritdoc IPermitRegistry
    function renewPermit(address holder, uint64 validTo) external onlyAuthorityFor(holder) {
        IRightsLedger.Permit memory permit = ledger.permitOf(holder);
        if (permit.version == 0) revert PermitNoValidPermit(holder);
        if (validTo <= permit.validTo || validTo <= block.timestamp) revert PermitInvalidPeriod(permit.validFrom, validTo);
        _requireWithinValidity(uint64(block.timestamp), validTo); // a renewal re-confirms from today
        _requireNoShortfall(holder);
        uint32 count = registry.pollutantCount();
        for (uint32 p = 1; p <= count; ++p) {
            _requireHoldingsCover(holder, p, ledger.positionOf(holder, p).permitted);
        }
        ledger.recordPermit(holder, permit.validFrom, validTo, msg.sender);
    }

    /// @inheritdoc IPermitRegistry
    function revokePermit(address holder) external onlyAuthorityFor(holder) {
        IRightsLedger.Permit memory permit = ledger.permitOf(holder);
        if (permit.version == 0 || permit.validTo <= block.timestamp) revert PermitNoValidPermit(holder);
        ledger.endPermit(holder, msg.sender);
    }

    /// @dev Every check before any write, so a refused permit changes nothing.
    /// @dev R-22: a permit runs at most the city's validity (the policy figure `PermitValiditySeconds`,
    /// 5 years in both plans); the rights are re-confirmed after it.
    function _requireWithinValidity(uint64 from, uint64 validTo) private view {
        uint64 longest = ledger.policy().figure(Figure.PermitValiditySeconds);
        if (validTo - from > longest) revert PermitValidityTooLong(from, validTo, longest);
    }

    function _checkQuantities(address holder, uint32[] calldata pollutants, uint64[] calldata quantities)
        private
        view
    {
        if (pollutants.length != quantities.length) revert PermitLengthMismatch(pollutants.length, quantities.length);
        _requireNoShortfall(holder);
        uint32 count = registry.pollutantCount();
        for (uint256 i; i < pollutants.length; ++i) {
            uint32 p = pollutants[i];
            if (p == 0 || p > count) revert PermitUnknownPollutant(p);
            for (uint256 j; j < i; ++j) {
                if (pollutants[j] == p) revert PermitDuplicatePollutant(p);
            }
            _requireHoldingsCover(holder, p, quantities[i]);
        }
    }

    /// @dev The new version's quantities: listed ones as given, every other pollutant 0.
    function _recordQuantities(address holder, uint32[] calldata pollutants, uint64[] calldata quantities) private {
        uint32 count = registry.pollutantCount();
        for (uint32 p = 1; p <= count; ++p) {
            uint64 kg = 0;
            for (uint256 i; i < pollutants.length; ++i) {
                if (pollutants[i] == p) kg = quantities[i];
            }
            if (kg != 0 || ledger.positionOf(holder, p).permitted != 0) ledger.recordPermitted(holder, p, kg);
        }
    }

    function _requireHoldingsCover(address holder, uint32 pollutant, uint64 permitted) private view {
        uint64 held = ledger.holdings(holder, pollutant);
        if (held < permitted) revert PermitHoldingsBelowPermit(holder, pollutant, held, permitted);
    }

    function _requireNoShortfall(address holder) private view {
        if (!ledger.owesShortfall(holder)) return;
        uint32 count = registry.pollutantCount();
        for (uint32 p = 1; p <= count; ++p) {
            uint64 owed = ledger.owed(holder, p);
            if (owed != 0) revert PermitOwesShortfall(holder, p, owed);
        }
    }
}
