"""The oracle's use cases, shared by the CLI and the HTTP routes: ingest, post, status."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3

from backend.oracle import pollutants
from backend.oracle.aggregate import Aggregation, UnitRejection, aggregate, when
from backend.oracle.calendar import PeriodCalendar
from backend.oracle.contract import OracleContract
from backend.oracle.directory import UnitDirectory
from backend.oracle.evidence import EvidenceStore, canonical_json, evidence_document
from backend.oracle.records import Record, RecordError, SourceFile, parse
from backend.oracle.store import LOCAL, OracleStore, UploadReplayed

Progress = Callable[[str, int, int], None]
MONITORING_SUFFIXES = (".csv", ".json")


class OracleInputError(ValueError):
    """The request itself cannot be served (unknown period, no files, unknown unit)."""


@dataclass
class OracleContext:
    """What the oracle works with; built once from settings (``backend.oracle.wiring``)."""

    store: OracleStore
    evidence: EvidenceStore
    directory: UnitDirectory
    calendar: PeriodCalendar


@dataclass(frozen=True)
class FigureSummary:
    credit_code: str
    unit: str
    pollutant: str
    pollutant_id: int
    period: int
    kg: int
    evidence: str


@dataclass
class IngestReport:
    period: int
    files: int
    records: int
    run_id: int | None = None
    figures: list[FigureSummary] = field(default_factory=list)
    rejected: list[UnitRejection] = field(default_factory=list)
    file_errors: list[RecordError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.file_errors

    def as_dict(self, max_errors: int | None = None) -> dict[str, Any]:
        def errors(items: list[RecordError]) -> dict[str, Any]:
            shown = items if max_errors is None else items[:max_errors]
            return {"count": len(items), "errors": [str(e) for e in shown]}

        return {
            "period": self.period,
            "files": self.files,
            "records": self.records,
            "run_id": self.run_id,
            "seconds": round(self.seconds, 3),
            "figures": [asdict(f) for f in self.figures],
            "rejected_units": [
                {"credit_code": r.credit_code, **errors(r.errors)} for r in self.rejected
            ],
            "file_errors": [str(e) for e in self.file_errors],
        }


def collect(path: Path) -> list[Path]:
    """The monitoring files at ``path``: the file itself, or every .csv/.json below a folder."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise OracleInputError(f"{path} does not exist")
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and p.suffix.lower() in MONITORING_SUFFIXES and not p.name.startswith(".")
    )
    if not files:
        raise OracleInputError(f"{path} holds no .csv or .json monitoring files")
    return files


def read_sources(paths: Sequence[Path], root: Path | None = None) -> list[SourceFile]:
    """Files as sources named by their path relative to ``root`` (the ingested folder)."""
    sources = []
    for path in paths:
        name = path.relative_to(root).as_posix() if root and root.is_dir() else path.name
        sources.append(SourceFile(name=name, content=path.read_bytes()))
    return sources


