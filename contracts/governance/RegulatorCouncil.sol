// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControlEnumerable} from "@openzeppelin/contracts/access/extensions/AccessControlEnumerable.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IRegulatorCouncil} from "../interfaces/IRegulatorCouncil.sol";
import {CouncilTimelock} from "./CouncilTimelock.sol";
import {Roles} from "../access/Roles.sol";

/// @title RegulatorCouncil
/// @notice The regulator's leadership approves high-impact actions M-of-N; OpenZeppelin's
/// TimelockController (created here, the council its only proposer and executor) delays them.
/// The time lock is the council's admin: members, threshold, guardian and delays change only by a
/// council proposal that itself waits out its delay.
contract RegulatorCouncil is IRegulatorCouncil, AccessControlEnumerable {
    bytes32 public constant MEMBER_ROLE = Roles.COUNCIL_MEMBER;
    bytes32 public constant GUARDIAN_ROLE = Roles.GUARDIAN;

    TimelockController public immutable timelock;

    uint8 private _threshold;
    uint256 private _count;
    mapping(uint256 id => Proposal) private _proposals;
    mapping(uint256 id => mapping(address member => bool)) private _approved;
    mapping(bytes4 selector => uint256) private _delays;

    constructor(
        address[] memory members,
        uint8 threshold_,
        address guardian,
        uint256 minDelay,
        bytes4[] memory selectors,
        uint32[] memory delays
    ) {
        if (guardian == address(0)) revert CouncilZeroAddress();
        if (selectors.length != delays.length) revert CouncilLengthMismatch(selectors.length, delays.length);
        timelock = new CouncilTimelock(minDelay, address(this));
        _grantRole(DEFAULT_ADMIN_ROLE, address(timelock));
        _grantRole(GUARDIAN_ROLE, guardian);
        for (uint256 i; i < members.length; ++i) {
            if (members[i] == address(0)) revert CouncilZeroAddress();
            _grantRole(MEMBER_ROLE, members[i]);
        }
        _setThreshold(threshold_);
        for (uint256 i; i < selectors.length; ++i) {
            _setDelay(selectors[i], delays[i], minDelay);
        }
    }

    // ------------------------------------------------------------------ proposals

    /// @inheritdoc IRegulatorCouncil
    function propose(address[] calldata targets, bytes[] calldata payloads, string calldata description)
        external
        onlyRole(MEMBER_ROLE)
        returns (uint256 id)
    {
        if (targets.length == 0) revert CouncilEmptyProposal();
        if (targets.length != payloads.length) revert CouncilLengthMismatch(targets.length, payloads.length);
        id = ++_count;
        Proposal storage p = _proposals[id];
        p.proposer = msg.sender;
        p.targets = targets;
        for (uint256 i; i < payloads.length; ++i) {
            p.payloads.push(payloads[i]);
        }
        p.description = description;
        emit ProposalCreated(id, msg.sender, targets, payloads, description);
        _approve(id, p);
    }

    /// @inheritdoc IRegulatorCouncil
    function approve(uint256 id) external onlyRole(MEMBER_ROLE) {
        Proposal storage p = _proposalIn(id, State.Pending);
        if (_approved[id][msg.sender]) revert CouncilAlreadyApproved(id, msg.sender);
        _approve(id, p);
    }

    /// @inheritdoc IRegulatorCouncil
    function execute(uint256 id) external onlyRole(MEMBER_ROLE) {
        State s = state(id);
        Proposal storage p = _proposals[id];
        if (s == State.Scheduled) revert CouncilNotReady(id, p.eta, block.timestamp);
        _proposalIn(id, State.Ready);
        emit ProposalExecuted(id, msg.sender); // the batch reverts as a whole if any call fails
        timelock.executeBatch(p.targets, new uint256[](p.targets.length), p.payloads, 0, bytes32(id));
    }

    /// @inheritdoc IRegulatorCouncil
    function cancel(uint256 id) external onlyRole(GUARDIAN_ROLE) {
        State s = state(id);
        if (s != State.Scheduled && s != State.Ready) revert CouncilWrongState(id, s);
        emit ProposalCancelled(id, msg.sender);
        timelock.cancel(operationId(id));
    }

    /// @inheritdoc IRegulatorCouncil
    function withdraw(uint256 id) external {
        Proposal storage p = _proposalIn(id, State.Pending);
        if (p.proposer != msg.sender) revert CouncilNotProposer(id, msg.sender);
        p.withdrawn = true;
        emit ProposalWithdrawn(id, msg.sender);
    }

    // ------------------------------------------------------------------ configuration (self-governed)

    /// @inheritdoc IRegulatorCouncil
    function setThreshold(uint8 newThreshold) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setThreshold(newThreshold);
    }

    /// @inheritdoc IRegulatorCouncil
    function setDelay(bytes4 selector, uint32 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDelay(selector, delay, timelock.getMinDelay());
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IRegulatorCouncil
    function proposal(uint256 id) external view returns (Proposal memory) {
        if (id == 0 || id > _count) revert CouncilUnknownProposal(id);
        return _proposals[id];
    }

    /// @inheritdoc IRegulatorCouncil
    function state(uint256 id) public view returns (State) {
        if (id == 0 || id > _count) return State.None;
        Proposal storage p = _proposals[id];
        if (p.withdrawn) return State.Withdrawn;
        if (p.eta == 0) return State.Pending;
        TimelockController.OperationState s = timelock.getOperationState(operationId(id));
        if (s == TimelockController.OperationState.Done) return State.Executed;
        if (s == TimelockController.OperationState.Ready) return State.Ready;
        if (s == TimelockController.OperationState.Waiting) return State.Scheduled;
        return State.Cancelled;
    }

    /// @inheritdoc IRegulatorCouncil
    function operationId(uint256 id) public view returns (bytes32) {
        Proposal storage p = _proposals[id];
        return timelock.hashOperationBatch(p.targets, new uint256[](p.targets.length), p.payloads, 0, bytes32(id));
    }

    /// @inheritdoc IRegulatorCouncil
    function hasApproved(uint256 id, address member) external view returns (bool) {
        return _approved[id][member];
    }

    /// @inheritdoc IRegulatorCouncil
    function proposalCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IRegulatorCouncil
    function threshold() external view returns (uint8) {
        return _threshold;
    }

    /// @inheritdoc IRegulatorCouncil
    function delayOf(bytes4 selector) public view returns (uint256) {
        uint256 minimum = timelock.getMinDelay();
        uint256 delay = _delays[selector];
        return delay > minimum ? delay : minimum;
    }

    // ------------------------------------------------------------------ internals

    function _approve(uint256 id, Proposal storage p) private {
        _approved[id][msg.sender] = true;
        uint8 approvals = ++p.approvals;
        emit ProposalApproved(id, msg.sender, approvals);
        if (approvals < _threshold) return;
        uint256 delay = timelock.getMinDelay(); // the longest delay of the batch's functions
        for (uint256 i; i < p.payloads.length; ++i) {
            bytes memory call = p.payloads[i];
            uint256 d = _delays[bytes4(call)];
            if (d > delay) delay = d;
        }
        p.eta = uint64(block.timestamp + delay);
        emit ProposalScheduled(id, operationId(id), p.eta);
        timelock.scheduleBatch(p.targets, new uint256[](p.targets.length), p.payloads, 0, bytes32(id), delay);
    }

    function _proposalIn(uint256 id, State expected) private view returns (Proposal storage) {
        State s = state(id);
        if (s == State.None) revert CouncilUnknownProposal(id);
        if (s != expected) revert CouncilWrongState(id, s);
        return _proposals[id];
    }

    function _setThreshold(uint8 threshold_) private {
        uint256 members = getRoleMemberCount(MEMBER_ROLE);
        if (threshold_ < 2 || threshold_ > members) revert CouncilInvalidThreshold(threshold_, members);
        _threshold = threshold_;
        emit ThresholdChanged(threshold_);
    }

    function _setDelay(bytes4 selector, uint256 delay, uint256 minimum) private {
        if (delay < minimum) revert CouncilDelayBelowMinimum(selector, delay, minimum);
        _delays[selector] = delay;
        emit SelectorDelaySet(selector, delay);
    }

    /// @dev Removing a member (or a member renouncing) must leave at least `threshold` members.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        uint256 members = getRoleMemberCount(MEMBER_ROLE);
        if (role == MEMBER_ROLE && members < _threshold) revert CouncilInvalidThreshold(_threshold, members);
    }
}
