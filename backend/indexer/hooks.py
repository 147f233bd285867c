"""Projections: tables derived from events, kept in step with the ``events`` table.

A projection registers, per event name, a handler that runs in the same database transaction
as the insert of that event (so a projection never shows an event the index lacks, nor the
reverse), and an undo handler that runs in the same transaction as the event's deletion when
the indexer rewinds after a reorg (newest event first). Handlers run once per event: a
re-read of an already stored event does not call them again.

    balances = Projection(
        name="balances",
        apply={"DischargeRegistry.RightsAllocated": add_allocation},
        undo={"DischargeRegistry.RightsAllocated": remove_allocation},
        metadata=balances_metadata,
    )
    Indexer(..., hooks=Hooks([balances]))

Keys are ``"Contract.Event"``, just ``"Event"`` (that event of any contract), or ``"*"``
(every event).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, MetaData

from backend.indexer.store import IndexedEvent

EventHandler = Callable[[Connection, IndexedEvent], None]


@dataclass(frozen=True)
class Projection:
    name: str
    apply: Mapping[str, EventHandler]
    undo: Mapping[str, EventHandler]
    metadata: MetaData | None = field(default=None)

    def __post_init__(self) -> None:
        if set(self.apply) != set(self.undo):
            missing = sorted(set(self.apply) ^ set(self.undo))
            raise ValueError(f"projection {self.name}: apply and undo differ on {missing}")


class Hooks:
    """The projections the indexer feeds."""

    def __init__(self, projections: Iterable[Projection] = ()) -> None:
        self.projections = list(projections)

    def metadata(self) -> list[MetaData]:
        return [p.metadata for p in self.projections if p.metadata is not None]

    def _handlers(self, event: IndexedEvent, undo: bool) -> list[EventHandler]:
        keys = (f"{event.contract}.{event.event}", event.event, "*")
        found = []
        for projection in self.projections:
            table = projection.undo if undo else projection.apply
            found += [table[k] for k in keys if k in table]
        return found

    def applied(self, conn: Connection, event: IndexedEvent) -> None:
        for handler in self._handlers(event, undo=False):
            handler(conn, event)

    def undone(self, conn: Connection, event: IndexedEvent) -> None:
        for handler in reversed(self._handlers(event, undo=True)):
            handler(conn, event)
