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
    /// @notice Where a pledge stands: `Active` until the bank releases it (`Released`) or, after
    /// the maturity, declares default (`Enforcing`) and the exchange sells it (`Enforced`).
    enum Status {
        None,
        Active,
        Released,
        Enforcing,
        Enforced
    }

    /// @notice One pledge, as `pledgeOf` answers it.
    /// @dev Stored in two slots: the claim is kept as uint40 fen (≤ 1.1 × 10^12 fen, 11 billion
    /// yuan) and the maturity as uint48 seconds; `pledge` refuses larger terms. `holder` of an
    /// active or enforcing pledge is its holder today: after a merger the successor (R-30).
    struct Pledge {
        address holder;
        uint32 pollutant;
        uint64 kg;
        address bank;
        Status status;
        uint64 maturity; // the debt's due date: the bank may declare default from then on
        uint128 claimFen; // the secured claim; at enforcement, the part the bank declares due (≤ it)
    }

    /// @notice `holder` pledged `kg` of its paid rights of `pollutant` to `bank` for `claimFen`
    /// until `maturity` (R-34).
    /// @param id the pledge's number (1, 2, …)
    /// @param holder the pledgor
    /// @param bank the pledgee (a holder of `PLEDGEE_ROLE`)
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the pledged quantity, kg
    /// @param claimFen the secured claim, fen
    /// @param maturity the debt's due date, unix seconds
    event Pledged(
        uint256 indexed id,
        address indexed holder,
        address indexed bank,
        uint32 pollutant,
        uint64 kg,
        uint128 claimFen,
        uint64 maturity
    );
    /// @notice The bank released the pledge (the debt repaid): its rights are available again.
    /// @param id the pledge
    /// @param bank the pledgee that released it
    event PledgeReleased(uint256 indexed id, address indexed bank);
    /// @notice The bank declared default for `claimFen` and asked the exchange to sell (R-34).
    /// @param id the pledge
    /// @param bank the pledgee
    /// @param claimFen the part of the recorded claim declared due, fen
    event PledgeEnforcementStarted(uint256 indexed id, address indexed bank, uint128 claimFen);
    /// @notice The enforcement sale settled: the pledged rights went to `buyer` for `priceFen`.
    /// @param id the pledge
    /// @param buyer who bought the pledged rights
    /// @param priceFen the sale's price, fen (the bank is paid its claim first, the pledgor the rest)
    event PledgeEnforced(uint256 indexed id, address indexed buyer, uint256 priceFen);
    /// @notice R-30: every pledge of `from` that is active or being enforced passed to `to` in a
    /// merger; the banks keep them.
    /// @param from the merged unit (closed by the merger)
    /// @param to its successor, the pledges' holder from now on
    event PledgesSucceeded(address indexed from, address indexed to);

    /// @notice `bank` does not hold `PLEDGEE_ROLE`: only a registered financial institution takes
    /// rights as collateral (R-34).
    /// @param bank the refused pledgee
    error PledgeNotPledgee(address bank);
    /// @notice No pledge has this number.
    /// @param id the number asked
    error PledgeUnknown(uint256 id);
    /// @notice Only the pledge's bank releases or enforces it.
    /// @param id the pledge
    /// @param caller who tried
    error PledgeNotBank(uint256 id, address caller);
    /// @notice The pledge is not in a status that allows this step.
    /// @param id the pledge
    /// @param status its status
    error PledgeWrongStatus(uint256 id, Status status);
    /// @notice A pledge secures a claim above zero (at most 2^40 - 1 fen, 11 billion yuan) until a
    /// maturity in the future (at most 2^48 - 1 seconds).
    /// @param claimFen the claim asked, fen
    /// @param maturity the maturity asked, unix seconds
    error PledgeInvalidTerms(uint128 claimFen, uint64 maturity);
    /// @notice Default can be declared only from the maturity on.
    /// @param id the pledge
    /// @param maturity its maturity, unix seconds
    /// @param nowTime the block's time
    error PledgeNotMatured(uint256 id, uint64 maturity, uint256 nowTime);
    /// @notice The bank declares at most the claim recorded with the pledge.
    /// @param id the pledge
    /// @param claimFen the claim declared, fen
    /// @param recordedFen the claim recorded with the pledge, fen
    error PledgeClaimAboveRecorded(uint256 id, uint128 claimFen, uint128 recordedFen);

    /// @notice Pledge `kg` of the caller's available excess paid rights to `bank` for `claimFen`
    /// until `maturity`.
    /// @dev R-06, R-07: the ledger's rule engine refuses rights that are not the caller's
    /// available paid rights beyond its obligations.
    /// @param bank the pledgee
    /// @param pollutant the pollutant's id
    /// @param kg the quantity, kg
    /// @param claimFen the secured claim, fen
    /// @param maturity the debt's due date, unix seconds
    /// @return id the new pledge's number
    function pledge(address bank, uint32 pollutant, uint64 kg, uint128 claimFen, uint64 maturity)
        external
        returns (uint256 id);

    /// @notice The same, signed by `holder` as typed data
    /// `Pledge(address holder,address bank,uint32 pollutant,uint64 quantityKg,uint128 claimFen,uint64 maturity,uint256 nonce,uint256 deadline)`.
    /// @param holder the pledgor, who signed
    /// @param bank the pledgee
    /// @param pollutant the pollutant's id
    /// @param kg the quantity, kg
    /// @param claimFen the secured claim, fen
    /// @param maturity the debt's due date, unix seconds
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the holder's EIP-712 signature (or its contract wallet's, ERC-1271)
    /// @return id the new pledge's number
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
    /// @param id the pledge
    function release(uint256 id) external;

    /// @notice From the maturity on, the bank declares default for `claimFen` (at most the
    /// recorded claim: what is still due) and asks the exchange to sell (R-34).
    /// @param id the pledge
    /// @param claimFen the part of the recorded claim still due, fen
    function enforce(uint256 id, uint128 claimFen) external;

    /// @notice The exchange settles the enforcement sale to `buyer` for `priceFen`; returns who
    /// is paid: the bank up to its claim, the holder the rest.
    /// @param id the pledge being enforced
    /// @param buyer who bought the pledged rights
    /// @param priceFen the sale's price, fen
    /// @return holder the pledgor (or its successor), paid what exceeds the claim
    /// @return bank the pledgee, paid first
    /// @return claimFen the claim declared due, fen
    function settleEnforcement(uint256 id, address buyer, uint256 priceFen)
        external
        returns (address holder, address bank, uint128 claimFen);

    /// @notice R-30: in a merger the pledges pass to the successor with the rights; the bank keeps them.
    /// @param from the merged unit
    /// @param to its successor
    function transferPledges(address from, address to) external;

    /// @notice Whether `holder` has pledges the bank has not released or enforced.
    /// @param holder the unit asked
    /// @return active true while any of its rights are pledged
    function hasActivePledges(address holder) external view returns (bool active);

    /// @notice The pledge numbered `id`; an open one (active, enforcing) with its holder today.
    /// @param id the pledge
    /// @return pledge_ its record
    function pledgeOf(uint256 id) external view returns (Pledge memory pledge_);

    /// @notice How many pledges were ever made (numbers 1 … this).
    /// @return count the number of pledges
    function pledgeCount() external view returns (uint256 count);
}
