// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IUsageOracle
/// @notice The verified actual usage that surrender is measured against (R-23).
interface IUsageOracle {
    /// @notice Verified usage of `unit` for `pollutant` in compliance period `period`, in kg.
    /// @return isFinal true once the quorum agreed and the dispute window has passed (or a regulator correction closed it)
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @return kg the verified usage, kg
    function finalUsage(address unit, uint32 pollutant, uint32 period) external view returns (bool isFinal, uint64 kg);
}
