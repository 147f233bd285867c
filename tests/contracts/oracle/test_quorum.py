"""Verified usage becomes final by a quorum of verifiers and a dispute window (R-23)."""

from __future__ import annotations

import brownie
import pytest

from scripts.deploy import deploy_contract
from tests.contracts.oracle.conftest import COD, DAY, EVIDENCE, NH3N, OTHER_EVIDENCE, PERIOD, SO2
from tests.helpers import reverts

NONE, OPEN, DISPUTABLE, FINAL = range(4)
WINDOW = 7 * DAY


def sleep(seconds: int) -> None:
    brownie.chain.sleep(seconds)
    brownie.chain.mine()


def test_deployment_quorum_two_of_two_with_window_R23(oracle, verifier_a, verifier_b):
    """R-23: the dev deployment needs both verifiers and a 7-day dispute window."""
    assert oracle.quorum() == 2
    assert oracle.disputeWindow() == WINDOW
    assert oracle.hasRole(oracle.VERIFIER_ROLE(), verifier_a)
    assert oracle.hasRole(oracle.VERIFIER_ROLE(), verifier_b)
    assert oracle.getRoleMemberCount(oracle.VERIFIER_ROLE()) == 2


def test_quorum_reached_then_final_after_window_R23(oracle, verifier_a, verifier_b, unit):
    """R-23: two agreeing verifiers make the figure disputable; final once the window passed."""
    oracle.attest(unit, COD, PERIOD, 12_345, EVIDENCE, {"from": verifier_a})
    assert oracle.figure(unit, COD, PERIOD)["status"] == OPEN
    tx = oracle.attest(unit, COD, PERIOD, 12_345, EVIDENCE, {"from": verifier_b})
    agreed = tx.events["UsageAgreed"]
    assert (agreed["unit"], agreed["pollutant"], agreed["period"]) == (unit, COD, PERIOD)
    assert agreed["kg"] == 12_345 and agreed["votes"] == 2
    assert agreed["finalAt"] == int(tx.timestamp) + WINDOW

    figure = oracle.figure(unit, COD, PERIOD)
    assert figure["status"] == DISPUTABLE
    assert (figure["kg"], figure["agreedAt"], figure["finalAt"]) == (
        12_345,
        int(tx.timestamp),
        int(tx.timestamp) + WINDOW,
    )
    assert tuple(oracle.finalUsage(unit, COD, PERIOD)) == (False, 0)
    with reverts("OracleDisputeWindowOpen", unit, COD, PERIOD, int(tx.timestamp) + WINDOW):
        oracle.requireFinalUsage(unit, COD, PERIOD)

    sleep(WINDOW)
    assert oracle.figure(unit, COD, PERIOD)["status"] == FINAL
    assert tuple(oracle.finalUsage(unit, COD, PERIOD)) == (True, 12_345)
    assert oracle.requireFinalUsage(unit, COD, PERIOD) == 12_345


def test_final_usage_through_the_usage_oracle_interface_R23(oracle, verifier_a, verifier_b, unit):
    """R-23: surrender reads the figure through IUsageOracle.finalUsage only."""
    from brownie import project, web3

    # a plain web3 reader: registering a second Brownie contract at the same address would
    # take over Brownie's event decoding for it
    abi = project.get_loaded_projects()[0]._build.get("IUsageOracle")["abi"]
    reader = web3.eth.contract(address=oracle.address, abi=abi).functions
    oracle.attest(unit, SO2, PERIOD, 800, EVIDENCE, {"from": verifier_a})
    oracle.attest(unit, SO2, PERIOD, 800, EVIDENCE, {"from": verifier_b})
    assert reader.finalUsage(unit.address, SO2, PERIOD).call() == [False, 0]
    sleep(WINDOW)
    assert reader.finalUsage(unit.address, SO2, PERIOD).call() == [True, 800]
    assert reader.finalUsage(unit.address, SO2, PERIOD + 1).call() == [False, 0]
    assert reader.finalUsage(unit.address, COD, PERIOD).call() == [False, 0]


