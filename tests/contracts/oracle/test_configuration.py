"""Quorum and dispute window set by the regulator council, and who may call what (R-23).

In production only the council's time lock holds the oracle's TIMELOCK_ROLE (the permission
matrix, tests/security/, checks that layout); the shared test deployment also grants it to the
city regulator's key (``grant_time_locked_roles``), so these tests call with that key."""

from __future__ import annotations

import pytest

from scripts.deploy import deploy_contract
from tests.contracts.oracle.conftest import COD, DAY, EVIDENCE, PERIOD, raw
from tests.helpers import reverts

MAX_WINDOW = 365 * DAY


def test_council_sets_quorum_with_event_R23(oracle, regulator, verifier_c):
    """R-23: the council configures M of N; the change is an event."""
    tx = oracle.setQuorum(3, {"from": regulator})
    assert (tx.events["QuorumChanged"]["previous"], tx.events["QuorumChanged"]["quorum"]) == (2, 3)
    assert oracle.quorum() == 3


@pytest.mark.parametrize("quorum", [0, 3])
def test_quorum_outside_one_to_verifier_count_refused_R23(oracle, regulator, quorum):
    """R-23: a quorum of 0, or above the number of verifiers, could never be met sensibly."""
    with reverts("OracleInvalidQuorum", quorum, 2):
        oracle.setQuorum(quorum, {"from": regulator})
    assert oracle.quorum() == 2


def test_constructor_refuses_zero_quorum_R23(regulator):
    """R-23: a deployment needs at least one agreeing verifier."""
    from brownie import VerificationOracle

    with reverts("OracleInvalidQuorum", 0, 0):
        deploy_contract(VerificationOracle, regulator, regulator, 0, DAY)[0]


def test_council_sets_dispute_window_with_event_R23(oracle, regulator):
    """R-23: the council configures the dispute window; the change is an event."""
    tx = oracle.setDisputeWindow(30 * DAY, {"from": regulator})
    event = tx.events["DisputeWindowChanged"]
    assert (event["previous"], event["disputeWindow"]) == (7 * DAY, 30 * DAY)
    assert oracle.disputeWindow() == 30 * DAY
    with reverts("OracleInvalidDisputeWindow", MAX_WINDOW + 1, MAX_WINDOW):
        oracle.setDisputeWindow(MAX_WINDOW + 1, {"from": regulator})
    assert oracle.disputeWindow() == 30 * DAY


def test_configuration_applies_to_new_figures_only_R23(
    oracle, regulator, verifier_a, verifier_b, unit, companies
):
    """R-23: quorum and window are fixed when a figure gets its first attestation."""
    oracle.attest(unit, COD, PERIOD, 100, EVIDENCE, {"from": verifier_a})
    oracle.setQuorum(1, {"from": regulator})
    oracle.setDisputeWindow(DAY, {"from": regulator})
    started = oracle.figure(unit, COD, PERIOD)
    assert (started["quorum"], started["disputeWindow"], started["status"]) == (2, 7 * DAY, 1)
    tx = oracle.attest(unit, COD, PERIOD, 100, EVIDENCE, {"from": verifier_b})
    assert tx.events["UsageAgreed"]["finalAt"] == int(tx.timestamp) + 7 * DAY

    other = companies[1]
    tx = oracle.attest(other, COD, PERIOD, 50, EVIDENCE, {"from": verifier_a})
    assert tx.events["UsageAgreed"]["finalAt"] == int(tx.timestamp) + DAY


def _call(oracle, name, unit, sender):
    calls = {
        "attest": lambda: oracle.attest(unit, COD, PERIOD, 1, EVIDENCE, {"from": sender}),
        "correct": lambda: oracle.correct(unit, COD, PERIOD, 1, EVIDENCE, "r", {"from": sender}),
        "setQuorum": lambda: oracle.setQuorum(1, {"from": sender}),
        "setDisputeWindow": lambda: oracle.setDisputeWindow(DAY, {"from": sender}),
        "grantRole": lambda: oracle.grantRole(oracle.VERIFIER_ROLE(), unit, {"from": sender}),
    }
    return calls[name]()


# function → the role it needs; every other party is refused
PRIVILEGED = {
    "attest": "VERIFIER_ROLE",
    "correct": "REGULATOR_ROLE",
    "setQuorum": "TIMELOCK_ROLE",
    "setDisputeWindow": "TIMELOCK_ROLE",
    "grantRole": "DEFAULT_ADMIN_ROLE",
}
HOLDERS = {
    "VERIFIER_ROLE": {"verifier_a", "verifier_b"},
    "REGULATOR_ROLE": {"city_regulator"},
    "TIMELOCK_ROLE": {"city_regulator"},  # test deployment; production: the time lock alone
    "DEFAULT_ADMIN_ROLE": {"city_regulator"},
}


@pytest.mark.parametrize("function", sorted(PRIVILEGED))
def test_permission_table_R23(oracle, parties, verifier_a, verifier_b, unit, function):
    """R-23: every privileged oracle function × every party: only the role's holders pass."""
    # something to correct (an agreed figure in its window), so that only the permission decides
    oracle.attest(unit, COD, PERIOD, 2, EVIDENCE, {"from": verifier_b})
    if function == "correct":
        oracle.attest(unit, COD, PERIOD, 2, EVIDENCE, {"from": verifier_a})
    role_name = PRIVILEGED[function]
    role = getattr(oracle, role_name)()
    for name, account in parties.items():
        if name in HOLDERS[role_name]:
            _call(oracle, function, unit, account)
        else:
            with reverts("AccessControlUnauthorizedAccount", account, raw(role)):
                _call(oracle, function, unit, account)
