// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IPledgeBook} from "../interfaces/IPledgeBook.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {Roles} from "../access/Roles.sol";
import {SignedActions} from "../utils/SignedActions.sol";

/// @title PledgeBook
/// @notice Pledge records; the ledger holds the pledged quantities and checks R-06/R-07 on pledging.
/// @dev Lean by design (docs/benchmarks.md): a pledge writes its record (two slots) and the
/// counter (never zero, so never a fresh slot); no list per holder. A holder's pledges are the
/// explorer's to list (events `Pledged`, `PledgesSucceeded`); whether a holder has active pledges
/// is the ledger's pledged quantities; a merger records the successor once (R-30) and every
/// pledge of the merged unit answers with its successor from then on.
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract PledgeBook is IPledgeBook, CouncilUpgradeable, SignedActions {
    bytes32 public constant PLEDGEE_ROLE = Roles.PLEDGEE;
    bytes32 public constant EXCHANGE_ROLE = Roles.EXCHANGE;
    bytes32 public constant LIFECYCLE_ROLE = Roles.LIFECYCLE;
    bytes32 private constant PLEDGE_TYPEHASH = keccak256(
        "Pledge(address holder,address bank,uint32 pollutant,uint64 quantityKg,uint128 claimFen,uint64 maturity,uint256 nonce,uint256 deadline)"
    );

    /// A pledge as stored: `Pledge` packed into two slots (holder, pollutant, kg | bank, status,
    /// maturity, claim). `holder` is the pledgor; `_holderNow` follows its mergers.
    struct Record {
        address holder;
        uint32 pollutant;
        uint64 kg;
        address bank;
        Status status;
        uint48 maturity;
        uint40 claimFen;
    }

    IRightsLedger public immutable ledger;
    IAccountRegistry public immutable registry;
    uint256 private _nextId; // the next pledge's number (1 from `initialize`); pledgeCount() = _nextId - 1
    mapping(uint256 id => Record) private _pledges;
    mapping(address merged => address successor) private _successor; // R-30

    constructor(IRightsLedger ledger_, IAccountRegistry registry_) SignedActions("PledgeBook", "2") {
        ledger = ledger_;
        registry = registry_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        _initCouncilAdmin(admin);
        _nextId = 1;
    }

    /// @inheritdoc IPledgeBook
    function pledge(address bank, uint32 pollutant, uint64 kg, uint128 claimFen, uint64 maturity)
        external
        returns (uint256)
    {
        return _pledge(msg.sender, bank, pollutant, kg, claimFen, maturity);
    }

    /// @inheritdoc IPledgeBook
    function pledgeBySig(
        address holder,
        address bank,
        uint32 pollutant,
        uint64 kg,
        uint128 claimFen,
        uint64 maturity,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        _useSignature(
            holder, abi.encode(PLEDGE_TYPEHASH, holder, bank, pollutant, kg, claimFen, maturity), deadline, signature
        );
        return _pledge(holder, bank, pollutant, kg, claimFen, maturity);
    }

    /// @inheritdoc IPledgeBook
    function release(uint256 id) external {
        Record storage p = _byBank(id);
        if (p.status != Status.Active && p.status != Status.Enforcing) revert PledgeWrongStatus(id, p.status);
        p.status = Status.Released;
        emit PledgeReleased(id, msg.sender);
        ledger.releaseRights(_holderNow(p.holder), p.pollutant, p.kg);
    }

    /// @inheritdoc IPledgeBook
    /// @dev R-34: default is declared after the maturity and for no more than the pledgor agreed
    /// to secure, so the sale's proceeds above the claim stay the pledgor's.
    function enforce(uint256 id, uint128 claimFen) external {
        Record storage p = _byBank(id);
        if (p.status != Status.Active) revert PledgeWrongStatus(id, p.status);
        if (block.timestamp < p.maturity) revert PledgeNotMatured(id, p.maturity, block.timestamp);
        if (claimFen > p.claimFen) revert PledgeClaimAboveRecorded(id, claimFen, p.claimFen);
        p.status = Status.Enforcing;
        p.claimFen = uint40(claimFen); // ≤ the recorded claim, itself a uint40
        emit PledgeEnforcementStarted(id, msg.sender, claimFen);
    }

    /// @inheritdoc IPledgeBook
    function settleEnforcement(uint256 id, address buyer, uint256 priceFen)
        external
        onlyRole(EXCHANGE_ROLE)
        returns (address, address, uint128)
    {
        Record storage p = _get(id);
        if (p.status != Status.Enforcing) revert PledgeWrongStatus(id, p.status);
        p.status = Status.Enforced;
        emit PledgeEnforced(id, buyer, priceFen);
        address holder = _holderNow(p.holder);
        ledger.transferPledged(holder, buyer, p.pollutant, p.kg, priceFen);
        return (holder, p.bank, p.claimFen);
    }

    /// @inheritdoc IPledgeBook
    /// @dev The merger closes `from` (UnitLifecycle), so it never pledges again; its pledges
    /// answer with `to` (and `to`'s own successor, should it merge later) from now on.
    function transferPledges(address from, address to) external onlyRole(LIFECYCLE_ROLE) {
        _successor[from] = to;
        emit PledgesSucceeded(from, to);
    }

    /// @inheritdoc IPledgeBook
    /// @dev The ledger's pledged quantities are the pledges not released or enforced: a pledge
    /// adds to them, its release or enforcement sale takes them away, a merger moves them.
    function hasActivePledges(address holder) external view returns (bool) {
        uint32 count = registry.pollutantCount();
        for (uint32 p = 1; p <= count; ++p) {
            if (ledger.balanceOf(holder, p).pledged != 0) return true;
        }
        return false;
    }

    /// @inheritdoc IPledgeBook
    function pledgeOf(uint256 id) external view returns (Pledge memory) {
        Record storage p = _get(id);
        bool open = p.status == Status.Active || p.status == Status.Enforcing; // only these pass (R-30)
        address holder = open ? _holderNow(p.holder) : p.holder;
        return Pledge(holder, p.pollutant, p.kg, p.bank, p.status, p.maturity, p.claimFen);
    }

    /// @inheritdoc IPledgeBook
    function pledgeCount() external view returns (uint256) {
        return _nextId - 1;
    }

    function _pledge(address holder, address bank, uint32 pollutant, uint64 kg, uint128 claimFen, uint64 maturity)
        private
        returns (uint256 id)
    {
        if (!hasRole(PLEDGEE_ROLE, bank)) revert PledgeNotPledgee(bank);
        if (claimFen == 0 || claimFen > type(uint40).max || maturity <= block.timestamp || maturity > type(uint48).max)
        {
            revert PledgeInvalidTerms(claimFen, maturity);
        }
        id = _nextId++;
        _pledges[id] = Record(holder, pollutant, kg, bank, Status.Active, uint48(maturity), uint40(claimFen));
        emit Pledged(id, holder, bank, pollutant, kg, claimFen, maturity);
        ledger.pledgeRights(holder, pollutant, kg); // R-06, R-07 checked by the ledger's rule engine
    }

    /// @dev The pledgor, or the unit it merged into (R-30), followed to the holder of today.
    function _holderNow(address holder) private view returns (address) {
        for (address next = _successor[holder]; next != address(0); next = _successor[holder]) {
            holder = next;
        }
        return holder;
    }

    function _get(uint256 id) private view returns (Record storage p) {
        p = _pledges[id];
        if (p.status == Status.None) revert PledgeUnknown(id);
    }

    function _byBank(uint256 id) private view returns (Record storage p) {
        p = _get(id);
        if (p.bank != msg.sender) revert PledgeNotBank(id, msg.sender);
    }
}
