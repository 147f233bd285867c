// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IUsageOracle} from "./IUsageOracle.sol";

/// @title IVerificationOracle
/// @notice Verifiers (核查机构) attest the actual usage of a unit per pollutant and compliance
/// period with the hash of their evidence; the figure becomes final once a quorum of verifiers
/// agree on the same kilograms and the dispute window has passed, or when the regulator corrects
/// it with a reason during that window (R-23). Every attestation and correction stays readable.
///
/// A figure is identified by (unit, pollutant, period) and moves through
/// `None → Open → Disputable → Final`:
/// - `Open`: at least one attestation, no quorum yet. Verifiers may still revise their own.
/// - `Disputable`: `quorum` verifiers attested the same kg; the dispute window runs until
///   `finalAt`. Verifiers can no longer revise; the regulator may correct.
/// - `Final`: the window has passed, or the regulator corrected the figure. Nothing changes it.
///
/// The quorum and dispute window in force when a figure receives its first attestation apply to
/// that figure until it is final; later configuration changes apply to new figures only.
interface IVerificationOracle is IUsageOracle {
    enum Status {
        None,
        Open,
        Disputable,
        Final
    }

    /// @notice What a verifier signs (EIP-712 primary type `Attestation`).
    /// @param verifier the verifier attesting (the signer)
    /// @param unit the unit's account address
    /// @param pollutant pollutant id (1 COD … 7 domestic garbage; pollutants are data, R-01)
    /// @param period compliance period id
    /// @param kg verified actual usage in kilograms
    /// @param evidence SHA-256 of the evidence document (monitoring data, inspection report)
    /// @param nonce any number the verifier has not used or cancelled before (unordered)
    /// @param deadline last second (unix time) at which the signature may be used
    struct Attestation {
        address verifier;
        address unit;
        uint32 pollutant;
        uint32 period;
        uint64 kg;
        bytes32 evidence;
        uint256 nonce;
        uint64 deadline;
    }

    /// @notice One figure of a batch attestation (`attestBatch`).
    struct UsageFigure {
        address unit;
        uint32 pollutant;
        uint32 period;
        uint64 kg;
        bytes32 evidence;
    }

    /// @notice One attestation as recorded; a revision appends a new record and marks the
    /// verifier's previous one `superseded`.
    struct AttestationRecord {
        address verifier;
        uint48 postedAt;
        bool superseded;
        uint64 kg;
        bytes32 evidence;
    }

    /// @notice The state of a figure.
    /// @param kg the agreed (or corrected) figure; 0 while `Open`
    /// @param quorum agreeing attestations needed (fixed at the figure's first attestation)
    /// @param leadingVotes current attestations of the most attested kg
    /// @param verifiers distinct verifiers that attested
    /// @param disputeWindow seconds between agreement and finality (fixed at first attestation)
    /// @param agreedAt when the quorum was reached (0 if never)
    /// @param finalAt when the figure is or becomes final (0 while `Open`)
    /// @param corrected whether the regulator corrected (and so closed) the figure
    struct Figure {
        Status status;
        uint64 kg;
        uint16 quorum;
        uint16 leadingVotes;
        uint16 verifiers;
        uint48 disputeWindow;
        uint48 agreedAt;
        uint48 finalAt;
        bool corrected;
    }

    /// @notice A regulator's correction of a figure.
    /// @param hadAgreement whether a quorum had agreed on `previousKg` before the correction
    /// (always true: only an agreed figure in its dispute window can be corrected)
    struct Correction {
        address regulator;
        uint48 correctedAt;
        bool hadAgreement;
        uint64 previousKg;
        uint64 kg;
        bytes32 evidence;
        string reason;
    }

    /// @notice A verifier attested (or, if `revision`, revised its attestation of) a figure.
    /// @param index position of the new record in the figure's attestation history
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param verifier the verification body's account (核查机构)
    /// @param kg the usage, kg
    /// @param evidence the hash of the evidence (report, monitoring data) kept off chain
    /// @param revision true when it revises the verifier's earlier attestation
    event UsageAttested(
        address indexed unit,
        uint32 pollutant,
        uint32 indexed period,
        address indexed verifier,
        uint64 kg,
        bytes32 evidence,
        uint256 index,
        bool revision
    );

    /// @notice A quorum of verifiers agreed on `kg`; the figure is final at `finalAt` unless corrected.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param kg the usage, kg
    /// @param votes the agreeing attestations
    /// @param finalAt when the figure becomes final, unix seconds
    event UsageAgreed(
        address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 kg, uint16 votes, uint48 finalAt
    );

