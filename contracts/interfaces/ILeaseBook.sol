// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ILeaseBook
/// @notice Leasing of paid rights (租赁, R-35): a holder offers paid rights for a term at a rent; the
/// lessee accepts and pays the rent in the same transaction (R-16); the rights count for the
/// lessee's surrender during the term and return automatically at its end — as much as is left,
/// the rest recorded as owed by the lessee to the lessor. A lease is a term's use, never a sale in
/// disguise (R-13, R-15): the term ends within the city's longest lease term (the policy figure
/// `LeaseMaxTermSeconds`: 5 years in Shijiazhuang) and within the lessor's valid permit, and the
/// rent is at least the benchmark value of the rights pro rata of the term (`rentFloor`), both
/// checked at the offer and again at the acceptance.
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

    /// @notice `lessor` offered `kg` of paid rights to `lessee` until `endsAt` for `rentFen` (R-35).
    /// @param id the lease's number
    /// @param lessor the lending unit
    /// @param lessee the borrowing unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param endsAt the term's end, unix seconds
    /// @param rentFen the rent, fen
    event LeaseOffered(
        uint256 indexed id, address indexed lessor, address indexed lessee, uint32 pollutant, uint64 kg, uint64 endsAt, uint256 rentFen
    );
    /// @notice The lessee accepted and paid the rent: the rights are lent until the term ends.
    /// @param id the lease's number
    event LeaseStarted(uint256 indexed id);
    /// @notice The lessor withdrew its offer before the lessee accepted.
    /// @param id the lease's number
    event LeaseCancelled(uint256 indexed id);
    /// @notice The term is over: what the lessee did not surrender returned to the lessor.
    /// @param id the lease's number
    /// @param returned what returned to the lessor, kg
    /// @param unreturned what the lessee surrendered meanwhile, kg
    event LeaseEnded(uint256 indexed id, uint64 returned, uint64 unreturned);

    /// @notice No lease has this number.
    /// @param id the lease's number
    error LeaseUnknown(uint256 id);
    /// @notice The lease is not in a status that allows this step.
    /// @param id the lease's number
    /// @param status its status
    error LeaseWrongStatus(uint256 id, Status status);
    /// @notice Only the lease's lessor cancels, only its lessee accepts.
    /// @param id the lease's number
    /// @param caller who asked
    error LeaseNotParty(uint256 id, address caller);
    /// @notice A lease ends in the future.
    /// @param endsAt the term's end, unix seconds
    error LeaseInvalidTerm(uint64 endsAt);
    /// @notice A lease ends only after its term.
    /// @param id the lease's number
    /// @param endsAt the term's end, unix seconds
    error LeaseNotOver(uint256 id, uint64 endsAt);
    /// @notice R-35: a lessee holds one active lease of a pollutant at a time.
    /// @param lessee the borrowing unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param id the lease's number
    error LeaseAlreadyActive(address lessee, uint32 pollutant, uint256 id);
    /// @notice A lease of zero kg.
    error LeaseZeroQuantity();
    /// @notice The terms the lessee signed are not the offer's.
    /// @param id the lease's number
    error LeaseTermsMismatch(uint256 id);
    /// The term ends after `latestEnd(lessor)`.
    /// @param endsAt the term's end, unix seconds
    /// @param latest the latest allowed end, unix seconds
    error LeaseTermTooLong(uint64 endsAt, uint64 latest);
    /// The rent is below the floor for the rights and the term.
    /// @param rentFen the rent, fen
    /// @param floorFen the least rent, fen
    error LeaseRentBelowFloor(uint256 rentFen, uint256 floorFen);

    /// @notice Signed actions (EIP-712 domain `LeaseBook`, version 1; docs/signing.md): the party
    /// signs in its own wallet and anyone relays. Each struct ends with the signer's next nonce
    /// (`nonces(address)`) and a deadline.
    /// `OfferLease(address lessor,address lessee,uint32 pollutant,uint64 kg,uint64 endsAt,uint256 rentFen,uint256 nonce,uint256 deadline)`
    /// @param lessor the lending unit
    /// @param lessee the borrowing unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param endsAt the term's end, unix seconds
    /// @param rentFen the rent, fen
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    /// @return id the new lease's number
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
    /// @param lessor the lending unit
    /// @param id the lease's number
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function cancelLeaseBySig(address lessor, uint256 id, uint256 deadline, bytes calldata signature) external;

    /// @notice The lessee signs the terms it accepts, so its wallet shows quantity and rent:
    /// `AcceptLease(address lessee,uint256 id,uint32 pollutant,uint64 kg,uint256 rentFen,uint256 nonce,uint256 deadline)`;
    /// terms other than the offer's are refused (`LeaseTermsMismatch`). The rent is drawn from
    /// the lessee's allowance to this contract (`approve`, or an ERC-2612 `permit` signed with it).
    /// @param lessee the borrowing unit
    /// @param id the lease's number
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param rentFen the rent, fen
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
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
    /// @param lessee the borrowing unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param endsAt the term's end, unix seconds
    /// @param rentFen the rent, fen
    /// @return id the new lease's number
    function offerLease(address lessee, uint32 pollutant, uint64 kg, uint64 endsAt, uint256 rentFen)
        external
        returns (uint256 id);
    /// @notice The lessor withdraws its offer before the lessee accepts.
    /// @param id the lease's number
    function cancelLease(uint256 id) external;
    /// @notice The lessee accepts: rights lent (the ledger checks R-05, R-06, R-07, R-17–R-20) and rent paid.
    /// @param id the lease's number
    function acceptLease(uint256 id) external;
    /// @notice After the term anyone ends the lease; the rest of the rights return to the lessor.
    /// @param id the lease's number
    function endLease(uint256 id) external;

    /// @notice The least rent for lending `kg` of `pollutant` to `lessee` until `endsAt`, in fen:
    /// kg × the benchmark of the lessee's district × the term's share of `RENT_PERIOD` (5 years),
    /// rounded up.
    /// @param lessee the borrowing unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param endsAt the term's end, unix seconds
    /// @return the rent floor, fen
    function rentFloor(address lessee, uint32 pollutant, uint64 kg, uint64 endsAt) external view returns (uint256);

    /// @notice The latest end of a lease `lessor` offers now: the policy's longest term from now, or the end of its
    /// valid permit if sooner.
    /// @param lessor the lending unit
    /// @return the latest end, unix seconds
    function latestEnd(address lessor) external view returns (uint64);

    /// @notice The lease numbered `id`.
    /// @param id the lease's number
    /// @return the lease
    function lease(uint256 id) external view returns (Lease memory);
    /// @notice How many leases were offered (numbers 1 … this).
    /// @return the number of leases
    function leaseCount() external view returns (uint256);
    /// @notice The lessee's active lease of a pollutant, 0 when none.
    /// @param lessee the borrowing unit
    /// @param pollutant the pollutant's id in the account registry
    /// @return the lease's number
    function activeLease(address lessee, uint32 pollutant) external view returns (uint256);
}
