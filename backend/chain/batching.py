"""Batched relaying: the signed orders that arrive together go to the chain in one transaction.

Each request checks its own order first, as without batching (signature, deadline, nonce, the
contract's pre-check and the simulation of its unsigned twin:
``backend/services/actions/pipeline.py``), so a refusal is named to its client before anything
is sent. The request then claims its
idempotency key (``Relayer.relay``) and hands its call to the :class:`RelayBatcher` of the
process, which the relayer sends from one thread:

1. every order waiting (at most ``max_calls``, after a ``linger`` of a few milliseconds for the
   orders arriving just behind) is taken; a single order goes to its contract directly, as
   without batching; several go through ``RelayBatch.relay`` (contracts/utils/RelayBatch.sol);
2. **one simulation** of the whole batch (``debug_traceCall`` of ``relay``: each call's outcome
   and revert data, and the gas the batch used, from which its gas limit is set: no
   ``eth_estimateGas``; ``eth_call`` and the estimate on a node without the debug API) with the
   fees and the relayer's pending nonce, in one JSON-RPC batch; an order the simulation refuses
   is answered with its contract's custom error and its key released, nothing of it sent, and
   the others go on;
3. **one transaction**: the keys of all the batch's orders are marked sent with its hash and raw
   bytes (and each order's position in it) in one database transaction, the transaction is
   journaled and broadcast (``backend/chain/journal.py``);
4. while the sending thread takes the next batch, the settling thread reads the receipts in the
   order the batches were sent and answers every order: the batch's ``CallRelayed``
   event of its position says whether its call went through; its answer carries the logs its own
   call emitted and the gas it used. A call that reverted in the mined batch (something changed
   between the simulation and the block) is that order's ``ContractError`` with the transaction's
   hash; the others are settled.

Exactly once per idempotency key holds as before: a key is claimed before its order is queued,
marked sent before the batch is broadcast; a retry of a sent key waits for the same transaction
and reads its position's outcome (:meth:`Relayer._conclude`), also after a crash between the
send and the receipt (the journal puts a lost batch back on chain byte for byte).

**Several service processes** (``shared``: the relayer's store is PostgreSQL). Any process takes
requests; its orders are queued in the store (state ``queued``, the call in the key's row).
Exactly one process, the **leader**, sends: it holds a PostgreSQL session-level advisory lock
(:class:`Leadership`) on a connection of its own. Every other process tries for the lock each
``lead_retry`` seconds; when the leader dies its connection closes, PostgreSQL releases the lock
and the next process takes it. A new leader first puts back on chain the batches the old one
marked sent that the node does not know (their raw bytes are in the store), so no order is stuck
and the relayer's nonces stay in order; a batch whose nonce was taken by another transaction is
queued again (each order's own signed nonce still forbids a second effect). A request waits for
its row: the leader answers its own process's requests directly; the others read their row and,
once it is sent, the receipt, as a retried request does. ``make run`` is one process on SQLite:
its queue is in memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eth_abi import decode as abi_decode
from eth_utils import keccak
from hexbytes import HexBytes
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError
from web3.exceptions import ContractLogicError, Web3RPCError

from backend.chain.abi import encode_call
from backend.chain.errors import ContractError, ServiceError, revert_data
from backend.chain.reads import Read, Reads

if TYPE_CHECKING:
    from backend.chain.relayer import Relayer


@dataclass(frozen=True)
class Relayed:
    """A transaction the relayer sent (or found again for a retried request)."""

    tx_hash: str
    receipt: Mapping[str, Any]
    replayed: bool
    meta: Mapping[str, Any] = field(default_factory=dict)


# the states of a key (backend/chain/relayer.py): queued for the leader, refused by its simulation
CLAIMED, QUEUED, SENT, MINED, FAILED, REFUSED = (
    "claimed", "queued", "sent", "mined", "failed", "refused"
)  # fmt: skip

log = logging.getLogger(__name__)

# where a batched key's position in its batch is kept (the key's ``meta``, never reported)
BATCH_INDEX = "batch_index"
# a queued key's call (shared queue) and the refusal the leader found for it (never reported)
QUEUED_CALL = "queued_call"
REFUSAL = "refusal"
PRIVATE_META = (BATCH_INDEX, QUEUED_CALL, REFUSAL)
LEADER_LOCK = 0x44_52_52_52_45_4C_41_59  # "DRRRELAY": the advisory lock of the relay leader
CALL_RELAYED = "0x" + keccak(text="CallRelayed(uint256,address,bool,uint256,bytes)").hex()


@dataclass(frozen=True)
class CallOutcome:
    """What ``RelayBatch`` reported of one call of a mined batch."""

    ok: bool
    gas_used: int
    revert_data: str  # 0x-hex, empty when ok
    logs: list[Mapping[str, Any]]  # the events the call itself emitted


def call_outcomes(receipt: Mapping[str, Any], batch: str) -> dict[int, CallOutcome]:
    """The outcome of every call of a mined ``RelayBatch.relay`` transaction, by position: its
    ``CallRelayed`` event and the logs between the previous call's event and it (the receipt's
    logs read once for all the batch's orders)."""
    batch = batch.lower()
    outcomes: dict[int, CallOutcome] = {}
    start = 0
    logs = receipt["logs"]
    for position, entry in enumerate(logs):
        topics = entry["topics"]
        if not topics or str(entry["address"]).lower() != batch or _hex(topics[0]) != CALL_RELAYED:
            continue
        data = bytes(HexBytes(entry["data"]))
        ok, gas_used, revert = abi_decode(["bool", "uint256", "bytes"], data)
        index = int(_hex(topics[1]), 16)
        outcomes[index] = CallOutcome(
            bool(ok), int(gas_used), "0x" + bytes(revert).hex(), list(logs[start:position])
        )
        start = position + 1
    return outcomes


