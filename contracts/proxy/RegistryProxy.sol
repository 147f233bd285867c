// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// @title RegistryProxy
/// @notice The stable address of one registry contract (ERC-1967): it holds the contract's records
/// and delegates every call to the current implementation, which only the regulator council's
/// time lock may replace (contracts/proxy/CouncilUpgradeable.sol, docs/operations.md).
contract RegistryProxy is ERC1967Proxy {
    /// @param implementation the first implementation; `data` its `initialize` call
    constructor(address implementation, bytes memory data) ERC1967Proxy(implementation, data) {}
}
