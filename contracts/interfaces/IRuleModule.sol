// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IRightsLedger} from "./IRightsLedger.sol";

/// @title IRuleModule
/// @notice A rule a city adds to the rule engine without a new ledger (ERC-3643's modular
/// compliance): the regulator council attaches it to the `PolicyBook`, which asks it about every
/// movement after the built-in rules allowed it, and detaches it again.
interface IRuleModule {
    /// @notice The rule's id in the city's policy (e.g. "R-18B"), shown by the explorer.
    /// @return the rule id
    function ruleId() external view returns (string memory);

    /// @notice Whether `m` is allowed by this rule and, if not, the figure the refusal is about
    /// (the pre-check's answer, `Reason.ModuleRefused`).
    /// @param m the movement, as the ledger would apply it
    /// @return allowed true if this rule allows `m`
    /// @return value the figure the refusal is about (0 when allowed)
    function check(IRightsLedger.Movement calldata m) external view returns (bool allowed, uint256 value);

    /// @notice Reverts with the rule's own named error if it refuses `m`.
    /// @param m the movement, as the ledger would apply it
    function enforce(IRightsLedger.Movement calldata m) external view;
}
