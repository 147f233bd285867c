// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IPledgeBook
/// @notice Pledges of discharge rights to banks (质押, R-07, R-34). A holder pledges available
/// excess paid rights; only the bank releases them; on default the bank enforces and the exchange
/// sells them, proceeds to the bank first. No other path unlocks a pledge.
interface IPledgeBook {
    enum Status {
        None,
        Active,
        Released,
        Enforcing,
        Enforced
    }

    struct Pledge {
        address holder;
        address bank;
        uint32 pollutant;
        uint64 kg;
        Status status;
        uint128 claimFen; // the bank's claim when it enforces (R-34: proceeds go first to the bank)
    }

    event Pledged(uint256 indexed id, address indexed holder, address indexed bank, uint32 pollutant, uint64 kg);
    event PledgeReleased(uint256 indexed id, address indexed bank);
    event PledgeEnforcementStarted(uint256 indexed id, address indexed bank, uint128 claimFen);
    event PledgeEnforced(uint256 indexed id, address indexed buyer, uint256 priceFen);
    event PledgeSucceeded(uint256 indexed id, address indexed from, address indexed to);

    error PledgeNotPledgee(address bank);
    error PledgeUnknown(uint256 id);
    error PledgeNotBank(uint256 id, address caller);
    error PledgeWrongStatus(uint256 id, Status status);

    /// @notice Pledge `kg` of the caller's available excess paid rights to `bank`.
    function pledge(address bank, uint32 pollutant, uint64 kg) external returns (uint256 id);

    /// @notice The same, signed by `holder` as typed data
    /// `Pledge(address holder,address bank,uint32 pollutant,uint64 quantityKg,uint256 nonce,uint256 deadline)`.
    function pledgeBySig(
        address holder,
        address bank,
        uint32 pollutant,
        uint64 kg,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 id);

    /// @notice The bank releases the pledge (repaid): the rights become available again.
    function release(uint256 id) external;

    /// @notice The bank declares default and asks the exchange to sell (R-34).
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
