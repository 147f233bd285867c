"""R-30 in the explorer's read model: a merger's one `PledgesSucceeded(from, to)` moves the merged
unit's open pledges (active, being enforced) to its successor, as `PledgeBook.pledgeOf` answers
them on chain; closed pledges keep the holder they had, other units' pledges are untouched, and a
reorg that drops the event restores every row."""

from __future__ import annotations

from eth_utils import to_checksum_address
from sqlalchemy import create_engine, select

from backend.indexer.projections import apply, books, metadata
from backend.indexer.projections import tables as t
from backend.indexer.projections.writes import undo
from backend.indexer.store import IndexedEvent

MERGED, SUCCESSOR, OTHER, BANK = (to_checksum_address("0x" + c * 40) for c in "abcd")


def _event(name: str, block: int, **args) -> IndexedEvent:
    return IndexedEvent(
        chain_id=31337,
        contract="PledgeBook",
        address="0x" + "e" * 40,
        event=name,
        block_number=block,
        block_hash="0x" + f"{block:064x}",
        block_timestamp=1_700_000_000 + block,
        tx_hash="0x" + f"{block:064x}",
        tx_index=0,
        log_index=0,
        args=args,
    )


def _pledged(pledge_id: int, holder: str, block: int) -> IndexedEvent:
    return _event(
        "Pledged",
        block,
        id=pledge_id,
        holder=holder,
        bank=BANK,
        pollutant=1,
        kg=1_000,
        claimFen=10**8,
        maturity=2**40,
    )


def _holders(conn) -> dict[int, tuple[str, int]]:
    rows = conn.execute(select(t.pledges.c.id, t.pledges.c.holder, t.pledges.c.status))
    return {row.id: (row.holder, row.status) for row in rows}


def test_a_merger_moves_only_the_merged_units_open_pledges_R30():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    active, enforcing, released = (
        books.PledgeStatus.ACTIVE,
        books.PledgeStatus.ENFORCING,
        books.PledgeStatus.RELEASED,
    )
    with engine.begin() as conn:
        for event in (
            _pledged(1, MERGED, 1),
            _pledged(2, MERGED, 2),
            _pledged(3, MERGED, 3),
            _pledged(4, OTHER, 4),
            _event("PledgeReleased", 5, id=2, bank=BANK),
            _event("PledgeEnforcementStarted", 6, id=3, bank=BANK, claimFen=10**7),
        ):
            apply(conn, event)
        before = _holders(conn)
        merger = _event("PledgesSucceeded", 7, **{"from": MERGED, "to": SUCCESSOR})
        apply(conn, merger)
        assert _holders(conn) == {
            1: (SUCCESSOR, active),
            2: (MERGED, released),
            3: (SUCCESSOR, enforcing),
            4: (OTHER, active),
        }
        undo(conn, merger)
        assert _holders(conn) == before
