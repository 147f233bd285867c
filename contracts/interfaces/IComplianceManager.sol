// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IComplianceManager
/// @notice Compliance periods, surrender (清缴, R-24), shortfall (R-25) and carry-over (结转, R-26).
/// A period is a span the regulator defines (the permit's validity in Chongqing, a year where a city
/// verifies yearly); verified usage for it comes from the oracle, and only final figures count.
interface IComplianceManager {
    struct Period {
        uint64 start;
        uint64 end; // exclusive; surrender opens here
        uint64 surrenderDeadline; // after it a remaining shortfall is recorded as owed
        uint64 carryOverDeadline; // surplus not sold, bought back or carried over by then is carried over
    }

    /// @notice Per unit, pollutant and period (one storage slot).
    struct Record {
        uint64 surrendered;
        uint64 shortfall; // recorded when the surrender was closed after the deadline
        bool closed;
        bool carriedOver; // explicitly, or by the sweep after the window
        uint64 carriedKg; // unpledged holdings at that moment: the next period's opening figure (R-07)
        bool surplusFixed; // the period's surplus is recorded (R-26)
        uint40 surplusKg; // what of the period's surplus the reserve may still buy back (R-26)
    }

    enum Status {
        None, // no such period
        Open, // the period has not ended
        AwaitingVerification, // ended, no final verified usage yet
        Due, // final usage not yet fully surrendered, deadline ahead
        Overdue, // deadline passed, not yet closed
        Compliant, // usage fully surrendered
        NonCompliant // closed with a shortfall, recorded as owed
    }

    /// @notice The regulator defined a compliance period and its deadlines (R-23 – R-26).
    /// @param period the compliance period's number
    /// @param start the period's first second, unix seconds
    /// @param end the period's end (exclusive), unix seconds
    /// @param surrenderDeadline the last time to surrender, unix seconds
    /// @param carryOverDeadline the end of the carry-over window, unix seconds
    event PeriodDefined(
        uint32 indexed period, uint64 start, uint64 end, uint64 surrenderDeadline, uint64 carryOverDeadline
    );
    /// @notice Rights were surrendered against the final verified usage of `period` (R-24).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param kg the quantity surrendered, kg
    /// @param remaining what is still due, kg
    /// @param by who sent the transaction
    event Surrendered(
        address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 kg, uint64 remaining, address by
    );
    /// @notice The unit's surrender was closed after the deadline; a shortfall is owed from then on (R-25).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param shortfall the usage not surrendered, kg (owed from now on)
    event SurrenderClosed(address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 shortfall);
    /// @notice Rights were surrendered against an owed shortfall (R-25).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity surrendered, kg
    /// @param remaining what is still owed, kg
    /// @param by who sent the transaction
    event OwedSettled(address indexed unit, uint32 indexed pollutant, uint64 kg, uint64 remaining, address by);
    /// @notice `successor` meets `unit`'s surrender obligations from now on (R-30, R-31).
    /// @param unit the emitting unit's account (排污单位)
    /// @param successor the successor's account
    event SuccessorSet(address indexed unit, address indexed successor);
    /// @notice The period's surplus was carried over to the next period (R-26).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param kg the quantity carried over, kg
    /// @param automatic true when carried by the sweep after the window
    event CarriedOver(
        address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 kg, bool automatic
    );
    /// @notice R-26: the surplus of the period (the unit's holdings once its usage is surrendered)
    /// is recorded: the most the reserve may buy back of it.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param kg the surplus, kg
    event SurplusRecorded(address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 kg);
    /// @notice R-26: part of the period's surplus was bought back; `remaining` may still be.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param kg the quantity bought back, kg
    /// @param remaining what is left of the surplus, kg
    event SurplusBoughtBack(
        address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 kg, uint64 remaining
    );

