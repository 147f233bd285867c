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

    event PeriodDefined(
        uint32 indexed period, uint64 start, uint64 end, uint64 surrenderDeadline, uint64 carryOverDeadline
    );
    event Surrendered(
        address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 kg, uint64 remaining, address by
    );
    event SurrenderClosed(address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 shortfall);
    event OwedSettled(address indexed unit, uint32 indexed pollutant, uint64 kg, uint64 remaining, address by);
    event SuccessorSet(address indexed unit, address indexed successor);
    event CarriedOver(
        address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 kg, bool automatic
    );
    /// @notice R-26: the surplus of the period (the unit's holdings once its usage is surrendered)
    /// is recorded: the most the reserve may buy back of it.
    event SurplusRecorded(address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 kg);
    /// @notice R-26: part of the period's surplus was bought back; `remaining` may still be.
    event SurplusBoughtBack(
        address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 kg, uint64 remaining
    );

    error ComplianceInvalidPeriod(uint64 start, uint64 end, uint64 surrenderDeadline, uint64 carryOverDeadline);
    error ComplianceUnknownPeriod(uint32 period);
    error CompliancePeriodNotEnded(uint32 period, uint64 end);
    error ComplianceUsageNotFinal(address unit, uint32 pollutant, uint32 period);
    error ComplianceNothingDue(address unit, uint32 pollutant, uint32 period);
    error ComplianceNothingToSurrender(address unit, uint32 pollutant, uint64 due);
    error ComplianceDeadlinePassed(uint32 period, uint64 deadline);
    error ComplianceDeadlineNotReached(uint32 period, uint64 deadline);
    error ComplianceAlreadyClosed(address unit, uint32 pollutant, uint32 period);
    error ComplianceNotCompliant(address unit, uint32 pollutant, uint32 period);
    error ComplianceAlreadyCarriedOver(address unit, uint32 pollutant, uint32 period);
    error ComplianceWindowClosed(uint32 period, uint64 carryOverDeadline);
    error ComplianceNotAuthorised(address actor, address unit);
    error ComplianceNothingOwed(address unit, uint32 pollutant);
    /// R-07: pledged rights are not carried over; the unit holds nothing else to carry.
    error ComplianceRightsPledged(address unit, uint32 pollutant, uint32 period, uint64 pledgedKg);
    error ComplianceNothingToCarryOver(address unit, uint32 pollutant, uint32 period);
    /// R-26: a buy-back beyond what is left of the period's surplus.
    error ComplianceSurplusExceeded(address unit, uint32 pollutant, uint32 period, uint64 requested, uint64 remaining);

    function definePeriod(uint64 start, uint64 end, uint64 surrenderDeadline, uint64 carryOverDeadline)
        external
        returns (uint32 period);

    /// @notice Surrender rights against the final verified usage: the unit itself, or a regulator
    /// for it. Burns what the unit can use, up to what is due (R-24).
    function surrender(address unit, uint32 pollutant, uint32 period) external;

    /// @notice `surrender` for many units, one pollutant and period, in one transaction: each
    /// unit under every check of `surrender`, with its own events; all or nothing.
    function surrenderBatch(address[] calldata units, uint32 pollutant, uint32 period) external;

    /// @notice The same, signed by the unit as typed data
    /// `Surrender(address unit,uint32 pollutant,uint32 period,uint256 nonce,uint256 deadline)`.
    function surrenderBySig(address unit, uint32 pollutant, uint32 period, uint256 deadline, bytes calldata signature)
        external;

    /// @notice After the surrender deadline anyone may close a unit's surrender; a remaining
    /// shortfall is recorded as owed (R-25).
    function closeSurrender(address unit, uint32 pollutant, uint32 period) external;

    /// @notice Surrender rights against the owed shortfall (the unit bought them on the exchange).
    function settleOwed(address unit, uint32 pollutant) external;

    /// @notice Carry the surplus of a fully surrendered period over to the next (R-26): the unit's
    /// unpledged holdings at this moment, recorded as the quantity carried (the next period's
    /// opening figure; later sales, pledges and surrenders are registered by their own events).
    /// Pledged rights are not carried (R-07): refused when they are all the unit holds
    /// (`ComplianceRightsPledged`), left out otherwise. Closes the period's buy-back window.
    function carryOver(address unit, uint32 pollutant, uint32 period) external;

    /// @notice The same, signed by the unit as typed data
    /// `CarryOver(address unit,uint32 pollutant,uint32 period,uint256 nonce,uint256 deadline)`.
    function carryOverBySig(address unit, uint32 pollutant, uint32 period, uint256 deadline, bytes calldata signature)
        external;

    /// @notice After the window, record the automatic carry-over of the units given (R-26), each
    /// as `carryOver` would at this moment. Units not eligible (not compliant, already carried
    /// over, nothing unpledged to carry) are skipped.
    function sweepCarryOver(address[] calldata units, uint32 pollutant, uint32 period) external;

    /// @notice R-30, R-31: a merged or split unit's surrender obligations are met from its
    /// successor's rights (the record stays with the unit and period).
    function setSuccessor(address unit, address successor) external;

    /// @notice R-26 (the government reserve, RESERVE_ROLE): a buy-back of `kg` from the period's
    /// surplus. Returns false, changing nothing, when the surplus window is not open (see
    /// `surplusWindowOpen`); refuses more than is left of the surplus (`ComplianceSurplusExceeded`).
    /// The surplus is the unit's holdings right after the surrender that met its usage (for a
    /// period with no usage to surrender: its holdings at the first buy-back).
    function useSurplus(address unit, uint32 pollutant, uint32 period, uint64 kg) external returns (bool open);

    /// @notice The account whose rights meet `unit`'s obligations (itself, or its last successor).
    function obligor(address unit) external view returns (address);

    /// @notice R-32: the first obligation of `unit` still pending, as (pollutant, period), or (0, 0):
    /// final usage not yet surrendered nor closed (Due, Overdue), or — for the periods its last
    /// permit covers and the pollutants it permits — a period still running or awaiting its figure.
    function pendingObligation(address unit) external view returns (uint32 pollutant, uint32 period);

    function period(uint32 id)
        external
        view
        returns (uint64 start, uint64 end, uint64 surrenderDeadline, uint64 carryOverDeadline);
    function periodCount() external view returns (uint32);
    function record(address unit, uint32 pollutant, uint32 period) external view returns (Record memory);
    function status(address unit, uint32 pollutant, uint32 period)
        external
        view
        returns (Status, uint64 usage, uint64 surrendered);
    /// @notice Whether the period's surplus may still be sold or bought back instead of carried
    /// over: fully surrendered, window open, not carried over yet (R-26).
    function surplusWindowOpen(address unit, uint32 pollutant, uint32 period) external view returns (bool);
}
