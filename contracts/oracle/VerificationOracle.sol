// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControlEnumerableUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlEnumerableUpgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IUsageOracle} from "../interfaces/IUsageOracle.sol";
import {IVerificationOracle} from "../interfaces/IVerificationOracle.sol";
import {Roles} from "../access/Roles.sol";
import {SignatureCheck} from "../utils/SignatureCheck.sol";

/// @title VerificationOracle
/// @notice Verified actual usage per unit, pollutant and compliance period (R-23), agreed by a
/// quorum of independent verifiers and correctable by the regulator during a dispute window.
/// Surrender (R-24) reads only final figures through {IUsageOracle-finalUsage}.
contract VerificationOracle is IVerificationOracle, AccessControlEnumerableUpgradeable, CouncilUpgradeable, EIP712 {
    bytes32 public constant VERIFIER_ROLE = Roles.VERIFIER;
    bytes32 public constant REGULATOR_ROLE = Roles.REGULATOR;
    /// @notice The regulator council's time lock: the quorum and the dispute window decide when
    /// every figure becomes final (R-23), so they change only M-of-N and delayed (docs/security.md).
    bytes32 public constant TIMELOCK_ROLE = Roles.TIMELOCK;
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(address verifier,address unit,uint32 pollutant,uint32 period,uint64 kg,bytes32 evidence,uint256 nonce,uint64 deadline)"
    );
    uint48 public constant MAX_DISPUTE_WINDOW = 365 days;

    struct FigureData {
        uint64 kg;
        uint16 quorum;
        uint16 verifiers;
        uint48 disputeWindow;
        uint48 agreedAt;
        uint48 finalAt;
        bool corrected;
    }

    uint16 private _quorum;
    uint48 private _disputeWindow;
    mapping(bytes32 figureKey => FigureData) private _figures;
    mapping(bytes32 figureKey => AttestationRecord[]) private _history;
    mapping(bytes32 figureKey => mapping(address verifier => uint256 indexPlusOne)) private _current;
    mapping(bytes32 figureKey => mapping(uint64 kg => uint16)) private _votes;
    mapping(bytes32 figureKey => Correction) private _corrections;
    mapping(address verifier => mapping(uint256 nonce => bool)) private _usedNonces;

    constructor() EIP712("VerificationOracle", "1") {}

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE (grants VERIFIER_ROLE and REGULATOR_ROLE)
    /// @param initialQuorum agreeing verifiers needed (at least 1; verifiers are granted after deployment)
    /// @param initialDisputeWindow seconds between agreement and finality
    function initialize(address admin, uint16 initialQuorum, uint48 initialDisputeWindow) external initializer {
        if (initialQuorum == 0) revert OracleInvalidQuorum(initialQuorum, 0);
        _initCouncilAdmin(admin);
        _setQuorum(initialQuorum);
        _setDisputeWindow(initialDisputeWindow);
    }

    /// @inheritdoc IVerificationOracle
    function attest(address unit, uint32 pollutant, uint32 period, uint64 kg, bytes32 evidence)
        external
        onlyRole(VERIFIER_ROLE)
    {
        _attest(_msgSender(), unit, pollutant, period, kg, evidence);
    }

    /// @inheritdoc IVerificationOracle
    function attestBatch(UsageFigure[] calldata figures) external onlyRole(VERIFIER_ROLE) {
        address verifier = _msgSender();
        for (uint256 i; i < figures.length; ++i) {
            UsageFigure calldata f = figures[i];
            _attest(verifier, f.unit, f.pollutant, f.period, f.kg, f.evidence);
        }
    }

    /// @inheritdoc IVerificationOracle
    function attestBySig(Attestation calldata a, bytes calldata signature) external {
        if (block.timestamp > a.deadline) revert OracleSignatureExpired(a.verifier, a.deadline, block.timestamp);
        if (_usedNonces[a.verifier][a.nonce]) revert OracleNonceUsed(a.verifier, a.nonce);
        if (!SignatureCheck.isValidNow(a.verifier, hashAttestation(a), signature)) {
            revert OracleInvalidSignature(a.verifier);
        }
        _checkRole(VERIFIER_ROLE, a.verifier);
        _usedNonces[a.verifier][a.nonce] = true;
        _attest(a.verifier, a.unit, a.pollutant, a.period, a.kg, a.evidence);
    }

    /// @inheritdoc IVerificationOracle
    function cancelNonce(uint256 nonce) external {
        address verifier = _msgSender();
        if (_usedNonces[verifier][nonce]) revert OracleNonceUsed(verifier, nonce);
        _usedNonces[verifier][nonce] = true;
        emit NonceCancelled(verifier, nonce);
    }

    /// @inheritdoc IVerificationOracle
    function correct(
        address unit,
        uint32 pollutant,
        uint32 period,
        uint64 kg,
        bytes32 evidence,
        string calldata reason
    ) external onlyRole(REGULATOR_ROLE) {
        bytes32 key = _key(unit, pollutant, period);
        FigureData storage f = _figures[key];
        Status status = _status(f);
        if (status == Status.None) revert OracleNothingToCorrect(unit, pollutant, period);
        if (status == Status.Final) revert OracleFigureFinal(unit, pollutant, period, f.finalAt);
        // R-23: a correction closes the dispute window of an agreed figure; it never stands in
        // for the quorum (an Open figure becomes final only through verifiers that agree)
        if (status == Status.Open) {
            Figure memory open = figure(unit, pollutant, period);
            revert OracleQuorumNotReached(unit, pollutant, period, open.leadingVotes, open.quorum);
        }
        if (evidence == bytes32(0)) revert OracleEvidenceMissing(unit, pollutant, period);
        if (bytes(reason).length == 0) revert OracleReasonRequired(unit, pollutant, period);
        uint64 previousKg = f.kg;
        _corrections[key] = Correction({
            regulator: _msgSender(),
            correctedAt: uint48(block.timestamp),
            hadAgreement: true,
            previousKg: previousKg,
            kg: kg,
            evidence: evidence,
            reason: reason
        });
        f.kg = kg;
        f.corrected = true;
        f.finalAt = uint48(block.timestamp);
        emit UsageCorrected(unit, pollutant, period, previousKg, kg, evidence, _msgSender(), reason);
    }

    /// @inheritdoc IVerificationOracle
    function setQuorum(uint16 newQuorum) external onlyRole(TIMELOCK_ROLE) {
        uint256 verifiers = getRoleMemberCount(VERIFIER_ROLE);
        if (newQuorum == 0 || newQuorum > verifiers) revert OracleInvalidQuorum(newQuorum, verifiers);
        _setQuorum(newQuorum);
    }

    /// @inheritdoc IVerificationOracle
    function setDisputeWindow(uint48 newWindow) external onlyRole(TIMELOCK_ROLE) {
        _setDisputeWindow(newWindow);
    }

    /// @inheritdoc IUsageOracle
    function finalUsage(address unit, uint32 pollutant, uint32 period) external view returns (bool isFinal, uint64 kg) {
        FigureData storage f = _figures[_key(unit, pollutant, period)];
        if (_status(f) != Status.Final) return (false, 0);
        return (true, f.kg);
    }

    /// @inheritdoc IVerificationOracle
    function requireFinalUsage(address unit, uint32 pollutant, uint32 period) external view returns (uint64) {
        Figure memory f = figure(unit, pollutant, period);
        if (f.status == Status.Final) return f.kg;
        if (f.status == Status.Disputable) revert OracleDisputeWindowOpen(unit, pollutant, period, f.finalAt);
        revert OracleQuorumNotReached(unit, pollutant, period, f.leadingVotes, f.quorum);
    }

    /// @inheritdoc IVerificationOracle
    function figure(address unit, uint32 pollutant, uint32 period) public view returns (Figure memory) {
        bytes32 key = _key(unit, pollutant, period);
        FigureData storage f = _figures[key];
        Status status = _status(f);
        if (status == Status.None) {
            return Figure(status, 0, _quorum, 0, 0, _disputeWindow, 0, 0, false);
        }
        uint16 leading = 0;
        AttestationRecord[] storage history = _history[key];
        for (uint256 i = 0; i < history.length; ++i) {
            if (history[i].superseded) continue;
            uint16 votes = _votes[key][history[i].kg];
            if (votes > leading) leading = votes;
        }
        return Figure(status, f.kg, f.quorum, leading, f.verifiers, f.disputeWindow, f.agreedAt, f.finalAt, f.corrected);
    }

    /// @inheritdoc IVerificationOracle
    function attestationOf(address unit, uint32 pollutant, uint32 period, address verifier)
        external
        view
        returns (bool exists, AttestationRecord memory record)
    {
        bytes32 key = _key(unit, pollutant, period);
        uint256 indexPlusOne = _current[key][verifier];
        if (indexPlusOne == 0) return (false, record);
        return (true, _history[key][indexPlusOne - 1]);
    }

    /// @inheritdoc IVerificationOracle
    function attestationCount(address unit, uint32 pollutant, uint32 period) external view returns (uint256) {
        return _history[_key(unit, pollutant, period)].length;
    }

    /// @inheritdoc IVerificationOracle
    function attestationAt(address unit, uint32 pollutant, uint32 period, uint256 index)
        external
        view
        returns (AttestationRecord memory)
    {
        AttestationRecord[] storage history = _history[_key(unit, pollutant, period)];
        if (index >= history.length) revert OracleNoSuchAttestation(unit, pollutant, period, index, history.length);
        return history[index];
    }

    /// @inheritdoc IVerificationOracle
    function attestations(address unit, uint32 pollutant, uint32 period)
        external
        view
        returns (AttestationRecord[] memory)
    {
        return _history[_key(unit, pollutant, period)];
    }

    /// @inheritdoc IVerificationOracle
    function correctionOf(address unit, uint32 pollutant, uint32 period)
        external
        view
        returns (bool exists, Correction memory correction)
    {
        correction = _corrections[_key(unit, pollutant, period)];
        return (correction.regulator != address(0), correction);
    }

    /// @inheritdoc IVerificationOracle
    function quorum() external view returns (uint16) {
        return _quorum;
    }

    /// @inheritdoc IVerificationOracle
    function disputeWindow() external view returns (uint48) {
        return _disputeWindow;
    }

    /// @inheritdoc IVerificationOracle
    function nonceUsed(address verifier, uint256 nonce) external view returns (bool) {
        return _usedNonces[verifier][nonce];
    }

    /// @inheritdoc IVerificationOracle
    function hashAttestation(Attestation calldata a) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ATTESTATION_TYPEHASH,
                    a.verifier,
                    a.unit,
                    a.pollutant,
                    a.period,
                    a.kg,
                    a.evidence,
                    a.nonce,
                    a.deadline
                )
            )
        );
    }

    /// @dev The one path by which an attestation is recorded, whoever submitted it.
    function _attest(address verifier, address unit, uint32 pollutant, uint32 period, uint64 kg, bytes32 evidence)
        private
    {
        if (unit == address(0)) revert OracleZeroUnit();
        if (pollutant == 0) revert OracleUnknownPollutant(pollutant);
        if (evidence == bytes32(0)) revert OracleEvidenceMissing(unit, pollutant, period);
        bytes32 key = _key(unit, pollutant, period);
        FigureData storage f = _figures[key];
        Status status = _status(f);
        if (status == Status.Final) revert OracleFigureFinal(unit, pollutant, period, f.finalAt);

        uint256 previous = _current[key][verifier];
        if (previous == 0) {
            if (status == Status.None) {
                f.quorum = _quorum;
                f.disputeWindow = _disputeWindow;
            }
            ++f.verifiers;
        } else {
            AttestationRecord storage old = _history[key][previous - 1];
            if (status == Status.Disputable) {
                revert OracleAttestationLocked(unit, pollutant, period, verifier, f.finalAt);
            }
            if (old.kg == kg && old.evidence == evidence) {
                revert OracleAttestationUnchanged(unit, pollutant, period, verifier, kg);
            }
            old.superseded = true;
            --_votes[key][old.kg];
        }
        _history[key].push(AttestationRecord(verifier, uint48(block.timestamp), false, kg, evidence));
        uint256 index = _history[key].length - 1;
        _current[key][verifier] = index + 1;
        uint16 votes = ++_votes[key][kg];
        emit UsageAttested(unit, pollutant, period, verifier, kg, evidence, index, previous != 0);

        if (status != Status.Disputable && votes >= f.quorum) {
            f.kg = kg;
            f.agreedAt = uint48(block.timestamp);
            f.finalAt = uint48(block.timestamp) + f.disputeWindow;
            emit UsageAgreed(unit, pollutant, period, kg, votes, f.finalAt);
        }
    }

    function _setQuorum(uint16 newQuorum) private {
        uint16 previous = _quorum;
        _quorum = newQuorum;
        emit QuorumChanged(previous, newQuorum);
    }

    function _setDisputeWindow(uint48 newWindow) private {
        if (newWindow > MAX_DISPUTE_WINDOW) revert OracleInvalidDisputeWindow(newWindow, MAX_DISPUTE_WINDOW);
        uint48 previous = _disputeWindow;
        _disputeWindow = newWindow;
        emit DisputeWindowChanged(previous, newWindow);
    }

    function _status(FigureData storage f) private view returns (Status) {
        if (f.corrected) return Status.Final;
        if (f.verifiers == 0) return Status.None;
        if (f.agreedAt == 0) return Status.Open;
        return block.timestamp < f.finalAt ? Status.Disputable : Status.Final;
    }

    function _key(address unit, uint32 pollutant, uint32 period) private pure returns (bytes32) {
        return keccak256(abi.encode(unit, pollutant, period));
    }

    // ---------------------------------------------------------------- roles (enumerable)

    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(AccessControlUpgradeable, AccessControlEnumerableUpgradeable)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }

    function _grantRole(bytes32 role, address account)
        internal
        override(AccessControlUpgradeable, AccessControlEnumerableUpgradeable)
        returns (bool)
    {
        return super._grantRole(role, account);
    }

    function _revokeRole(bytes32 role, address account)
        internal
        override(AccessControlUpgradeable, AccessControlEnumerableUpgradeable)
        returns (bool)
    {
        return super._revokeRole(role, account);
    }
}
