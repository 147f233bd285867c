// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ILeaseBook} from "../interfaces/ILeaseBook.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {SignedActions} from "../utils/SignedActions.sol";
import {LedgerRefusals} from "../registry/LedgerRefusals.sol";
import {Op, Origin, TradeMode} from "../interfaces/Types.sol";

/// @title LeaseBook
/// @notice Lease agreements; the ledger holds the lent quantities (leasedOut / leasedIn).
contract LeaseBook is ILeaseBook, SignedActions {
    using SafeERC20 for IERC20;

    bytes32 public constant OFFER_LEASE_TYPEHASH = keccak256(
        "OfferLease(address lessor,address lessee,uint32 pollutant,uint64 kg,uint64 endsAt,uint256 rentFen,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant CANCEL_LEASE_TYPEHASH =
        keccak256("CancelLease(address lessor,uint256 id,uint256 nonce,uint256 deadline)");
    bytes32 public constant ACCEPT_LEASE_TYPEHASH = keccak256(
        "AcceptLease(address lessee,uint256 id,uint32 pollutant,uint64 kg,uint256 rentFen,uint256 nonce,uint256 deadline)"
    );

    IRightsLedger public immutable ledger;
    IERC20 public immutable money;

    Lease[] private _leases; // id = index + 1
    mapping(address lessee => mapping(uint32 pollutant => uint256 id)) private _active;

    constructor(IRightsLedger ledger_, IERC20 money_) SignedActions("LeaseBook") {
        ledger = ledger_;
        money = money_;
    }

    /// @inheritdoc ILeaseBook
    function offerLease(address lessee, uint32 pollutant, uint64 kg, uint64 endsAt, uint256 rentFen)
        external
        returns (uint256)
    {
        return _offer(msg.sender, lessee, pollutant, kg, endsAt, rentFen);
    }

    /// @inheritdoc ILeaseBook
    function offerLeaseBySig(
        address lessor,
        address lessee,
        uint32 pollutant,
        uint64 kg,
        uint64 endsAt,
        uint256 rentFen,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        _useSignature(
            lessor,
            abi.encode(OFFER_LEASE_TYPEHASH, lessor, lessee, pollutant, kg, endsAt, rentFen),
            deadline,
            signature
        );
        return _offer(lessor, lessee, pollutant, kg, endsAt, rentFen);
    }

    /// @inheritdoc ILeaseBook
    function cancelLease(uint256 id) external {
        _cancel(msg.sender, id);
    }

    /// @inheritdoc ILeaseBook
    function cancelLeaseBySig(address lessor, uint256 id, uint256 deadline, bytes calldata signature) external {
        _useSignature(lessor, abi.encode(CANCEL_LEASE_TYPEHASH, lessor, id), deadline, signature);
        _cancel(lessor, id);
    }

    /// @inheritdoc ILeaseBook
    function acceptLease(uint256 id) external {
        _accept(msg.sender, id);
    }

    /// @inheritdoc ILeaseBook
    function acceptLeaseBySig(
        address lessee,
        uint256 id,
        uint32 pollutant,
        uint64 kg,
        uint256 rentFen,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _useSignature(
            lessee, abi.encode(ACCEPT_LEASE_TYPEHASH, lessee, id, pollutant, kg, rentFen), deadline, signature
        );
        Lease storage l = _get(id);
        if (l.pollutant != pollutant || l.kg != kg || l.rentFen != rentFen) revert LeaseTermsMismatch(id);
        _accept(lessee, id);
    }

    /// @inheritdoc ILeaseBook
    function endLease(uint256 id) external {
        Lease storage l = _get(id);
        if (l.status != Status.Active) revert LeaseWrongStatus(id, l.status);
        if (block.timestamp < l.endsAt) revert LeaseNotOver(id, l.endsAt);
        l.status = Status.Ended;
        delete _active[l.lessee][l.pollutant];
        uint64 returned = ledger.endLease(l.lessor, l.lessee, l.pollutant, l.kg);
        l.unreturned = l.kg - returned;
        emit LeaseEnded(id, returned, l.unreturned);
    }

    /// @inheritdoc ILeaseBook
    function lease(uint256 id) external view returns (Lease memory) {
        return _get(id);
    }

    /// @inheritdoc ILeaseBook
    function leaseCount() external view returns (uint256) {
        return _leases.length;
    }

    /// @inheritdoc ILeaseBook
    function activeLease(address lessee, uint32 pollutant) external view returns (uint256) {
        return _active[lessee][pollutant];
    }

    function _offer(address lessor, address lessee, uint32 pollutant, uint64 kg, uint64 endsAt, uint256 rentFen)
        private
        returns (uint256 id)
    {
        if (kg == 0) revert LeaseZeroQuantity();
        if (endsAt <= block.timestamp) revert LeaseInvalidTerm(endsAt);
        // what the acceptance would refuse today is refused now, with the same error: the ledger's
        // rules for lending (R-05 – R-07, R-17 – R-20, R-38), and a lease of the lessee that
        // outlasts this term (one lease per lessee and pollutant at a time)
        LedgerRefusals.requireAllowed(
            ledger,
            IRightsLedger.Movement(Op.LeaseOut, lessor, lessee, pollutant, kg, 0, TradeMode.None, 0, Origin.Paid, false)
        );
        uint256 current = _active[lessee][pollutant];
        if (current != 0 && _leases[current - 1].endsAt >= endsAt) revert LeaseAlreadyActive(lessee, pollutant, current);
        _leases.push(Lease(lessor, lessee, pollutant, kg, endsAt, Status.Offered, 0, rentFen));
        id = _leases.length;
        emit LeaseOffered(id, lessor, lessee, pollutant, kg, endsAt, rentFen);
    }

    function _cancel(address lessor, uint256 id) private {
        Lease storage l = _get(id);
        if (lessor != l.lessor) revert LeaseNotParty(id, lessor);
        if (l.status != Status.Offered) revert LeaseWrongStatus(id, l.status);
        l.status = Status.Cancelled;
        emit LeaseCancelled(id);
    }

    /// @dev Rights lent (the ledger's rules) and the rent drawn from the lessee, in one step.
    function _accept(address lessee, uint256 id) private {
        Lease storage l = _get(id);
        if (lessee != l.lessee) revert LeaseNotParty(id, lessee);
        if (l.status != Status.Offered) revert LeaseWrongStatus(id, l.status);
        if (l.endsAt <= block.timestamp) revert LeaseInvalidTerm(l.endsAt);
        uint256 current = _active[l.lessee][l.pollutant];
        if (current != 0) revert LeaseAlreadyActive(l.lessee, l.pollutant, current);
        l.status = Status.Active;
        _active[l.lessee][l.pollutant] = id;
        emit LeaseStarted(id);
        ledger.lease(l.lessor, l.lessee, l.pollutant, l.kg);
        if (l.rentFen != 0) money.safeTransferFrom(lessee, l.lessor, l.rentFen); // the lessee pays
    }

    function _get(uint256 id) private view returns (Lease storage) {
        if (id == 0 || id > _leases.length) revert LeaseUnknown(id);
        return _leases[id - 1];
    }
}
