"""The regulator corrects a figure with a reason during its dispute window (R-23)."""

from __future__ import annotations

import brownie

from tests.contracts.oracle.conftest import COD, DAY, EVIDENCE, OTHER_EVIDENCE, PERIOD, raw
from tests.helpers import reverts

FINAL = 3
WINDOW = 7 * DAY
REASON = "现场核查：3月在线监测流量计故障，按手工监测数据核定"


def agree(oracle, verifier_a, verifier_b, unit, kg):
    oracle.attest(unit, COD, PERIOD, kg, EVIDENCE, {"from": verifier_a})
    return oracle.attest(unit, COD, PERIOD, kg, EVIDENCE, {"from": verifier_b})


def test_correction_during_window_is_final_and_kept_R23(
    oracle, regulator, verifier_a, verifier_b, unit
):
    """R-23: during the window the regulator corrects with a reason; the figure is final at once."""
    agree(oracle, verifier_a, verifier_b, unit, 10_000)
    brownie.chain.sleep(DAY)
    tx = oracle.correct(unit, COD, PERIOD, 11_250, OTHER_EVIDENCE, REASON, {"from": regulator})
    event = tx.events["UsageCorrected"]
    assert (event["previousKg"], event["kg"], event["regulator"], event["reason"]) == (
        10_000, 11_250, regulator, REASON,
    )  # fmt: skip
    assert tuple(oracle.finalUsage(unit, COD, PERIOD)) == (True, 11_250)
    figure = oracle.figure(unit, COD, PERIOD)
    assert (figure["status"], figure["corrected"], figure["finalAt"]) == (
        FINAL,
        True,
        int(tx.timestamp),
    )

    exists, correction = oracle.correctionOf(unit, COD, PERIOD)
    assert exists
    assert correction["regulator"] == regulator
    assert correction["hadAgreement"] is True
    assert (correction["previousKg"], correction["kg"], correction["reason"]) == (
        10_000,
        11_250,
        REASON,
    )
    assert correction["evidence"] == "0x" + OTHER_EVIDENCE.hex()
    assert correction["correctedAt"] == int(tx.timestamp)
    # the attestations it overrode stay readable
    assert [r["kg"] for r in oracle.attestations(unit, COD, PERIOD)] == [10_000, 10_000]


def test_a_correction_never_stands_in_for_the_quorum_R23(
    oracle, regulator, verifier_a, verifier_b, unit
):
    """R-23 (finding 16 of the review): while verifiers disagree the figure is Open and no
    regulator makes it final: the verifiers revise until a quorum agrees; only then, in the
    dispute window, may the regulator correct it."""
    oracle.attest(unit, COD, PERIOD, 8_000, EVIDENCE, {"from": verifier_a})
    oracle.attest(unit, COD, PERIOD, 8_800, OTHER_EVIDENCE, {"from": verifier_b})
    with reverts("OracleQuorumNotReached", unit, COD, PERIOD, 1, 2):
        oracle.correct(unit, COD, PERIOD, 8_800, OTHER_EVIDENCE, REASON, {"from": regulator})
    assert tuple(oracle.finalUsage(unit, COD, PERIOD)) == (False, 0)
    assert oracle.correctionOf(unit, COD, PERIOD)[0] is False
    oracle.attest(unit, COD, PERIOD, 8_800, OTHER_EVIDENCE, {"from": verifier_a})  # revised
    oracle.correct(unit, COD, PERIOD, 8_700, OTHER_EVIDENCE, REASON, {"from": regulator})
    assert tuple(oracle.finalUsage(unit, COD, PERIOD)) == (True, 8_700)
    exists, correction = oracle.correctionOf(unit, COD, PERIOD)
    assert exists and correction["hadAgreement"] is True and correction["previousKg"] == 8_800


def test_correction_after_window_refused_R23(oracle, regulator, verifier_a, verifier_b, unit):
    """R-23: after the dispute window the figure is final; the regulator cannot correct it."""
    tx = agree(oracle, verifier_a, verifier_b, unit, 10_000)
    brownie.chain.sleep(WINDOW)
    brownie.chain.mine()
    with reverts("OracleFigureFinal", unit, COD, PERIOD, int(tx.timestamp) + WINDOW):
        oracle.correct(unit, COD, PERIOD, 9_000, EVIDENCE, REASON, {"from": regulator})
    assert tuple(oracle.finalUsage(unit, COD, PERIOD)) == (True, 10_000)
    assert oracle.correctionOf(unit, COD, PERIOD)[0] is False


def test_second_correction_refused_R23(oracle, regulator, verifier_a, verifier_b, unit):
    """R-23: a correction closes the figure; it cannot be corrected again."""
    agree(oracle, verifier_a, verifier_b, unit, 10_000)
    tx = oracle.correct(unit, COD, PERIOD, 9_000, EVIDENCE, REASON, {"from": regulator})
    with reverts("OracleFigureFinal", unit, COD, PERIOD, int(tx.timestamp)):
        oracle.correct(unit, COD, PERIOD, 9_100, EVIDENCE, REASON, {"from": regulator})


def test_correction_of_unattested_figure_refused_R23(oracle, regulator, unit):
    """R-23: the regulator corrects verifiers' figures; it does not post figures of its own."""
    with reverts("OracleNothingToCorrect", unit, COD, PERIOD):
        oracle.correct(unit, COD, PERIOD, 1, EVIDENCE, REASON, {"from": regulator})


def test_correction_needs_reason_and_evidence_R23(oracle, regulator, verifier_a, verifier_b, unit):
    """R-23: a correction without a reason or an evidence hash is refused and changes nothing."""
    agree(oracle, verifier_a, verifier_b, unit, 10_000)
    with reverts("OracleReasonRequired", unit, COD, PERIOD):
        oracle.correct(unit, COD, PERIOD, 9_000, EVIDENCE, "", {"from": regulator})
    with reverts("OracleEvidenceMissing", unit, COD, PERIOD):
        oracle.correct(unit, COD, PERIOD, 9_000, b"\0" * 32, REASON, {"from": regulator})
    assert oracle.correctionOf(unit, COD, PERIOD)[0] is False
    assert oracle.figure(unit, COD, PERIOD)["kg"] == 10_000


def test_correction_refused_to_verifier_and_company_R23(
    oracle, verifier_a, verifier_b, unit, companies
):
    """R-23: only the regulator corrects."""
    agree(oracle, verifier_a, verifier_b, unit, 10_000)
    role = oracle.REGULATOR_ROLE()
    for caller in (verifier_a, companies[1]):
        with reverts("AccessControlUnauthorizedAccount", caller, raw(role)):
            oracle.correct(unit, COD, PERIOD, 1, EVIDENCE, REASON, {"from": caller})
