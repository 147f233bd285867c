"""The service's journal of every transaction it broadcast, and its recovery after a chain restart.

Every signed transaction the service hands to a node (a relayed signed action, a party's own raw
transaction, an oracle posting) goes out as ``eth_sendRawTransaction`` on the service's web3
connection. :class:`JournalMiddleware` commits its bytes to the journal (a table of the relayer's
database, written with ``synchronous=FULL`` on SQLite) **before** the node sees them, and records
the block, position and time it was mined in when the service reads its receipt. The service
answers success only once it has that receipt (``backend/chain/relayer.py``), so every action it
acknowledged is in the journal together with its block. The block's time comes with the receipt
on anvil (``blockTimestamp``), so journaling adds no round trip to an order there; a node whose
receipts lack it (geth 1.13) is asked for the block's header once per transaction.

:meth:`Journal.recover` runs when the service starts, before it sends anything new. The newest
journaled block whose hash the chain still has is the point up to which nothing was lost (a
block's hash fixes every block before it). Every journaled transaction after it that the node
does not know is broadcast again, byte for byte, in the order the chain first mined it; on the
local chain (anvil) at its original block time, so a signed deadline or an auction's end judge
it as they did the first time, and the chain's clock is put back afterwards. A transaction is
known by its hash, so nothing is ever mined twice. Why a chain forgets: ``make run``'s anvil
keeps its state in dumps taken every few seconds and resumes from the last one after a crash or
a power cut; a node restored from a backup is older than the journal (docs/operations.md).

Until the recovery is done, sends wait (a node unreachable at start: the recovery retries in
the background); a send still waiting after ``gate_timeout`` is refused with ``ChainRecovering``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from eth_utils import keccak
from hexbytes import HexBytes
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from web3 import Web3
from web3.middleware.base import Web3Middleware
from web3.types import RPCEndpoint, RPCResponse

from backend.chain.errors import ServiceError

log = logging.getLogger(__name__)

metadata = MetaData()

journal_table = Table(
    "chain_journal",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("tx_hash", String(66), nullable=False, unique=True),
    Column("raw_tx", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # where the chain mined it, from its receipt (null until the service read one)
    Column("block_number", BigInteger, index=True),
    Column("block_hash", String(66)),
    Column("tx_index", Integer),
    Column("block_timestamp", BigInteger),
    # set when a recovery could not put it back (its nonce went to another transaction)
    Column("note", Text),
)


def _hex(value: bytes | str) -> str:
    return "0x" + bytes(HexBytes(value)).hex()


def _int(value: Any) -> int:  # noqa: ANN401 - a JSON-RPC quantity
    return int(value, 16) if isinstance(value, str) else int(value)


def _receipt_time(receipt: Mapping[str, Any]) -> int | None:
    """The time of the receipt's block when the node puts it in the receipt (anvil does, at its
    top level and in each log as ``blockTimestamp``); None otherwise (geth 1.13: read the
    block's header)."""
    stamp = receipt.get("blockTimestamp")
    if stamp is None:
        stamp = next((log["blockTimestamp"] for log in receipt.get("logs") or ()
                      if log.get("blockTimestamp") is not None), None)  # fmt: skip
    return None if stamp is None else _int(stamp)


@dataclass(frozen=True)
class Recovery:
    """What :meth:`Journal.recover` did."""

    intact_block: int | None  # newest journaled block still on chain (None: none journaled)
    checked: int  # journaled transactions after it
    replayed: list[str]  # broadcast again (hashes, in order)
    superseded: list[str]  # their nonce was used by another transaction: cannot be replayed

    def summary(self) -> str:
        return (
            f"journal: {self.checked} transaction(s) after block {self.intact_block} checked, "
            f"{len(self.replayed)} put back on chain, {len(self.superseded)} superseded"
        )


RawRequest = Callable[[RPCEndpoint, Any], RPCResponse]


class Journal:
    """The journal in ``engine`` (see the module docstring)."""

    def __init__(self, engine: Engine, *, gate_timeout: float = 30.0) -> None:
        self._engine = engine
        self._ready = threading.Event()
        self._closed = threading.Event()
        self._gate_timeout = gate_timeout
        self._unmined: set[str] = set()  # hashes this process journaled without a block yet
        self._lock = threading.Lock()
        metadata.create_all(engine)

    # -- the middleware's side -----------------------------------------------------------------

    def middleware(self) -> Callable[[Web3], Web3Middleware]:
        """The web3 middleware of this journal: ``w3.middleware_onion.add(j.middleware())``."""
        journal = self

        class JournalMiddleware(Web3Middleware):
            def wrap_make_request(self, make_request: RawRequest) -> RawRequest:
                def middleware(method: RPCEndpoint, params: Any) -> RPCResponse:  # noqa: ANN401
                    if method == "eth_sendRawTransaction":
                        journal.before_send(params[0])
                    response = make_request(method, params)
                    if method == "eth_getTransactionReceipt" and response.get("result"):
                        journal.on_receipt(response["result"], make_request)
                    return response

                return middleware

        return JournalMiddleware

    def before_send(self, raw: bytes | str) -> str:
        """Wait for the recovery, then commit ``raw`` to the journal; returns its hash."""
        if not self._ready.wait(self._gate_timeout):
            raise ServiceError(
                "ChainRecovering",
                "acknowledged transactions are still being put back on chain; retry shortly",
            )
        return self.record(raw)

    def record(self, raw: bytes | str) -> str:
        """Commit ``raw`` (idempotent by its hash); returns its hash."""
        data = bytes(HexBytes(raw))
        tx_hash = _hex(keccak(data))
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(journal_table),
                    {"tx_hash": tx_hash, "raw_tx": _hex(data), "recorded_at": datetime.now(UTC)},
                )
        except IntegrityError:
            pass  # a re-broadcast of bytes journaled before
        with self._lock:
            self._unmined.add(tx_hash)
        return tx_hash

    def on_receipt(self, receipt: Mapping[str, Any], make_request: RawRequest) -> None:
        """Record where a journaled transaction was mined (once per transaction)."""
        if receipt.get("blockNumber") is None:
            return
        tx_hash = _hex(receipt["transactionHash"])
        with self._lock:
            if tx_hash not in self._unmined:
                return
        number = _int(receipt["blockNumber"])
        timestamp = _receipt_time(receipt)
        if timestamp is None:  # a node whose receipts do not carry it: one more round trip
            header = make_request(RPCEndpoint("eth_getBlockByNumber"), [hex(number), False])
            block = header.get("result") or {}
            if not block:
                return  # the block is gone already (a reorg): the next receipt read records it
            timestamp = _int(block["timestamp"])
        self._set_mined(
            tx_hash,
            number=number,
            block_hash=_hex(receipt["blockHash"]),
            index=_int(receipt["transactionIndex"]),
            timestamp=timestamp,
        )

    def _set_mined(
        self, tx_hash: str, *, number: int, block_hash: str, index: int, timestamp: int
    ) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(journal_table)
                .where(journal_table.c.tx_hash == tx_hash)
                .values(
                    block_number=number,
                    block_hash=block_hash,
                    tx_index=index,
                    block_timestamp=timestamp,
                )
            )
        with self._lock:
            self._unmined.discard(tx_hash)

    # -- recovery ------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def open_without_recovery(self) -> None:
        """Let sends through without a recovery (a service that cannot reach its node is no
        worse off than before; tests of other concerns)."""
        self._ready.set()

    def recover(self, w3: Web3, *, receipt_timeout: float = 30.0) -> Recovery:
        """Put every journaled transaction the chain lost back on it (see the module
        docstring); then let sends through."""
        rpc = _Rpc(w3)
        intact = self._intact_block(rpc)
        candidates = self._after(intact)
        replayed: list[str] = []
        superseded: list[str] = []
        clock = _AnvilClock.of(rpc) if candidates else None
        try:
            for row in candidates:
                found = rpc.transaction(row["tx_hash"])
                if found is None:
                    if clock is not None and row["block_timestamp"] is not None:
                        clock.next_block_at(int(row["block_timestamp"]))
                    if not self._broadcast(rpc, row):
                        superseded.append(row["tx_hash"])
                        continue
                    replayed.append(row["tx_hash"])
                receipt = rpc.wait_receipt(row["tx_hash"], receipt_timeout)
                if receipt is not None:
                    self._record_receipt(rpc, receipt)
        finally:
            if clock is not None:
                clock.restore()
        result = Recovery(intact, len(candidates), replayed, superseded)
        (log.warning if replayed or superseded else log.info)(result.summary())
        self._ready.set()
        return result

    def recover_in_background(self, w3: Web3, retry_seconds: float = 2.0) -> threading.Thread:
        """:meth:`recover`, retried until it succeeds (sends wait meanwhile) or :meth:`close`."""

        def run() -> None:
            while not self._closed.is_set():
                try:
                    self.recover(w3)
                    return
                except requests.ConnectionError as exc:
                    log.warning("journal recovery: node unreachable (%s); retrying", exc)
                except Exception:
                    log.exception("journal recovery failed; retrying")
                self._closed.wait(retry_seconds)

        thread = threading.Thread(target=run, name="journal-recovery", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Stop a background recovery (the service stops)."""
        self._closed.set()

    def _intact_block(self, rpc: _Rpc) -> int | None:
        """The newest journaled block the chain still has (by hash)."""
        with self._engine.connect() as conn:
            blocks = conn.execute(
                select(journal_table.c.block_number, journal_table.c.block_hash)
                .where(journal_table.c.block_number.is_not(None))
                .distinct()
                .order_by(journal_table.c.block_number.desc())
            )
            for number, block_hash in blocks:
                if rpc.block_hash(int(number)) == block_hash:
                    return int(number)
        return None

    def _after(self, intact: int | None) -> list[Mapping[str, Any]]:
        """Journaled transactions not known to be on chain, in the order to replay them."""
        t = journal_table
        later = t.c.block_number.is_(None)
        if intact is not None:
            later = or_(later, t.c.block_number > intact)
        else:
            later = or_(later, t.c.block_number.is_not(None))
        query = (
            select(t)
            .where(and_(later, t.c.note.is_(None)))
            .order_by(t.c.block_number.is_(None), t.c.block_number, t.c.tx_index, t.c.seq)
        )
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def _broadcast(self, rpc: _Rpc, row: Mapping[str, Any]) -> bool:
        """Send a journaled transaction again; False if its nonce went to another one."""
        answer = rpc.call("eth_sendRawTransaction", row["raw_tx"])
        error = answer.get("error")
        if error is None:
            log.info("journal: %s broadcast again", row["tx_hash"])
            return True
        message = str(error.get("message", error)).lower()
        if "already known" in message or "already imported" in message:
            return True
        if "nonce too low" in message:
            log.error("journal: %s cannot be replayed: its nonce was used by another "
                      "transaction", row["tx_hash"])  # fmt: skip
            with self._engine.begin() as conn:
                conn.execute(
                    update(journal_table)
                    .where(journal_table.c.tx_hash == row["tx_hash"])
                    .values(note=f"superseded at recovery: {message}")
                )
            return False
        raise ServiceError("NodeRejected", f"replaying {row['tx_hash']}: {message}")

    def _record_receipt(self, rpc: _Rpc, receipt: Mapping[str, Any]) -> None:
        number = _int(receipt["blockNumber"])
        self._set_mined(
            _hex(receipt["transactionHash"]),
            number=number,
            block_hash=_hex(receipt["blockHash"]),
            index=_int(receipt["transactionIndex"]),
            timestamp=_receipt_time(receipt) or _int(rpc.block(number)["timestamp"]),
        )

    def rows(self) -> Iterator[Mapping[str, Any]]:
        """Every journaled transaction in journal order (tests, backups)."""
        with self._engine.connect() as conn:
            for row in conn.execute(select(journal_table).order_by(journal_table.c.seq)):
                yield dict(row._mapping)


class _Rpc:
    """Plain JSON-RPC on the service's provider, beneath the middlewares (the journal's own
    reads and its replays must neither be journaled again nor wait for the recovery)."""

    def __init__(self, w3: Web3) -> None:
        self._provider = w3.provider

    def call(self, method: str, *params: Any) -> RPCResponse:  # noqa: ANN401
        return self._provider.make_request(RPCEndpoint(method), list(params))

    def result(self, method: str, *params: Any) -> Any:  # noqa: ANN401
        answer = self.call(method, *params)
        if answer.get("error") is not None:
            raise ServiceError("NodeRejected", f"{method}: {answer['error']}")
        return answer.get("result")

    def block(self, number: int | str) -> Mapping[str, Any]:
        tag = hex(number) if isinstance(number, int) else number
        return self.result("eth_getBlockByNumber", tag, False) or {}

    def block_hash(self, number: int) -> str | None:
        block = self.block(number)
        return block.get("hash")

    def transaction(self, tx_hash: str) -> Mapping[str, Any] | None:
        return self.result("eth_getTransactionByHash", tx_hash)

    def wait_receipt(self, tx_hash: str, timeout: float) -> Mapping[str, Any] | None:
        deadline = time.monotonic() + timeout
        while True:
            receipt = self.result("eth_getTransactionReceipt", tx_hash)
            if receipt is not None and receipt.get("blockNumber") is not None:
                return receipt
            if time.monotonic() >= deadline:
                log.error(
                    "journal: %s broadcast again but not mined within %.0f s (a nonce gap: an "
                    "earlier transaction of its sender was lost?)",
                    tx_hash,
                    timeout,
                )
                return None
            time.sleep(0.05)


class _AnvilClock:
    """The local chain's clock during a replay: each replayed transaction in a block at its
    original time, then the clock's offset from the wall clock as it was before."""

    def __init__(self, rpc: _Rpc, offset: int) -> None:
        self._rpc = rpc
        self._offset = offset
        self._moved = False

    @classmethod
    def of(cls, rpc: _Rpc) -> _AnvilClock | None:
        """The clock of an anvil node; None for any other node (its clock cannot be set)."""
        try:
            version = str(rpc.result("web3_clientVersion"))
        except ServiceError:
            return None
        if not version.lower().startswith("anvil"):
            return None
        return cls(rpc, int(rpc.result("evm_increaseTime", 0)))

    def next_block_at(self, timestamp: int) -> None:
        head = _int(self._rpc.block("latest")["timestamp"])
        self._rpc.result("evm_setNextBlockTimestamp", max(timestamp, head))
        self._moved = True

    def restore(self) -> None:
        if not self._moved:
            return
        head = _int(self._rpc.block("latest")["timestamp"])
        self._rpc.result("evm_setTime", max(int(time.time()) + self._offset, head))
