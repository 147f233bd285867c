"""The relayer's records of a stack whose service is not running (``backend/chain/relayer.py``).

A claimed idempotency key without a sent transaction belongs to a request that was being relayed
when its service stopped: the relayer lets a retry take such a claim over only once it is older
than ``DRR_RELAYER_STALE_CLAIM_SECONDS`` (a claim of another, live service process must not be
taken). The default stack runs one service process; before it starts (a restart after a crash,
a restore) every claim in its records is dead, so a retry may take it over at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from backend.chain import relayer
from backend.indexer.store import open_database

LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


def release_dead_claims(relay_db: Path) -> int:
    """Mark every claim in ``relay_db`` as old enough to take over; returns how many."""
    engine = open_database(f"sqlite:///{relay_db}", durable=True)
    try:
        relayer.metadata.create_all(engine)
        with engine.begin() as conn:
            table = relayer.relayed
            result = conn.execute(
                update(table).where(table.c.state == relayer.CLAIMED).values(updated_at=LONG_AGO)
            )
        return result.rowcount
    finally:
        engine.dispose()