def test_quorum_not_reached_never_final_R23(oracle, verifier_a, unit):
    """R-23: one attestation of a 2-of-2 quorum is not a figure, however long one waits."""
    oracle.attest(unit, COD, PERIOD, 5_000, EVIDENCE, {"from": verifier_a})
    sleep(10 * WINDOW)
    figure = oracle.figure(unit, COD, PERIOD)
    assert figure["status"] == OPEN
    assert (figure["kg"], figure["leadingVotes"], figure["quorum"], figure["finalAt"]) == (
        0,
        1,
        2,
        0,
    )
    assert tuple(oracle.finalUsage(unit, COD, PERIOD)) == (False, 0)
    with reverts("OracleQuorumNotReached", unit, COD, PERIOD, 1, 2):
        oracle.requireFinalUsage(unit, COD, PERIOD)


def test_unattested_figure_reports_quorum_needed_R23(oracle, unit):
    """R-23: a figure nobody attested is not final and says how many verifiers it needs."""
    figure = oracle.figure(unit, NH3N, PERIOD)
    assert figure["status"] == NONE and figure["quorum"] == 2
    assert tuple(oracle.finalUsage(unit, NH3N, PERIOD)) == (False, 0)
    with reverts("OracleQuorumNotReached", unit, NH3N, PERIOD, 0, 2):
        oracle.requireFinalUsage(unit, NH3N, PERIOD)


def test_disagreeing_verifiers_reach_no_quorum_R23(oracle, verifier_a, verifier_b, unit):
    """R-23: verifiers that attest different kg do not agree; both figures stay on record."""
    oracle.attest(unit, COD, PERIOD, 10_000, EVIDENCE, {"from": verifier_a})
    tx = oracle.attest(unit, COD, PERIOD, 10_001, EVIDENCE, {"from": verifier_b})
    assert "UsageAgreed" not in tx.events
    sleep(2 * WINDOW)
    figure = oracle.figure(unit, COD, PERIOD)
    assert (figure["status"], figure["leadingVotes"], figure["verifiers"]) == (OPEN, 1, 2)
    assert tuple(oracle.finalUsage(unit, COD, PERIOD)) == (False, 0)
    records = oracle.attestations(unit, COD, PERIOD)
    assert [(r["verifier"], r["kg"], r["superseded"]) for r in records] == [
        (verifier_a, 10_000, False),
        (verifier_b, 10_001, False),
    ]


def test_same_kg_with_different_evidence_agrees_R23(oracle, verifier_a, verifier_b, unit):
    """R-23: agreement is on the kilograms; each verifier's own evidence hash stays on record."""
    oracle.attest(unit, COD, PERIOD, 7_000, EVIDENCE, {"from": verifier_a})
    tx = oracle.attest(unit, COD, PERIOD, 7_000, OTHER_EVIDENCE, {"from": verifier_b})
    assert tx.events["UsageAgreed"]["kg"] == 7_000
    assert (
        oracle.attestationOf(unit, COD, PERIOD, verifier_a)[1]["evidence"] == "0x" + EVIDENCE.hex()
    )
    assert (
        oracle.attestationOf(unit, COD, PERIOD, verifier_b)[1]["evidence"]
        == "0x" + OTHER_EVIDENCE.hex()
    )


def test_verifier_revises_before_quorum_history_kept_R23(oracle, verifier_a, verifier_b, unit):
    """R-23: a verifier may revise until the quorum agrees; the old figure stays readable."""
    oracle.attest(unit, COD, PERIOD, 9_000, EVIDENCE, {"from": verifier_a})
    oracle.attest(unit, COD, PERIOD, 9_500, OTHER_EVIDENCE, {"from": verifier_b})
    tx = oracle.attest(unit, COD, PERIOD, 9_500, OTHER_EVIDENCE, {"from": verifier_a})
    attested = tx.events["UsageAttested"]
    assert (attested["verifier"], attested["kg"], attested["index"], attested["revision"]) == (
        verifier_a, 9_500, 2, True,
    )  # fmt: skip
    assert tx.events["UsageAgreed"]["kg"] == 9_500
    assert oracle.attestationCount(unit, COD, PERIOD) == 3
    first = oracle.attestationAt(unit, COD, PERIOD, 0)
    assert (first["verifier"], first["kg"], first["superseded"]) == (verifier_a, 9_000, True)
    exists, current = oracle.attestationOf(unit, COD, PERIOD, verifier_a)
    assert exists and (current["kg"], current["superseded"]) == (9_500, False)
    assert oracle.figure(unit, COD, PERIOD)["verifiers"] == 2
    with reverts("OracleNoSuchAttestation", unit, COD, PERIOD, 3, 3):
        oracle.attestationAt(unit, COD, PERIOD, 3)


