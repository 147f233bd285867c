// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";

/// @title CouncilUpgradeable
/// @notice The implementation side of a registry contract behind a transparent ERC-1967 proxy
/// (`RegistryProxy`): the proxy keeps the address and every record, and only its `ProxyAdmin`,
/// owned by the regulator council's time lock, may replace the code, after the council's approvals
/// and delay (docs/operations.md "Upgrades"). The upgrade code lives in the proxy, none of it here.
/// Roles live in OpenZeppelin's namespaced (ERC-7201) storage; each contract's own variables keep
/// the plain layout that `make lint`'s layout check guards against moves, retypes and removals
/// (contracts/layouts/).
/// @dev An implementation is never initialized itself (its constructor disables initializers);
/// the proxy runs `initialize` once, in the same transaction that creates it.
abstract contract CouncilUpgradeable is AccessControlUpgradeable {
    error UpgradeZeroAdmin();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @dev The first admin (the deployer, which hands administration to the time lock).
    function _initCouncilAdmin(address admin) internal onlyInitializing {
        if (admin == address(0)) revert UpgradeZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }
}
