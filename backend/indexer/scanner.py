"""Follow every event of every deployed contract into SQL.

One step of :class:`Indexer`:

1. load the cursor (last indexed block and its hash); on a first run it sits just below the
   deployment's first block; when the deployment record gained a contract, rewind to just
   below that contract's creation block;
2. compare the cursor's hash with the chain's block at that height: if they differ (a reorg,
   or a chain reset), find the fork point (the newest stored event block whose hash still
   matches) and **rewind**: undo the projections of every event above it, newest first,
   delete those events and move the cursor back, in one database transaction;
3. otherwise read the next chunk of logs (``eth_getLogs`` over all deployment addresses, from
   the cursor + 1 to at most ``head - confirmations``), shrinking the chunk when the node
   refuses a range and growing it while chunks stay small;
4. in one database transaction: insert the decoded events (``ON CONFLICT DO NOTHING`` on
   ``(tx_hash, log_index)``, so a re-read after a crash is harmless), run the projections of
   the newly inserted ones in chain order, and move the cursor (compare-and-set, so two
   indexers on one database never both apply a chunk). A chunk of more than
   ``events_per_transaction`` events is written in several transactions, each ending at a
   block boundary with the cursor on that block (its hash from the logs): a long catch-up
   never holds the database's write lock (SQLite has one per file) for more than a short
   transaction, and readers see it progress.

A crash anywhere leaves the last committed cursor, from which the next run resumes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import Engine
from web3 import Web3
from web3.exceptions import Web3RPCError
from web3.types import RPCEndpoint

from backend.chain.deployment import Deployment
from backend.chain.errors import ConfigurationError
from backend.indexer import store
from backend.indexer.decode import DecodedLog, EventDecoder, as_int
from backend.indexer.hooks import Hooks
from backend.indexer.store import Cursor, IndexedEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """What one step did."""

    kind: str  # "indexed" | "idle" | "rewound" | "raced"
    cursor: int
    target: int
    added: int = 0
    from_block: int | None = None
    to_block: int | None = None


Progress = Callable[[Step], None]


class _Raced(Exception):  # noqa: N818 - internal signal
    """Another indexer moved the cursor, or the chain moved under a read."""


class Indexer:
    """Indexes one deployment's events into one database."""

    def __init__(
        self,
        *,
        w3: Web3,
        engine: Engine,
        deployment: Deployment,
        hooks: Hooks | None = None,
        confirmations: int = 0,
        chunk_blocks: int = 2000,
        max_chunk_blocks: int = 100_000,
        target_logs_per_chunk: int = 5000,
        events_per_transaction: int = 2000,
    ) -> None:
        self.w3 = w3
        self.engine = engine
        self.chain_id = deployment.chain_id
        self.decoder = EventDecoder.for_deployment(deployment)
        self.addresses = tuple(self.decoder.addresses)
        self.start_block = deployment.start_block
        self._created = {
            Web3.to_checksum_address(c.address): c.block for c in deployment.contracts.values()
        }
        self.hooks = hooks or Hooks()
        self.confirmations = confirmations
        self.chunk = min(chunk_blocks, max_chunk_blocks)
        self.max_chunk = max_chunk_blocks
        self.target_logs = target_logs_per_chunk
        self.events_per_transaction = events_per_transaction
        self._checked_chain = False

    # -- driving -------------------------------------------------------------------------------

    def create_schema(self) -> None:
        store.create_schema(self.engine, *self.hooks.metadata())

    def step(self) -> Step:
        """One unit of work (see the module docstring)."""
        self._check_chain()
        with self.engine.connect() as conn:
            cursor = store.load_cursor(conn, self.chain_id)
        if cursor is None:
            cursor = self._initial_cursor()
        head = self.w3.eth.block_number
        target = head - self.confirmations
        try:
            moved = self._follow_deployment(cursor) or self._detect_reorg(cursor, head)
            if moved is not None:
                return Step("rewound", moved, target)
            if cursor.block_number >= target:
                return Step("idle", cursor.block_number, target)
            return self._index_chunk(cursor, target)
        except _Raced as exc:
            log.info("indexer step raced (%s); retrying", exc)
            return Step("raced", cursor.block_number, target)

    def catch_up(
        self, progress: Progress | None = None, stop: threading.Event | None = None
    ) -> int:
        """Index until the cursor reaches the target; returns the events added."""
        added = 0
        while stop is None or not stop.is_set():
            step = self.step()
            added += step.added
            if progress is not None:
                progress(step)
            if step.kind == "idle":
                break
        return added

    def run(
        self,
        stop: threading.Event,
        poll_seconds: float = 2.0,
        progress: Progress | None = None,
    ) -> None:
        """Follow the chain until ``stop`` is set; node or database failures are retried."""
        failures = 0
        while not stop.is_set():
            try:
                self.catch_up(progress, stop)
                failures = 0
                stop.wait(poll_seconds)
            except requests.ConnectionError:
                failures += 1
                delay = min(poll_seconds * 2**failures, 60.0)
                log.warning("indexer: node unreachable; retrying in %.1f s", delay)
                stop.wait(delay)
            except Exception:
                failures += 1
                delay = min(poll_seconds * 2**failures, 60.0)
                log.exception("indexer step failed; retrying in %.1f s", delay)
                stop.wait(delay)

    def status(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            cursor = store.load_cursor(conn, self.chain_id)
            count = store.count_events(conn, self.chain_id)
        head = self.w3.eth.block_number
        at = cursor.block_number if cursor else self.start_block - 1
        return {
            "chain_id": self.chain_id,
            "cursor": at,
            "cursor_hash": cursor.block_hash if cursor else None,
            "head": head,
            "lag": max(head - self.confirmations - at, 0),
            "events": count,
        }

    # -- steps ---------------------------------------------------------------------------------

    def _check_chain(self) -> None:
        if not self._checked_chain:
            node_chain = self.w3.eth.chain_id
            if node_chain != self.chain_id:
                raise ConfigurationError(
                    f"the node serves chain {node_chain}, the deployment is on {self.chain_id}"
                )
            self._checked_chain = True

    def _initial_cursor(self) -> Cursor:
        cursor = Cursor(self.start_block - 1, None, self.addresses)
        with self.engine.begin() as conn:
            store.save_cursor(conn, self.chain_id, cursor, expected=None)
            stored = store.load_cursor(conn, self.chain_id)
        assert stored is not None
        return stored

    def _follow_deployment(self, cursor: Cursor) -> int | None:
        """Rewind below a contract that joined the deployment record; None if none joined."""
        if set(cursor.addresses) == set(self.addresses):
            return None
        new = [a for a in self.addresses if a not in cursor.addresses]
        back_to = min([self._created[a] - 1 for a in new], default=cursor.block_number)
        back_to = min(back_to, cursor.block_number)
        log.info("deployment record changed (%d new contracts): from block %d", len(new), back_to)
        return self._rewind(cursor, back_to)

    def _detect_reorg(self, cursor: Cursor, head: int) -> int | None:
        if cursor.block_hash is None:
            return None
        if self._hash_at(cursor.block_number, head) == cursor.block_hash:
            return None
        fork = self._fork_point(cursor, head)
        log.warning(
            "reorg: block %d is no longer %s; rewinding to %d",
            cursor.block_number,
            cursor.block_hash,
            fork,
        )
        return self._rewind(cursor, fork)

    def _fork_point(self, cursor: Cursor, head: int) -> int:
        """The newest stored event block still on the chain (else just below the start)."""
        below = cursor.block_number
        while True:
            with self.engine.connect() as conn:
                blocks = list(store.event_blocks(conn, self.chain_id, below, limit=200))
            if not blocks:
                return self.start_block - 1
            for number, block_hash in blocks:
                if self._hash_at(number, head) == block_hash:
                    return number
            below = blocks[-1][0] - 1

    def _rewind(self, cursor: Cursor, to_block: int) -> int:
        new_hash = self._hash_at(to_block) if to_block >= 0 else None
        target = Cursor(to_block, new_hash, self.addresses)
        with self.engine.begin() as conn:
            doomed = store.events_above(conn, self.chain_id, to_block)
            for event in doomed:
                self.hooks.undone(conn, event)
            store.delete_events_above(conn, self.chain_id, to_block)
            if not store.save_cursor(conn, self.chain_id, target, expected=cursor):
                raise _Raced("cursor moved during rewind")
        log.info("rewound to block %d (%d events removed)", to_block, len(doomed))
        return to_block

    def _index_chunk(self, cursor: Cursor, target: int) -> Step:
        start = cursor.block_number + 1
        while True:
            end = min(start + self.chunk - 1, target)
            end_hash = self._hash_at(end)
            try:
                logs = self._get_logs(start, end)
                break
            except (Web3RPCError, requests.Timeout, ValueError) as exc:
                if end == start:
                    raise
                self.chunk = max(1, (end - start + 1) // 2)
                log.info(
                    "eth_getLogs %d–%d refused (%s); chunk now %d", start, end, exc, self.chunk
                )
        if end_hash is None or self._hash_at(end) != end_hash:
            raise _Raced(f"block {end} changed during the read")
        decoded = [d for d in (self.decoder.decode(entry) for entry in logs) if d is not None]
        decoded.sort(key=lambda d: (d.block_number, d.log_index))
        if any(not start <= d.block_number <= end for d in decoded):
            raise _Raced("the node returned logs beyond the range")
        times = self._timestamps(logs)
        rows = [self._row(d, times[d.block_number]) for d in decoded]
        added = 0
        for part, part_cursor in self._parts(rows, Cursor(end, end_hash, self.addresses)):
            with self.engine.begin() as conn:
                inserted = store.insert_events(conn, part)
                for row in part:
                    if (row["tx_hash"], row["log_index"]) in inserted:
                        self.hooks.applied(conn, IndexedEvent.from_row(row))
                if not store.save_cursor(conn, self.chain_id, part_cursor, expected=cursor):
                    raise _Raced("another indexer moved the cursor")
            added += len(inserted)
            cursor = part_cursor
        if len(logs) < self.target_logs // 2:
            self.chunk = min(self.chunk * 2, self.max_chunk)
        elif len(logs) > self.target_logs:
            self.chunk = max(1, self.chunk // 2)
        return Step("indexed", end, target, added, start, end)

    def _parts(
        self, rows: list[dict[str, Any]], last: Cursor
    ) -> list[tuple[list[dict[str, Any]], Cursor]]:
        """The chunk's rows in transactions of about ``events_per_transaction`` events, cut at
        block boundaries; each with the cursor it ends on (the last one: ``last``)."""
        parts: list[tuple[list[dict[str, Any]], Cursor]] = []
        begin = 0
        for i in range(1, len(rows)):
            at_boundary = rows[i]["block_number"] != rows[i - 1]["block_number"]
            if at_boundary and i - begin >= self.events_per_transaction:
                block = rows[i - 1]
                parts.append(
                    (
                        rows[begin:i],
                        Cursor(block["block_number"], block["block_hash"], last.addresses),
                    )
                )
                begin = i
        parts.append((rows[begin:], last))
        return parts

    # -- chain reads ---------------------------------------------------------------------------

    def _request(self, method: str, params: list[Any]) -> Any:  # noqa: ANN401 - JSON
        """The node's raw answer (web3's result formatting costs more than what is read of it);
        a JSON-RPC error raised as web3 raises it."""
        response = self.w3.provider.make_request(RPCEndpoint(method), params)
        if response.get("error") is not None:
            error = response["error"]
            raise Web3RPCError(str(error.get("message", error)), rpc_response=response)
        return response.get("result")

    def _get_logs(self, start: int, end: int) -> list[dict[str, Any]]:
        params = {"fromBlock": hex(start), "toBlock": hex(end), "address": list(self.addresses)}
        return self._request("eth_getLogs", [params])

    def _hash_at(self, number: int, head: int | None = None) -> str | None:
        if number < 0 or (head is not None and number > head):
            return None
        block = self._request("eth_getBlockByNumber", [hex(number), False])
        return str(block["hash"]).lower() if block else None

    def _timestamps(self, logs: Sequence[Mapping[str, Any]]) -> dict[int, int]:
        """Block timestamps of the logs (from the logs when the node includes them)."""
        times: dict[int, int] = {}
        missing: set[int] = set()
        for entry in logs:
            number = as_int(entry["blockNumber"])
            stamp = entry.get("blockTimestamp")
            if stamp is not None:
                times[number] = as_int(stamp)
            else:
                missing.add(number)
        missing -= set(times)
        if missing:
            ordered = sorted(missing)
            with self.w3.batch_requests() as batch:
                for number in ordered:
                    batch.add(self.w3.eth.get_block(number))
                blocks = batch.execute()
            for number, block in zip(ordered, blocks, strict=True):
                times[number] = int(block["timestamp"])
        return times

    def _row(self, d: DecodedLog, timestamp: int) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "contract": d.contract,
            "address": d.address,
            "event": d.event,
            "block_number": d.block_number,
            "block_hash": d.block_hash,
            "block_timestamp": timestamp,
            "tx_hash": d.tx_hash,
            "tx_index": d.tx_index,
            "log_index": d.log_index,
            "args": d.args,
        }


class IndexerThread:
    """The indexer as a background thread of the service (started and stopped by lifespan)."""

    def __init__(self, indexer: Indexer, poll_seconds: float) -> None:
        self.indexer = indexer
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=indexer.run, args=(self._stop, poll_seconds), name="indexer", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
