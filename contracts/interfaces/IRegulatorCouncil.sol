// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IRegulatorCouncil
/// @notice M-of-N approval in front of a time lock for the regulator's high-impact actions
/// (reclaim R-27, fraud sanction R-33, blacklist R-17, caps R-10, role grants): members propose a
/// call batch, other members approve, the M-th distinct approval schedules it on the time lock,
/// and after the delay of its slowest function a member executes it. Until then the guardian
/// (the provincial authority) can cancel it, and the proposer can withdraw it before scheduling.
/// Every step is an event, so the public sees a high-impact action coming (R-36).
interface IRegulatorCouncil {
    enum State {
        None, // no such proposal
        Pending, // collecting approvals
        Scheduled, // approved, waiting in the time lock
        Ready, // the delay has passed: a member may execute it
        Executed,
        Cancelled, // by the guardian, during the delay
        Withdrawn // by its proposer, before scheduling
    }

    struct Proposal {
        address proposer;
        uint64 eta; // 0 until scheduled: the earliest execution time
        uint8 approvals;
        bool withdrawn;
        address[] targets;
        bytes[] payloads;
        string description;
    }

    event ProposalCreated(
        uint256 indexed id, address indexed proposer, address[] targets, bytes[] payloads, string description
    );
    event ProposalApproved(uint256 indexed id, address indexed member, uint256 approvals);
    event ProposalScheduled(uint256 indexed id, bytes32 indexed operation, uint256 eta);
    event ProposalExecuted(uint256 indexed id, address indexed by);
    event ProposalCancelled(uint256 indexed id, address indexed by);
    event ProposalWithdrawn(uint256 indexed id, address indexed by);
    event ThresholdChanged(uint256 threshold);
    event SelectorDelaySet(bytes4 indexed selector, uint256 delay);

    error CouncilUnknownProposal(uint256 id);
    error CouncilWrongState(uint256 id, State state);
    error CouncilAlreadyApproved(uint256 id, address member);
    error CouncilNotReady(uint256 id, uint256 eta, uint256 time);
    error CouncilNotProposer(uint256 id, address account);
    error CouncilInvalidThreshold(uint256 threshold, uint256 members);
    error CouncilDelayBelowMinimum(bytes4 selector, uint256 delay, uint256 minimum);
    error CouncilEmptyProposal();
    error CouncilLengthMismatch(uint256 targets, uint256 payloads);
    error CouncilZeroAddress();

    /// @notice A member proposes a batch of calls the time lock will make; the proposal counts as
    /// the proposer's approval. Returns the proposal's id (1, 2, …).
    function propose(address[] calldata targets, bytes[] calldata payloads, string calldata description)
        external
        returns (uint256 id);

    /// @notice Another member approves; the threshold-th distinct approval schedules the batch on
    /// the time lock with the largest delay of its functions (`delayOf`).
    function approve(uint256 id) external;

    /// @notice A member executes a proposal whose delay has passed.
    function execute(uint256 id) external;

    /// @notice The guardian cancels a scheduled proposal during its delay.
    function cancel(uint256 id) external;

    /// @notice The proposer withdraws a proposal that is not scheduled yet.
    function withdraw(uint256 id) external;

    /// @notice Changes the number of approvals needed (2 … members); only through the council.
    function setThreshold(uint8 newThreshold) external;

    /// @notice Sets the delay of a function selector (≥ the time lock's minimum); only through
    /// the council.
    function setDelay(bytes4 selector, uint32 delay) external;

    function proposal(uint256 id) external view returns (Proposal memory);
    function state(uint256 id) external view returns (State);
    function operationId(uint256 id) external view returns (bytes32);
    function hasApproved(uint256 id, address member) external view returns (bool);
    function proposalCount() external view returns (uint256);
    function threshold() external view returns (uint8);
    function delayOf(bytes4 selector) external view returns (uint256);
}
