"""How projections write: every change of one event is logged, so a rewind undoes it exactly.

A handler opens a :class:`Change` for its event (``with Change(conn, event) as change``) and
writes through it. Each write keeps the row's previous values (or that it did not exist),
stored in ``rm_undo`` under the event's position when the block ends; :func:`undo` restores
them newest first. So every projection's undo is the same function, and a counter, a status or
an appended row are all undone the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, insert, select, update

from backend.chain.errors import checksum
from backend.indexer.projections.tables import metadata, undo_log
from backend.indexer.store import IndexedEvent

POS_SHIFT = 20  # log indexes of one block stay below 2**20


def pos_of(event: IndexedEvent) -> int:
    """One integer in chain order: ``block_number * 2**20 + log_index``."""
    return (event.block_number << POS_SHIFT) | event.log_index


def split_pos(pos: int) -> tuple[int, int]:
    """``(block_number, log_index)`` of a position."""
    return pos >> POS_SHIFT, pos & ((1 << POS_SHIFT) - 1)


def address(value: str) -> str:
    """EIP-55 form (cached: the same accounts recur in every event)."""
    return checksum(value)


class Change:
    """The writes of one event."""

    def __init__(self, conn: Connection, event: IndexedEvent) -> None:
        self.conn = conn
        self.event = event
        self.args = event.args
        self.pos = pos_of(event)
        self._seq = 0
        self._undo: list[dict[str, Any]] = []  # stored when the ``with`` block ends

    @property
    def origin(self) -> dict[str, Any]:
        """The event-origin columns every row carries (R-37)."""
        e = self.event
        return {
            "pos": self.pos,
            "block_number": e.block_number,
            "block_timestamp": e.block_timestamp,
            "tx_hash": e.tx_hash,
        }

    def get(self, table: Table, **key: Any) -> dict[str, Any] | None:  # noqa: ANN401
        # a key is a table's primary key, never NULL: its values can be parameters
        row = self.conn.execute(_select(table, tuple(key)), _keyed(key)).mappings().first()
        return dict(row) if row is not None else None

    def put(self, table: Table, key: Mapping[str, Any], **values: Any) -> dict[str, Any]:  # noqa: ANN401
        """Insert or update the row at ``key``; it records this event as its last change."""
        return self._put(table, key, self.get(table, **key), values)

    def add(self, table: Table, key: Mapping[str, Any], **deltas: int) -> dict[str, Any]:
        """Add ``deltas`` to counters of the row at ``key`` (created with zeros)."""
        before = self.get(table, **key)
        base = before or _defaults(table)
        values = {k: (base.get(k) or 0) + v for k, v in deltas.items()}
        return self._put(table, key, before, values)

    def _put(
        self,
        table: Table,
        key: Mapping[str, Any],
        before: Mapping[str, Any] | None,
        values: Mapping[str, Any],
    ) -> dict[str, Any]:
        self._log(table, key, before)
        values = {**values, **self.origin}
        if before is None:
            row = {**_defaults(table), **key, **values}
            self.conn.execute(_insert(table), row)
            return row
        params = {**_keyed(key), **{f"v_{k}": v for k, v in values.items()}}
        self.conn.execute(_update(table, tuple(key), tuple(values)), params)
        return {**before, **values}

    def append(self, table: Table, **values: Any) -> None:  # noqa: ANN401
        """Append a row keyed by this event's position."""
        row = {**values, **{k: v for k, v in self.origin.items() if k in table.c}}
        key = {c.name: row[c.name] for c in table.primary_key.columns}
        self._log(table, key, None)
        self.conn.execute(_insert(table), row)

    def _log(self, table: Table, key: Mapping[str, Any], before: Mapping[str, Any] | None) -> None:
        self._undo.append(
            {
                "pos": self.pos,
                "seq": self._seq,
                "table_name": table.name,
                "key": dict(key),
                "before": dict(before) if before is not None else None,
            }
        )
        self._seq += 1

    def __enter__(self) -> Change:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Store the event's write log, every entry in one statement, in the transaction of
        its writes (an error rolls both back)."""
        if kind is None and self._undo:
            self.conn.execute(_insert(undo_log), self._undo)
        self._undo = []


def undo(conn: Connection, event: IndexedEvent) -> None:
    """Restore every row ``event`` changed, newest change first, and forget its log."""
    pos = pos_of(event)
    entries = conn.execute(
        select(undo_log).where(undo_log.c.pos == pos).order_by(undo_log.c.seq.desc())
    ).mappings()
    for entry in list(entries):
        table = metadata.tables[entry["table_name"]]
        where = _match(table, entry["key"])
        if entry["before"] is None:
            conn.execute(delete(table).where(where))
        else:
            conn.execute(update(table).where(where).values(**entry["before"]))
    conn.execute(delete(undo_log).where(undo_log.c.pos == pos))


@cache
def _insert(table: Table) -> Any:  # noqa: ANN401 - a SQL statement
    """One insert statement per table, its values given as parameters: SQLAlchemy compiles it
    once (per set of columns) instead of building and keying a new statement for each row."""
    return insert(table)


@cache
def _select(table: Table, names: tuple[str, ...]) -> Any:  # noqa: ANN401 - a SQL statement
    """The row of ``table`` at a key of these columns, the key's values as parameters (one
    statement per table and key, compiled once, as :func:`_insert`)."""
    return select(table).where(_bound(table, names))


@cache
def _update(table: Table, names: tuple[str, ...], columns: tuple[str, ...]) -> Any:  # noqa: ANN401
    """``UPDATE table SET columns WHERE key``, every value a parameter."""
    values = {c: bindparam(f"v_{c}", type_=table.c[c].type) for c in columns}
    return update(table).where(_bound(table, names)).values(values)


def _bound(table: Table, names: tuple[str, ...]) -> Any:  # noqa: ANN401 - a SQL expression
    return and_(*(table.c[k] == bindparam(f"k_{k}") for k in names))


def _keyed(key: Mapping[str, Any]) -> dict[str, Any]:
    return {f"k_{k}": v for k, v in key.items()}


def _match(table: Table, key: Mapping[str, Any]) -> Any:  # noqa: ANN401 - a SQL expression
    return and_(*(table.c[k] == v for k, v in key.items()))


def _defaults(table: Table) -> dict[str, Any]:
    """Zeros and falses of a table's columns that have a default."""
    return {
        c.name: c.default.arg
        for c in table.columns
        if c.default is not None and not callable(c.default.arg)
    }