    /// @notice A period's times must follow each other: start < end ≤ surrender deadline ≤ carry-over deadline.
    /// @param start the period's first second, unix seconds
    /// @param end the period's end (exclusive), unix seconds
    /// @param surrenderDeadline the last time to surrender, unix seconds
    /// @param carryOverDeadline the end of the carry-over window, unix seconds
    error ComplianceInvalidPeriod(uint64 start, uint64 end, uint64 surrenderDeadline, uint64 carryOverDeadline);
    /// @notice No period has this number.
    /// @param period the compliance period's number
    error ComplianceUnknownPeriod(uint32 period);
    /// @notice Surrender opens only when the period has ended.
    /// @param period the compliance period's number
    /// @param end the period's end (exclusive), unix seconds
    error CompliancePeriodNotEnded(uint32 period, uint64 end);
    /// @notice The oracle has no final verified usage for the unit yet (R-23).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    error ComplianceUsageNotFinal(address unit, uint32 pollutant, uint32 period);
    /// @notice The unit's verified usage of the period is already surrendered.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    error ComplianceNothingDue(address unit, uint32 pollutant, uint32 period);
    /// @notice The unit (or its successor) holds no usable rights of the pollutant (R-24).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param due what is due, kg
    error ComplianceNothingToSurrender(address unit, uint32 pollutant, uint64 due);
    /// @notice The surrender deadline has passed: the shortfall is closed and owed instead (R-25).
    /// @param period the compliance period's number
    /// @param deadline the deadline, unix seconds
    error ComplianceDeadlinePassed(uint32 period, uint64 deadline);
    /// @notice A surrender is closed only after its deadline.
    /// @param period the compliance period's number
    /// @param deadline the deadline, unix seconds
    error ComplianceDeadlineNotReached(uint32 period, uint64 deadline);
    /// @notice The unit's surrender of the period is already closed.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    error ComplianceAlreadyClosed(address unit, uint32 pollutant, uint32 period);
    /// @notice Only a period whose usage is fully surrendered has a surplus to carry over (R-26).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    error ComplianceNotCompliant(address unit, uint32 pollutant, uint32 period);
    /// @notice The period's surplus is already carried over.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    error ComplianceAlreadyCarriedOver(address unit, uint32 pollutant, uint32 period);
    /// @notice The carry-over window has closed (R-26).
    /// @param period the compliance period's number
    /// @param carryOverDeadline the end of the carry-over window, unix seconds
    error ComplianceWindowClosed(uint32 period, uint64 carryOverDeadline);
    /// @notice Only the unit, its successor or a regulator with authority over it acts for it.
    /// @param actor who asked
    /// @param unit the emitting unit's account (排污单位)
    error ComplianceNotAuthorised(address actor, address unit);
    /// @notice The unit owes no shortfall of the pollutant.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    error ComplianceNothingOwed(address unit, uint32 pollutant);
    /// R-07: pledged rights are not carried over; the unit holds nothing else to carry.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param pledgedKg the pledged quantity, kg
    error ComplianceRightsPledged(address unit, uint32 pollutant, uint32 period, uint64 pledgedKg);
    /// @notice The unit holds nothing to carry over.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    error ComplianceNothingToCarryOver(address unit, uint32 pollutant, uint32 period);
    /// R-26: a buy-back beyond what is left of the period's surplus.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param requested the quantity asked, kg
    /// @param remaining what is still left, kg
    error ComplianceSurplusExceeded(address unit, uint32 pollutant, uint32 period, uint64 requested, uint64 remaining);

    /// @notice Define the next compliance period (the regulator).
    /// @param start the period's first second, unix seconds
    /// @param end the period's end (exclusive), unix seconds
    /// @param surrenderDeadline the last time to surrender, unix seconds
    /// @param carryOverDeadline the end of the carry-over window, unix seconds
    /// @return period the new period's number
    function definePeriod(uint64 start, uint64 end, uint64 surrenderDeadline, uint64 carryOverDeadline)
        external
        returns (uint32 period);

    /// @notice Surrender rights against the final verified usage: the unit itself, or a regulator
    /// for it. Burns what the unit can use, up to what is due (R-24).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    function surrender(address unit, uint32 pollutant, uint32 period) external;

    /// @notice `surrender` for many units, one pollutant and period, in one transaction: each
    /// unit under every check of `surrender`, with its own events; all or nothing.
    /// @param units the emitting units' accounts
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    function surrenderBatch(address[] calldata units, uint32 pollutant, uint32 period) external;

    /// @notice The same, signed by the unit as typed data
    /// `Surrender(address unit,uint32 pollutant,uint32 period,uint256 nonce,uint256 deadline)`.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function surrenderBySig(address unit, uint32 pollutant, uint32 period, uint256 deadline, bytes calldata signature)
        external;

    /// @notice After the surrender deadline anyone may close a unit's surrender; a remaining
    /// shortfall is recorded as owed (R-25).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    function closeSurrender(address unit, uint32 pollutant, uint32 period) external;

