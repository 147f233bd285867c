"""The ``backend`` tool for authorities: build → sign locally → send, and CSV batches of
operations with progress, a results file, a journal of signed transactions and resume."""

import csv
import json
import time

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pydantic import SecretStr

from backend import cli
from backend.api.guard import RateLimit
from backend.cli import CliContext
from backend.main import create_app
from backend.services.registration import with_check
from tests.backend.writes.conftest import address_of, key_of
from tests.helpers import plain

FAST_KDF = ["--kdf", "pbkdf2", "--iterations", "1000"]
COD = 1
BATCH_ROWS = 300


@pytest.fixture
def run(api, writes_settings):
    settings = writes_settings.model_copy(update={"wallet_password": SecretStr("regulator pw")})

    def invoke(*args, input=None, expect=0):
        result = CliRunner().invoke(
            cli.main, list(args), obj=CliContext(settings=settings, http=api), input=input
        )
        assert result.exit_code == expect, result.output
        return result

    run_ = invoke
    run_("wallet", "import", "regulator", *FAST_KDF, input=key_of("regulator") + "\n")
    return run_


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_build_sign_send_one_operation(run, city, registry, tmp_path):
    """R-17: the regulator blacklists a unit with its keystore wallet; the key stays local."""
    built = tmp_path / "tx.json"
    run(
        "tx",
        "build",
        "set-restriction",
        "-f",
        f"sender={address_of('regulator')}",
        "-f",
        f"holder={city.steel.address}",
        "-f",
        "restriction=credit",
        "-f",
        "active=true",
        "-f",
        "reason=环保信用不良",
        "-o",
        str(built),
    )
    assert json.loads(built.read_text())["args"]["restriction"] == 1
    signed = tmp_path / "signed.json"
    shown = run("tx", "sign", str(built), "--wallet", "regulator", "-o", str(signed), input="y\n")
    assert "setRestriction" in shown.output
    sent = json.loads(run("tx", "send", str(signed)).output)
    assert sent["events"][0]["event"] == "RestrictionChanged"
    assert registry.profile(city.steel)["restrictions"] == 1


@pytest.fixture
def unlimited(api):
    """This service with its client rate limits off: a 300-row batch is a burst of 600
    requests (under the default limits the tool waits as the service asks, see below)."""
    app = api.app
    app.middleware_stack = None  # rebuilt without the rate limit on the next request
    app.user_middleware = [m for m in app.user_middleware if m.cls is not RateLimit]
    return api


def test_tool_waits_when_the_service_asks_to_slow_down(writes_settings, city, tmp_path):
    """Issue 25: over the service's rate a client gets 429 with Retry-After; the tool waits as
    it says and goes on (here three builds against a burst of two, one a second)."""
    tight = writes_settings.model_copy(
        update={
            "rate_limit_writes_burst": 2,
            "rate_limit_writes_per_second": 1.0,
            "wallet_password": SecretStr("regulator pw"),
        }
    )
    with TestClient(create_app(tight)) as api:
        obj = CliContext(settings=tight, http=api)
        for i in range(3):
            result = CliRunner().invoke(
                cli.main, ["tx", "build", "allocate-free", "-f", f"holder={city.chem.address}",
                           "-f", "pollutant=COD", "-f", f"kg={i + 1}", "-f",
                           f"sender={address_of('regulator')}", "-o", str(tmp_path / f"{i}.json")],
                obj=obj,
            )  # fmt: skip
            assert result.exit_code == 0, result.output
        assert "the service asks to slow down" in result.output


def test_registers_hundreds_of_units_from_csv_and_resumes(unlimited, run, city, registry, tmp_path):
    """R-02: a batch of accounts; a re-run skips what is done."""
    rows = [
        {
            "holder": "0x" + f"{0xA000 + i:040x}",
            "creditCode": with_check(f"91500000MA6U{i:05d}"),
            "name": f"批量单位{i}",
            "sector": "industry",
            "district": 1 + i % 3,
            "basin": 1,
        }
        for i in range(BATCH_ROWS)
    ]
    from web3 import Web3

    for row in rows:
        row["holder"] = Web3.to_checksum_address(row["holder"])
    path = tmp_path / "units.csv"
    write_csv(path, rows)
    before = registry.accountCount()
    started = time.monotonic()
    out = run("ops", "batch", "register-account", str(path), "--wallet", "regulator", "--yes")
    elapsed = time.monotonic() - started
    assert f"{BATCH_ROWS} ok, 0 failed" in out.output
    assert registry.accountCount() == before + BATCH_ROWS
    results = list(csv.DictReader((tmp_path / "units.results.csv").open()))
    assert len(results) == BATCH_ROWS and {r["status"] for r in results} == {"ok"}
    print(f"{BATCH_ROWS} register-account rows in {elapsed:.1f} s")
    again = run("ops", "batch", "register-account", str(path), "--wallet", "regulator", "--yes")
    assert "0 to run" in again.output


def test_lost_results_never_allocate_twice_R05(run, city, ledger, tmp_path):
    """R-05: rows whose answers were lost are re-sent from the journal, never re-signed: the
    free allocation happens once."""
    rows = [
        {"holder": city.chem.address, "pollutant": "COD", "kg": 1_000 * (i + 1)} for i in range(3)
    ]
    path = tmp_path / "alloc.csv"
    write_csv(path, rows)
    run("ops", "batch", "allocate-free", str(path), "--wallet", "regulator", "--yes")
    assert plain(ledger.balanceOf(city.chem, COD))[1] == 6_000
    (tmp_path / "alloc.results.csv").unlink()  # the answers are lost
    out = run("ops", "batch", "allocate-free", str(path), "--wallet", "regulator", "--yes")
    assert "3 ok, 0 failed" in out.output
    assert plain(ledger.balanceOf(city.chem, COD))[1] == 6_000


def test_batch_reports_refused_rows_and_goes_on(run, city, ledger, tmp_path):
    """A row the rules refuse is reported with its code; the others run."""
    rows = [
        {"holder": city.chem.address, "pollutant": "COD", "kg": 10},
        {"holder": "0x000000000000000000000000000000000000dEaD", "pollutant": "COD", "kg": 10},
        {"holder": city.chem.address, "pollutant": "NOPE", "kg": 10},
    ]
    path = tmp_path / "mixed.csv"
    write_csv(path, rows)
    out = run(
        "ops", "batch", "allocate-free", str(path), "--wallet", "regulator", "--yes", expect=1
    )
    assert "1 ok, 2 failed" in out.output
    results = list(csv.DictReader((tmp_path / "mixed.results.csv").open()))
    assert [r["error_code"] for r in results] == ["", "LedgerNotRegistered", "PollutantUnknown"]
    assert plain(ledger.balanceOf(city.chem, COD))[1] == 10
