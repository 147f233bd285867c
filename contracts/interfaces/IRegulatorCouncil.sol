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

    /// @notice A member proposed a batch of calls for the time lock (R-36).
    /// @param id the proposal's number
    /// @param proposer the proposing member
    /// @param targets the contracts called
    /// @param payloads the calls' data, one per target
    /// @param description what the proposal does, in words (published)
    event ProposalCreated(
        uint256 indexed id, address indexed proposer, address[] targets, bytes[] payloads, string description
    );
    /// @notice A member approved a proposal.
    /// @param id the proposal's number
    /// @param member the member
    /// @param approvals the approvals so far
    event ProposalApproved(uint256 indexed id, address indexed member, uint256 approvals);
    /// @notice The threshold was reached: the batch waits out its delay in the time lock.
    /// @param id the proposal's number
    /// @param operation the time lock's operation id
    /// @param eta when it may be executed, unix seconds
    event ProposalScheduled(uint256 indexed id, bytes32 indexed operation, uint256 eta);
    /// @notice The time lock made the batch's calls.
    /// @param id the proposal's number
    /// @param by who acted
    event ProposalExecuted(uint256 indexed id, address indexed by);
    /// @notice The guardian cancelled a scheduled proposal during its delay.
    /// @param id the proposal's number
    /// @param by who acted
    event ProposalCancelled(uint256 indexed id, address indexed by);
    /// @notice The proposer withdrew a proposal before it was scheduled.
    /// @param id the proposal's number
    /// @param by who acted
    event ProposalWithdrawn(uint256 indexed id, address indexed by);
    /// @notice The number of approvals needed changed (through the council).
    /// @param threshold the approvals needed
    event ThresholdChanged(uint256 threshold);
    /// @notice The delay of a function selector changed (through the council).
    /// @param selector the function selector
    /// @param delay the delay, seconds
    event SelectorDelaySet(bytes4 indexed selector, uint256 delay);

    /// @notice No proposal has this number.
    /// @param id the proposal's number
    error CouncilUnknownProposal(uint256 id);
    /// @notice The proposal is not in a state that allows this step.
    /// @param id the proposal's number
    /// @param state its state
    error CouncilWrongState(uint256 id, State state);
    /// @notice A member approves a proposal once.
    /// @param id the proposal's number
    /// @param member the member
    error CouncilAlreadyApproved(uint256 id, address member);
    /// @notice The proposal's delay has not passed yet.
    /// @param id the proposal's number
    /// @param eta when it may be executed, unix seconds
    /// @param time the block's time
    error CouncilNotReady(uint256 id, uint256 eta, uint256 time);
    /// @notice Only the proposer withdraws its proposal.
    /// @param id the proposal's number
    /// @param account who tried
    error CouncilNotProposer(uint256 id, address account);
    /// @notice The threshold is at least 2 and at most the number of members.
    /// @param threshold the approvals needed
    /// @param members the number of members
    error CouncilInvalidThreshold(uint256 threshold, uint256 members);
    /// @notice A selector's delay is at least the time lock's minimum.
    /// @param selector the function selector
    /// @param delay the delay, seconds
    /// @param minimum the time lock's minimum delay, seconds
    error CouncilDelayBelowMinimum(bytes4 selector, uint256 delay, uint256 minimum);
    /// @notice A proposal makes at least one call.
    error CouncilEmptyProposal();
    /// @notice Each target needs one payload.
    /// @param targets the contracts called
    /// @param payloads the calls' data, one per target
    error CouncilLengthMismatch(uint256 targets, uint256 payloads);
    /// @notice A guardian or member at the zero address.
    error CouncilZeroAddress();

    /// @notice A member proposes a batch of calls the time lock will make; the proposal counts as
    /// the proposer's approval. Returns the proposal's id (1, 2, …).
    /// @param targets the contracts called
    /// @param payloads the calls' data, one per target
    /// @param description what the proposal does, in words (published)
    /// @return id the new proposal's number
    function propose(address[] calldata targets, bytes[] calldata payloads, string calldata description)
        external
        returns (uint256 id);

    /// @notice Another member approves; the threshold-th distinct approval schedules the batch on
    /// the time lock with the largest delay of its functions (`delayOf`).
    /// @param id the proposal's number
    function approve(uint256 id) external;

    /// @notice A member executes a proposal whose delay has passed.
    /// @param id the proposal's number
    function execute(uint256 id) external;

    /// @notice The guardian cancels a scheduled proposal during its delay.
    /// @param id the proposal's number
    function cancel(uint256 id) external;

    /// @notice The proposer withdraws a proposal that is not scheduled yet.
    /// @param id the proposal's number
    function withdraw(uint256 id) external;

    /// @notice Changes the number of approvals needed (2 … members); only through the council.
    /// @param newThreshold the approvals needed from now on
    function setThreshold(uint8 newThreshold) external;

    /// @notice Sets the delay of a function selector (≥ the time lock's minimum); only through
    /// the council.
    /// @param selector the function selector
    /// @param delay the delay, seconds
    function setDelay(bytes4 selector, uint32 delay) external;

    /// @notice The proposal numbered `id`.
    /// @param id the proposal's number
    /// @return the proposal
    function proposal(uint256 id) external view returns (Proposal memory);
    /// @notice Where the proposal stands.
    /// @param id the proposal's number
    /// @return its state
    function state(uint256 id) external view returns (State);
    /// @notice The time lock's operation id of the proposal's batch.
    /// @param id the proposal's number
    /// @return the operation id
    function operationId(uint256 id) external view returns (bytes32);
    /// @notice Whether `member` approved the proposal.
    /// @param id the proposal's number
    /// @param member the member
    /// @return true once approved
    function hasApproved(uint256 id, address member) external view returns (bool);
    /// @notice How many proposals were made (numbers 1 … this).
    /// @return the number of proposals
    function proposalCount() external view returns (uint256);
    /// @notice The number of approvals a proposal needs.
    /// @return the approvals needed
    function threshold() external view returns (uint8);
    /// @notice The delay the time lock applies to calls of `selector`, seconds.
    /// @param selector the function selector
    /// @return the delay, seconds
    function delayOf(bytes4 selector) external view returns (uint256);
}