def call_outcome(
    receipt: Mapping[str, Any], outcomes: Mapping[int, CallOutcome], index: int
) -> CallOutcome:
    """Call ``index``'s outcome among the receipt's (:func:`call_outcomes`)."""
    found = outcomes.get(index)
    if found is None:
        raise ServiceError(
            "NodeRejected",
            f"no outcome of call {index} in batch transaction {_hex(receipt['transactionHash'])}",
        )
    return found


def order_receipt(receipt: Mapping[str, Any], outcome: CallOutcome) -> dict[str, Any]:
    """The batch's receipt as one order's: its own logs and the gas its call used."""
    return {**dict(receipt), "logs": outcome.logs, "gasUsed": outcome.gas_used}


@dataclass
class _Order:
    key: str
    to: str
    data: bytes
    meta: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Relayed | None = None
    error: BaseException | None = None
    tx_hash: str | None = None

    def succeed(self, result: Relayed) -> None:
        self.result = result
        self.done.set()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.done.set()


class RelayBatcher:
    """The process's queue of orders to relay, sent in batches (see the module docstring)."""

    def __init__(
        self,
        relayer: Relayer,
        *,
        address: str,
        abi: Sequence[Mapping[str, Any]],
        max_calls: int = 64,
        linger: float = 0.005,
        shared: bool = False,
        lead_retry: float = 1.0,
    ) -> None:
        self._relayer = relayer
        self.address = address
        self._contract = relayer.w3.eth.contract(address=address, abi=abi)
        self.max_calls = max_calls
        self._linger = linger
        self._queue: deque[_Order] = deque()
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.sent_batches = 0  # transactions of more than one order (tests, benchmarks)
        self.shared = shared
        self._lead_retry = lead_retry
        self._local: dict[str, _Order] = {}  # this process's waiting requests (shared queue)
        self.leadership = Leadership(relayer._engine) if shared else None
        # sent, receipt not yet read: (orders, hash, batched), oldest first (the settling thread)
        self._sent: deque[tuple[list[_Order], str, bool]] = deque()
        self._settler: threading.Thread | None = None
        self._sent_cv = threading.Condition()
        self._traced = True  # the node answers debug_traceCall (else eth_call + estimate)

    def relay(
        self, *, key: str, to: str, data: bytes, meta: Mapping[str, Any], timeout: float
    ) -> Relayed:
        """Queue a claimed key's call and wait for its answer (see the module docstring)."""
        order = _Order(key, to, data, dict(meta))
        if self.shared:
            return self._relay_shared(order, timeout)
        with self._cv:
            if self._closed:
                raise ServiceError("RelayerUnavailable", "the service is stopping")
            self._queue.append(order)
            self._start()
            self._cv.notify()
        if not order.done.wait(timeout):
            raise ServiceError(
                "RelayTimeout",
                f"order {key} not settled within {timeout:g} s; retry with the same key",
                tx_hash=order.tx_hash,
            )
        if order.error is not None:
            raise order.error
        assert order.result is not None
        return order.result

    def _start(self) -> None:
        if self._thread is None:
            target = self._lead if self.shared else self._run
            self._thread = threading.Thread(target=target, name="relay-batch", daemon=True)
            self._thread.start()

    def start(self) -> None:
        """Start the sending thread now (shared queue: compete for the leadership at once)."""
        with self._cv:
            self._start()

    @property
    def leading(self) -> bool:
        """Whether this process sends (always, with the in-memory queue)."""
        return self.leadership.held if self.leadership is not None else True

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        with self._sent_cv:
            self._sent_cv.notify_all()  # the settling thread answers what was sent, then ends
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        if self.leadership is not None:
            self.leadership.release()

    # -- the shared queue (several processes) --------------------------------------------------

    def _relay_shared(self, order: _Order, timeout: float) -> Relayed:
        relayer = self._relayer
        with self._cv:
            if self._closed:
                raise ServiceError("RelayerUnavailable", "the service is stopping")
            self._local[order.key] = order
        relayer._queue_call(order.key, order.to, order.data)
        with self._cv:
            self._start()
            self._cv.notify()
        deadline = time.monotonic() + timeout
        polls = 0
        try:
            while not order.done.wait(0.05):
                polls += 1
                # while this process sends, the answer comes to ``order``; its row is read now
                # and then only in case a previous leader sent it
                if self.leading and polls % 20:
                    if time.monotonic() >= deadline:
                        break
                    continue
                row = relayer.find(order.key)
                remaining = deadline - time.monotonic()
                if row is None or row["state"] in (REFUSED, SENT, MINED, FAILED):
                    if order.done.is_set():
                        break
                    return relayer._answer_row(
                        row, order.key, to=order.to, data=order.data, timeout=max(remaining, 1.0)
                    )
                if remaining <= 0:
                    break
        finally:
            with self._cv:
                self._local.pop(order.key, None)
        if order.done.is_set():
            if order.error is not None:
                raise order.error
            assert order.result is not None
            return order.result
        raise ServiceError(
            "RelayTimeout",
            f"order {order.key} not settled within {timeout:g} s; retry with the same key",
            tx_hash=order.tx_hash,
        )

    def _lead(self) -> None:
        """The shared queue's sending loop: lead when the lock is free, then send."""
        assert self.leadership is not None
        while not self._closed:
            if not self.leadership.held:
                if not self.leadership.try_acquire():
                    with self._cv:
                        self._cv.wait(self._lead_retry)
                    continue
                log.warning("this process is now the relay leader")
                try:
                    self._relayer._put_back_sent()
                except Exception:
                    log.exception("relay leader: putting back sent batches failed")
                    self.leadership.release()
                    continue
            orders = self._take_queued()
            if not orders:
                with self._cv:
                    self._cv.wait(0.02)
                continue
            try:
                self._send(orders)
            except BaseException as exc:
                log.warning("relay batch of %s order(s) not sent: %s", len(orders), exc)
                for order in orders:
                    if not order.done.is_set():
                        self._reject(order, exc)

    def _take_queued(self) -> list[_Order]:
        rows = self._relayer._queued(self.max_calls)
        if rows and len(rows) < self.max_calls and self._linger:
            time.sleep(self._linger)
            rows = self._relayer._queued(self.max_calls)
        orders = []
        with self._cv:
            for row in rows:
                meta = dict(row.get("meta") or {})
                call = meta[QUEUED_CALL]
                local = self._local.get(row["key"])
                public = {k: v for k, v in meta.items() if k not in PRIVATE_META}
                data = bytes(HexBytes(call["data"]))
                orders.append(local or _Order(row["key"], call["to"], data, public))
        return orders

    def _reject(self, order: _Order, exc: BaseException) -> None:
        """Nothing of ``order`` was sent: its key back to the client with ``exc``."""
        if self.shared and order.key not in self._local:
            self._relayer._refuse(order.key, exc)  # kept for its request in another process
        else:
            self._relayer._release(order.key, QUEUED)
        order.fail(exc)

    # -- the sending thread --------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._queue and not self._closed:
                    self._cv.wait()
                if self._closed and not self._queue:
                    return
                short = len(self._queue) < self.max_calls
            if short and self._linger:
                time.sleep(self._linger)  # the orders arriving just behind join this batch
            with self._cv:
                take = min(len(self._queue), self.max_calls)
                orders = [self._queue.popleft() for _ in range(take)]
            try:
                self._send(orders)
            except BaseException as exc:
                log.warning("relay batch of %s order(s) not sent: %s", len(orders), exc)
                for order in orders:
                    if not order.done.is_set():
                        self._reject(order, exc)

    def _send(self, orders: list[_Order]) -> None:
        relayer = self._relayer
        account = relayer._require_account()
        single = len(orders) == 1
        to, data = self._call(orders)
        reads = Reads(relayer.w3)
        simulation = None
        traced = not single and self._traced
        if not single:
            tx = {"from": account.address, "to": to, "data": _hex(data)}
            if traced:
                simulation = reads.add("debug_traceCall", [tx, "latest", TRACE_TOP_CALL])
            else:
                simulation = reads.add("eth_call", [tx, "latest"])
        plan = relayer.plan_reads(reads, to=to, data=data, estimate=not traced)
        reads.send()
        used: int | None = None
        if simulation is not None:
            try:
                answer, used = self._simulated(simulation, traced)
            except _NoTracingError as exc:
                log.warning("relay batches: the node does not trace calls (%s); estimating", exc)
                self._traced = False
                self._send(orders)
                return
            ok, reverts = abi_decode(["bool[]", "bytes[]"], bytes(HexBytes(answer)))
            kept = []
            for order, passed, revert in zip(orders, ok, reverts, strict=True):
                if passed:
                    kept.append(order)
                else:  # refused by its contract: nothing of it is sent
                    self._reject(order, ContractError(relayer._decoder.decode(_hex(revert))))
            if not kept:
                return
            if len(kept) < len(orders):
                orders = kept
                to, data = self._call(orders)
        try:
            # the whole batch's figure: an upper bound for what is kept (a call refused in the
            # simulation changed nothing the others read; it only used gas)
            gas = relayer.gas_limit(used) if used is not None else plan.gas()
        except ContractError as exc:
            if not single:
                raise
            self._reject(orders[0], exc)
            return
        # through RelayBatch: each key's position; one order left goes to its contract directly
        indices = list(range(len(orders))) if to == self.address else None
        tx_hash = relayer._send_signed(
            [o.key for o in orders], account, to, data, gas, plan.fees(), plan.nonce_hint(), indices
        )
        if indices is not None:
            self.sent_batches += 1
        for order in orders:
            order.tx_hash = tx_hash
        # the receipt is awaited by the settling thread, in the order sent, while this thread
        # takes and sends the next batch
        with self._sent_cv:
            self._sent.append((orders, tx_hash, indices is not None))
            if self._settler is None:
                self._settler = threading.Thread(
                    target=self._settle_sent, name="relay-settle", daemon=True
                )
                self._settler.start()
            self._sent_cv.notify()

    def _simulated(self, read: Read, traced: bool) -> tuple[str, int | None]:
        """The batch's simulation: ``relay``'s return data and, traced, the gas it used. A
        revert of the batch as a whole (not of one call: ``RelayBatch`` catches those) raises
        its decoded error."""
        decoder = self._relayer._decoder
        try:
            answer = read.value()
        except (ContractLogicError, Web3RPCError) as exc:
            if traced and not isinstance(exc, ContractLogicError) and _untraceable(exc):
                raise _NoTracingError(str(exc)) from exc
            data_hex = revert_data(exc)
            if data_hex is None and not isinstance(exc, ContractLogicError):
                raise
            raise ContractError(decoder.decode(data_hex)) from exc
        if not traced:
            return answer, None
        output = answer.get("output") or "0x"
        if answer.get("error"):
            if output == "0x" and "revert" not in str(answer["error"]).lower():
                raise ServiceError("NodeRejected", f"the batch's simulation: {answer['error']}")
            raise ContractError(decoder.decode(output if output != "0x" else None))
        return output, int(answer["gasUsed"], 16)

    def _call(self, orders: list[_Order]) -> tuple[str, bytes]:
        if len(orders) == 1:
            return orders[0].to, orders[0].data
        calls = [(o.to, o.data) for o in orders]
        return self.address, encode_call(self._contract, "relay", [calls])

    def _settle_sent(self) -> None:
        """The settling thread: each sent transaction's receipt, in the order sent."""
        while True:
            with self._sent_cv:
                while not self._sent and not self._closed:
                    self._sent_cv.wait()
                if not self._sent:
                    return
                orders, tx_hash, batched = self._sent.popleft()
            try:
                self._settle(orders, tx_hash, batched)
            except Exception as exc:  # the store or the node failed: a retry reads the key's row
                log.warning("relay batch %s not settled: %s", tx_hash, exc)
                for order in orders:
                    if not order.done.is_set():
                        order.fail(exc)

    def _settle(self, orders: list[_Order], tx_hash: str, batched: bool) -> None:
        relayer = self._relayer
        try:
            receipt = relayer.wait(tx_hash, relayer.receipt_timeout)
        except ServiceError as exc:
            for order in orders:
                order.fail(exc)
            return
        answers = relayer._conclude_many(
            [(o.key, i if batched else None) for i, o in enumerate(orders)], receipt
        )
        for order, answer in zip(orders, answers, strict=True):
            if isinstance(answer, BaseException):
                order.fail(answer)
            else:
                order.succeed(Relayed(tx_hash, answer, replayed=False, meta=order.meta))


