"""The oracle's own state (SQL): ingested files, computed figures and their postings.

A posting is written before its transaction is broadcast (state ``signed``, with the signed
attestation and the raw transaction and its hash), so after a crash the oracle knows exactly
what it may have sent and asks the chain before doing anything again (see ``poster.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

# posting states
PENDING = "pending"  # computed, not (successfully) sent yet
SIGNED = "signed"  # attestation signed and transaction built: it may have been broadcast
CONFIRMED = "confirmed"  # the chain holds this verifier's attestation of exactly this figure
CONFLICT = "conflict"  # the chain holds a different attestation by this verifier
REFUSED = "refused"  # the contract refuses it (figure final, attestation locked, …)
STATES = (PENDING, SIGNED, CONFIRMED, CONFLICT, REFUSED)


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


class FigureRow(Base):
    """The latest computed usage of a unit, pollutant and period, with its evidence hash."""

    __tablename__ = "oracle_figures"
    unit: Mapped[str] = mapped_column(String(42), primary_key=True)
    pollutant: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
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
        Base.metadata.create_all(self.engine)

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
    ) -> int:
        """Save a run and its figures (unit, pollutant, credit code, kg, evidence) in one commit."""
        now = int(time.time())
        with self.session() as s:
            run = RunRow(
                period=period,
                started_at=now,
                files=files,
                records=records,
                figures=len(figures),
                rejected_units=rejected_units,
                report=json.dumps(report, ensure_ascii=False),
            )
            s.add(run)
            s.flush()
            for unit, pollutant, credit_code, kg, evidence in figures:
                row = s.get(FigureRow, (unit, pollutant, period))
                if row is None:
                    row = FigureRow(unit=unit, pollutant=pollutant, period=period)
                    s.add(row)
                row.credit_code, row.kg, row.evidence = credit_code, kg, evidence
                row.run_id, row.computed_at = run.id, now
            return run.id

    # figures and postings ----------------------------------------------------------------

    def figures(self, *, period: int | None = None, unit: str | None = None) -> list[FigureRow]:
        with self.session() as s:
            query = select(FigureRow).order_by(
                FigureRow.period, FigureRow.credit_code, FigureRow.pollutant
            )
            if period is not None:
                query = query.where(FigureRow.period == period)
            if unit is not None:
                query = query.where(FigureRow.unit == unit)
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
