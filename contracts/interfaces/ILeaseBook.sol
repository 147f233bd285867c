// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ILeaseBook
/// @notice Leasing of paid rights (租赁, R-35): a holder offers paid rights for a term at a rent; the
/// lessee accepts and pays the rent in the same transaction (R-16); the rights count for the
/// lessee's surrender during the term and return automatically at its end — as much as is left,
/// the rest recorded as owed by the lessee to the lessor. A lease is a term's use, never a sale in
/// disguise (R-13, R-15): the term ends within 5 years (`MAX_TERM`) and within the lessor's valid
/// permit, and the rent is at least the benchmark value of the rights pro rata of the term
/// (`rentFloor`), both checked at the offer and again at the acceptance.
interface ILeaseBook {
    enum Status {
        None,
        Offered,
        Active,
        Ended,
        Cancelled
    }

    struct Lease {
        address lessor;
        address lessee;
        uint32 pollutant;
        uint64 kg;
        uint64 endsAt;
        Status status;
        uint64 unreturned; // surrendered by the lessee, owed to the lessor
        uint256 rentFen;
    }

    event LeaseOffered(
        uint256 indexed id, address indexed lessor, address indexed lessee, uint32 pollutant, uint64 kg, uint64 endsAt, uint256 rentFen
    );
    event LeaseStarted(uint256 indexed id);
    event LeaseCancelled(uint256 indexed id);
    event LeaseEnded(uint256 indexed id, uint64 returned, uint64 unreturned);

    error LeaseUnknown(uint256 id);
    error LeaseWrongStatus(uint256 id, Status status);
    error LeaseNotParty(uint256 id, address caller);
    error LeaseInvalidTerm(uint64 endsAt);
    error LeaseNotOver(uint256 id, uint64 endsAt);
    error LeaseAlreadyActive(address lessee, uint32 pollutant, uint256 id);
    error LeaseZeroQuantity();
    error LeaseTermsMismatch(uint256 id);
    /// The term ends after `latestEnd(lessor)`.
    error LeaseTermTooLong(uint64 endsAt, uint64 latest);
    /// The rent is below the floor for the rights and the term.
    error LeaseRentBelowFloor(uint256 rentFen, uint256 floorFen);

    /// @notice Signed actions (EIP-712 domain `LeaseBook`, version 1; docs/signing.md): the party
    /// signs in its own wallet and anyone relays. Each struct ends with the signer's next nonce
    /// (`nonces(address)`) and a deadline.
    /// `OfferLease(address lessor,address lessee,uint32 pollutant,uint64 kg,uint64 endsAt,uint256 rentFen,uint256 nonce,uint256 deadline)`
    function offerLeaseBySig(
        address lessor,
        address lessee,
        uint32 pollutant,
        uint64 kg,
        uint64 endsAt,
        uint256 rentFen,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 id);

    /// @notice `CancelLease(address lessor,uint256 id,uint256 nonce,uint256 deadline)`
    function cancelLeaseBySig(address lessor, uint256 id, uint256 deadline, bytes calldata signature) external;

    /// @notice The lessee signs the terms it accepts, so its wallet shows quantity and rent:
    /// `AcceptLease(address lessee,uint256 id,uint32 pollutant,uint64 kg,uint256 rentFen,uint256 nonce,uint256 deadline)`;
    /// terms other than the offer's are refused (`LeaseTermsMismatch`). The rent is drawn from
    /// the lessee's allowance to this contract (`approve`, or an ERC-2612 `permit` signed with it).
    function acceptLeaseBySig(
        address lessee,
        uint256 id,
        uint32 pollutant,
        uint64 kg,
        uint256 rentFen,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Offer paid rights to `lessee` until `endsAt` for `rentFen`. Refused at once, with the
    /// error the acceptance would give, when the term or the rent breaks R-35, the lessee has a lease
    /// of the pollutant that outlasts this term, or the ledger would refuse the lending today
    /// (R-05 – R-07, R-17 – R-20, R-38).
    function offerLease(address lessee, uint32 pollutant, uint64 kg, uint64 endsAt, uint256 rentFen)
        external
        returns (uint256 id);
    function cancelLease(uint256 id) external;
    /// @notice The lessee accepts: rights lent (the ledger checks R-05, R-06, R-07, R-17–R-20) and rent paid.
    function acceptLease(uint256 id) external;
    /// @notice After the term anyone ends the lease; the rest of the rights return to the lessor.
    function endLease(uint256 id) external;

    /// @notice The least rent for lending `kg` of `pollutant` to `lessee` until `endsAt`, in fen:
    /// kg × the benchmark of the lessee's district × the term's share of `MAX_TERM`, rounded up.
    function rentFloor(address lessee, uint32 pollutant, uint64 kg, uint64 endsAt) external view returns (uint256);

    /// @notice The latest end of a lease `lessor` offers now: `MAX_TERM` from now, or the end of its
    /// valid permit if sooner.
    function latestEnd(address lessor) external view returns (uint64);

    function lease(uint256 id) external view returns (Lease memory);
    function leaseCount() external view returns (uint256);
    function activeLease(address lessee, uint32 pollutant) external view returns (uint256);
}