def ingest(
    sources: Sequence[SourceFile],
    *,
    period: int,
    ctx: OracleContext,
    progress: Progress | None = None,
    uploaded_by: str = LOCAL,
    upload: tuple[str, str] | None = None,
) -> IngestReport:
    """Validate and total the monitoring data of ``period``; store evidence and figures.

    Units with any bad record are rejected whole (nothing stored or posted for them); the
    others' figures are stored for posting, as ``uploaded_by``'s (a verifier's address; LOCAL
    for the command line without a key). ``upload`` is a signed upload's (digest, signature),
    kept with the run; a digest already used raises ``UploadReplayed`` (nothing stored).
    Nothing is written if no unit is accepted.
    """
    started = time.perf_counter()
    if upload is not None and ctx.store.run_with_digest(upload[0]) is not None:
        raise UploadReplayed(upload[0])
    span = ctx.calendar.span(period)
    if span is None:
        raise OracleInputError(f"period {period} is not defined")
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise OracleInputError(f"two files with the same name: {', '.join(duplicates)}")

    records: list[Record] = []
    errors: list[RecordError] = []
    for done, source in enumerate(sources, start=1):
        parsed, problems = parse(source)
        records.extend(parsed)
        errors.extend(problems)
        if progress:
            progress("read", done, len(sources))
    result: Aggregation = aggregate(records, errors, period=span, directory=ctx.directory)
    report = IngestReport(
        period=period,
        files=len(sources),
        records=len(records) + sum(1 for e in errors if e.location != "file"),
        rejected=result.rejected,
        file_errors=result.file_errors,
    )
    if result.figures:
        by_name = {s.name: s for s in sources}
        used = sorted({name for f in result.figures for name in f.sources})
        hashes = {name: ctx.evidence.put(by_name[name].content) for name in used}
        stored = []
        for figure in result.figures:
            document = canonical_json(evidence_document(figure, hashes))
            evidence = ctx.evidence.put(document)
            unit = figure.unit
            stored.append(
                (unit.address, figure.pollutant.id, unit.credit_code, figure.kg, evidence)
            )
            report.figures.append(
                FigureSummary(
                    credit_code=figure.unit.credit_code,
                    unit=figure.unit.address,
                    pollutant=figure.pollutant.code,
                    pollutant_id=figure.pollutant.id,
                    period=period,
                    kg=figure.kg,
                    evidence=evidence,
                )
            )
        ctx.store.add_sources([(hashes[n], n, len(by_name[n].content)) for n in used])
        report.seconds = time.perf_counter() - started
        report.run_id = ctx.store.record_run(
            period=period,
            files=len(sources),
            records=report.records,
            figures=stored,
            rejected_units=len(result.rejected),
            report=report.as_dict(max_errors=100),
            verifier=uploaded_by,
            digest=upload[0] if upload else None,
            signature=upload[1] if upload else None,
        )
    report.seconds = time.perf_counter() - started
    return report


def resolve_unit(unit: str, directory: UnitDirectory) -> tuple[str, str | None]:
    """A unit given as account address or credit code → (address, credit code if known)."""
    if Web3.is_address(unit):
        return Web3.to_checksum_address(unit), directory.credit_code_of_address(unit)
    entry = directory.resolve(unit)
    if entry is None:
        raise OracleInputError(f"unknown unit {unit!r}: neither an address nor a known credit code")
    return entry.address, entry.credit_code


def unit_status(
    unit: str, period: int, *, ctx: OracleContext, oracle: OracleContract | None
) -> dict[str, Any]:
    """Everything known about a unit's figures for a period: on chain and in the oracle."""
    address, credit_code = resolve_unit(unit, ctx.directory)
    local: dict[int, list[dict[str, Any]]] = {}
    for row in ctx.store.figures(period=period, unit=address):
        run = ctx.store.run(row.run_id)
        local.setdefault(row.pollutant, []).append(
            {
                "kg": row.kg,
                "evidence": row.evidence,
                "run": row.run_id,
                # who uploaded it: a verifier's address (signed upload or its command line),
                # or null for the command line on the oracle's machine without a key
                "uploaded_by": row.verifier or None,
                "uploaded_at": row.computed_at,
                "signed_upload": run.digest if run is not None else None,
            }
        )
    postings: dict[int, list[dict[str, Any]]] = {}
    for posting in ctx.store.postings(unit=address, period=period):
        postings.setdefault(posting.pollutant, []).append(
            {
                "verifier": posting.verifier,
                "kg": posting.kg,
                "evidence": posting.evidence,
                "state": posting.state,
                "tx_hash": posting.tx_hash,
                "block": posting.block,
                "message": posting.message,
            }
        )
    result: dict[str, Any] = {
        "unit": address,
        "credit_code": credit_code,
        "period": period,
        "pollutants": [],
    }
    # every pollutant's figure, attestations and correction in one round trip to the node
    on_chain = (
        oracle.unit_figures(address, period, [p.id for p in pollutants.POLLUTANTS])
        if oracle is not None
        else {}
    )
    for pollutant in pollutants.POLLUTANTS:
        entry: dict[str, Any] = {"id": pollutant.id, "code": pollutant.code}
        if pollutant.id in local:
            entry["computed"] = local[pollutant.id]
        if pollutant.id in postings:
            entry["postings"] = postings[pollutant.id]
        if pollutant.id in on_chain:
            figure, attestations, correction = on_chain[pollutant.id]
            entry["chain"] = {
                **asdict(figure),
                "final_at_time": when(figure.final_at) if figure.final_at else None,
                "attestations": [asdict(a) for a in attestations],
            }
            if correction is not None:
                entry["chain"]["correction"] = asdict(correction)
        if len(entry) > 2:
            result["pollutants"].append(entry)
    return result
