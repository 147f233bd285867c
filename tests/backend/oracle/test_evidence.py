"""The evidence hash on chain matches a stored, retrievable file (R-23)."""

from __future__ import annotations

import hashlib
import json

import pytest

from backend.oracle.evidence import EvidenceNotFoundError, EvidenceStore
from backend.oracle.records import SourceFile
from backend.oracle.service import ingest
from tests.backend.oracle.conftest import PERIOD, ingest_dir, make_context


def test_evidence_hash_on_chain_matches_stored_document_R23(
    ctx, monitoring_dir, make_poster, oracle_contract, parties
):
    """R-23: the attested hash is the SHA-256 of the stored evidence document, which states
    the figure and lists the monitoring files, each retrievable under its own SHA-256."""
    report = ingest_dir(monitoring_dir, ctx)
    make_poster("verifier_a").post(period=PERIOD)
    originals = {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in monitoring_dir.iterdir()}
    for figure in report.figures:
        attested = oracle_contract.attestation_of(
            figure.unit, figure.pollutant_id, PERIOD, parties["verifier_a"].address
        )
        document_bytes = ctx.evidence.get(attested.evidence)
        assert hashlib.sha256(document_bytes).hexdigest() == attested.evidence
        document = json.loads(document_bytes)
        assert (document["unit"], document["pollutant"]["id"], document["period"]["id"]) == (
            figure.unit, figure.pollutant_id, PERIOD,
        )  # fmt: skip
        assert document["kg"] == attested.kg
        for digest in document["sources"]:
            assert ctx.evidence.get(digest) == originals[digest].read_bytes()


def test_anyone_recomputes_the_figure_from_the_evidence_R23(ctx, monitoring_dir, oracle_settings,
                                                            tmp_path):  # fmt: skip
    """R-23: the monitoring files named by the evidence reproduce the same figure and hash."""
    report = ingest_dir(monitoring_dir, ctx)
    figure = report.figures[0]
    document = json.loads(ctx.evidence.get(figure.evidence))
    sources = [SourceFile(f"{d}.csv", ctx.evidence.get(d)) for d in document["sources"]]
    checker = make_context(oracle_settings.model_copy(update={
        "oracle_database_url": f"sqlite:///{tmp_path / 'checker.db'}",
        "oracle_evidence_dir": tmp_path / "checker"}))  # fmt: skip
    again = ingest(sources, period=PERIOD, ctx=checker)
    same = next(f for f in again.figures if f.pollutant_id == figure.pollutant_id
                and f.unit == figure.unit)  # fmt: skip
    assert (same.kg, same.evidence) == (figure.kg, figure.evidence)


def test_tampered_stored_file_is_not_served_R23(tmp_path):
    """R-23: a stored file that no longer matches its hash is reported missing, never served."""
    store = EvidenceStore(tmp_path / "evidence")
    digest = store.put(b'{"kg": 100}')
    assert store.get(digest) == b'{"kg": 100}'
    assert store.get("0x" + digest.upper()) == b'{"kg": 100}'
    store.path(digest).write_bytes(b'{"kg": 90}')
    with pytest.raises(EvidenceNotFoundError):
        store.get(digest)
    with pytest.raises(EvidenceNotFoundError):
        store.get("../../etc/passwd")
    assert store.put(b"same") == store.put(b"same")  # content-addressed: stored once


def test_rejected_unit_leaves_no_figure_and_no_evidence_R23(ctx, monitoring_dir):
    """R-23: bad input changes nothing: no figure stored, no file kept, for a rejected unit."""
    (monitoring_dir / "power.csv").write_text(
        (monitoring_dir / "power.csv").read_text().replace(",25.00,", ",-25.00,", 1)
    )
    (monitoring_dir / "chem.csv").unlink()
    report = ingest_dir(monitoring_dir, ctx)
    assert report.figures == [] and report.run_id is None
    assert ctx.store.figures() == []
    assert not ctx.evidence.root.exists() or list(ctx.evidence.root.rglob("*")) == []
