"""``backend oracle …`` as an operator runs it (R-23)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from eth_account import Account

from backend import cli
from backend.core.config import get_settings
from backend.oracle import demo_data
from tests.backend.oracle.conftest import CHEM, EXPECTED_CHEM_KG, PERIOD


@pytest.fixture
def run(oracle_settings, monkeypatch):
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

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
        return CliRunner().invoke(cli.main, ["oracle", *args], env=env, input=input)

    yield invoke
    get_settings.cache_clear()


def test_ingest_posts_and_status_shows_it_R23(run, monitoring_dir, parties, companies):
    """R-23: `oracle ingest` posts each unit's figures; `oracle status` shows them on chain."""
    result = run("ingest", str(monitoring_dir), "--period", str(PERIOD), "--dev-key", "verifier_a")
    assert result.exit_code == 0, result.output
    assert "posted 5 transaction(s); 5 of 5 figure(s) on chain" in result.output
    status = run("status", CHEM, str(PERIOD))
    assert status.exit_code == 0, status.output
    expected = f"COD      on chain: open (1/2 agree); computed {EXPECTED_CHEM_KG[1]} kg"
    assert expected in status.output
    assert parties["verifier_a"].address in status.output
    by_address = run("status", companies[0].address.lower(), str(PERIOD), "--json")
    as_json = json.loads(by_address.output)
    assert as_json["credit_code"] == CHEM
    cod = next(p for p in as_json["pollutants"] if p["code"] == "COD")
    assert cod["chain"]["attestations"][0]["kg"] == EXPECTED_CHEM_KG[1]
    assert cod["postings"][0]["state"] == "confirmed"


def test_ingest_lists_every_bad_record_and_fails_R23(run, monitoring_dir, tmp_path):
    """R-23: the operator sees each bad record; the exit status says something was rejected."""
    text = (monitoring_dir / "chem.csv").read_text().replace(",50.00,", ",-50.00,", 2)
    (monitoring_dir / "chem.csv").write_text(text)
    report_file = tmp_path / "report.json"
    result = run("ingest", str(monitoring_dir), "--period", str(PERIOD), "--no-post",
                 "--report", str(report_file))  # fmt: skip
    assert result.exit_code == 1
    assert f"REJECTED  {CHEM}: 2 problem(s), nothing posted" in result.output
    assert "chem.csv line 2: negative concentration -50.00" in result.output
    assert "chem.csv line 3: negative concentration -50.00" in result.output
    report = json.loads(report_file.read_text())
    assert report["rejected_units"][0]["count"] == 2
    assert {f["pollutant"] for f in report["figures"]} == {"SO2", "NOx"}


def test_ingest_with_keystore_and_password_from_environment_R23(run, monitoring_dir, tmp_path):
    """R-23: the verifier's key comes from its keystore file; a wrong password is refused."""
    from backend.chain.devkeys import authority_key

    keystore = tmp_path / "verifier_b.json"
    key = authority_key("verifier_b").private_key
    keystore.write_text(json.dumps(Account.encrypt(key, "s3cret", kdf="pbkdf2", iterations=1000)))
    wrong = run("ingest", str(monitoring_dir), "--period", str(PERIOD), "--keystore",
                str(keystore), env={"DRR_ORACLE_KEYSTORE_PASSWORD": "nope"})  # fmt: skip
    assert wrong.exit_code == 1
    assert "wrong password for keystore" in wrong.output
    prompted = run("ingest", str(monitoring_dir), "--period", str(PERIOD), "--keystore",
                   str(keystore), input="s3cret\n")  # fmt: skip
    assert prompted.exit_code == 0, prompted.output
    assert "5 of 5 figure(s) on chain" in prompted.output


def test_ingest_without_a_key_refused_before_reading_R23(run, monitoring_dir):
    """R-23: posting needs the verifier's key; the tool says so before doing any work."""
    result = run("ingest", str(monitoring_dir), "--period", str(PERIOD))
    assert result.exit_code == 1
    assert "posting needs the verifier's key" in result.output


def test_unknown_period_and_empty_folder_refused_R23(run, monitoring_dir, tmp_path):
    """R-23: a period the calendar does not define, or a folder without data, is refused."""
    unknown = run("ingest", str(monitoring_dir), "--period", "99", "--no-post")
    assert unknown.exit_code == 1 and "period 99 is not defined" in unknown.output
    (tmp_path / "empty").mkdir()
    empty = run("ingest", str(tmp_path / "empty"), "--period", str(PERIOD), "--no-post")
    assert empty.exit_code == 1 and "holds no .csv or .json monitoring files" in empty.output


def test_evidence_command_returns_the_stored_file_R23(run, monitoring_dir, tmp_path):
    """R-23: the evidence behind a hash is retrievable from the command line."""
    run("ingest", str(monitoring_dir), "--period", str(PERIOD), "--no-post")
    status = json.loads(run("status", CHEM, str(PERIOD), "--json").output)
    computed = status["pollutants"][0]["computed"]
    assert [c["uploaded_by"] for c in computed] == [None]  # the command line, without a key
    digest = computed[0]["evidence"]
    out = tmp_path / "evidence.json"
    assert run("evidence", digest, "--out", str(out)).exit_code == 0
    assert json.loads(out.read_bytes())["credit_code"] == CHEM
    missing = run("evidence", "ab" * 32)
    assert missing.exit_code == 1 and "no stored evidence" in missing.output


def test_demo_data_command_writes_a_year_R23(run, tmp_path):
    """R-23: the demo generator writes a year of monitoring files and a periods file."""
    result = run("demo-data", str(tmp_path / "demo"), "--units", str(demo_data.DEMO_UNITS_FILE),
                 "--year", "2024", "--periods-file", str(tmp_path / "periods.json"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "84 monitoring file(s) for 4 unit(s)" in result.output
    periods = json.loads((tmp_path / "periods.json").read_text())
    assert periods["periods"]["1"]["start"] == "2024-01-01T00:00:00+08:00"
