"""A crash between two postings, then a rerun: each figure is posted exactly once (R-23).

The oracle really dies: a subprocess posts the figures and kills itself with SIGKILL at a
chosen point; the rerun is the operator's ``backend oracle post``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from backend.core.config import PROJECT_ROOT, get_settings
from backend.oracle.store import CONFIRMED, SIGNED
from tests.backend.oracle.conftest import PERIOD, ingest_dir

FIGURES = 5


@pytest.fixture
def oracle_env(oracle_settings, monkeypatch):
    """The oracle's settings as the environment of a process (and of the CLI in this one)."""
    env = {
        "DRR_RPC_URL": oracle_settings.rpc_url,
        "DRR_DEPLOYMENT_FILE": str(oracle_settings.deployment_file),
        "DRR_ORACLE_DATABASE_URL": oracle_settings.oracle_database_url,
        "DRR_ORACLE_EVIDENCE_DIR": str(oracle_settings.oracle_evidence_dir),
        "DRR_ORACLE_UNITS_FILE": str(oracle_settings.oracle_units_file),
        "DRR_ORACLE_PERIODS_FILE": str(oracle_settings.oracle_periods_file),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield {**os.environ, **env}
    get_settings.cache_clear()


def crash(env, point: str, at: int) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.backend.oracle.crash_runner", "verifier_a", point, str(at)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def rerun() -> str:
    from backend import cli

    result = CliRunner().invoke(cli.main, ["oracle", "post", "--dev-key", "verifier_a"])
    assert result.exit_code == 0, result.output
    return result.output


def attested_events(oracle, verifier) -> list[tuple[str, int, int]]:
    """Every UsageAttested of ``verifier`` on chain: (unit, pollutant, kg)."""
    logs = oracle.contract.events.UsageAttested().get_logs(
        from_block=0, argument_filters={"verifier": verifier}
    )
    return [(log.args.unit, log.args.pollutant, log.args.kg) for log in logs]


def assert_each_figure_posted_once(ctx, oracle_contract, chain, verifier, nonce_before):
    events = attested_events(oracle_contract, verifier)
    figures = ctx.store.figures(period=PERIOD)
    assert sorted(events) == sorted((f.unit, f.pollutant, f.kg) for f in figures)
    assert len(events) == FIGURES
    assert chain.w3.eth.get_transaction_count(verifier) - nonce_before == FIGURES
    postings = ctx.store.postings(period=PERIOD)
    assert [p.state for p in postings] == [CONFIRMED] * FIGURES


@pytest.mark.parametrize("point", ["after_send", "before_send"])
def test_crash_between_postings_then_rerun_posts_each_once_R23(
    point, oracle_env, ctx, monitoring_dir, oracle_contract, chain, parties
):
    """R-23: killed right after broadcasting the 2nd figure (or right before it), the rerun
    confirms what reached the chain and posts the rest: five figures, five transactions."""
    verifier = parties["verifier_a"].address
    nonce_before = chain.w3.eth.get_transaction_count(verifier)
    ingest_dir(monitoring_dir, ctx)
    crash(oracle_env, point, at=2)

    landed = 2 if point == "after_send" else 1
    assert len(attested_events(oracle_contract, verifier)) == landed
    # both postings were written ahead as signed; no receipt was recorded
    assert [p.state for p in ctx.store.postings(period=PERIOD)] == [SIGNED, SIGNED]

    output = rerun()
    assert output.count("already on chain") == landed
    assert_each_figure_posted_once(ctx, oracle_contract, chain, verifier, nonce_before)
    assert "posted 0 transaction(s)" in rerun()  # and a third run does nothing


def test_crash_with_transactions_still_pending_R23(
    oracle_env, ctx, monitoring_dir, oracle_contract, chain, parties
):
    """R-23: killed while its transactions wait in the node's pool, the rerun waits for them
    instead of sending them again."""
    verifier = parties["verifier_a"].address
    nonce_before = chain.w3.eth.get_transaction_count(verifier)
    ingest_dir(monitoring_dir, ctx)
    rpc = chain.w3.provider.make_request
    rpc("evm_setAutomine", [False])
    try:
        crash(oracle_env, "after_send", at=3)
        assert attested_events(oracle_contract, verifier) == []  # nothing mined yet
        assert chain.w3.eth.get_transaction_count(verifier, "pending") - nonce_before == 3
        rpc("evm_setIntervalMining", [1])
        output = rerun()
    finally:
        rpc("evm_setIntervalMining", [0])
        rpc("evm_setAutomine", [True])
    assert output.count("already on chain") == 3
    assert_each_figure_posted_once(ctx, oracle_contract, chain, verifier, nonce_before)