    /// @notice The regulator corrected a figure with a reason; the figure is final.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param previousKg the figure before, kg
    /// @param kg the usage, kg
    /// @param evidence the hash of the evidence (report, monitoring data) kept off chain
    /// @param regulator the correcting regulator
    /// @param reason the reason, in words (published)
    event UsageCorrected(
        address indexed unit,
        uint32 indexed pollutant,
        uint32 indexed period,
        uint64 previousKg,
        uint64 kg,
        bytes32 evidence,
        address regulator,
        string reason
    );

    /// @notice The regulator changed the quorum for figures not yet attested.
    /// @param previous the value before
    /// @param quorum the agreeing verifiers needed
    event QuorumChanged(uint16 previous, uint16 quorum);

    /// @notice The regulator changed the dispute window for figures not yet attested.
    /// @param previous the value before
    /// @param disputeWindow the window, seconds
    event DisputeWindowChanged(uint48 previous, uint48 disputeWindow);

    /// @notice A verifier cancelled a nonce, so a signature carrying it can no longer be used.
    /// @param verifier the verification body's account (核查机构)
    /// @param nonce the nonce
    event NonceCancelled(address indexed verifier, uint256 nonce);

    /// @notice The unit is the zero address.
    error OracleZeroUnit();
    /// @notice Pollutant ids start at 1.
    /// @param pollutant the pollutant's id in the account registry
    error OracleUnknownPollutant(uint32 pollutant);
    /// @notice An attestation or correction without an evidence hash.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    error OracleEvidenceMissing(address unit, uint32 pollutant, uint32 period);
    /// @notice The figure is final (since `finalAt`) and can no longer change.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param finalAt when the figure becomes final, unix seconds
    error OracleFigureFinal(address unit, uint32 pollutant, uint32 period, uint48 finalAt);
    /// @notice The quorum agreed; a verifier can no longer revise (the regulator may correct until `finalAt`).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param verifier the verification body's account (核查机构)
    /// @param finalAt when the figure becomes final, unix seconds
    error OracleAttestationLocked(address unit, uint32 pollutant, uint32 period, address verifier, uint48 finalAt);
    /// @notice The verifier already attested exactly this kg and evidence.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param verifier the verification body's account (核查机构)
    /// @param kg the usage, kg
    error OracleAttestationUnchanged(address unit, uint32 pollutant, uint32 period, address verifier, uint64 kg);
    /// @notice Nothing was attested, so there is nothing to correct.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    error OracleNothingToCorrect(address unit, uint32 pollutant, uint32 period);
    /// @notice A correction needs a reason.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    error OracleReasonRequired(address unit, uint32 pollutant, uint32 period);
    /// @notice The figure has fewer agreeing attestations (`have`) than its quorum (`need`).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param have the agreeing attestations
    /// @param need the quorum
    error OracleQuorumNotReached(address unit, uint32 pollutant, uint32 period, uint16 have, uint16 need);
    /// @notice The figure is agreed but still disputable until `finalAt`.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param finalAt when the figure becomes final, unix seconds
    error OracleDisputeWindowOpen(address unit, uint32 pollutant, uint32 period, uint48 finalAt);
    /// @notice The signature's deadline has passed.
    /// @param verifier the verification body's account (核查机构)
    /// @param deadline the signature's deadline, unix seconds
    /// @param timestamp the block's time
    error OracleSignatureExpired(address verifier, uint64 deadline, uint256 timestamp);
    /// @notice The verifier already used or cancelled this nonce.
    /// @param verifier the verification body's account (核查机构)
    /// @param nonce the nonce
    error OracleNonceUsed(address verifier, uint256 nonce);
    /// @notice The signature is not the verifier's over this attestation on this chain and contract.
    /// @param verifier the verification body's account (核查机构)
    error OracleInvalidSignature(address verifier);
    /// @notice A quorum must be at least 1 and at most the number of verifiers.
    /// @param quorum the agreeing verifiers needed
    /// @param verifiers the number of verifiers
    error OracleInvalidQuorum(uint16 quorum, uint256 verifiers);
    /// @notice The dispute window is longer than the maximum.
    /// @param disputeWindow the window, seconds
    /// @param max the longest window, seconds
    error OracleInvalidDisputeWindow(uint48 disputeWindow, uint48 max);
    /// @notice No attestation at `index` (the figure has `count`).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param index the position in the figure's history
    /// @param count the number of attestations
    error OracleNoSuchAttestation(address unit, uint32 pollutant, uint32 period, uint256 index, uint256 count);