def test_revision_moves_the_vote_R23(oracle, verifier_a, verifier_b, unit):
    """R-23: a revised attestation no longer counts for its old kg."""
    oracle.attest(unit, COD, PERIOD, 1_000, EVIDENCE, {"from": verifier_a})
    oracle.attest(unit, COD, PERIOD, 1_100, EVIDENCE, {"from": verifier_a})
    tx = oracle.attest(unit, COD, PERIOD, 1_000, EVIDENCE, {"from": verifier_b})
    assert "UsageAgreed" not in tx.events
    assert oracle.figure(unit, COD, PERIOD)["leadingVotes"] == 1


def test_unchanged_attestation_refused_R23(oracle, verifier_a, unit):
    """R-23: posting the same figure twice is refused, so a retry can never count twice."""
    oracle.attest(unit, COD, PERIOD, 3_000, EVIDENCE, {"from": verifier_a})
    with reverts("OracleAttestationUnchanged", unit, COD, PERIOD, verifier_a, 3_000):
        oracle.attest(unit, COD, PERIOD, 3_000, EVIDENCE, {"from": verifier_a})
    assert oracle.attestationCount(unit, COD, PERIOD) == 1


def test_revision_after_agreement_refused_R23(oracle, verifier_a, verifier_b, unit):
    """R-23: once the quorum agreed only the regulator can change the figure."""
    oracle.attest(unit, COD, PERIOD, 4_000, EVIDENCE, {"from": verifier_a})
    tx = oracle.attest(unit, COD, PERIOD, 4_000, EVIDENCE, {"from": verifier_b})
    final_at = int(tx.timestamp) + WINDOW
    with reverts("OracleAttestationLocked", unit, COD, PERIOD, verifier_a, final_at):
        oracle.attest(unit, COD, PERIOD, 4_100, EVIDENCE, {"from": verifier_a})


def test_late_verifier_recorded_without_changing_agreed_figure_R23(
    oracle, verifier_a, verifier_b, verifier_c, unit
):
    """R-23: a third verifier attesting in the window is on record but cannot move the figure."""
    oracle.attest(unit, COD, PERIOD, 6_000, EVIDENCE, {"from": verifier_a})
    oracle.attest(unit, COD, PERIOD, 6_000, EVIDENCE, {"from": verifier_b})
    tx = oracle.attest(unit, COD, PERIOD, 6_600, OTHER_EVIDENCE, {"from": verifier_c})
    assert "UsageAgreed" not in tx.events
    figure = oracle.figure(unit, COD, PERIOD)
    assert (figure["status"], figure["kg"], figure["verifiers"]) == (DISPUTABLE, 6_000, 3)
    sleep(WINDOW)
    assert tuple(oracle.finalUsage(unit, COD, PERIOD)) == (True, 6_000)


def test_attestation_after_final_refused_R23(oracle, verifier_a, verifier_b, verifier_c, unit):
    """R-23: a final figure is final: no new attestation and no revision."""
    oracle.attest(unit, COD, PERIOD, 2_000, EVIDENCE, {"from": verifier_a})
    tx = oracle.attest(unit, COD, PERIOD, 2_000, EVIDENCE, {"from": verifier_b})
    sleep(WINDOW)
    final_at = int(tx.timestamp) + WINDOW
    with reverts("OracleFigureFinal", unit, COD, PERIOD, final_at):
        oracle.attest(unit, COD, PERIOD, 2_500, EVIDENCE, {"from": verifier_c})
    with reverts("OracleFigureFinal", unit, COD, PERIOD, final_at):
        oracle.attest(unit, COD, PERIOD, 2_500, EVIDENCE, {"from": verifier_a})


