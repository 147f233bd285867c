// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IPledgeBook
/// @notice Pledges of discharge rights to banks (质押, R-07, R-34). A holder pledges available
/// excess paid rights for a claim (the secured debt, in fen) until a maturity, both recorded with
/// the pledge under the holder's own signature; only the bank releases them; after the maturity
/// the bank may declare default and enforce, up to the recorded claim, and the exchange sells the
/// rights: the proceeds pay the claim first, the rest goes to the pledgor. No other path unlocks a
/// pledge.
interface IPledgeBook {
    enum Status {
        None,
        Active,
        Released,
        Enforcing,
        Enforced
    }

    /// @notice One pledge (three storage slots).
    struct Pledge {
        address holder;
        uint32 pollutant;
        uint64 kg;
        address bank;
        Status status;
        uint64 maturity; // the debt's due date: the bank may declare default from then on
        uint128 claimFen; // the secured claim; at enforcement, the part the bank declares due (≤ it)
    }

    event Pledged(
        uint256 indexed id,
        address indexed holder,
        address indexed bank,
        uint32 pollutant,
        uint64 kg,
        uint128 claimFen,
        uint64 maturity
    );
    event PledgeReleased(uint256 indexed id, address indexed bank);
    event PledgeEnforcementStarted(uint256 indexed id, address indexed bank, uint128 claimFen);
    event PledgeEnforced(uint256 indexed id, address indexed buyer, uint256 priceFen);
    event PledgeSucceeded(uint256 indexed id, address indexed from, address indexed to);

    error PledgeNotPledgee(address bank);
    error PledgeUnknown(uint256 id);
    error PledgeNotBank(uint256 id, address caller);
    error PledgeWrongStatus(uint256 id, Status status);
    /// A pledge secures a claim above zero until a maturity in the future.
    error PledgeInvalidTerms(uint128 claimFen, uint64 maturity);
    /// Default can be declared only from the maturity on.
    error PledgeNotMatured(uint256 id, uint64 maturity, uint256 nowTime);
    /// The bank declares at most the claim recorded with the pledge.
    error PledgeClaimAboveRecorded(uint256 id, uint128 claimFen, uint128 recordedFen);

    /// @notice Pledge `kg` of the caller's available excess paid rights to `bank` for `claimFen`
    /// until `maturity`.
    function pledge(address bank, uint32 pollutant, uint64 kg, uint128 claimFen, uint64 maturity)
        external
        returns (uint256 id);

    /// @notice The same, signed by `holder` as typed data
    /// `Pledge(address holder,address bank,uint32 pollutant,uint64 quantityKg,uint128 claimFen,uint64 maturity,uint256 nonce,uint256 deadline)`.
    function pledgeBySig(
        address holder,
        address bank,
        uint32 pollutant,
        uint64 kg,
        uint128 claimFen,
        uint64 maturity,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 id);

    /// @notice The bank releases the pledge (repaid): the rights become available again.
    function release(uint256 id) external;

    /// @notice From the maturity on, the bank declares default for `claimFen` (at most the
    /// recorded claim: what is still due) and asks the exchange to sell (R-34).
    function enforce(uint256 id, uint128 claimFen) external;

    /// @notice The exchange settles the enforcement sale to `buyer` for `priceFen`; returns who
    /// is paid: the bank up to its claim, the holder the rest.
    function settleEnforcement(uint256 id, address buyer, uint256 priceFen)
        external
        returns (address holder, address bank, uint128 claimFen);

    /// @notice R-30: in a merger the pledges pass to the successor with the rights; the bank keeps them.
    function transferPledges(address from, address to) external;

    /// @notice Whether `holder` has pledges the bank has not released or enforced.
    function hasActivePledges(address holder) external view returns (bool);

    function pledgeOf(uint256 id) external view returns (Pledge memory);
    function pledgeCount() external view returns (uint256);
    function pledgesOf(address holder) external view returns (uint256[] memory);
}
