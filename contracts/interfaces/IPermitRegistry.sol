// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IPermitRegistry
/// @notice Discharge permits (排污许可): permitted quantity per pollutant and validity period. Issuing,
/// changing or renewing a permit is refused while the unit's holdings are below the permitted
/// quantity (R-22) or it owes a shortfall (R-25). The ledger keeps the figures and emits the events.
interface IPermitRegistry {
    /// @notice Only a regulator with authority over the holder issues, changes or ends its permit.
    /// @param actor who asked
    /// @param holder the permit holder's account
    error PermitNotAuthority(address actor, address holder);
    /// @notice A permit's quantity must be covered by the rights the holder holds (R-22).
    /// @param holder the permit holder's account
    /// @param pollutant the pollutant's id in the account registry
    /// @param holdings what it holds, kg
    /// @param permitted the permitted quantity, kg
    error PermitHoldingsBelowPermit(address holder, uint32 pollutant, uint256 holdings, uint256 permitted);
    /// @notice A unit that owes a shortfall gets no permit until it is settled (R-25).
    /// @param holder the permit holder's account
    /// @param pollutant the pollutant's id in the account registry
    /// @param owed the shortfall owed, kg
    error PermitOwesShortfall(address holder, uint32 pollutant, uint256 owed);
    /// @notice A permit is valid from a time before its end, and its end lies in the future.
    /// @param validFrom the permit's first second, unix seconds
    /// @param validTo the permit's end, unix seconds
    error PermitInvalidPeriod(uint64 validFrom, uint64 validTo);
    /// @notice A permit runs at most the city's permit validity (R-22, the policy figure
    /// `PermitValiditySeconds`); a renewal counts from today.
    /// @param validFrom the first second counted, unix seconds
    /// @param validTo the permit's end asked, unix seconds
    /// @param longestSeconds the longest validity in force, seconds
    error PermitValidityTooLong(uint64 validFrom, uint64 validTo, uint64 longestSeconds);
    /// @notice The holder has no valid permit to change or renew.
    /// @param holder the permit holder's account
    error PermitNoValidPermit(address holder);
    /// @notice Each pollutant listed needs one quantity.
    /// @param pollutants the pollutants' ids, as many as `quantities`
    /// @param quantities the permitted quantities, kg, one per pollutant
    error PermitLengthMismatch(uint256 pollutants, uint256 quantities);
    /// @notice A pollutant is listed twice.
    /// @param pollutant the pollutant's id in the account registry
    error PermitDuplicatePollutant(uint32 pollutant);
    /// @notice The account registry has no such pollutant.
    /// @param pollutant the pollutant's id in the account registry
    error PermitUnknownPollutant(uint32 pollutant);
    /// @notice The holder's account is not registered or is closed.
    /// @param holder the permit holder's account
    error PermitAccountNotOpen(address holder);

    /// @notice Issue a permit (a new version); pollutants not listed are permitted 0 kg. It runs at
    /// most the city's permit validity (`PermitValidityTooLong`).
    /// @param holder the permit holder's account
    /// @param pollutants the pollutants' ids, as many as `quantities`
    /// @param quantities the permitted quantities, kg, one per pollutant
    /// @param validFrom the permit's first second, unix seconds
    /// @param validTo the permit's end, unix seconds
    function issuePermit(
        address holder,
        uint32[] calldata pollutants,
        uint64[] calldata quantities,
        uint64 validFrom,
        uint64 validTo
    ) external;

    /// @notice Change the permitted quantities of a valid permit, keeping its validity.
    /// @param holder the permit holder's account
    /// @param pollutants the pollutants' ids, as many as `quantities`
    /// @param quantities the permitted quantities, kg, one per pollutant
    function changePermit(address holder, uint32[] calldata pollutants, uint64[] calldata quantities) external;

    /// @notice Extend a permit to `validTo` (re-confirmation, seed 003 §2(一)), at most the city's
    /// permit validity from today (`PermitValidityTooLong`).
    /// @param holder the permit holder's account
    /// @param validTo the permit's end, unix seconds
    function renewPermit(address holder, uint64 validTo) external;

    /// @notice End a permit now (closure, revocation).
    /// @param holder the permit holder's account
    function revokePermit(address holder) external;
}
