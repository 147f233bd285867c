// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IPermitRegistry
/// @notice Discharge permits (排污许可): permitted quantity per pollutant and validity period. Issuing,
/// changing or renewing a permit is refused while the unit's holdings are below the permitted
/// quantity (R-22) or it owes a shortfall (R-25). The ledger keeps the figures and emits the events.
interface IPermitRegistry {
    error PermitNotAuthority(address actor, address holder);
    error PermitHoldingsBelowPermit(address holder, uint32 pollutant, uint256 holdings, uint256 permitted);
    error PermitOwesShortfall(address holder, uint32 pollutant, uint256 owed);
    error PermitInvalidPeriod(uint64 validFrom, uint64 validTo);
    error PermitNoValidPermit(address holder);
    error PermitLengthMismatch(uint256 pollutants, uint256 quantities);
    error PermitDuplicatePollutant(uint32 pollutant);
    error PermitUnknownPollutant(uint32 pollutant);
    error PermitAccountNotOpen(address holder);

    /// @notice Issue a permit (a new version); pollutants not listed are permitted 0 kg.
    function issuePermit(
        address holder,
        uint32[] calldata pollutants,
        uint64[] calldata quantities,
        uint64 validFrom,
        uint64 validTo
    ) external;

    /// @notice Change the permitted quantities of a valid permit, keeping its validity.
    function changePermit(address holder, uint32[] calldata pollutants, uint64[] calldata quantities) external;

    /// @notice Extend a permit to `validTo` (re-confirmation, seed 003 §2(一)).
    function renewPermit(address holder, uint64 validTo) external;

    /// @notice End a permit now (closure, revocation).
    function revokePermit(address holder) external;
}
