"""The Slither gate of `make lint` (backend/toolchain/static_analysis.py): what makes it fail.

Slither itself runs in `make lint` (about a minute); these tests check the gate's verdict on
findings of each impact, so a medium or high finding can never pass unnoticed."""

from backend.toolchain.static_analysis import (
    Finding,
    accepted_detectors,
    sources,
    verdict,
)

ACCEPTED = accepted_detectors()


def test_high_and_medium_findings_fail_the_build():
    for impact in ("High", "Medium"):
        problems = verdict([Finding(impact, "reentrancy-eth", "Exchange.settle")], ACCEPTED)
        assert problems == [f"{impact}: reentrancy-eth: Exchange.settle"]


def test_low_findings_pass_only_when_justified_in_docs():
    assert verdict([Finding("Low", "timestamp", "x")], ACCEPTED) == []
    assert verdict([Finding("Informational", "low-level-calls", "x")], ACCEPTED) == []
    problems = verdict([Finding("Low", "new-detector", "x")], ACCEPTED)
    assert problems == ["new-detector: not justified in docs/security.md (Slither triage)"]


def test_triage_table_names_the_accepted_detectors():
    assert {"timestamp", "calls-loop", "reentrancy-events", "shadowing-local"} <= ACCEPTED
    assert not ACCEPTED & {"reentrancy-eth", "arbitrary-send-eth", "incorrect-equality"}


def test_every_deployed_contract_is_analysed_and_test_doubles_are_not(deployment):
    analysed = {p.stem for p in sources()}
    assert set(deployment.contracts) <= analysed
    assert not {p for p in sources() if "testing" in p.parts or "mocks" in p.parts}
