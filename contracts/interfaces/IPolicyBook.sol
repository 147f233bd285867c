// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IRightsLedger} from "./IRightsLedger.sol";
import {IRuleModule} from "./IRuleModule.sol";
import {Reason} from "./Types.sol";

/// @notice A figure of the city's policy (docs/registry.md "Policy": each with its seed source).
enum Figure {
    Switches, // the switches below, one bit each (Switch)
    GreenChannelLimitKg, // R-21: a project's green-channel intake stays below this
    LeaseMaxTermSeconds, // R-35: the longest lease term
    PermitValiditySeconds // R-22: the longest permit validity (rights re-confirmed after it)
}

/// @notice A rule or instrument the city's policy turns on or off (bit `n` of `Figure.Switches`).
enum Switch {
    GreenChannel, // R-21 绿色通道
    Leasing, // R-35 排污权租赁
    PriceFloor, // R-15 no trade below the benchmark
    ThermalPowerAirBan, // R-19
    IndustryLivestockBan, // R-20
    SectorRollout, // R-38 only enabled sectors trade
    TradableRecognition, // R-39 only recognised quantities are sold
    PartyReview, // R-39 only qualified sellers sell
    NonAttainmentBan, // R-18
    BuyBack // R-26 回购 at the benchmark
}

/// @title IPolicyBook
/// @notice The city's policy on chain and the rule engine that applies it: the ledger asks it
/// about every movement (one call), the market contracts read its figures. A figure or switch
/// changes only through the regulator council's time lock, at a stated time; until then the
/// old value applies. Rules a city adds are modules the council attaches and detaches.
interface IPolicyBook {
    /// @notice A figure's value and the change scheduled for it (if `effectiveAt` != 0).
    struct Scheduled {
        uint64 value;
        uint64 next;
        uint64 effectiveAt;
    }

    /// @notice A figure or switch change was scheduled: `newValue` replaces `oldValue` at
    /// `effectiveAt` (a switch change carries the whole switch word).
    /// @param figure the figure
    /// @param oldValue its value until then
    /// @param newValue its value from `effectiveAt` on
    /// @param effectiveAt when the change takes effect, unix seconds
    event PolicyChangeScheduled(Figure indexed figure, uint64 oldValue, uint64 newValue, uint64 effectiveAt);
    /// @notice A rule module was attached (`attached`) or detached.
    /// @param module the rule module's contract
    /// @param ruleId the module's rule id (e.g. R-18B)
    /// @param attached true when attached, false when detached
    event RuleModuleChanged(address indexed module, string ruleId, bool attached);

    /// @notice The change would take effect before now.
    /// @param effectiveAt when the change takes effect, unix seconds
    /// @param now_ the block's time
    error PolicyEffectiveInPast(uint64 effectiveAt, uint256 now_);
    /// @notice The module is attached already (`attach`) or not attached (`detach`).
    /// @param module the rule module's contract
    /// @param attached true when attached, false when detached
    error PolicyModuleAttached(address module, bool attached);
    /// @notice No room for another module (at most `max`).
    /// @param max the most modules a city attaches
    error PolicyTooManyModules(uint256 max);
    /// @notice The ledger the rules read is bound once.
    /// @param ledger the ledger already bound
    error PolicyLedgerBound(address ledger);

    /// @notice The value of `figure` in force now.
    /// @param figure_ the figure
    /// @return the value
    function figure(Figure figure_) external view returns (uint64);

    /// @notice `figure`'s value, its pending change and when that takes effect.
    /// @param figure_ the figure
    /// @return the value, the pending one and its time
    function scheduled(Figure figure_) external view returns (Scheduled memory);

    /// @notice Whether `rule` is on now.
    /// @param rule the switch
    /// @return true when on
    function isOn(Switch rule) external view returns (bool);

    /// @notice Council only (TIMELOCK_ROLE): `figure` becomes `value` at `effectiveAt` (≥ now;
    /// 0: at once, on execution). A change still pending is replaced. Emits `PolicyChangeScheduled`.
    /// @param figure_ the figure
    /// @param value the new value
    /// @param effectiveAt when the change takes effect, unix seconds (0: on execution)
    function schedule(Figure figure_, uint64 value, uint64 effectiveAt) external;

    /// @notice Council only (TIMELOCK_ROLE): `rule` is turned on or off at `effectiveAt` (≥ now;
    /// 0: at once, on execution).
    /// @param rule the switch
    /// @param on true to turn it on
    /// @param effectiveAt when the change takes effect, unix seconds (0: on execution)
    function scheduleSwitch(Switch rule, bool on, uint64 effectiveAt) external;

    /// @notice Council only (TIMELOCK_ROLE): attach a rule module (asked after the built-in rules).
    /// @param module the rule module's contract
    function attach(IRuleModule module) external;

    /// @notice Council only (TIMELOCK_ROLE): detach a rule module.
    /// @param module the rule module's contract
    function detach(IRuleModule module) external;

    /// @notice The attached rule modules, in the order they are asked.
    /// @return the modules
    function modules() external view returns (IRuleModule[] memory);

    /// @notice The pre-check: why `m` is refused now (`Reason.Ok` if allowed) and the two
    /// figures the refusal is about (a module's refusal: the module's address and its figure).
    /// @param m the movement, as the ledger would apply it
    /// @return reason why it is refused (`Reason.Ok` if allowed)
    /// @return have the figure the refusal found
    /// @return need the figure the rule asks
    function check(IRightsLedger.Movement calldata m) external view returns (Reason reason, uint256 have, uint256 need);

    /// @notice Reverts with the named error of the rule that refuses `m` (the ledger's own
    /// `Ledger…` errors, or a module's), returns if every rule allows it.
    /// @param m the movement, as the ledger would apply it
    function enforce(IRightsLedger.Movement calldata m) external view;
}
