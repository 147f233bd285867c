// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IPolicyBook} from "../interfaces/IPolicyBook.sol";
import {Op, Origin, TradeMode, Reason} from "../interfaces/Types.sol";
import {Roles} from "../access/Roles.sol";

/// @title RightsLedger
/// @notice What may move: the balances of discharge rights and the single function `_update`
/// through which every change passes after the rule engine allowed it (STYLE: OpenZeppelin's
/// `_update` idea). No holder-callable transfer exists (R-13). The rules are the city's
/// `PolicyBook`'s (`contracts/registry/TransferRules.sol` and the modules the council attached):
/// one call per movement, which reverts with the refusing rule's named error.
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract RightsLedger is IRightsLedger, CouncilUpgradeable {
    bytes32 public constant REGULATOR_ROLE = Roles.REGULATOR;
    bytes32 public constant EXCHANGE_ROLE = Roles.EXCHANGE;
    bytes32 public constant PERMIT_MANAGER_ROLE = Roles.PERMIT_MANAGER;
    bytes32 public constant PLEDGE_MANAGER_ROLE = Roles.PLEDGE_MANAGER;
    bytes32 public constant COMPLIANCE_ROLE = Roles.COMPLIANCE;
    bytes32 public constant RESERVE_ROLE = Roles.RESERVE;
    bytes32 public constant LEASING_ROLE = Roles.LEASING;
    bytes32 public constant LIFECYCLE_ROLE = Roles.LIFECYCLE;

    mapping(address holder => mapping(uint32 pollutant => Balance)) private _balances;
    mapping(address holder => mapping(uint32 pollutant => Position)) private _positions;
    mapping(address holder => mapping(uint32 pollutant => uint64)) private _owed;
    mapping(address holder => uint32) private _owingPollutants; // R-25: pollutants with owed > 0
    mapping(address holder => Permit) private _permits;
    mapping(address holder => uint64) private _greenChannelIntake;
    mapping(uint16 region => mapping(uint32 pollutant => Cap)) private _caps;
    mapping(uint32 pollutant => uint256) private _supply;

    IAccountRegistry public immutable registry;
    /// @notice The city's policy and rule engine, asked before every change.
    IPolicyBook public immutable policy;

    constructor(IAccountRegistry registry_, IPolicyBook policy_) {
        registry = registry_;
        policy = policy_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        _initCouncilAdmin(admin);
    }

    modifier onlyAuthorityFor(address holder) {
        if (!registry.isAuthorityFor(msg.sender, holder)) revert LedgerNotAuthority(msg.sender, holder);
        _;
    }

    // ------------------------------------------------------------------ regulator

    /// @inheritdoc IRightsLedger
    function setCap(uint16 region, uint32 pollutant, uint64 capKg) external onlyRole(REGULATOR_ROLE) {
        if (!registry.pollutant(pollutant).exists) revert LedgerUnknownPollutant(pollutant);
        Cap storage c = _caps[region][pollutant];
        if (capKg < c.allocated) revert LedgerCapBelowAllocated(region, pollutant, capKg, c.allocated);
        c.cap = capKg;
        c.set = true;
        emit CapSet(region, pollutant, capKg, msg.sender);
    }

    /// @inheritdoc IRightsLedger
    /// @dev R-39: the quantity the regulator recognises as tradable (replaces the previous one).
    function certifyTradable(address holder, uint32 pollutant, uint64 kg) external onlyAuthorityFor(holder) {
        if (!registry.pollutant(pollutant).exists) revert LedgerUnknownPollutant(pollutant);
        _requireOpen(holder);
        _positions[holder][pollutant].tradable = kg;
        emit TradableCertified(holder, pollutant, kg, msg.sender);
    }

    /// @inheritdoc IRightsLedger
    function allocateFree(address holder, uint32 pollutant, uint64 kg) external onlyAuthorityFor(holder) {
        _update(_allocation(holder, pollutant, Origin.Free, kg));
    }

    // ------------------------------------------------------------------ exchange

    /// @inheritdoc IRightsLedger
    /// @dev Primary sales (R-08, R-09): rights appear as `paid`, or `waived` under a fee waiver (R-12).
    function allocate(address holder, uint32 pollutant, Origin origin, uint64 kg) external onlyRole(EXCHANGE_ROLE) {
        if (origin == Origin.Free) revert LedgerInvalidOrigin(origin);
        _update(_allocation(holder, pollutant, origin, kg));
    }

    /// @inheritdoc IRightsLedger
    function allocateBatch(uint32 pollutant, Origin origin, Allocation[] calldata lines)
        external
        onlyRole(EXCHANGE_ROLE)
    {
        if (origin == Origin.Free) revert LedgerInvalidOrigin(origin);
        for (uint256 i; i < lines.length; ++i) {
            _update(_allocation(lines[i].holder, pollutant, origin, lines[i].kg));
        }
    }

    /// @inheritdoc IRightsLedger
    function trade(address from, address to, uint32 pollutant, uint64 kg, uint256 priceFen, TradeMode mode)
        external
        onlyRole(EXCHANGE_ROLE)
    {
        if (mode == TradeMode.None || mode == TradeMode.Enforcement) revert LedgerInvalidMode(mode);
        _update(Movement(Op.Trade, from, to, pollutant, kg, priceFen, mode, 0, Origin.Paid, false));
    }

    // ------------------------------------------------------------------ modules

    /// @inheritdoc IRightsLedger
    function recordPermit(address holder, uint64 validFrom, uint64 validTo, address actor)
        external
        onlyRole(PERMIT_MANAGER_ROLE)
    {
        Permit storage permit = _permits[holder];
        permit.validFrom = validFrom;
        permit.validTo = validTo;
        emit PermitIssued(holder, ++permit.version, validFrom, validTo, actor);
    }

    /// @inheritdoc IRightsLedger
    function endPermit(address holder, address actor) external onlyRole(PERMIT_MANAGER_ROLE) {
        Permit storage permit = _permits[holder];
        permit.validTo = uint64(block.timestamp);
        emit PermitRevoked(holder, permit.version, actor);
    }

    /// @inheritdoc IRightsLedger
    function recordPermitted(address holder, uint32 pollutant, uint64 kg) external onlyRole(PERMIT_MANAGER_ROLE) {
        _positions[holder][pollutant].permitted = kg;
        emit PermittedQuantitySet(holder, pollutant, _permits[holder].version, kg);
    }

    /// @inheritdoc IRightsLedger
    function pledgeRights(address holder, uint32 pollutant, uint64 kg) external onlyRole(PLEDGE_MANAGER_ROLE) {
        _move(Op.Pledge, holder, holder, pollutant, kg, Origin.Paid);
    }

    /// @inheritdoc IRightsLedger
    function releaseRights(address holder, uint32 pollutant, uint64 kg) external onlyRole(PLEDGE_MANAGER_ROLE) {
        _move(Op.Release, holder, holder, pollutant, kg, Origin.Paid);
    }

    /// @inheritdoc IRightsLedger
    function transferPledged(address from, address to, uint32 pollutant, uint64 kg, uint256 priceFen)
        external
        onlyRole(PLEDGE_MANAGER_ROLE)
    {
        _update(
            Movement(Op.EnforcedSale, from, to, pollutant, kg, priceFen, TradeMode.Enforcement, 0, Origin.Paid, false)
        );
    }

    /// @inheritdoc IRightsLedger
    /// @dev R-24: leased-in rights first (they were taken for this), then waived and free before
    /// paid; pledged rights are never surrendered (R-07). Burns exactly `kg` or reverts.
    function surrender(address holder, uint32 pollutant, uint64 kg) external onlyRole(COMPLIANCE_ROLE) {
        Balance memory b = _balances[holder][pollutant];
        uint64[4] memory parts = [_positions[holder][pollutant].leasedIn, b.waived, b.free, b.paid - b.pledged];
        Origin[4] memory origins = [Origin.Paid, Origin.Waived, Origin.Free, Origin.Paid];
        uint64 left = kg;
        for (uint256 i; i < 4 && left != 0; ++i) {
            uint64 part = parts[i] < left ? parts[i] : left;
            if (part == 0) continue;
            _update(Movement(Op.Surrender, holder, address(0), pollutant, part, 0, TradeMode.None, 0, origins[i], i == 0));
            left -= part;
        }
        if (left != 0) revert LedgerInsufficientRights(holder, pollutant, kg, kg - left);
    }

    /// @inheritdoc IRightsLedger
    function setOwed(address holder, uint32 pollutant, uint64 kg) external onlyRole(COMPLIANCE_ROLE) {
        _setOwed(holder, pollutant, kg);
    }

    function _setOwed(address holder, uint32 pollutant, uint64 kg) private {
        uint64 before = _owed[holder][pollutant];
        if (before == kg) return;
        if (before == 0) ++_owingPollutants[holder];
        if (kg == 0) --_owingPollutants[holder];
        _owed[holder][pollutant] = kg;
        emit OwedChanged(holder, pollutant, kg, msg.sender);
    }

    /// @inheritdoc IRightsLedger
    function create(address reserve, uint32 pollutant, uint64 kg, uint16 region) external onlyRole(RESERVE_ROLE) {
        _update(_allocationIn(region, reserve, pollutant, Origin.Paid, kg));
    }

    /// @inheritdoc IRightsLedger
    function reclaim(address from, address reserve, uint32 pollutant, Origin origin, uint64 kg)
        external
        onlyRole(RESERVE_ROLE)
    {
        _move(Op.Reclaim, from, reserve, pollutant, kg, origin);
    }

    /// @inheritdoc IRightsLedger
    function lease(address lessor, address lessee, uint32 pollutant, uint64 kg) external onlyRole(LEASING_ROLE) {
        _move(Op.LeaseOut, lessor, lessee, pollutant, kg, Origin.Paid);
    }

    /// @inheritdoc IRightsLedger
    function endLease(address lessor, address lessee, uint32 pollutant, uint64 kg)
        external
        onlyRole(LEASING_ROLE)
        returns (uint64 returned)
    {
        uint64 left = _positions[lessee][pollutant].leasedIn;
        returned = left < kg ? left : kg;
        _update(Movement(Op.LeaseReturn, lessee, lessor, pollutant, kg, returned, TradeMode.None, 0, Origin.Paid, true));
    }

    /// @inheritdoc IRightsLedger
    function succeed(
        address from,
        address to,
        uint32 pollutant,
        uint64[3] calldata kgByOrigin,
        uint64 permitted,
        uint64 tradable,
        uint64 owedKg
    ) external onlyRole(LIFECYCLE_ROLE) {
        // the unit lifecycle refuses a unit with an active lease, in every pollutant (R-35)
        Position storage source = _positions[from][pollutant];
        for (uint8 o; o < 3; ++o) {
            if (kgByOrigin[o] == 0) continue;
            _move(Op.Succession, from, to, pollutant, kgByOrigin[o], Origin(o));
        }
        uint64 owedBefore = _owed[from][pollutant];
        if (permitted > source.permitted || tradable > source.tradable || owedKg > owedBefore) {
            revert LedgerObligationTooLarge(from, pollutant);
        }
        source.permitted -= permitted;
        source.tradable -= tradable;
        Position storage target = _positions[to][pollutant];
        target.permitted += permitted;
        target.tradable += tradable;
        _setOwed(from, pollutant, owedBefore - owedKg);
        _setOwed(to, pollutant, _owed[to][pollutant] + owedKg);
        emit ObligationsSucceeded(from, to, pollutant, permitted, tradable, owedKg);
    }

    // ------------------------------------------------------------------ the one balance change

    /// @dev Every change of a balance passes here: the rule engine first, then the effects, then
    /// the event (R-04: effective from this block).
    function _update(Movement memory m) internal {
        policy.enforce(m);

        Op op = m.op;
        if (op == Op.Allocate) {
            _credit(m.to, m.pollutant, m.origin, m.kg);
            _caps[m.region][m.pollutant].allocated += m.kg;
            _supply[m.pollutant] += m.kg;
            emit RightsAllocated(m.to, m.pollutant, m.origin, m.kg, m.region, msg.sender);
        } else if (op == Op.Trade) {
            _balances[m.from][m.pollutant].paid -= m.kg;
            _balances[m.to][m.pollutant].paid += m.kg;
            if (m.mode != TradeMode.BuyBack) _consumeCertification(m.from, m.pollutant, m.kg);
            if (m.mode == TradeMode.GreenChannel) _greenChannelIntake[m.to] += m.kg;
            emit RightsTraded(m.from, m.to, m.pollutant, m.kg, m.priceFen, m.mode);
        } else if (op == Op.Surrender) {
            if (m.leased) _positions[m.from][m.pollutant].leasedIn -= m.kg;
            else _debit(m.from, m.pollutant, m.origin, m.kg);
            _supply[m.pollutant] -= m.kg;
            emit RightsSurrendered(m.from, m.pollutant, m.origin, m.leased, m.kg);
        } else if (op == Op.Pledge) {
            _balances[m.from][m.pollutant].pledged += m.kg;
            emit RightsPledged(m.from, m.pollutant, m.kg);
        } else if (op == Op.Release) {
            _balances[m.from][m.pollutant].pledged -= m.kg;
            emit RightsReleased(m.from, m.pollutant, m.kg);
        } else if (op == Op.EnforcedSale) {
            Balance storage b = _balances[m.from][m.pollutant];
            b.pledged -= m.kg;
            b.paid -= m.kg;
            _balances[m.to][m.pollutant].paid += m.kg;
            emit RightsEnforced(m.from, m.to, m.pollutant, m.kg, m.priceFen);
        } else if (op == Op.Reclaim) {
            // reserve stock is tradable whatever it was reclaimed from; the reserve books the source
            _debit(m.from, m.pollutant, m.origin, m.kg);
            _balances[m.to][m.pollutant].paid += m.kg;
            emit RightsReclaimed(m.from, m.to, m.pollutant, m.origin, m.kg);
        } else if (op == Op.LeaseOut) {
            _balances[m.from][m.pollutant].paid -= m.kg;
            _positions[m.from][m.pollutant].leasedOut += m.kg;
            _positions[m.to][m.pollutant].leasedIn += m.kg;
            emit RightsLeased(m.from, m.to, m.pollutant, m.kg);
        } else if (op == Op.LeaseReturn) {
            // from = lessee, to = lessor; priceFen carries what is returned (the rest was surrendered)
            uint64 returned = uint64(m.priceFen);
            _positions[m.from][m.pollutant].leasedIn -= returned;
            _positions[m.to][m.pollutant].leasedOut -= m.kg;
            _balances[m.to][m.pollutant].paid += returned;
            emit RightsLeaseReturned(m.to, m.from, m.pollutant, m.kg, returned);
        } else {
            // Succession: paid rights carry their pledges, pledged first (R-30)
            Balance storage b = _balances[m.from][m.pollutant];
            if (m.origin == Origin.Paid) {
                uint64 liens = b.pledged < m.kg ? b.pledged : m.kg;
                b.pledged -= liens;
                _balances[m.to][m.pollutant].pledged += liens;
            }
            _debit(m.from, m.pollutant, m.origin, m.kg);
            _credit(m.to, m.pollutant, m.origin, m.kg);
            emit RightsSucceeded(m.from, m.to, m.pollutant, m.origin, m.kg);
        }
    }

    /// @dev A movement without a price, a mode or a region.
    function _move(Op op, address from, address to, uint32 pollutant, uint64 kg, Origin origin) private {
        _update(Movement(op, from, to, pollutant, kg, 0, TradeMode.None, 0, origin, false));
    }

    function _credit(address holder, uint32 pollutant, Origin origin, uint64 kg) private {
        Balance storage b = _balances[holder][pollutant];
        if (origin == Origin.Paid) b.paid += kg;
        else if (origin == Origin.Free) b.free += kg;
        else b.waived += kg;
    }

    function _debit(address holder, uint32 pollutant, Origin origin, uint64 kg) private {
        Balance storage b = _balances[holder][pollutant];
        if (origin == Origin.Paid) b.paid -= kg;
        else if (origin == Origin.Free) b.free -= kg;
        else b.waived -= kg;
    }

    function _allocation(address holder, uint32 pollutant, Origin origin, uint64 kg)
        private
        view
        returns (Movement memory)
    {
        return _allocationIn(registry.profile(holder).district, holder, pollutant, origin, kg);
    }

    function _allocationIn(uint16 region, address holder, uint32 pollutant, Origin origin, uint64 kg)
        private
        pure
        returns (Movement memory)
    {
        return Movement(Op.Allocate, address(0), holder, pollutant, kg, 0, TradeMode.None, region, origin, false);
    }

    /// @dev R-39: a unit's sale uses up its recognised quantity (the rule engine checked it
    /// covers the sale). The reserve sells without recognition, so its figure stays at 0.
    function _consumeCertification(address seller, uint32 pollutant, uint64 kg) private {
        Position storage pos = _positions[seller][pollutant];
        uint64 tradable = pos.tradable;
        if (tradable != 0) pos.tradable = tradable > kg ? tradable - kg : 0;
    }

    function _requireOpen(address holder) private view {
        IAccountRegistry.Profile memory p = registry.profile(holder);
        if (!p.registered) revert LedgerNotRegistered(holder);
        if (p.closed) revert LedgerAccountClosed(holder);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IRightsLedger
    function balanceOf(address holder, uint32 pollutant) external view returns (Balance memory) {
        return _balances[holder][pollutant];
    }

    /// @inheritdoc IRightsLedger
    function positionOf(address holder, uint32 pollutant) external view returns (Position memory) {
        return _positions[holder][pollutant];
    }

    /// @inheritdoc IRightsLedger
    function permitOf(address holder) external view returns (Permit memory) {
        return _permits[holder];
    }

    /// @inheritdoc IRightsLedger
    function permitValid(address holder) external view returns (bool) {
        return _permitIsValid(holder);
    }

    /// @inheritdoc IRightsLedger
    function owed(address holder, uint32 pollutant) external view returns (uint64) {
        return _owed[holder][pollutant];
    }

    /// @inheritdoc IRightsLedger
    function owesShortfall(address holder) external view returns (bool) {
        return _owingPollutants[holder] != 0;
    }

    /// @inheritdoc IRightsLedger
    function holdings(address holder, uint32 pollutant) public view returns (uint64) {
        Balance storage b = _balances[holder][pollutant];
        return b.paid + b.free + b.waived;
    }

    /// @inheritdoc IRightsLedger
    function usable(address holder, uint32 pollutant) external view returns (uint64) {
        Balance storage b = _balances[holder][pollutant];
        return b.paid + b.free + b.waived - b.pledged + _positions[holder][pollutant].leasedIn;
    }

    /// @inheritdoc IRightsLedger
    function surrenderable(address holder, uint32 pollutant)
        external
        view
        returns (uint64 usableKg, uint64 holdingsKg, uint64 leasedInKg)
    {
        Balance storage b = _balances[holder][pollutant];
        holdingsKg = b.paid + b.free + b.waived;
        leasedInKg = _positions[holder][pollutant].leasedIn;
        usableKg = holdingsKg - b.pledged + leasedInKg;
    }

    /// @inheritdoc IRightsLedger
    function capOf(uint16 region, uint32 pollutant) external view returns (Cap memory) {
        return _caps[region][pollutant];
    }

    /// @inheritdoc IRightsLedger
    function totalSupply(uint32 pollutant) external view returns (uint256) {
        return _supply[pollutant];
    }

    /// @inheritdoc IRightsLedger
    function greenChannelIntake(address holder) external view returns (uint64) {
        return _greenChannelIntake[holder];
    }

    /// @inheritdoc IRightsLedger
    function check(Movement calldata m) external view returns (Reason reason, uint256 have, uint256 need) {
        return policy.check(m);
    }

    /// @inheritdoc IRightsLedger
    function holderState(address holder, uint32 pollutant) external view returns (HolderState memory) {
        return HolderState(_balances[holder][pollutant], _positions[holder][pollutant], _permitIsValid(holder));
    }

    function _permitIsValid(address holder) private view returns (bool) {
        Permit storage p = _permits[holder];
        return p.version != 0 && p.validFrom <= block.timestamp && block.timestamp < p.validTo;
    }
}
