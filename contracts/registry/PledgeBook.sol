// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IPledgeBook} from "../interfaces/IPledgeBook.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {Roles} from "../access/Roles.sol";
import {SignedActions} from "../utils/SignedActions.sol";

/// @title PledgeBook
/// @notice Pledge records; the ledger holds the pledged quantities and checks R-06/R-07 on pledging.
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract PledgeBook is IPledgeBook, CouncilUpgradeable, SignedActions {
    bytes32 public constant PLEDGEE_ROLE = Roles.PLEDGEE;
    bytes32 public constant EXCHANGE_ROLE = Roles.EXCHANGE;
    bytes32 public constant LIFECYCLE_ROLE = Roles.LIFECYCLE;
    bytes32 private constant PLEDGE_TYPEHASH = keccak256(
        "Pledge(address holder,address bank,uint32 pollutant,uint64 quantityKg,uint128 claimFen,uint64 maturity,uint256 nonce,uint256 deadline)"
    );

    IRightsLedger public immutable ledger;
    Pledge[] private _pledges; // id = index + 1
    mapping(address holder => uint256[]) private _idsOf;

    constructor(IRightsLedger ledger_) SignedActions("PledgeBook", "2") {
        ledger = ledger_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        _initCouncilAdmin(admin);
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
        Pledge storage p = _byBank(id);
        if (p.status != Status.Active && p.status != Status.Enforcing) revert PledgeWrongStatus(id, p.status);
        p.status = Status.Released;
        emit PledgeReleased(id, msg.sender);
        ledger.releaseRights(p.holder, p.pollutant, p.kg);
    }

    /// @inheritdoc IPledgeBook
    /// @dev R-34: default is declared after the maturity and for no more than the pledgor agreed
    /// to secure, so the sale's proceeds above the claim stay the pledgor's.
    function enforce(uint256 id, uint128 claimFen) external {
        Pledge storage p = _byBank(id);
        if (p.status != Status.Active) revert PledgeWrongStatus(id, p.status);
        if (block.timestamp < p.maturity) revert PledgeNotMatured(id, p.maturity, block.timestamp);
        if (claimFen > p.claimFen) revert PledgeClaimAboveRecorded(id, claimFen, p.claimFen);
        p.status = Status.Enforcing;
        p.claimFen = claimFen;
        emit PledgeEnforcementStarted(id, msg.sender, claimFen);
    }

    /// @inheritdoc IPledgeBook
    function settleEnforcement(uint256 id, address buyer, uint256 priceFen)
        external
        onlyRole(EXCHANGE_ROLE)
        returns (address, address, uint128)
    {
        Pledge storage p = _get(id);
        if (p.status != Status.Enforcing) revert PledgeWrongStatus(id, p.status);
        p.status = Status.Enforced;
        emit PledgeEnforced(id, buyer, priceFen);
        ledger.transferPledged(p.holder, buyer, p.pollutant, p.kg, priceFen);
        return (p.holder, p.bank, p.claimFen);
    }

    /// @inheritdoc IPledgeBook
    function transferPledges(address from, address to) external onlyRole(LIFECYCLE_ROLE) {
        uint256[] storage ids = _idsOf[from];
        for (uint256 i; i < ids.length; ++i) {
            Pledge storage p = _pledges[ids[i] - 1];
            if (p.status != Status.Active && p.status != Status.Enforcing) continue;
            p.holder = to;
            _idsOf[to].push(ids[i]);
            emit PledgeSucceeded(ids[i], from, to);
        }
    }

    /// @inheritdoc IPledgeBook
    function hasActivePledges(address holder) external view returns (bool) {
        uint256[] storage ids = _idsOf[holder];
        for (uint256 i; i < ids.length; ++i) {
            Pledge storage p = _pledges[ids[i] - 1];
            if (p.holder == holder && (p.status == Status.Active || p.status == Status.Enforcing)) return true;
        }
        return false;
    }

    /// @inheritdoc IPledgeBook
    function pledgeOf(uint256 id) external view returns (Pledge memory) {
        return _get(id);
    }

    /// @inheritdoc IPledgeBook
    function pledgeCount() external view returns (uint256) {
        return _pledges.length;
    }

    /// @inheritdoc IPledgeBook
    function pledgesOf(address holder) external view returns (uint256[] memory) {
        return _idsOf[holder];
    }

    function _pledge(address holder, address bank, uint32 pollutant, uint64 kg, uint128 claimFen, uint64 maturity)
        private
        returns (uint256 id)
    {
        if (!hasRole(PLEDGEE_ROLE, bank)) revert PledgeNotPledgee(bank);
        if (claimFen == 0 || maturity <= block.timestamp) revert PledgeInvalidTerms(claimFen, maturity);
        _pledges.push(Pledge(holder, pollutant, kg, bank, Status.Active, maturity, claimFen));
        id = _pledges.length;
        _idsOf[holder].push(id);
        emit Pledged(id, holder, bank, pollutant, kg, claimFen, maturity);
        ledger.pledgeRights(holder, pollutant, kg); // R-06, R-07 checked by the ledger's rule engine
    }

    function _get(uint256 id) private view returns (Pledge storage) {
        if (id == 0 || id > _pledges.length) revert PledgeUnknown(id);
        return _pledges[id - 1];
    }

    function _byBank(uint256 id) private view returns (Pledge storage p) {
        p = _get(id);
        if (p.bank != msg.sender) revert PledgeNotBank(id, msg.sender);
    }
}
