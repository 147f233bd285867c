// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ILeaseBook} from "../interfaces/ILeaseBook.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IPriceBook} from "../interfaces/IPriceBook.sol";
import {SignedActions} from "../utils/SignedActions.sol";
import {LedgerRefusals} from "../registry/LedgerRefusals.sol";
import {Op, Origin, TradeMode} from "../interfaces/Types.sol";
import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {Figure} from "../interfaces/IPolicyBook.sol";

/// @title LeaseBook
/// @notice Lease agreements; the ledger holds the lent quantities (leasedOut / leasedIn). A lease
/// is a term's use, not a sale: the term is bounded and the rent has a floor (R-13, R-15, R-35).
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract LeaseBook is ILeaseBook, SignedActions, CouncilUpgradeable {
    using SafeERC20 for IERC20;

    /// The period a right's benchmark value covers: the 5 years for which rights are confirmed
    /// (seed 003 §2(一)); the rent floor is the value's share of it. The longest term is the city's
    /// policy figure `LeaseMaxTermSeconds` (R-35), read when a lease is offered or accepted.
    uint64 public constant RENT_PERIOD = 5 * 365 days;

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
    IAccountRegistry public immutable registry;
    IPriceBook public immutable priceBook;

    Lease[] private _leases; // id = index + 1
    mapping(address lessee => mapping(uint32 pollutant => uint256 id)) private _active;

    constructor(IRightsLedger ledger_, IERC20 money_, IAccountRegistry registry_, IPriceBook priceBook_)
        SignedActions("LeaseBook", "1")
    {
        ledger = ledger_;
        money = money_;
        registry = registry_;
        priceBook = priceBook_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        _initCouncilAdmin(admin);
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
    function rentFloor(address lessee, uint32 pollutant, uint64 kg, uint64 endsAt) public view returns (uint256) {
        if (endsAt <= block.timestamp) return 0;
        uint256 value = priceBook.quote(pollutant, registry.profile(lessee).district, kg);
        return (value * (endsAt - block.timestamp) + RENT_PERIOD - 1) / RENT_PERIOD;
    }

    /// @inheritdoc ILeaseBook
    function latestEnd(address lessor) public view returns (uint64 latest) {
        latest = uint64(block.timestamp) + ledger.policy().figure(Figure.LeaseMaxTermSeconds);
        if (ledger.permitValid(lessor)) {
            uint64 permitEnds = ledger.permitOf(lessor).validTo;
            if (permitEnds < latest) latest = permitEnds;
        }
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
        // what the acceptance would refuse today is refused now, with the same error: the ledger's
        // rules for lending (the city's leasing switch first, R-05 – R-07, R-17 – R-20, R-38), the
        // term and rent (R-35), and a lease of the lessee that outlasts this term (one lease per
        // lessee and pollutant at a time)
        LedgerRefusals.requireAllowed(
            ledger,
            IRightsLedger.Movement(Op.LeaseOut, lessor, lessee, pollutant, kg, 0, TradeMode.None, 0, Origin.Paid, false)
        );
        _requireTerms(lessor, lessee, pollutant, kg, endsAt, rentFen);
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
        _requireTerms(l.lessor, lessee, l.pollutant, l.kg, l.endsAt, l.rentFen); // as of today
        uint256 current = _active[l.lessee][l.pollutant];
        if (current != 0) revert LeaseAlreadyActive(l.lessee, l.pollutant, current);
        l.status = Status.Active;
        _active[l.lessee][l.pollutant] = id;
        emit LeaseStarted(id);
        ledger.lease(l.lessor, l.lessee, l.pollutant, l.kg);
        if (l.rentFen != 0) money.safeTransferFrom(lessee, l.lessor, l.rentFen); // the lessee pays
    }

    /// @dev R-35: the term ends in the future, within `latestEnd(lessor)`; the rent is at least
    /// `rentFloor` (the lessee's district benchmark value of the rights, pro rata of the term).
    function _requireTerms(address lessor, address lessee, uint32 pollutant, uint64 kg, uint64 endsAt, uint256 rentFen)
        private
        view
    {
        if (endsAt <= block.timestamp) revert LeaseInvalidTerm(endsAt);
        uint64 latest = latestEnd(lessor);
        if (endsAt > latest) revert LeaseTermTooLong(endsAt, latest);
        uint256 floor = rentFloor(lessee, pollutant, kg, endsAt);
        if (rentFen < floor) revert LeaseRentBelowFloor(rentFen, floor);
    }

    function _get(uint256 id) private view returns (Lease storage) {
        if (id == 0 || id > _leases.length) revert LeaseUnknown(id);
        return _leases[id - 1];
    }
}
