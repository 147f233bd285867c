"""The oracle over HTTP: monitoring files posted by platforms, status and evidence read by
anyone (R-23)."""

from __future__ import annotations

import hashlib
import json
import time

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from pydantic import SecretStr

from backend.chain.devkeys import authority_key
from backend.main import create_app
from backend.oracle.upload import sign_upload
from tests.backend.oracle.conftest import CHEM, EXPECTED_CHEM_KG, PERIOD


def signed_fields(client, contents, *, period=PERIOD, party="verifier_b", deadline=None,
                  verifier=None):  # fmt: skip
    """The form fields of an upload signed with ``party``'s key (as `backend oracle upload`)."""
    deployment = client.get("/api/v1/deployment").json()
    oracle = next(c["address"] for c in deployment["contracts"]
                  if c["name"] == "VerificationOracle")  # fmt: skip
    key = authority_key(party) if isinstance(party, str) else party
    deadline = int(time.time()) + 600 if deadline is None else deadline
    signature = sign_upload(
        private_key=key.private_key, chain_id=deployment["chain_id"], oracle=oracle,
        verifier=key.address, period=period if 0 <= period < 2**32 else 0,
        files=[hashlib.sha256(c).hexdigest() for _, c in contents], deadline=deadline,
    )  # fmt: skip
    return {"period": str(period), "verifier": verifier or key.address, "deadline": str(deadline),
            "signature": signature}  # fmt: skip


def upload(client, folder, period=PERIOD, names=None, party="verifier_b", **signing):
    contents = [(name, (folder / name).read_bytes())
                for name in (names or sorted(p.name for p in folder.iterdir()))]  # fmt: skip
    fields = signed_fields(client, contents, period=period, party=party, **signing)
    files = [("files", (name, content, "text/csv")) for name, content in contents]
    return client.post("/api/v1/oracle/ingest", data=fields, files=files)


@pytest.fixture
def client(oracle_settings):
    with TestClient(create_app(oracle_settings)) as test_client:
        yield test_client


