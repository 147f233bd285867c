// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IUnitLifecycle
/// @notice Changes of a unit (变更, SPEC §9): merger (R-30), split (R-31), closure (R-32) and the
/// sanction for rights obtained by deception (R-33). Each is one transaction: all or nothing.
interface IUnitLifecycle {
    /// @notice One line of a split plan: what one successor takes of one pollutant.
    struct SplitLine {
        address successor;
        uint32 pollutant;
        uint64 paid;
        uint64 free;
        uint64 waived;
        uint64 permitted;
        uint64 owed;
    }

    event UnitsMerged(address indexed from, address indexed to, string reason, address indexed by);
    event UnitSplit(address indexed from, address[] successors, address obligor, string reason, address indexed by);
    event UnitClosed(address indexed unit, string reason, address indexed by);
    event FraudSanctioned(address indexed unit, string reason, address indexed by);

    error LifecycleNotAuthority(address actor, address unit);
    error LifecycleSameUnit(address unit);
    error LifecycleNotOpen(address unit);
    error LifecycleActivePledges(address unit);
    /// The plan's sum of `field` ("paid", "free", "waived", "permitted" or "owed") for the pollutant
    /// differs from what the unit holds or owes.
    error LifecyclePlanMismatch(uint32 pollutant, string field, uint256 planned, uint256 held);
    error LifecycleUnknownPollutant(uint32 pollutant);
    error LifecycleHoldsRights(address unit, uint32 pollutant);
    error LifecyclePermitValid(address unit);

    /// @notice R-30: all rights (by origin, pledges included), permits' quantities, certified
    /// quantities, owed shortfalls and pending surrender obligations pass from `from` to `to`;
    /// `from` is closed.
    function merge(address from, address to, string calldata reason) external;

    /// @notice R-31: the regulator-approved plan distributes every right and obligation of `from`;
    /// it must add up exactly per pollutant and field, or nothing moves. Pledged rights must be
    /// released first. `obligor` meets `from`'s pending surrender obligations.
    function split(address from, SplitLine[] calldata plan, address obligor, string calldata reason) external;

    /// @notice R-32: after verification, surrender and the sale or buy-back of the surplus, the
    /// account is closed: nothing held, owed, pledged or leased, and no valid permit.
    function close(address unit, string calldata reason) external;

    /// @notice R-33 (through the regulator council's time lock): rights obtained by deception are
    /// reclaimed free of charge into the reserve and the unit is blacklisted. Pledged rights stay
    /// with the bank's lien.
    function sanctionFraud(address unit, string calldata reason) external;
}
