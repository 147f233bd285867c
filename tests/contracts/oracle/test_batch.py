"""A verifier attests many figures in one transaction, each as `attest` would (R-23)."""

from __future__ import annotations

from tests.contracts.oracle.conftest import COD, EVIDENCE, NH3N, PERIOD
from tests.helpers import reverts

OPEN, DISPUTABLE = 1, 2


def test_batch_attestation_counts_each_figure_R23(oracle, verifier_a, verifier_b, unit, companies):
    """R-23: each figure of the batch is attested with its event; the second verifier's batch
    reaches the quorum figure by figure."""
    other = companies[1]
    figures = [(unit, COD, PERIOD, 1_000, EVIDENCE), (other, NH3N, PERIOD, 2_000, EVIDENCE)]
    tx = oracle.attestBatch(figures, {"from": verifier_a})
    attested = tx.events["UsageAttested"]
    assert [(e["unit"], e["pollutant"], e["kg"], e["verifier"]) for e in attested] == [
        (unit.address, COD, 1_000, verifier_a.address),
        (other.address, NH3N, 2_000, verifier_a.address),
    ]
    assert oracle.figure(other, NH3N, PERIOD)["status"] == OPEN
    tx = oracle.attestBatch(figures, {"from": verifier_b})
    assert [e["kg"] for e in tx.events["UsageAgreed"]] == [1_000, 2_000]
    assert oracle.figure(other, NH3N, PERIOD)["status"] == DISPUTABLE


def test_batch_attestation_refusals_R23(oracle, verifier_a, unit, companies):
    """R-23: verifiers only; one figure without evidence refuses the whole batch."""
    with reverts("AccessControlUnauthorizedAccount"):
        oracle.attestBatch([(unit, COD, PERIOD, 1, EVIDENCE)], {"from": companies[0]})
    with reverts("OracleEvidenceMissing", companies[1].address, COD, PERIOD):
        oracle.attestBatch(
            [(unit, COD, PERIOD, 1, EVIDENCE), (companies[1], COD, PERIOD, 1, b"\0" * 32)],
            {"from": verifier_a},
        )
    assert oracle.figure(unit, COD, PERIOD)["status"] == 0
