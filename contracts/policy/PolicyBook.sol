// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IPriceBook} from "../interfaces/IPriceBook.sol";
import {IPolicyBook, Figure, Switch} from "../interfaces/IPolicyBook.sol";
import {IRuleModule} from "../interfaces/IRuleModule.sol";
import {Reason} from "../interfaces/Types.sol";
import {Roles} from "../access/Roles.sol";
import {TransferRules} from "../registry/TransferRules.sol";
import {LedgerRefusals} from "../registry/LedgerRefusals.sol";

/// @title PolicyBook
/// @notice The city's policy (a profile of `policy/*.json` at deployment: which instruments and
/// bans apply, and their figures) and the rule engine that applies it to every movement of the
/// ledger. Figures and switches change only through the regulator council's time lock, at a
/// stated time: before it the old value applies (a scheduled value, no keeper needed). Rules a
/// city adds are `IRuleModule`s the council attaches; they are asked after the built-in rules.
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract PolicyBook is IPolicyBook, TransferRules, CouncilUpgradeable {
    bytes32 public constant TIMELOCK_ROLE = Roles.TIMELOCK;
    /// @notice At most this many modules (each is asked on every movement).
    uint256 public constant MAX_MODULES = 8;

    /// @dev The switch word with the module count in the same slot: one read per movement.
    struct Rules {
        uint64 value;
        uint64 next;
        uint64 effectiveAt;
        uint8 moduleCount;
    }

    Rules private _rules;
    mapping(Figure figure => Scheduled) private _figures;
    IRuleModule[MAX_MODULES] private _modules;

    constructor(IRightsLedger ledger_, IAccountRegistry registry_, IPriceBook priceBook_)
        TransferRules(ledger_, registry_, priceBook_)
    {}

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    /// @param figures_ the value of each `Figure` in its order (`figures_[0]`: the switch word)
    function initialize(address admin, uint64[] calldata figures_) external initializer {
        _initCouncilAdmin(admin);
        _rules.value = figures_[0];
        emit PolicyChangeScheduled(Figure.Switches, 0, figures_[0], uint64(block.timestamp));
        for (uint256 i = 1; i < figures_.length; ++i) {
            _figures[Figure(i)].value = figures_[i];
            emit PolicyChangeScheduled(Figure(i), 0, figures_[i], uint64(block.timestamp));
        }
    }

    // ------------------------------------------------------------------ council

    /// @inheritdoc IPolicyBook
    function schedule(Figure figure_, uint64 value, uint64 effectiveAt) public onlyRole(TIMELOCK_ROLE) {
        if (effectiveAt == 0) effectiveAt = uint64(block.timestamp); // on execution
        else if (effectiveAt < block.timestamp) revert PolicyEffectiveInPast(effectiveAt, block.timestamp);
        if (figure_ == Figure.Switches) {
            Rules storage r = _rules;
            uint64 old = _roll(r.value, r.next, r.effectiveAt);
            (r.value, r.next, r.effectiveAt) = (old, value, effectiveAt);
            emit PolicyChangeScheduled(figure_, old, value, effectiveAt);
        } else {
            Scheduled storage f = _figures[figure_];
            uint64 old = _roll(f.value, f.next, f.effectiveAt);
            (f.value, f.next, f.effectiveAt) = (old, value, effectiveAt);
            emit PolicyChangeScheduled(figure_, old, value, effectiveAt);
        }
    }

    /// @inheritdoc IPolicyBook
    /// @dev Starts from the switch word last scheduled (a pending change is kept, this one added).
    function scheduleSwitch(Switch rule, bool on, uint64 effectiveAt) external onlyRole(TIMELOCK_ROLE) {
        Rules storage r = _rules;
        uint64 word = r.effectiveAt == 0 ? r.value : r.next;
        uint64 bit = uint64(1) << uint8(rule);
        schedule(Figure.Switches, on ? word | bit : word & ~bit, effectiveAt);
    }

    /// @inheritdoc IPolicyBook
    function attach(IRuleModule module) external onlyRole(TIMELOCK_ROLE) {
        uint8 count = _rules.moduleCount;
        if (_indexOf(module, count) < count) revert PolicyModuleAttached(address(module), true);
        if (count == MAX_MODULES) revert PolicyTooManyModules(MAX_MODULES);
        _modules[count] = module;
        _rules.moduleCount = count + 1;
        emit RuleModuleChanged(address(module), module.ruleId(), true);
    }

    /// @inheritdoc IPolicyBook
    function detach(IRuleModule module) external onlyRole(TIMELOCK_ROLE) {
        uint8 count = _rules.moduleCount;
        uint256 i = _indexOf(module, count);
        if (i == count) revert PolicyModuleAttached(address(module), false);
        _modules[i] = _modules[count - 1]; // the order of the others is kept but for the last
        delete _modules[count - 1];
        _rules.moduleCount = count - 1;
        emit RuleModuleChanged(address(module), module.ruleId(), false);
    }

    // ------------------------------------------------------------------ the ledger's questions

    /// @inheritdoc IPolicyBook
    function enforce(IRightsLedger.Movement calldata m) external view {
        (Reason reason, uint256 have, uint256 need) = _evaluate(m);
        if (reason != Reason.Ok) LedgerRefusals.refuse(reason, m, have, need);
        uint256 count = _rules.moduleCount;
        for (uint256 i; i < count; ++i) {
            _modules[i].enforce(m);
        }
    }

    /// @inheritdoc IPolicyBook
    function check(IRightsLedger.Movement calldata m) external view returns (Reason reason, uint256 have, uint256 need) {
        (reason, have, need) = _evaluate(m);
        if (reason != Reason.Ok) return (reason, have, need);
        uint256 count = _rules.moduleCount;
        for (uint256 i; i < count; ++i) {
            (bool allowed, uint256 value) = _modules[i].check(m);
            if (!allowed) return (Reason.ModuleRefused, uint160(address(_modules[i])), value);
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPolicyBook
    function figure(Figure figure_) public view returns (uint64) {
        if (figure_ == Figure.Switches) return uint64(_switchesNow());
        Scheduled storage f = _figures[figure_];
        return _roll(f.value, f.next, f.effectiveAt);
    }

    /// @inheritdoc IPolicyBook
    function scheduled(Figure figure_) external view returns (Scheduled memory) {
        if (figure_ == Figure.Switches) return Scheduled(_rules.value, _rules.next, _rules.effectiveAt);
        return _figures[figure_];
    }

    /// @inheritdoc IPolicyBook
    function isOn(Switch rule) external view returns (bool) {
        return _on(_switchesNow(), rule);
    }

    /// @inheritdoc IPolicyBook
    function modules() external view returns (IRuleModule[] memory list) {
        uint256 count = _rules.moduleCount;
        list = new IRuleModule[](count);
        for (uint256 i; i < count; ++i) {
            list[i] = _modules[i];
        }
    }

    // ------------------------------------------------------------------ internal

    function _switchesNow() internal view override returns (uint256) {
        Rules storage r = _rules;
        return _roll(r.value, r.next, r.effectiveAt);
    }

    function _greenChannelLimitKg() internal view override returns (uint64) {
        return figure(Figure.GreenChannelLimitKg);
    }

    /// @dev The value in force now: the scheduled one once its time has come.
    function _roll(uint64 value, uint64 next, uint64 effectiveAt) private view returns (uint64) {
        return effectiveAt != 0 && effectiveAt <= block.timestamp ? next : value;
    }

    function _indexOf(IRuleModule module, uint256 count) private view returns (uint256 i) {
        while (i < count && _modules[i] != module) ++i;
    }
}