@pytest.fixture
def keyed_client(oracle_settings, tmp_path):
    """The service of verifier B, holding its keystore (password from its settings)."""
    keystore = tmp_path / "verifier_b.json"
    key = authority_key("verifier_b").private_key
    keystore.write_text(json.dumps(Account.encrypt(key, "pw", kdf="pbkdf2", iterations=1000)))
    settings = oracle_settings.model_copy(
        update={"oracle_keystore": keystore, "oracle_keystore_password": SecretStr("pw")}
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_ingest_without_key_stores_figures_for_posting_R23(client, monitoring_dir):
    """R-23: a platform posts files; the figures are computed and kept until the verifier posts."""
    response = upload(client, monitoring_dir)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["posted"] is None
    assert "this service holds no key of it" in body["note"]
    assert {(f["credit_code"], f["pollutant_id"]): f["kg"] for f in body["figures"]} == {
        **{(CHEM, p): kg for p, kg in EXPECTED_CHEM_KG.items()},
        ("91500000TEST0002BB", 3): 480,
        ("91500000TEST0002BB", 4): 768,
    }


def test_ingest_with_verifier_key_posts_R23(keyed_client, monitoring_dir, oracle_contract, parties):
    """R-23: a service holding a verifier's key posts the figures it accepted."""
    body = upload(keyed_client, monitoring_dir).json()
    assert [p["state"] for p in body["posted"]] == ["confirmed"] * 5
    assert body["note"] == "5 of 5 figure(s) on chain"
    cod = next(f for f in body["figures"] if f["pollutant"] == "COD")
    attested = oracle_contract.attestation_of(cod["unit"], 1, PERIOD, parties["verifier_b"].address)
    assert (attested.kg, attested.evidence) == (cod["kg"], cod["evidence"])


def test_ingest_with_bad_records_lists_them_422_R23(client, monitoring_dir):
    """R-23: when no unit is accepted the answer is 422 with every bad record, nothing stored."""
    for path in monitoring_dir.iterdir():
        path.write_text(path.read_text().replace(",N,", ",X,", 3))
    response = upload(client, monitoring_dir)
    assert response.status_code == 422
    body = response.json()
    assert body["figures"] == [] and body["run_id"] is None
    assert {r["credit_code"]: r["count"] for r in body["rejected_units"]} == {
        CHEM: 3,
        "91500000TEST0002BB": 3,
    }
    assert body["rejected_units"][0]["errors"][0] == (
        "chem.csv line 2: data flag 'X' is not one of B, C, D, F, M, N, S"
    )
    status = client.get(f"/api/v1/oracle/status/{CHEM}/{PERIOD}").json()
    assert status["pollutants"] == []


@pytest.mark.parametrize(
    ("period", "names", "detail"),
    [
        (99, None, "period 99 is not defined"),
        (PERIOD, ["chem.csv", "chem.csv"], "two files with the same name: chem.csv"),
    ],
)
def test_ingest_request_refused_422_R23(client, monitoring_dir, period, names, detail):
    """R-23: an undefined period or an ambiguous upload is refused as a whole."""
    response = upload(client, monitoring_dir, period=period, names=names)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "OracleInputRefused"
    assert error["message"] == f"The monitoring data were refused (R-23): {detail}"


def test_status_and_evidence_are_public_reads_R23(keyed_client, monitoring_dir, parties):
    """R-23: anyone reads a unit's figures and fetches the evidence behind an attested hash."""
    upload(keyed_client, monitoring_dir)
    status = keyed_client.get(f"/api/v1/oracle/status/{CHEM}/{PERIOD}")
    assert status.status_code == 200
    cod = next(p for p in status.json()["pollutants"] if p["code"] == "COD")
    attestation = cod["chain"]["attestations"][0]
    assert attestation["verifier"] == parties["verifier_b"].address
    evidence = keyed_client.get(f"/api/v1/oracle/evidence/0x{attestation['evidence']}")
    assert evidence.status_code == 200
    assert hashlib.sha256(evidence.content).hexdigest() == attestation["evidence"]
    source = evidence.json()["sources"][0]
    raw = keyed_client.get(f"/api/v1/oracle/evidence/{source}")
    assert raw.headers["content-type"].startswith("text/csv")
    assert raw.content == (monitoring_dir / "chem.csv").read_bytes()


def test_status_and_evidence_not_found_404_R23(client):
    """R-23: an unknown unit or hash is a 404."""
    assert client.get(f"/api/v1/oracle/status/NOSUCHCODE/{PERIOD}").status_code == 404
    assert client.get(f"/api/v1/oracle/evidence/{'ab' * 32}").status_code == 404
    assert client.get("/api/v1/oracle/evidence/not-a-hash").status_code == 404


def test_unconfigured_oracle_is_503_R23(settings, deployment, monitoring_dir, tmp_path):
    """R-23: without a periods file and without the compliance manager in the deployment record
    the oracle says what is missing."""
    partial = deployment.model_copy(
        update={
            "contracts": {k: v for k, v in deployment.contracts.items() if k != "ComplianceManager"}
        }
    )
    partial.save(tmp_path / "partial.json")
    bare = settings.model_copy(update={"deployment_file": tmp_path / "partial.json"})
    with TestClient(create_app(bare)) as unconfigured:
        response = upload(unconfigured, monitoring_dir)
    assert response.status_code == 503
    assert response.json()["error"]["message"] == (
        "The verification oracle is not configured: no periods file (DRR_ORACLE_PERIODS_FILE)"
        " and no ComplianceManager in the deployment record"
    )


@pytest.mark.parametrize("period", [-68_719_476_736, 0, 2**32])
def test_ingest_period_outside_uint32_is_422_and_stores_nothing_R23(client, monitoring_dir, period):
    """R-23: a period id that cannot exist on chain (found by API fuzzing: it was a 500) is a
    request error; nothing is stored."""
    response = upload(client, monitoring_dir, period=period)
    assert response.status_code == 422
    status = client.get(f"/api/v1/oracle/status/{CHEM}/{PERIOD}").json()
    assert status["pollutants"] == []


@pytest.mark.parametrize("period", [-1, 2**32, 76308073056])
def test_status_of_a_period_outside_uint32_is_422_R23(client, period):
    """R-23: a period id that cannot exist on chain (found by API fuzzing: it was a 500
    `MismatchedABI`) is a request error naming the period."""
    response = client.get(f"/api/v1/oracle/status/{CHEM}/{period}")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "RequestInvalid"
    assert any(p["field"].endswith("period") for p in error["problems"]), error
