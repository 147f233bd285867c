"""The oracle against a plain-Python model of a figure's life, on random sequences (R-23).

Three verifiers (quorum 2, window 7 days) attest, revise, the regulator corrects and time passes
in random order; after every step the contract's status, figure, votes and ``finalUsage`` must
equal the model's, and every refusal must be the one the model predicts.
"""

from __future__ import annotations

import brownie
from brownie.test import given
from hypothesis import HealthCheck, example, settings
from hypothesis import strategies as st

from tests.contracts.oracle.conftest import COD, DAY, EVIDENCE, PERIOD

WINDOW = 7 * DAY
STATUS = ("none", "open", "disputable", "final")

# (kind, verifier, amount): attestations dominate, so revisions and disagreements are common;
# a sleep's amount picks 3 or 8 days (the window is 7), a correction's is its kg
KINDS = ["attest"] * 6 + ["sleep", "correct"]
ops = st.tuples(st.sampled_from(KINDS), st.sampled_from([0, 1, 2]), st.sampled_from([100, 200]))
SLEEP = {100: 3 * DAY, 200: 8 * DAY}
# a revision that leaves its old kg behind, then another verifier attests that old kg
REVISION_THEN_OLD_KG = [("attest", 0, 100), ("attest", 0, 200), ("attest", 1, 100),
                        ("sleep", 0, 200), ("attest", 2, 200), ("correct", 0, 100)]  # fmt: skip


class Model:
    """What R-23 says a figure is, in plain Python."""

    def __init__(self) -> None:
        self.current: dict[int, int] = {}  # verifier → kg
        self.agreed: tuple[int, int] | None = None  # (kg, finalAt)
        self.corrected: int | None = None

    def status(self, now: int) -> str:
        if self.corrected is not None:
            return "final"
        if not self.current:
            return "none"
        if self.agreed is None:
            return "open"
        return "disputable" if now < self.agreed[1] else "final"

    def votes(self, kg: int) -> int:
        return sum(1 for v in self.current.values() if v == kg)

    def attest(self, verifier: int, kg: int, now: int) -> str | None:
        """None if accepted, else the custom error the contract must raise."""
        status = self.status(now)
        if status == "final":
            return "OracleFigureFinal"
        if verifier in self.current:
            if status == "disputable":
                return "OracleAttestationLocked"
            if self.current[verifier] == kg:
                return "OracleAttestationUnchanged"
        self.current[verifier] = kg
        if status != "disputable" and self.votes(kg) >= 2:
            self.agreed = (kg, now + WINDOW)
        return None

    def correct(self, kg: int, now: int) -> str | None:
        status = self.status(now)
        if status == "none":
            return "OracleNothingToCorrect"
        if status == "final":
            return "OracleFigureFinal"
        if status == "open":  # no quorum yet: a correction never stands in for it
            return "OracleQuorumNotReached"
        self.corrected = kg
        return None

    def final_usage(self, now: int) -> tuple[bool, int]:
        if self.status(now) != "final":
            return (False, 0)
        return (True, self.corrected if self.corrected is not None else self.agreed[0])


def _now() -> int:
    return brownie.web3.eth.get_block("latest")["timestamp"]


# Brownie's given reverts the chain between examples, so the fixtures are safe to share
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(ops, min_size=2, max_size=10))
@example(steps=REVISION_THEN_OLD_KG)
def test_oracle_follows_the_model_R23(oracle, regulator, verifier_a, verifier_b, verifier_c,
                                      unit, steps):  # fmt: skip
    """R-23: quorum, revision, lock, correction and finality match the model on any sequence."""
    verifiers = [verifier_a, verifier_b, verifier_c]
    model = Model()
    for op, who, amount in steps:
        if op == "sleep":
            brownie.chain.sleep(SLEEP[amount])
            brownie.chain.mine()
            _check(oracle, unit, model)
            continue
        try:
            if op == "attest":
                tx = oracle.attest(unit, COD, PERIOD, amount, EVIDENCE, {"from": verifiers[who]})
                expected = model.attest(who, amount, int(tx.timestamp))
            else:
                tx = oracle.correct(unit, COD, PERIOD, amount, EVIDENCE, "review",
                                    {"from": regulator})  # fmt: skip
                expected = model.correct(amount, int(tx.timestamp))
            assert expected is None, f"{op} accepted, the model expected {expected}"
        except brownie.exceptions.VirtualMachineError as exc:
            now = _now() + 1
            expected = (
                model.attest(who, amount, now) if op == "attest" else model.correct(amount, now)
            )
            assert expected is not None and exc.revert_msg.startswith(expected), (
                op, exc.revert_msg, expected,
            )  # fmt: skip
        _check(oracle, unit, model)


def _check(oracle, unit, model: Model) -> None:
    now = _now()
    figure = oracle.figure(unit, COD, PERIOD)
    assert STATUS[figure["status"]] == model.status(now)
    assert tuple(oracle.finalUsage(unit, COD, PERIOD)) == model.final_usage(now)
    leading = max((model.votes(kg) for kg in model.current.values()), default=0)
    assert figure["leadingVotes"] == leading
    assert figure["verifiers"] == len(model.current)
