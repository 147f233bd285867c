"""The explorer's read model: projections of the event index into tables per business concept.

``read_model()`` is the projection the service's indexer feeds (see docs/explorer.md). It runs
in the transaction that stores each event: the business handler of the event's name (if any),
then the history of every party the event names. Each write is logged, so the indexer's rewind
after a reorg restores the tables exactly (:func:`writes.undo`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import Connection

from backend.indexer.hooks import Projection
from backend.indexer.projections import accounts, books, council, market, rights, roles
from backend.indexer.projections.tables import metadata
from backend.indexer.projections.writes import Change, undo
from backend.indexer.store import IndexedEvent

Handler = Callable[[Change], None]

HANDLERS: Mapping[str, Handler] = {
    **accounts.HANDLERS,
    **rights.HANDLERS,
    **books.HANDLERS,
    **market.HANDLERS,
    **council.HANDLERS,
    **roles.HANDLERS,
}


def apply(conn: Connection, event: IndexedEvent) -> None:
    with Change(conn, event) as change:
        handler = HANDLERS.get(event.event)
        if handler is not None:
            handler(change)
        books.unit_history(change)


def read_model() -> Projection:
    """The projection of every event (``"*"``), undone by its write log."""
    return Projection(name="read_model", apply={"*": apply}, undo={"*": undo}, metadata=metadata)


__all__ = ["HANDLERS", "metadata", "read_model"]
