"""The oracle's own state (SQL): ingested files, computed figures and their postings.

A posting is written before its transaction is broadcast (state ``signed``, with the signed
attestation and the raw transaction and its hash), so after a crash the oracle knows exactly
what it may have sent and asks the chain before doing anything again (see ``poster.py``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text, create_engine, event, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

log = logging.getLogger(__name__)

# who computed a figure: a verifier's address (a signed upload, or the CLI with the verifier's
# key), or LOCAL for ``backend oracle ingest --no-post`` on the oracle's own machine
LOCAL = ""

# posting states
PENDING = "pending"  # computed, not (successfully) sent yet
SIGNED = "signed"  # attestation signed and transaction built: it may have been broadcast
CONFIRMED = "confirmed"  # the chain holds this verifier's attestation of exactly this figure
CONFLICT = "conflict"  # the chain holds a different attestation by this verifier
REFUSED = "refused"  # the contract refuses it (figure final, attestation locked, …)
STATES = (PENDING, SIGNED, CONFIRMED, CONFLICT, REFUSED)


class UploadReplayed(Exception):  # noqa: N818 - the refusal's own name
    """A signed upload's digest was used before."""


class Base(DeclarativeBase):
    pass


class SourceRow(Base):
    """A monitoring file kept in the evidence store."""

    __tablename__ = "oracle_sources"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[int] = mapped_column(BigInteger)


class RunRow(Base):
    """One ingestion: what came in and what came out."""

    __tablename__ = "oracle_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[int] = mapped_column(BigInteger)
    files: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(BigInteger)
    figures: Mapped[int] = mapped_column(Integer)
    rejected_units: Mapped[int] = mapped_column(Integer)
    report: Mapped[str] = mapped_column(Text)
    # who uploaded (LOCAL: the command line on this machine) and, for a signed upload, the
    # EIP-712 digest it signed (unique: a signature serves one upload) and the signature
    verifier: Mapped[str] = mapped_column(String(42), default=LOCAL)
    digest: Mapped[str | None] = mapped_column(String(66), unique=True, default=None)
    signature: Mapped[str | None] = mapped_column(String(200), default=None)


class FigureRow(Base):
    """The latest computed usage of a unit, pollutant and period, with its evidence hash."""

    __tablename__ = "oracle_figures"
    unit: Mapped[str] = mapped_column(String(42), primary_key=True)
    pollutant: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    # one figure per uploader: one verifier's upload never replaces another's
    verifier: Mapped[str] = mapped_column(String(42), primary_key=True, default=LOCAL)
    credit_code: Mapped[str] = mapped_column(String(64))
    kg: Mapped[int] = mapped_column(BigInteger)
    evidence: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[int] = mapped_column(BigInteger)


