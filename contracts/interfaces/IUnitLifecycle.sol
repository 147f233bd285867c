// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IUnitLifecycle
/// @notice Changes of a unit (变更, SPEC §9): merger (R-30), split (R-31), closure (R-32) and the
/// sanction for rights obtained by deception (R-33). Each is one transaction: all or nothing.
///
/// A merger or split moves a unit's rights to others and closes it, so it needs either the consent
/// of every unit concerned — each signs the act as EIP-712 typed data in its own wallet (domain
/// `UnitLifecycle`, version 1) with its own next nonce, and a regulator with authority over all of
/// them submits it — or a decision of the regulator council (its time lock, no signatures). The
/// government reserve and every other Government-sector (authority) account are never a party.
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

    /// @notice `from` merged into `to`: all its rights, permits, pledges and obligations passed (R-30).
    /// @param from the merged or split unit
    /// @param to the successor
    /// @param reason the reason written into the record (e.g. 吸收合并)
    /// @param by who submitted the act
    event UnitsMerged(address indexed from, address indexed to, string reason, address indexed by);
    /// @notice `from` was split among `successors` by the plan; `obligor` meets its pending surrenders (R-31).
    /// @param from the merged or split unit
    /// @param successors the successors' accounts
    /// @param obligor the successor that meets pending surrenders
    /// @param reason the reason written into the record (e.g. 吸收合并)
    /// @param by who submitted the act
    event UnitSplit(address indexed from, address[] successors, address obligor, string reason, address indexed by);
    /// @notice The unit's account was closed (R-32).
    /// @param unit the emitting unit's account (排污单位)
    /// @param reason the reason written into the record (e.g. 吸收合并)
    /// @param by who submitted the act
    event UnitClosed(address indexed unit, string reason, address indexed by);
    /// @notice Rights the unit obtained by deception were taken back and its account blacklisted (R-33).
    /// @param unit the emitting unit's account (排污单位)
    /// @param reason the reason written into the record (e.g. 吸收合并)
    /// @param by who submitted the act
    event FraudSanctioned(address indexed unit, string reason, address indexed by);

    /// @notice Only a regulator with authority over the unit acts.
    /// @param actor who asked
    /// @param unit the emitting unit's account (排污单位)
    error LifecycleNotAuthority(address actor, address unit);
    /// @notice A unit does not merge into itself.
    /// @param unit the emitting unit's account (排污单位)
    error LifecycleSameUnit(address unit);
    /// @notice The unit's account is not registered or is closed.
    /// @param unit the emitting unit's account (排污单位)
    error LifecycleNotOpen(address unit);
    /// @notice R-07, R-31, R-32: the unit's pledges must be released first.
    /// @param unit the emitting unit's account (排污单位)
    error LifecycleActivePledges(address unit);
    /// The plan's sum of `field` ("paid", "free", "waived", "permitted" or "owed") for the pollutant
    /// differs from what the unit holds or owes.
    /// @param pollutant the pollutant's id in the account registry
    /// @param field the field ("paid", "free", "waived", "permitted" or "owed")
    /// @param planned the plan's sum, kg
    /// @param held what the unit holds, kg
    error LifecyclePlanMismatch(uint32 pollutant, string field, uint256 planned, uint256 held);
    /// @notice The account registry has no such pollutant.
    /// @param pollutant the pollutant's id in the account registry
    error LifecycleUnknownPollutant(uint32 pollutant);
    /// @notice R-32: a unit that still holds, owes or leases rights is not closed.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    error LifecycleHoldsRights(address unit, uint32 pollutant);
    /// @notice R-32: a unit with a valid permit is not closed.
    /// @param unit the emitting unit's account (排污单位)
    error LifecyclePermitValid(address unit);
    /// The reserve or another Government-sector account: never a party of a lifecycle act.
    /// @param account the account refused
    error LifecycleAuthorityAccount(address account);
    /// A unit concerned did not sign the act (a regulator alone may not merge or split).
    /// @param unit the emitting unit's account (排污单位)
    error LifecycleConsentMissing(address unit);
    /// More signatures than units concerned.
    /// @param expected the number of units concerned
    /// @param given the signatures given
    error LifecycleConsentCount(uint256 expected, uint256 given);
    /// R-31: the unit meeting pending surrenders must be one of the plan's successors.
    /// @param obligor the successor that meets pending surrenders
    error LifecycleObligorNotSuccessor(address obligor);
    /// R-30, R-31, R-35: a lease of the unit (lent or borrowed) must end first.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    error LifecycleActiveLease(address unit, uint32 pollutant);
    /// R-32: the unit still has a period obligation (see `IComplianceManager.pendingObligation`).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    error LifecyclePeriodPending(address unit, uint32 pollutant, uint32 period);

    /// @notice R-30: all rights (by origin, pledges included), permits' quantities, certified
    /// quantities, owed shortfalls and pending surrender obligations pass from `from` to `to`;
    /// `from` is closed. Consent: both units sign
    /// `Merge(address from,address to,uint256 nonce,uint256 deadline)` (`signatures` = [from's,
    /// to's]) and a regulator over both submits; or the council's time lock alone (no signatures).
    /// @param from the merged or split unit
    /// @param to the successor
    /// @param reason the reason written into the record (e.g. 吸收合并)
    /// @param deadline the signatures' last valid time, unix seconds
    /// @param signatures the units' EIP-712 signatures, in the order of the units
    function merge(address from, address to, string calldata reason, uint256 deadline, bytes[] calldata signatures)
        external;

    /// @notice R-31: the plan distributes every right and obligation of `from`; it must add up
    /// exactly per pollutant and field, or nothing moves. Pledged rights must be released first.
    /// `obligor`, one of the successors, meets `from`'s pending surrender obligations. Consent:
    /// `from` and each successor (in the order of their first line) sign
    /// `Split(address from,SplitLine[] plan,address obligor,uint256 nonce,uint256 deadline)SplitLine(address successor,uint32 pollutant,uint64 paid,uint64 free,uint64 waived,uint64 permitted,uint64 owed)`
    /// and a regulator over all of them submits; or the council's time lock alone.
    /// @param from the merged or split unit
    /// @param plan the lines distributing every right and obligation
    /// @param obligor the successor that meets pending surrenders
    /// @param reason the reason written into the record (e.g. 吸收合并)
    /// @param deadline the signatures' last valid time, unix seconds
    /// @param signatures the units' EIP-712 signatures, in the order of the units
    function split(
        address from,
        SplitLine[] calldata plan,
        address obligor,
        string calldata reason,
        uint256 deadline,
        bytes[] calldata signatures
    ) external;

    /// @notice R-32: after verification, surrender and the sale or buy-back of the surplus, the
    /// account is closed: nothing held, owed, pledged or leased, no valid permit and no period
    /// obligation pending.
    /// @param unit the emitting unit's account (排污单位)
    /// @param reason the reason written into the record (e.g. 吸收合并)
    function close(address unit, string calldata reason) external;

    /// @notice R-33 (through the regulator council's time lock): rights obtained by deception are
    /// reclaimed free of charge into the reserve and the unit is blacklisted. Pledged rights stay
    /// with the bank's lien.
    /// @param unit the emitting unit's account (排污单位)
    /// @param reason the reason written into the record (e.g. 吸收合并)
    function sanctionFraud(address unit, string calldata reason) external;
}