def test_quorum_of_two_of_three_R23(oracle, verifier_a, verifier_b, verifier_c, unit):
    """R-23: M of N: with three verifiers and quorum 2, any two agreeing make the figure."""
    oracle.attest(unit, COD, PERIOD, 1_500, EVIDENCE, {"from": verifier_a})
    oracle.attest(unit, COD, PERIOD, 1_490, EVIDENCE, {"from": verifier_b})
    tx = oracle.attest(unit, COD, PERIOD, 1_490, OTHER_EVIDENCE, {"from": verifier_c})
    assert tx.events["UsageAgreed"]["kg"] == 1_490
    assert tx.events["UsageAgreed"]["votes"] == 2


def test_figures_are_independent_per_pollutant_period_and_unit_R23(
    oracle, verifier_a, verifier_b, companies
):
    """R-23: a figure is per unit, pollutant and period."""
    oracle.attest(companies[0], COD, PERIOD, 100, EVIDENCE, {"from": verifier_a})
    oracle.attest(companies[0], COD, PERIOD, 100, EVIDENCE, {"from": verifier_b})
    for unit, pollutant, period in [
        (companies[1], COD, PERIOD),
        (companies[0], NH3N, PERIOD),
        (companies[0], COD, PERIOD + 1),
    ]:
        assert oracle.figure(unit, pollutant, period)["status"] == NONE


def test_zero_dispute_window_final_on_agreement_R23(
    oracle, regulator, verifier_a, verifier_b, unit
):
    """R-23: a deployment without a dispute window makes agreed figures final at once."""
    oracle.setDisputeWindow(0, {"from": regulator})
    oracle.attest(unit, COD, PERIOD, 321, EVIDENCE, {"from": verifier_a})
    oracle.attest(unit, COD, PERIOD, 321, EVIDENCE, {"from": verifier_b})
    assert tuple(oracle.finalUsage(unit, COD, PERIOD)) == (True, 321)


def test_one_of_one_small_deployment_R23(regulator, verifier_a, unit):
    """R-23: a small deployment with one verifier and quorum 1."""
    from brownie import VerificationOracle

    small = deploy_contract(VerificationOracle, regulator, regulator, 1, DAY)[0]
    small.grantRole(small.VERIFIER_ROLE(), verifier_a, {"from": regulator})
    tx = small.attest(unit, COD, PERIOD, 77, EVIDENCE, {"from": verifier_a})
    assert tx.events["UsageAgreed"]["votes"] == 1
    sleep(DAY)
    assert tuple(small.finalUsage(unit, COD, PERIOD)) == (True, 77)


def test_zero_usage_is_a_figure_R23(oracle, verifier_a, verifier_b, unit):
    """R-23: a unit that emitted nothing gets a final figure of 0 kg."""
    oracle.attest(unit, NH3N, PERIOD, 0, EVIDENCE, {"from": verifier_a})
    oracle.attest(unit, NH3N, PERIOD, 0, EVIDENCE, {"from": verifier_b})
    sleep(WINDOW)
    assert tuple(oracle.finalUsage(unit, NH3N, PERIOD)) == (True, 0)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("0x" + "00" * 20, COD, PERIOD, 1, EVIDENCE), ("OracleZeroUnit",)),
        (("unit", 0, PERIOD, 1, EVIDENCE), ("OracleUnknownPollutant", 0)),
        (("unit", COD, PERIOD, 1, b"\0" * 32), ("OracleEvidenceMissing", "unit", COD, PERIOD)),
    ],
)
def test_malformed_attestation_refused_R23(oracle, verifier_a, unit, args, error):
    """R-23: an attestation needs a unit, a pollutant and an evidence hash."""
    args = [unit if a == "unit" else a for a in args]
    error = [unit if a == "unit" else a for a in error]
    with reverts(*error):
        oracle.attest(*args, {"from": verifier_a})