    /// @notice Attest a figure as the calling verifier (VERIFIER_ROLE). Attesting again before
    /// the quorum agrees revises the caller's attestation.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param kg the usage, kg
    /// @param evidence the hash of the evidence (report, monitoring data) kept off chain
    function attest(address unit, uint32 pollutant, uint32 period, uint64 kg, bytes32 evidence) external;

    /// @notice Attest many figures as the calling verifier in one transaction, each exactly as
    /// `attest` would (same checks, same events); all or nothing.
    /// @param figures the figures, each as `attest` takes it
    function attestBatch(UsageFigure[] calldata figures) external;

    /// @notice Submit an attestation signed by its verifier (EIP-712); anyone may relay it.
    /// The nonce is consumed, so the signature works once, before its deadline, on this chain
    /// and contract only.
    /// @param attestation the signed attestation
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function attestBySig(Attestation calldata attestation, bytes calldata signature) external;

    /// @notice Make a nonce unusable, e.g. for a signed attestation that must not be relayed.
    /// @param nonce the nonce
    function cancelNonce(uint256 nonce) external;

    /// @notice Correct an agreed figure with evidence and a reason (REGULATOR_ROLE) during its
    /// dispute window; the figure becomes final at once. A figure without a quorum (`Open`) is
    /// refused (`OracleQuorumNotReached`): a correction never makes a figure final without the
    /// verifiers' agreement (R-23).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param kg the usage, kg
    /// @param evidence the hash of the evidence (report, monitoring data) kept off chain
    /// @param reason the reason, in words (published)
    function correct(
        address unit,
        uint32 pollutant,
        uint32 period,
        uint64 kg,
        bytes32 evidence,
        string calldata reason
    ) external;

    /// @notice Set how many agreeing verifiers make a figure (TIMELOCK_ROLE: the regulator
    /// council): 1 … verifier count.
    /// @param quorum the agreeing verifiers needed
    function setQuorum(uint16 quorum) external;

    /// @notice Set the seconds between agreement and finality (TIMELOCK_ROLE: the regulator council).
    /// @param disputeWindow the window, seconds
    function setDisputeWindow(uint48 disputeWindow) external;

    /// @notice Like {finalUsage}, but reverts with the reason a figure is not final yet.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @return kg the final usage, kg
    function requireFinalUsage(address unit, uint32 pollutant, uint32 period) external view returns (uint64 kg);

    /// @notice The state of a figure.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @return the figure
    function figure(address unit, uint32 pollutant, uint32 period) external view returns (Figure memory);

    /// @notice A verifier's current attestation of a figure (`exists` false if it never attested).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param verifier the verification body's account (核查机构)
    /// @return exists false when there is none
    /// @return record the attestation
    function attestationOf(address unit, uint32 pollutant, uint32 period, address verifier)
        external
        view
        returns (bool exists, AttestationRecord memory record);

    /// @notice How many attestations (revisions included) a figure received.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @return the number
    function attestationCount(address unit, uint32 pollutant, uint32 period) external view returns (uint256);

    /// @notice The attestation at `index` of a figure's history.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param index the position in the figure's history
    /// @return the attestation
    function attestationAt(address unit, uint32 pollutant, uint32 period, uint256 index)
        external
        view
        returns (AttestationRecord memory);

    /// @notice Every attestation of a figure, oldest first.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @return the attestations
    function attestations(address unit, uint32 pollutant, uint32 period)
        external
        view
        returns (AttestationRecord[] memory);

    /// @notice The regulator's correction of a figure, if any.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @return exists false when there is none
    /// @return correction the correction
    function correctionOf(address unit, uint32 pollutant, uint32 period)
        external
        view
        returns (bool exists, Correction memory correction);

    /// @notice Agreeing verifiers needed for figures attested from now on.
    /// @return the quorum
    function quorum() external view returns (uint16);

    /// @notice Dispute window in seconds for figures attested from now on.
    /// @return the window, seconds
    function disputeWindow() external view returns (uint48);

    /// @notice Whether `verifier` used or cancelled `nonce`.
    /// @param verifier the verification body's account (核查机构)
    /// @param nonce the nonce
    /// @return true when used or cancelled
    function nonceUsed(address verifier, uint256 nonce) external view returns (bool);

    /// @notice The EIP-712 digest a verifier signs for `attestation`.
    /// @param attestation the signed attestation
    /// @return the digest
    function hashAttestation(Attestation calldata attestation) external view returns (bytes32);
}