    /// @notice Surrender rights against the owed shortfall (the unit bought them on the exchange).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    function settleOwed(address unit, uint32 pollutant) external;

    /// @notice Carry the surplus of a fully surrendered period over to the next (R-26): the unit's
    /// unpledged holdings at this moment, recorded as the quantity carried (the next period's
    /// opening figure; later sales, pledges and surrenders are registered by their own events).
    /// Pledged rights are not carried (R-07): refused when they are all the unit holds
    /// (`ComplianceRightsPledged`), left out otherwise. Closes the period's buy-back window.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    function carryOver(address unit, uint32 pollutant, uint32 period) external;

    /// @notice The same, signed by the unit as typed data
    /// `CarryOver(address unit,uint32 pollutant,uint32 period,uint256 nonce,uint256 deadline)`.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function carryOverBySig(address unit, uint32 pollutant, uint32 period, uint256 deadline, bytes calldata signature)
        external;

    /// @notice After the window, record the automatic carry-over of the units given (R-26), each
    /// as `carryOver` would at this moment. Units not eligible (not compliant, already carried
    /// over, nothing unpledged to carry) are skipped.
    /// @param units the emitting units' accounts
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    function sweepCarryOver(address[] calldata units, uint32 pollutant, uint32 period) external;

    /// @notice R-30, R-31: a merged or split unit's surrender obligations are met from its
    /// successor's rights (the record stays with the unit and period).
    /// @param unit the emitting unit's account (排污单位)
    /// @param successor the successor's account
    function setSuccessor(address unit, address successor) external;

    /// @notice R-26 (the government reserve, RESERVE_ROLE): a buy-back of `kg` from the period's
    /// surplus. Returns false, changing nothing, when the surplus window is not open (see
    /// `surplusWindowOpen`); refuses more than is left of the surplus (`ComplianceSurplusExceeded`).
    /// The surplus is the unit's holdings right after the surrender that met its usage (for a
    /// period with no usage to surrender: its holdings at the first buy-back).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param kg the quantity bought back, kg
    /// @return open whether the window is still open after the buy-back
    function useSurplus(address unit, uint32 pollutant, uint32 period, uint64 kg) external returns (bool open);

    /// @notice The account whose rights meet `unit`'s obligations (itself, or its last successor).
    /// @param unit the emitting unit's account (排污单位)
    /// @return the obligor's account
    function obligor(address unit) external view returns (address);

    /// @notice R-32: the first obligation of `unit` still pending, as (pollutant, period), or (0, 0):
    /// final usage not yet surrendered nor closed (Due, Overdue), or — for the periods its last
    /// permit covers and the pollutants it permits — a period still running or awaiting its figure.
    /// @param unit the emitting unit's account (排污单位)
    /// @return pollutant the pollutant's id (0 when nothing is pending)
    /// @return period the period's number (0 when nothing is pending)
    function pendingObligation(address unit) external view returns (uint32 pollutant, uint32 period);

    /// @notice The period numbered `id`.
    /// @param id the period's number
    /// @return start the period's first second, unix seconds
    /// @return end the period's end (exclusive), unix seconds
    /// @return surrenderDeadline the last time to surrender, unix seconds
    /// @return carryOverDeadline the end of the carry-over window, unix seconds
    function period(uint32 id)
        external
        view
        returns (uint64 start, uint64 end, uint64 surrenderDeadline, uint64 carryOverDeadline);
    /// @notice How many periods were defined (numbers 1 … this).
    /// @return the number of periods
    function periodCount() external view returns (uint32);
    /// @notice The unit's compliance record of a pollutant and period.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @return the record (zero when the unit has none)
    function record(address unit, uint32 pollutant, uint32 period) external view returns (Record memory);
    /// @notice Where the unit stands for a pollutant and period, with its final usage and what it surrendered.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @return the status
    /// @return usage the final verified usage, kg (0 while none is final)
    /// @return surrendered what the unit surrendered, kg
    function status(address unit, uint32 pollutant, uint32 period)
        external
        view
        returns (Status, uint64 usage, uint64 surrendered);
    /// @notice Whether the period's surplus may still be sold or bought back instead of carried
    /// over: fully surrendered, window open, not carried over yet (R-26).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @return true while the surplus may be sold or bought back
    function surplusWindowOpen(address unit, uint32 pollutant, uint32 period) external view returns (bool);
}