class PostingRow(Base):
    """What one verifier posted (or is posting) for a figure."""

    __tablename__ = "oracle_postings"
    verifier: Mapped[str] = mapped_column(String(42), primary_key=True)
    unit: Mapped[str] = mapped_column(String(42), primary_key=True)
    pollutant: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    kg: Mapped[int] = mapped_column(BigInteger)
    evidence: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    nonce: Mapped[str | None] = mapped_column(String(80), default=None)  # uint256 as decimal
    deadline: Mapped[int | None] = mapped_column(BigInteger, default=None)
    signature: Mapped[str | None] = mapped_column(String(200), default=None)
    sender: Mapped[str | None] = mapped_column(String(42), default=None)
    sender_nonce: Mapped[int | None] = mapped_column(BigInteger, default=None)
    tx_hash: Mapped[str | None] = mapped_column(String(66), default=None)
    raw_tx: Mapped[str | None] = mapped_column(Text, default=None)
    block: Mapped[int | None] = mapped_column(BigInteger, default=None)
    message: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=0)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # a commit survives a crash of the process
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class OracleStore:
    """Access to the oracle's tables; every method commits what it changes."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            database = self.engine.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        self._forget_unattributed()
        Base.metadata.create_all(self.engine)

    def _forget_unattributed(self) -> None:
        """A store of an earlier version kept one figure per unit, pollutant and period without
        its uploader: such figures cannot be attributed to a verifier, so they are dropped (the
        monitoring files stay in the evidence store; ingest them again)."""
        tables = inspect(self.engine).get_table_names()
        if "oracle_figures" not in tables:
            return
        columns = {c["name"] for c in inspect(self.engine).get_columns("oracle_figures")}
        if "verifier" in columns:
            return
        log.warning("oracle store: dropping figures and runs recorded without their uploader")
        with self.engine.begin() as conn:
            for table in ("oracle_figures", "oracle_runs"):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    # sources and runs --------------------------------------------------------------------

    def add_sources(self, sources: list[tuple[str, str, int]]) -> None:
        """Record stored monitoring files: (sha256, name, size)."""
        now = int(time.time())
        with self.session() as s:
            for sha, name, size in sources:
                if s.get(SourceRow, sha) is None:
                    s.add(SourceRow(sha256=sha, name=name, size=size, stored_at=now))

    def source(self, sha256: str) -> SourceRow | None:
        with self.session() as s:
            return s.get(SourceRow, sha256)

    def record_run(
        self,
        *,
        period: int,
        files: int,
        records: int,
        figures: list[tuple[str, int, str, int, str]],
        rejected_units: int,
        report: dict[str, Any],
        verifier: str = LOCAL,
        digest: str | None = None,
        signature: str | None = None,
    ) -> int:
        """Save a run and its figures (unit, pollutant, credit code, kg, evidence) in one commit,
        as the uploader's (``verifier``). A signed upload's ``digest`` serves once: a second
        run with it raises :class:`UploadReplayed` and stores nothing."""
        now = int(time.time())
        try:
            with self.session() as s:
                run = RunRow(
                    period=period,
                    started_at=now,
                    files=files,
                    records=records,
                    figures=len(figures),
                    rejected_units=rejected_units,
                    report=json.dumps(report, ensure_ascii=False),
                    verifier=verifier,
                    digest=digest,
                    signature=signature,
                )
                s.add(run)
                s.flush()
                for unit, pollutant, credit_code, kg, evidence in figures:
                    row = s.get(FigureRow, (unit, pollutant, period, verifier))
                    if row is None:
                        row = FigureRow(
                            unit=unit, pollutant=pollutant, period=period, verifier=verifier
                        )
                        s.add(row)
                    row.credit_code, row.kg, row.evidence = credit_code, kg, evidence
                    row.run_id, row.computed_at = run.id, now
                return run.id
        except IntegrityError as exc:
            if digest is not None and self.run_with_digest(digest) is not None:
                raise UploadReplayed(digest) from None
            raise exc

    def run_with_digest(self, digest: str) -> RunRow | None:
        with self.session() as s:
            return s.scalars(select(RunRow).where(RunRow.digest == digest)).first()

    def run(self, run_id: int) -> RunRow | None:
        with self.session() as s:
            return s.get(RunRow, run_id)

    # figures and postings ----------------------------------------------------------------

    def figures(
        self,
        *,
        period: int | None = None,
        unit: str | None = None,
        verifiers: tuple[str, ...] | None = None,
    ) -> list[FigureRow]:
        """Stored figures; ``verifiers``: only those uploaded by these (LOCAL: the CLI)."""
        with self.session() as s:
            query = select(FigureRow).order_by(
                FigureRow.period, FigureRow.credit_code, FigureRow.pollutant, FigureRow.verifier
            )
            if period is not None:
                query = query.where(FigureRow.period == period)
            if unit is not None:
                query = query.where(FigureRow.unit == unit)
            if verifiers is not None:
                query = query.where(FigureRow.verifier.in_(verifiers))
            return list(s.scalars(query))

    def posting(self, verifier: str, unit: str, pollutant: int, period: int) -> PostingRow | None:
        with self.session() as s:
            return s.get(PostingRow, (verifier, unit, pollutant, period))

    def postings(self, *, unit: str | None = None, period: int | None = None) -> list[PostingRow]:
        with self.session() as s:
            query = select(PostingRow)
            if unit is not None:
                query = query.where(PostingRow.unit == unit)
            if period is not None:
                query = query.where(PostingRow.period == period)
            return list(s.scalars(query))

    def save_posting(self, row: PostingRow) -> PostingRow:
        """Insert or update a posting (committed before anything is broadcast)."""
        row.updated_at = int(time.time())
        with self.session() as s:
            return s.merge(row)