def _hex(value: bytes | str) -> str:
    return "0x" + bytes(HexBytes(value)).hex()


# The batch's simulation in one execution: debug_traceCall's call tracer on the top call gives
# ``relay``'s return data (each call's outcome) and the gas the batch used, where eth_call and
# eth_estimateGas (a search that runs the batch several times) took two reads and a node's
# CPU for several executions. A node without the debug API falls back to the two reads.
TRACE_TOP_CALL = {"tracer": "callTracer", "tracerConfig": {"onlyTopCall": True}}


class _NoTracingError(Exception):
    """The node does not answer debug_traceCall (or not with the call tracer)."""


def _untraceable(exc: Web3RPCError) -> bool:
    response = exc.rpc_response or {}
    error = response.get("error") if isinstance(response, Mapping) else None
    code = error.get("code") if isinstance(error, Mapping) else None
    message = str(exc).lower()
    words = ("not supported", "does not exist", "not available", "unsupported", "not found")
    return code == -32601 or any(w in message for w in words)


class Leadership:
    """The relay leader's PostgreSQL advisory lock, held on a connection of its own: released by
    PostgreSQL when that connection closes (the process died) or on :meth:`release`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def try_acquire(self) -> bool:
        try:
            conn = self._engine.connect()
            taken = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK})
            if taken.scalar():
                conn.commit()
                self._conn = conn
                return True
            conn.rollback()
            conn.close()
        except SQLAlchemyError as exc:
            log.warning("relay leadership: the store is unreachable (%s)", exc)
        return False

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK})
            conn.commit()
        except SQLAlchemyError:
            pass  # the connection is gone: so is the lock
        finally:
            conn.close()
