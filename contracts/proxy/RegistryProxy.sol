// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {TransparentUpgradeableProxy} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

/// @title RegistryProxy
/// @notice The stable address of one registry contract (ERC-1967, transparent): it holds the
/// contract's records and delegates every call to the current implementation. The `ProxyAdmin` it
/// creates is the only account that may replace the implementation; its owner is the regulator
/// council's time lock once the deployment hands over (docs/operations.md "Upgrades").
contract RegistryProxy is TransparentUpgradeableProxy {
    /// @param implementation the first implementation
    /// @param initialOwner the first owner of the proxy's `ProxyAdmin` (the deployer, until the
    /// hand-over to the time lock)
    /// @param data the implementation's `initialize` call, run in this transaction
    constructor(address implementation, address initialOwner, bytes memory data)
        TransparentUpgradeableProxy(implementation, initialOwner, data)
    {}
}
