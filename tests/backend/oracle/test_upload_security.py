"""Who may feed the oracle (issue 25, finding 1) and what an upload may say (findings 7, 9):
only a verifier's signed upload is taken, each verifier's figures stay its own, a signature
serves once, sizes and values are bounded, and a period need not start on the hour (R-23)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from backend import cli
from backend.chain.devkeys import FIRST_COMPANY_INDEX, authority_key, dev_key
from backend.cli import CliContext
from backend.main import create_app
from backend.oracle.calendar import FilePeriodCalendar, PeriodSpan
from backend.oracle.records import BEIJING
from backend.oracle.store import CONFIRMED
from tests.backend.oracle.conftest import (
    CHEM,
    EXPECTED_CHEM_KG,
    PERIOD,
    START,
    chem_rows,
    hourly_rows,
    ingest_dir,
    write_csv,
)
from tests.backend.oracle.test_api import signed_fields, upload

POWER = "91500000TEST0002BB"


@pytest.fixture
def client(oracle_settings):
    with TestClient(create_app(oracle_settings)) as test_client:
        yield test_client


def _status(client):
    return client.get(f"/api/v1/oracle/status/{CHEM}/{PERIOD}").json()


def _computed(client, code="COD"):
    entry = next((p for p in _status(client)["pollutants"] if p["code"] == code), {})
    return [(c["uploaded_by"], c["kg"]) for c in entry.get("computed", [])]


def test_anonymous_upload_refused_and_nothing_stored_R23(client, monitoring_dir):
    """Finding 1: an upload without a verifier's signature (as a page on another origin could
    post it) is refused by name before a file is read; nothing is stored."""
    files = [("files", (p.name, p.read_bytes(), "text/csv")) for p in monitoring_dir.iterdir()]
    response = client.post("/api/v1/oracle/ingest", data={"period": str(PERIOD)}, files=files)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "OracleUploadUnsigned"
    assert _status(client)["pollutants"] == []


def test_upload_signed_by_a_company_refused_403_R23(client, monitoring_dir):
    """Finding 1: a valid signature of an account without VERIFIER_ROLE is refused."""
    company = dev_key(FIRST_COMPANY_INDEX)
    response = upload(client, monitoring_dir, party=company)
    assert response.status_code == 403
    error = response.json()["error"]
    assert (error["code"], error["args"]) == ("OracleNotVerifier", {"account": company.address})
    assert _status(client)["pollutants"] == []


def test_upload_naming_another_verifier_or_altered_after_signing_refused_401_R23(
    client, monitoring_dir
):
    """Finding 1: a signature is over the verifier, the period and every file's SHA-256:
    naming another verifier, changing a file or the period after signing is refused."""
    verifier_b = authority_key("verifier_b").address
    named = upload(client, monitoring_dir, party="verifier_a", verifier=verifier_b)
    assert named.status_code == 401
    error = named.json()["error"]
    assert error["code"] == "OracleUploadSignatureInvalid"
    assert error["args"] == {"signer": error["args"]["signer"], "verifier": verifier_b}
    assert error["args"]["signer"] != verifier_b

    contents = [(p.name, p.read_bytes()) for p in sorted(monitoring_dir.iterdir())]
    fields = signed_fields(client, contents, party="verifier_a")
    altered = [(n, c.replace(b"50.00", b"5.00")) for n, c in contents]
    files = [("files", (n, c, "text/csv")) for n, c in altered]
    response = client.post("/api/v1/oracle/ingest", data=fields, files=files)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "OracleUploadSignatureInvalid"
    other_period = client.post(
        "/api/v1/oracle/ingest", data={**fields, "period": str(PERIOD + 1)},
        files=[("files", (n, c, "text/csv")) for n, c in contents],
    )  # fmt: skip
    assert other_period.status_code == 401
    assert _status(client)["pollutants"] == []


def test_signed_upload_serves_once_and_expires_R23(oracle_settings, monitoring_dir):
    """Finding 1: the same signed upload again is 409 (nothing stored twice); a passed deadline
    is 400, one more than a day ahead 422 (four uploads in a row: the per-client upload rate
    is switched off here)."""
    unlimited = oracle_settings.model_copy(update={"rate_limit_enabled": False})
    with TestClient(create_app(unlimited)) as client:
        _serves_once_and_expires(client, monitoring_dir)


def _serves_once_and_expires(client, monitoring_dir):
    contents = [(p.name, p.read_bytes()) for p in sorted(monitoring_dir.iterdir())]
    fields = signed_fields(client, contents, party="verifier_a")
    files = [("files", (n, c, "text/csv")) for n, c in contents]
    first = client.post("/api/v1/oracle/ingest", data=fields, files=files)
    assert first.status_code == 200, first.text
    again = client.post("/api/v1/oracle/ingest", data=fields, files=files)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "OracleUploadReplayed"
    runs = {c[0] for c in _computed(client)}
    assert runs == {authority_key("verifier_a").address}

    expired = upload(client, monitoring_dir, party="verifier_a", deadline=1_000_000_000)
    assert (expired.status_code, expired.json()["error"]["code"]) == (400, "OracleUploadExpired")
    far = upload(client, monitoring_dir, party="verifier_a", deadline=4_000_000_000)
    assert (far.status_code, far.json()["error"]["code"]) == (422, "DeadlineOutOfRange")


def test_one_verifiers_upload_never_replaces_anothers_figure_R23(
    client, monitoring_dir, tmp_path, make_poster, oracle_contract
):
    """Finding 1 as reported: verifier A's figure stayed 2 × 48 kg COD while B's upload of a
    tenth of it is stored as B's; `backend oracle post` with A's key posts A's own figure, and
    the status shows who uploaded each."""
    assert upload(client, monitoring_dir, party="verifier_a").status_code == 200
    lower = tmp_path / "lower"
    write_csv(lower / "chem.csv", chem_rows()).write_text(
        (lower / "chem.csv").read_text().replace(",50.00,", ",5.00,")
    )
    assert upload(client, lower, party="verifier_b").status_code == 200
    a, b = authority_key("verifier_a").address, authority_key("verifier_b").address
    assert sorted(_computed(client)) == sorted(
        [(a, EXPECTED_CHEM_KG[1]), (b, round(EXPECTED_CHEM_KG[1] / 10))]
    )
    report = make_poster("verifier_a").post(period=PERIOD)
    cod = next(o for o in report.outcomes if o.credit_code == CHEM and o.pollutant == 1)
    assert (cod.state, cod.kg) == (CONFIRMED, EXPECTED_CHEM_KG[1])
    unit = _status(client)["unit"]
    assert oracle_contract.attestation_of(unit, 1, PERIOD, a).kg == EXPECTED_CHEM_KG[1]


def test_upload_over_the_size_limit_is_413_R23(oracle_settings, monitoring_dir):
    """Finding 7: an upload over DRR_ORACLE_MAX_UPLOAD_BYTES is refused before it is read."""
    small = oracle_settings.model_copy(update={"oracle_max_upload_bytes": 4096})
    with TestClient(create_app(small)) as client:
        response = upload(client, monitoring_dir, party="verifier_a")
        assert response.status_code == 413
        error = response.json()["error"]
        assert (error["code"], error["args"]) == ("RequestTooLarge", {"max_bytes": 4096})
        assert _status(client)["pollutants"] == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"concentration": "1e999999"}, "concentration '1e999999' is out of range"),
        ({"flow": "1e30"}, "flow '1e30' is out of range"),
        ({"time": "0001-01-01T00:00:00"}, "time '0001-01-01T00:00:00' is outside 1990 – 2199"),
        ({"concentration": "900000000"}, "beyond the plausible 100,000 kg a day of one outlet"),
    ],
)
def test_absurd_value_rejects_its_unit_with_its_line_not_the_service_R23(
    client, tmp_path, change, problem
):
    """Findings 1 and 9: a value beyond any real source (1e999999, 1e30, a year-1 time, 900 g/L
    of COD in 40 m³ an hour) rejects its unit with its line; the other unit of the same upload
    is accepted, and the service answers 200, never 500."""
    rows = chem_rows()
    rows[5] = {**rows[5], **change}
    folder = tmp_path / "absurd"
    write_csv(folder / "chem.csv", rows)
    write_csv(
        folder / "power.csv",
        hourly_rows(POWER, "DA001", "SO2", conc="25.00", flow="400000", water=False)
        + hourly_rows(POWER, "DA001", "NOx", conc="40.00", flow="400000", water=False),
    )
    response = upload(client, folder, party="verifier_a")
    assert response.status_code == 200, response.text
    body = response.json()
    assert {f["credit_code"] for f in body["figures"]} == {POWER}
    (rejected,) = body["rejected_units"]
    assert rejected["credit_code"] == CHEM
    assert rejected["errors"][0].startswith("chem.csv line 7: ")
    assert problem in rejected["errors"][0]


def test_unit_value_in_tonnes_bounded_too_R23(client, tmp_path):
    """Finding 1: "1e15 t a day" was stored; a mass of 1e30 t is refused with its line."""
    rows = [
        {"credit_code": CHEM, "outlet": "GF001", "time": START.isoformat(), "interval": "day",
         "pollutant": "GISW", "flag": "N", "value": "1e30", "unit": "t"},
    ]  # fmt: skip
    write_csv(tmp_path / "waste" / "waste.csv", rows)
    response = upload(client, tmp_path / "waste", party="verifier_a")
    assert response.status_code == 422
    errors = response.json()["rejected_units"][0]["errors"]
    assert "waste.csv line 2: value '1e30' is out of range" in errors[0]


def test_deeply_nested_monitoring_json_is_a_file_error_R23(client, tmp_path):
    """Finding 9: JSON nested 100 000 deep in a monitoring file is reported as that file's
    problem (it was a 500)."""
    folder = tmp_path / "nested"
    folder.mkdir()
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    response = upload(client, folder, party="verifier_a")
    assert response.status_code == 422
    assert response.json()["file_errors"] == [
        "deep.json: the file nests 100000 levels; monitoring JSON needs at most 3"
    ]


def test_period_starting_off_the_hour_counts_its_part_hours_pro_rata_R23(ctx, monitoring_dir):
    """Finding 1 (the demo): a period starting at 16:17:06 took no upload (coverage always
    failed). Hour records that straddle a bound count pro rata by the second: the first hour
    of the test data counts 42 min 54 s, the period ends 17 min 6 s into the last hour."""
    start = START + timedelta(minutes=17, seconds=6)
    end = START + timedelta(hours=47, minutes=17, seconds=6)
    ctx.calendar = FilePeriodCalendar(
        {PERIOD: PeriodSpan(PERIOD, int(start.timestamp()), int(end.timestamp()))}
    )
    report = ingest_dir(monitoring_dir, ctx)
    assert report.ok, report.as_dict()
    figures = {(f.credit_code, f.pollutant_id): f.kg for f in report.figures}
    # COD: 2 kg an hour × 47 h exactly (42:54 of the first hour + 46 h + 17:06 of hour 48)
    assert figures[(CHEM, 1)] == 2 * 47
    assert figures[(POWER, 3)] == 10 * 47
    assert start.tzinfo == BEIJING


def test_cli_upload_signs_with_the_verifiers_key_R23(client, monitoring_dir, cli_settings):
    """Finding 1: `backend oracle upload` signs the upload with the verifier's key (a dev key
    on the local chain here, a keystore elsewhere) and the figures are stored as its own."""
    result = CliRunner().invoke(
        cli.main,
        ["oracle", "upload", str(monitoring_dir), "--period", str(PERIOD), "--dev-key",
         "verifier_a"],
        obj=CliContext(settings=cli_settings, http=client),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "ok        " + CHEM in result.output
    assert _computed(client) == [(authority_key("verifier_a").address, EXPECTED_CHEM_KG[1])]
    status = _status(client)
    assert json.dumps(status).count(authority_key("verifier_a").address) == 3  # COD, NH3-N, SO2


@pytest.fixture
def cli_settings(oracle_settings, tmp_path):
    return oracle_settings.model_copy(update={"wallet_dir": tmp_path / "wallets"})
