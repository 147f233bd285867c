"""The SQL side of the index: tables, engine, idempotent writes (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

metadata = MetaData()

_Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only
_Json = JSON().with_variant(postgresql.JSONB(), "postgresql")

events = Table(
    "events",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("chain_id", BigInteger, nullable=False),
    Column("contract", String(64), nullable=False),
    Column("address", String(42), nullable=False),
    Column("event", String(128), nullable=False),
    Column("block_number", BigInteger, nullable=False, index=True),
    Column("block_hash", String(66), nullable=False),
    Column("block_timestamp", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("tx_index", Integer, nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("args", _Json, nullable=False),
    UniqueConstraint("tx_hash", "log_index", name="uq_events_tx_log"),
)

cursors = Table(
    "indexer_cursor",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", String(66)),
    Column("addresses", _Json, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Cursor:
    """The last block fully indexed (``block_hash`` is ``None`` before the first block)."""

    block_number: int
    block_hash: str | None
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class IndexedEvent:
    """A row of ``events`` as projections see it."""

    chain_id: int
    contract: str
    address: str
    event: str
    block_number: int
    block_hash: str
    block_timestamp: int
    tx_hash: str
    tx_index: int
    log_index: int
    args: dict[str, Any]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> IndexedEvent:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


def database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def open_database(url: str, *, durable: bool = False) -> Engine:
    """An engine for ``url`` (SQLite file, created with its folder, or PostgreSQL).

    ``durable``: on SQLite every commit reaches the disk before it returns (``synchronous=FULL``):
    the service's journal of sent transactions, which must survive a power cut. Its sync of the
    write-ahead log also carries every earlier commit to the same file, so the relayer's rows
    (``NORMAL``) are on disk before any transaction they lead to reaches the node
    (backend/main.py). The index is rebuilt from the chain, so its commits may trail by the last
    moments (``NORMAL``, crash-safe)."""
    url = database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # a file has no server to lose the connection: no ping before each use
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: object) -> None:  # noqa: ANN401
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def create_schema(engine: Engine, *extra: MetaData) -> None:
    """Create the index tables (and any ``extra`` metadata, e.g. projections, the relayer's)."""
    for md in (metadata, *extra):
        md.create_all(engine)


def _insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"database {dialect!r} is not supported (SQLite or PostgreSQL)")


def insert_events(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> set[tuple[str, int]]:
    """Insert events, skipping those already stored; returns the ``(tx_hash, log_index)`` added."""
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        return _insert_events_postgresql(conn, rows)
    stmt = (
        _insert(conn, events)
        .on_conflict_do_nothing(index_elements=["tx_hash", "log_index"])
        .returning(events.c.tx_hash, events.c.log_index)
    )
    result = conn.execute(stmt, list(rows))
    return {(r.tx_hash, r.log_index) for r in result}


_EVENT_COLUMNS = [c.name for c in events.c if c.name != "id"]
# every row as one JSON parameter, unpacked by PostgreSQL itself: a multi-row VALUES statement
# has thousands of parameters, which psycopg parses anew for each statement (a third of a
# catch-up's time), and an executemany costs a round of the protocol per row
_INSERT_FROM_JSON = text(
    "INSERT INTO events (chain_id, contract, address, event, block_number, block_hash, "
    "block_timestamp, tx_hash, tx_index, log_index, args) "
    "SELECT chain_id, contract, address, event, block_number, block_hash, block_timestamp, "
    "tx_hash, tx_index, log_index, args FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r("
    "chain_id bigint, contract text, address text, event text, block_number bigint, "
    "block_hash text, block_timestamp bigint, tx_hash text, tx_index integer, "
    "log_index integer, args jsonb) "
    "ON CONFLICT (tx_hash, log_index) DO NOTHING RETURNING tx_hash, log_index"
)


def _insert_events_postgresql(
    conn: Connection, rows: Sequence[Mapping[str, Any]]
) -> set[tuple[str, int]]:
    payload = json.dumps([{k: r[k] for k in _EVENT_COLUMNS} for r in rows], separators=(",", ":"))
    result = conn.execute(_INSERT_FROM_JSON, {"rows": payload})
    return {(r.tx_hash, r.log_index) for r in result}


def load_cursor(conn: Connection, chain_id: int) -> Cursor | None:
    row = conn.execute(select(cursors).where(cursors.c.chain_id == chain_id)).mappings().first()
    if row is None:
        return None
    return Cursor(row["block_number"], row["block_hash"], tuple(row["addresses"]))


def save_cursor(
    conn: Connection,
    chain_id: int,
    cursor: Cursor,
    *,
    expected: Cursor | None,
) -> bool:
    """Move the cursor if it still is ``expected`` (False: another indexer moved it)."""
    values = {
        "block_number": cursor.block_number,
        "block_hash": cursor.block_hash,
        "addresses": list(cursor.addresses),
        "updated_at": datetime.now(UTC),
    }
    if expected is None:
        stmt = _insert(conn, cursors).on_conflict_do_nothing(index_elements=["chain_id"])
        return conn.execute(stmt, {"chain_id": chain_id, **values}).rowcount == 1
    result = conn.execute(
        update(cursors)
        .where(
            cursors.c.chain_id == chain_id,
            cursors.c.block_number == expected.block_number,
            cursors.c.block_hash.is_(None)
            if expected.block_hash is None
            else cursors.c.block_hash == expected.block_hash,
        )
        .values(**values)
    )
    return result.rowcount == 1


def events_above(conn: Connection, chain_id: int, block_number: int) -> list[IndexedEvent]:
    """Events after ``block_number``, newest first (the order a rewind undoes them in)."""
    rows = conn.execute(
        select(events)
        .where(events.c.chain_id == chain_id, events.c.block_number > block_number)
        .order_by(events.c.block_number.desc(), events.c.log_index.desc())
    ).mappings()
    return [IndexedEvent.from_row(r) for r in rows]


def delete_events_above(conn: Connection, chain_id: int, block_number: int) -> int:
    result = conn.execute(
        delete(events).where(events.c.chain_id == chain_id, events.c.block_number > block_number)
    )
    return result.rowcount


def event_blocks(
    conn: Connection, chain_id: int, at_most: int, limit: int
) -> Iterable[tuple[int, str]]:
    """Distinct ``(block_number, block_hash)`` of stored events at or below ``at_most``."""
    rows = conn.execute(
        select(events.c.block_number, events.c.block_hash)
        .where(events.c.chain_id == chain_id, events.c.block_number <= at_most)
        .group_by(events.c.block_number, events.c.block_hash)
        .order_by(events.c.block_number.desc())
        .limit(limit)
    )
    return [(r.block_number, r.block_hash) for r in rows]


def count_events(conn: Connection, chain_id: int) -> int:
    return conn.execute(
        select(func.count()).select_from(events).where(events.c.chain_id == chain_id)
    ).scalar_one()


def all_events(conn: Connection, chain_id: int) -> list[IndexedEvent]:
    """Every stored event in chain order."""
    rows = conn.execute(
        select(events)
        .where(events.c.chain_id == chain_id)
        .order_by(events.c.block_number, events.c.log_index)
    ).mappings()
    return [IndexedEvent.from_row(r) for r in rows]
