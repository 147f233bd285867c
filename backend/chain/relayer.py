"""The relayer: the one key of the service, sending what parties signed.

Parties sign EIP-712 actions in their own wallets; the relayer wraps each signed action in a
transaction of its own (it pays the gas, the contract checks the party's signature). It also
forwards raw transactions a party signed itself.

- **Key**: a keystore file or an environment variable in production; the dev key ``relayer``
  on the local chain only (``relayer_account``). Never a company key.
- **Nonces**: one lock around "pick nonce → sign → send"; the local next nonce is checked
  against the node's pending count each time (a higher count means another sender used the
  key, a lower one means sent transactions were dropped or the chain was reset: both resync),
  and "nonce too low" / "replacement underpriced" answers resync and retry. A relay planned
  with the caller's reads (:meth:`Relayer.plan`) brings the pending count read in that batch,
  with the local nonce as it was just before: when the two agree, the lock is held without a
  round trip to the node (see :meth:`NonceManager.reserve`).
- **Gas**: estimated per transaction; an estimate that reverts is decoded to the contract's
  custom error and nothing is sent. A caller that reads the chain before relaying adds the
  estimate and the fee reads to its own batch (:meth:`Relayer.plan`, one round trip for all).
- **Idempotency**: every relay runs under a key (a client's ``Idempotency-Key``, or derived
  from the signature). The key, the signed raw transaction and its hash are stored *before*
  the transaction is broadcast; a retried request with the same key finds the same
  transaction (re-broadcasting it if the node lost it) and never sends a second one. The
  signed action's own on-chain nonce is the second layer.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import rlp
from eth_account import Account
from eth_account._utils.legacy_transactions import Transaction as LegacyTransaction
from eth_account.signers.local import LocalAccount
from eth_account.typed_transactions import TypedTransaction
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from web3 import Web3
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError
from web3.types import RPCEndpoint

from backend.chain.batching import (
    BATCH_INDEX,
    CLAIMED,
    FAILED,
    MINED,
    PRIVATE_META,
    QUEUED,
    QUEUED_CALL,
    REFUSAL,
    REFUSED,
    SENT,
    RelayBatcher,
    Relayed,
    call_outcome,
    call_outcomes,
    order_receipt,
)
from backend.chain.devkeys import DEV_CHAIN_IDS, authority_key
from backend.chain.errors import (
    ContractError,
    DecodedError,
    ErrorDecoder,
    ServiceError,
    revert_data,
)
from backend.chain.reads import Read, Reads, receipt_of

log = logging.getLogger(__name__)

# anvil and the local validator network (backend/network/devnet.py): the only chains the dev
# relayer key may be used on

metadata = MetaData()

# One row per idempotency key: claimed → sent → mined | failed.
relayed = Table(
    "relayed_transactions",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(66), nullable=False),
    Column("state", String(16), nullable=False),
    Column("tx_hash", String(66), index=True),
    Column("raw_tx", Text),
    Column("meta", JSON, comment="what the caller reports with every answer for the key"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# One row per signed nonce being relayed: "one in flight per signer and nonce". A second request
# for the same signer and nonce under another key (the same signature under another
# Idempotency-Key, or another signature with that nonce) is refused before anything is sent,
# instead of paying for a transaction that can only revert (docs/signing.md).
in_flight = Table(
    "relay_in_flight",
    metadata,
    Column("slot", String(200), primary_key=True, comment="contract:signer:nonce"),
    Column("key", String(260), nullable=False, comment="the idempotency key relaying it"),
    Column("signature", String(66), nullable=False, comment="keccak of the signature"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# a key's row: one statement, compiled once (every signed order asks it)
_FIND = select(relayed).where(relayed.c.key == bindparam("key"))
# the statements of every order, built once (SQLAlchemy keys and finds their compiled form
# again for each new statement object)
_CLAIM = insert(relayed)
_HOLD = insert(in_flight)

# the first wait before a receipt is read again (then doubled up to half a second)
FIRST_RECEIPT_POLL = 0.004

# claimed → (queued →) sent → mined | failed; queued → refused (several processes' queue)
_RESYNC_ERRORS = ("nonce too low", "replacement transaction underpriced", "nonce too high")


class SendPlan:
    """Gas and fees of one transaction, read in a caller's batch (:meth:`Relayer.plan`)."""

    def __init__(
        self,
        relayer: Relayer,
        estimate: Read | None,
        head: Read,
        tip: Read | None,
        pending: Read | None = None,
        local_nonce: int | None = None,
    ) -> None:
        self._relayer = relayer
        self._estimate = estimate
        self._head = head
        self._tip = tip
        self._pending = pending
        self._local_nonce = local_nonce

    def nonce_hint(self) -> tuple[int, int] | None:
        """(the relayer's local next nonce, the node's pending count read after it)."""
        if self._pending is None or self._local_nonce is None:
            return None
        try:
            return self._local_nonce, int(self._pending.value())
        except (Web3RPCError, ValueError):  # the node did not answer it: ask under the lock
            return None

    def gas(self) -> int:
        """The gas limit with the relayer's margin; a revert raises the decoded error."""
        if self._estimate is None:
            raise RuntimeError("this plan was read without a gas estimate")
        return self._relayer._gas_of(self._estimate)

    def fees(self) -> dict[str, int]:
        base = self._head.value()["baseFeePerGas"]
        if base is None:
            return {"gasPrice": self._relayer.w3.eth.gas_price}
        tip = self._relayer._priority_fee
        if tip is None:
            tip = int(self._tip.value(), 16) if self._tip is not None else 0
        return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}


def _now() -> datetime:
    return datetime.now(UTC)


def _hex(value: bytes | str) -> str:
    return "0x" + bytes(HexBytes(value)).hex()


def relayer_account(
    *,
    chain_id: int,
    private_key: str | None = None,
    keystore: Path | None = None,
    password: str | None = None,
) -> LocalAccount | None:
    """The relayer's key: from the environment, a keystore file, or (dev chain only) dev key."""
    if private_key:
        return Account.from_key(private_key)
    if keystore is not None:
        if password is None:
            raise ServiceError("ServiceMisconfigured", "a relayer keystore needs its password")
        return Account.from_key(Account.decrypt(keystore.read_text(encoding="utf-8"), password))
    if chain_id in DEV_CHAIN_IDS:
        return Account.from_key(authority_key("relayer").private_key)
    return None


class NonceManager:
    """The relayer's next nonce, safe under concurrent requests (see module docstring)."""

    def __init__(self, w3: Web3, address: str) -> None:
        self._w3 = w3
        self._address = address
        self._lock = threading.Lock()
        self._next: int | None = None

    @property
    def local(self) -> int | None:
        """The next nonce as this process knows it (``None`` before the first reservation)."""
        return self._next

    @contextmanager
    def reserve(self, hint: tuple[int, int] | None = None) -> Iterator[int]:
        """Hold the lock while the caller signs and sends with the yielded nonce.

        The nonce is used up when the block exits normally; an exception leaves it free.

        ``hint`` is ``(local, pending)``: :attr:`local` read just before the node's pending
        count. The local nonce only grows after a broadcast, so while nothing was dropped
        the node had counted every nonce handed out before the read (``local ≤ pending``),
        and while nobody else used the key it has counted none beyond those handed out since
        (``pending ≤`` the local nonce now, under the lock). Then the local nonce is right and
        the node is not asked again; otherwise it is asked, as without a hint.
        """
        with self._lock:
            if hint is not None and self._next is not None and hint[0] <= hint[1] <= self._next:
                yield self._next
                self._next += 1
                return
            pending = self._w3.eth.get_transaction_count(self._address, "pending")
            if self._next != pending:
                if self._next is not None:
                    log.info("relayer nonce resync: local %s, node %s", self._next, pending)
                self._next = pending
            yield self._next
            self._next += 1

    def forget(self) -> None:
        """Drop the local nonce; the next reservation reads it from the node."""
        with self._lock:
            self._next = None


class Relayer:
    """Sends transactions with the service's key, once per idempotency key."""

    def __init__(
        self,
        *,
        w3: Web3,
        account: LocalAccount | None,
        engine: Engine,
        decoder: ErrorDecoder,
        receipt_timeout: float = 60.0,
        gas_margin: float = 1.25,
        priority_fee_wei: int | None = None,
        poll_seconds: float = 0.05,
        stale_claim_seconds: float = 300.0,
        chain_id: int | None = None,
    ) -> None:
        self.w3 = w3
        self._account = account
        self._engine = engine
        self._decoder = decoder
        self.receipt_timeout = receipt_timeout
        self._gas_margin = gas_margin
        self._priority_fee = priority_fee_wei
        self._poll = poll_seconds
        self._stale = stale_claim_seconds
        self._chain_id = chain_id  # the deployment's; read from the node when not given
        self.nonces = NonceManager(w3, account.address) if account else None
        self.batcher: RelayBatcher | None = None

    # -- public --------------------------------------------------------------------------------

    @property
    def address(self) -> str | None:
        return self._account.address if self._account else None

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self.w3.eth.chain_id
        return self._chain_id

    def enable_batching(
        self,
        *,
        address: str,
        abi: list[dict[str, Any]],
        max_calls: int,
        linger: float,
        shared: bool = False,
    ) -> None:
        """Send the orders that arrive together as one ``RelayBatch`` transaction
        (backend/chain/batching.py); the relayer's key must hold the batch's ``RELAYER_ROLE``.
        ``shared``: several service processes share the store (PostgreSQL) and one leader sends."""
        self.batcher = RelayBatcher(
            self, address=address, abi=abi, max_calls=max_calls, linger=linger, shared=shared
        )
        if shared:
            self.batcher.start()

    def close(self) -> None:
        """Stop the batch sender (the service stops); orders still queued are answered."""
        if self.batcher is not None:
            self.batcher.close()

    def find(self, key: str) -> Mapping[str, Any] | None:
        """The stored row of an idempotency key, if any."""
        with self._engine.connect() as conn:
            row = conn.execute(_FIND, {"key": key}).mappings().first()
        return dict(row) if row else None

    def relay(
        self,
        *,
        to: str,
        data: bytes,
        key: str,
        fingerprint: str,
        timeout: float | None = None,
        meta: Mapping[str, Any] | None = None,
        plan: SendPlan | None = None,
    ) -> Relayed:
        """Send ``data`` to ``to`` once for ``key``; a repeated key returns the same transaction.

        ``meta`` (e.g. the signed action's nonce) is stored with the key and returned with
        every answer for it, so a retry reports the first request's facts. ``plan`` carries
        the gas and fees already read with the caller's checks (:meth:`plan`).

        Raises :class:`ContractError` if the call would revert (nothing is sent),
        ``RelayTimeout`` if the receipt does not arrive in time (retry with the same key),
        ``IdempotencyKeyReused`` if ``key`` was used with another ``fingerprint``.
        """
        account = self._require_account()
        timeout = self.receipt_timeout if timeout is None else timeout
        existing = self._claim(key, fingerprint, meta=meta)
        if existing is not None and self.batcher is not None and self.batcher.shared:
            return self._resume_shared(existing, to=to, data=data, timeout=timeout, replayed=True)
        if existing is not None:
            return self._resume(existing, to=to, data=data, timeout=timeout)
        if self.batcher is not None:
            return self.batcher.relay(key=key, to=to, data=data, meta=meta or {}, timeout=timeout)
        try:
            tx_hash = self._build_and_send(key, account, to, data, plan)
        except BaseException:
            self._release(key)
            raise
        receipt = self._finish(key, tx_hash, timeout)
        return Relayed(tx_hash, receipt, replayed=False, meta=dict(meta or {}))

    @contextmanager
    def holding(self, slots: list[str], *, key: str, signature: str) -> Iterator[None]:
        """Hold each signer's nonce (``slots``) for ``key`` while its transaction is relayed.

        Refuses ``409 SignatureAlreadySubmitted`` when another key relays the same signature,
        ``409 NonceInFlight`` when another key relays another signature with a held nonce; the
        slots of a request that sent nothing, or whose transaction failed, are freed again. A
        slot whose key never claimed anything for ``stale_claim_seconds`` (a killed service)
        is taken over."""
        self._hold(slots, key, signature)
        try:
            yield
        except BaseException:
            row = self.find(key)
            if row is None or row["state"] in (FAILED, REFUSED):
                self._free(slots, key)
            raise

    def _hold(self, slots: list[str], key: str, signature: str) -> None:
        now = _now()
        rows = [{"slot": s, "key": key, "signature": signature, "created_at": now} for s in slots]
        try:
            with self._engine.begin() as conn:
                conn.execute(_HOLD, rows)
            return
        except IntegrityError:
            pass
        with self._engine.begin() as conn:
            held = conn.execute(select(in_flight).where(in_flight.c.slot.in_(slots))).mappings()
            held = [dict(r) for r in held]
        for row in held:
            if row["key"] == key:
                continue
            holder = self.find(row["key"])
            age = (now - _aware(row["created_at"])).total_seconds()
            if (holder is None and age > self._stale) or (holder and holder["state"] == FAILED):
                stale = (in_flight.c.slot == row["slot"]) & (in_flight.c.key == row["key"])
                with self._engine.begin() as conn:
                    conn.execute(delete(in_flight).where(stale))
                return self._hold(slots, key, signature)
            _contract, signer, nonce = row["slot"].rsplit(":", 2)
            args = {"signer": signer, "nonce": int(nonce)}
            if row["signature"] == signature:
                raise ServiceError(
                    "SignatureAlreadySubmitted",
                    "this signature is being (or was) relayed under another Idempotency-Key: "
                    "retry with that key",
                    args=args,
                )
            raise ServiceError(
                "NonceInFlight",
                f"another signed request of {signer} with nonce {nonce} is being (or was) relayed",
                args=args,
            )
        with self._engine.begin() as conn:  # every conflicting slot was ours
            mine = {r["slot"] for r in held if r["key"] == key}
            missing = [r for r in rows if r["slot"] not in mine]
            if missing:
                conn.execute(_HOLD, missing)
        return None

    def _free(self, slots: list[str], key: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                delete(in_flight).where(in_flight.c.slot.in_(slots), in_flight.c.key == key)
            )

    def plan(self, reads: Reads, *, to: str, data: bytes) -> SendPlan | None:
        """Add this transaction's gas estimate and fee reads to ``reads`` (the caller sends
        them with its own); ``None`` without a relayer key, and when batching (the batch is
        estimated once for all its orders)."""
        if self._account is None or self.batcher is not None:
            return None
        return self.plan_reads(reads, to=to, data=data)

    def plan_reads(self, reads: Reads, *, to: str, data: bytes, estimate: bool = True) -> SendPlan:
        """The gas estimate, fee and pending-nonce reads of a transaction, added to ``reads``
        (``estimate=False``: the caller has the gas from its own simulation, :meth:`gas_limit`)."""
        address = self._require_account().address
        gas = reads.estimate_gas(sender=address, to=to, data=data) if estimate else None
        head = reads.block()
        tip = None if self._priority_fee is not None else reads.add("eth_maxPriorityFeePerGas", [])
        assert self.nonces is not None
        local = self.nonces.local  # before the pending count is read (NonceManager.reserve)
        pending = reads.add("eth_getTransactionCount", [address, "pending"], lambda r: int(r, 16))
        return SendPlan(self, gas, head, tip, pending, local)

    def forward_raw(
        self, raw: bytes, *, sender: str, to: str, timeout: float | None = None
    ) -> Relayed:
        """Broadcast a transaction a party signed itself (idempotent by its hash).

        The call is simulated first; a revert is decoded and nothing is broadcast.
        """
        timeout = self.receipt_timeout if timeout is None else timeout
        tx_hash = _hex(keccak(raw))
        existing = self._claim(f"raw:{tx_hash}", tx_hash, raw=raw, tx_hash=tx_hash)
        if existing is not None:
            return self._resume(existing, to=to, data=b"", timeout=timeout)
        try:
            if self._known(tx_hash) is None:
                decoded = decode_raw_transaction(raw)
                tx = _decode_for_call(raw, sender)
                self._simulate(tx)
                self._check_gas_limit(tx, decoded.gas)
                try:
                    self._broadcast(raw, tx_hash)
                except _NonceConflict as exc:
                    raise rejection_of(str(exc), decoded) from None
                except ServiceError as exc:
                    if exc.name != "NodeRejected":
                        raise
                    raise rejection_of(exc.detail, decoded) from None
        except BaseException:
            self._release(f"raw:{tx_hash}")
            raise
        self._set(f"raw:{tx_hash}", state=SENT)
        return Relayed(tx_hash, self._finish(f"raw:{tx_hash}", tx_hash, timeout), replayed=False)

    def wait(self, tx_hash: str, timeout: float) -> Mapping[str, Any]:
        """The receipt of ``tx_hash``; ``RelayTimeout`` if it is not mined within ``timeout``."""
        deadline = time.monotonic() + timeout
        # a node that mines on arrival (anvil, a dev chain) answers the send a millisecond before
        # its block exists: ask again soon, then back off towards the block time
        delay = min(self._poll, FIRST_RECEIPT_POLL)
        while True:
            try:
                return self._receipt(tx_hash)
            except TransactionNotFound:
                if time.monotonic() >= deadline:
                    raise ServiceError(
                        "RelayTimeout",
                        f"transaction {tx_hash} not mined within {timeout:g} s",
                        tx_hash=tx_hash,
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def _receipt(self, tx_hash: str) -> Mapping[str, Any]:
        """``eth.get_transaction_receipt``: through the same middlewares (the journal records
        where its transactions were mined), formatted by :func:`receipt_of`."""
        response = self.w3.manager._make_request(
            RPCEndpoint("eth_getTransactionReceipt"), [_hex(tx_hash)]
        )
        if "error" in response:  # web3's own call raises what it raised before
            return self.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        result = response.get("result")
        if not result:
            raise TransactionNotFound(f"Transaction with hash: '{_hex(tx_hash)}' not found.")
        return receipt_of(result)

    # -- sending -------------------------------------------------------------------------------

    def _require_account(self) -> LocalAccount:
        if self._account is None:
            raise ServiceError(
                "RelayerUnavailable",
                "set DRR_RELAYER_KEYSTORE (+ DRR_RELAYER_PASSWORD) or DRR_RELAYER_PRIVATE_KEY",
            )
        return self._account

    def estimate(self, *, sender: str, to: str, data: bytes) -> int:
        """Gas for the call with the safety margin; a revert raises the decoded error."""
        try:
            gas = self.w3.eth.estimate_gas({"from": sender, "to": to, "data": _hex(data)})
        except (ContractLogicError, Web3RPCError) as exc:
            data_hex = revert_data(exc)
            if data_hex is None and not isinstance(exc, ContractLogicError):
                raise
            raise ContractError(self._decoder.decode(data_hex)) from exc
        return int(gas * self._gas_margin)

    def gas_limit(self, used: int) -> int:
        """The gas limit of a transaction whose simulation used ``used`` gas, without an
        ``eth_estimateGas`` (which runs the call again and again to narrow the figure down):
        ``used`` is net of refunds, which are at most a fifth of the gross (EIP-3529), so
        ×5/4 gives back the gross; the relayer's margin on top covers the 1/64 each nested
        call keeps back (EIP-150) and a state a little different when mined. Only the gas
        used is paid; the limit bounds a runaway call."""
        return int(used * 5 / 4 * self._gas_margin)

    def _gas_of(self, estimate: Read) -> int:
        """:meth:`estimate` from a batched read."""
        try:
            gas = estimate.value()
        except (ContractLogicError, Web3RPCError) as exc:
            data_hex = revert_data(exc)
            if data_hex is None and not isinstance(exc, ContractLogicError):
                raise
            raise ContractError(self._decoder.decode(data_hex)) from exc
        return int(gas * self._gas_margin)

    def _simulate(self, tx: Mapping[str, Any]) -> None:
        try:
            self.w3.eth.call(dict(tx))
        except (ContractLogicError, Web3RPCError) as exc:
            data_hex = revert_data(exc)
            if data_hex is None and not isinstance(exc, ContractLogicError):
                raise
            raise ContractError(self._decoder.decode(data_hex)) from exc

    def _check_gas_limit(self, tx: Mapping[str, Any], gas: int) -> None:
        """A party's own transaction must carry the gas its call needs: a limit below the
        estimate (e.g. 0, signed by a client that read ``gasLimit`` where the service wrote
        ``gas``) would only fail in the node or in its block."""
        needed = int(self.w3.eth.estimate_gas(dict(tx)))
        if gas < needed:
            raise ServiceError(
                "TransactionGasTooLow",
                f"the transaction's gas limit {gas} is below the {needed} its call needs; "
                "sign the unsigned transaction's gasLimit (= gas)",
                args={"gas_limit": gas, "needed": needed},
            )

    def _fees(self) -> dict[str, int]:
        block = self.w3.eth.get_block("latest")
        base = block.get("baseFeePerGas")
        if base is None:
            return {"gasPrice": self.w3.eth.gas_price}
        tip = self._priority_fee
        if tip is None:
            tip = self.w3.eth.max_priority_fee
        return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}

    def _build_and_send(
        self, key: str, account: LocalAccount, to: str, data: bytes, plan: SendPlan | None = None
    ) -> str:
        if plan is not None:
            gas, fees = plan.gas(), plan.fees()
        else:
            gas, fees = self.estimate(sender=account.address, to=to, data=data), self._fees()
        hint = plan.nonce_hint() if plan is not None else None
        return self._send_signed([key], account, to, data, gas, fees, hint)

    def _send_signed(
        self,
        keys: list[str],
        account: LocalAccount,
        to: str,
        data: bytes,
        gas: int,
        fees: Mapping[str, int],
        hint: tuple[int, int] | None,
        indices: list[int] | None = None,
    ) -> str:
        """Sign with the next nonce, mark every key sent (``indices``: each key's position in a
        batch), broadcast; returns the transaction's hash."""
        assert self.nonces is not None
        for attempt in range(3):
            try:
                with self.nonces.reserve(hint if attempt == 0 else None) as nonce:
                    tx = {
                        "chainId": self.chain_id,
                        "nonce": nonce,
                        "to": to_checksum_address(to),
                        "data": _hex(data),
                        "value": 0,
                        "gas": gas,
                        **fees,
                    }
                    signed = account.sign_transaction(tx)
                    raw = bytes(signed.raw_transaction)
                    tx_hash = _hex(signed.hash)
                    self._mark_sent(keys, tx_hash, _hex(raw), indices)
                    try:
                        self._broadcast(raw, tx_hash)
                    except BaseException:
                        self._mark_sent(keys, None, None, None)
                        raise
                    return tx_hash
            except _NonceConflict:
                log.info("relayer nonce conflict (attempt %s); resyncing", attempt + 1)
        raise ServiceError("NodeRejected", "the relayer's nonce kept conflicting; retry later")

    def _mark_sent(
        self, keys: list[str], tx_hash: str | None, raw: str | None, indices: list[int] | None
    ) -> None:
        """Every key sent with ``tx_hash`` (``None``: back to claimed), in one transaction."""
        if len(keys) == 1 and indices is None:
            state = SENT if tx_hash else CLAIMED
            self._set(keys[0], state=state, tx_hash=tx_hash, raw_tx=raw)
            return
        with self._engine.begin() as conn:
            query = select(relayed.c.key, relayed.c.meta).where(relayed.c.key.in_(keys))
            metas = {k: dict(m or {}) for k, m in conn.execute(query)}
            rows = []
            for position, key in enumerate(keys):
                meta = metas.get(key, {})
                meta.pop(BATCH_INDEX, None)
                if tx_hash is not None and indices is not None:
                    meta[BATCH_INDEX] = indices[position]
                rows.append({"row_key": key, "row_meta": meta})
            # one statement for every key (executemany), not one built and run per key
            conn.execute(
                update(relayed)
                .where(relayed.c.key == bindparam("row_key"))
                .values(
                    state=SENT if tx_hash else CLAIMED,
                    tx_hash=tx_hash,
                    raw_tx=raw,
                    meta=bindparam("row_meta", type_=relayed.c.meta.type),
                    updated_at=_now(),
                ),
                rows,
            )

    def _broadcast(self, raw: bytes, tx_hash: str) -> None:
        """Send a signed transaction; an "already known" answer counts as sent."""
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Web3RPCError as exc:
            message = str(exc).lower()
            if "already known" in message or "already imported" in message:
                return
            if any(text in message for text in _RESYNC_ERRORS):
                raise _NonceConflict(message) from exc
            raise ServiceError("NodeRejected", str(exc.message)) from exc
        except requests.Timeout:
            # The node may have taken it: keep it as sent; a retry finds or re-broadcasts it.
            log.warning("timeout while broadcasting %s; it may still be mined", tx_hash)
        except ValueError as exc:  # web3 raises ValueError for some node answers
            raise ServiceError("NodeRejected", str(exc)) from exc

    def _finish(
        self, key: str, tx_hash: str, timeout: float, index: int | None = None
    ) -> Mapping[str, Any]:
        receipt = self.wait(tx_hash, timeout)
        (answer,) = self._conclude_many([(key, index)], receipt)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def _conclude_many(
        self, keys: list[tuple[str, int | None]], receipt: Mapping[str, Any]
    ) -> list[Mapping[str, Any] | ContractError]:
        """Each key's answer from the receipt of its transaction (``index``: the key's position
        in a batch): its receipt, or the error its call reverted with; the keys' states set to
        mined or failed in one database transaction."""
        answers: list[Mapping[str, Any] | ContractError] = []
        states: dict[str, str] = {}
        tx_hash = _hex(receipt["transactionHash"])
        outcomes = None
        for key, index in keys:
            if receipt["status"] != 1:
                answers.append(self._revert_of(receipt))
            elif index is None:
                answers.append(receipt)
            else:
                if outcomes is None:
                    outcomes = call_outcomes(receipt, receipt["to"])
                outcome = call_outcome(receipt, outcomes, index)
                if outcome.ok:
                    answers.append(order_receipt(receipt, outcome))
                else:
                    decoded = self._decoder.decode(outcome.revert_data)
                    answers.append(ContractError(decoded, tx_hash=tx_hash))
            states[key] = FAILED if isinstance(answers[-1], ContractError) else MINED
        now = _now()
        with self._engine.begin() as conn:
            for state in (MINED, FAILED):
                chosen = [k for k, s in states.items() if s == state]
                if chosen:
                    conn.execute(
                        update(relayed)
                        .where(relayed.c.key.in_(chosen))
                        .values(state=state, updated_at=now)
                    )
        return answers

    def _revert_of(self, receipt: Mapping[str, Any]) -> ContractError:
        """Decode why a mined transaction reverted, by replaying it at its block."""
        tx = self.w3.eth.get_transaction(receipt["transactionHash"])
        call = {"from": tx["from"], "to": tx["to"], "data": _hex(tx["input"])}
        data_hex: str | None = None
        try:
            self.w3.eth.call(call, receipt["blockNumber"])
        except (ContractLogicError, Web3RPCError) as exc:
            data_hex = revert_data(exc)
        tx_hash = _hex(receipt["transactionHash"])
        return ContractError(self._decoder.decode(data_hex), tx_hash=tx_hash)

    # -- retries -------------------------------------------------------------------------------

    def _known(self, tx_hash: str) -> Mapping[str, Any] | None:
        try:
            return self.w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return None

    def _resume(self, row: Mapping[str, Any], *, to: str, data: bytes, timeout: float) -> Relayed:
        key = row["key"]
        meta = dict(row.get("meta") or {})
        row = self._await_sent(row, timeout)
        index = (row.get("meta") or {}).get(BATCH_INDEX)
        for private in PRIVATE_META:
            meta.pop(private, None)
        if row["state"] == REFUSED:
            raise self._refusal_of(row)
        if row["state"] == CLAIMED and key.startswith("raw:"):
            self._broadcast(bytes(HexBytes(row["raw_tx"])), row["tx_hash"])
            self._set(key, state=SENT)
        elif row["state"] == CLAIMED:
            # the request that claimed the key died before sending: take it over
            try:
                tx_hash = self._build_and_send(key, self._require_account(), to, data)
            except BaseException:
                self._release(key)
                raise
            return Relayed(tx_hash, self._finish(key, tx_hash, timeout), True, meta)
        tx_hash = row["tx_hash"]
        if self._known(tx_hash) is None and row["raw_tx"]:
            log.info("re-broadcasting %s for a retried request", tx_hash)
            try:
                self._broadcast(bytes(HexBytes(row["raw_tx"])), tx_hash)
            except _NonceConflict:
                if self._known(tx_hash) is not None:
                    # another key of the same batch, retried at the same time, put it back
                    # first (and it was mined at once): wait for it as for any sent transaction
                    return Relayed(tx_hash, self._finish(key, tx_hash, timeout, index), True, meta)
                if row["key"].startswith("raw:"):
                    raise ServiceError(
                        "NodeRejected", f"the nonce of {tx_hash} was used by another transaction"
                    ) from None
                # the relayer nonce went to another transaction: relay afresh; the signed
                # action's own nonce still prevents a second effect
                if self.nonces is not None:
                    self.nonces.forget()
                tx_hash = self._build_and_send(key, self._require_account(), to, data)
                index = None  # sent again on its own
        return Relayed(tx_hash, self._finish(key, tx_hash, timeout, index), True, meta)

    def _await_sent(self, row: Mapping[str, Any], timeout: float) -> Mapping[str, Any]:
        """Wait while another request holds the claim without a transaction yet."""
        deadline = time.monotonic() + timeout
        while row["state"] in (CLAIMED, QUEUED):
            age = (_now() - _aware(row["updated_at"])).total_seconds()
            if row["state"] == CLAIMED and age > self._stale and self._take_over(row):
                return {**row, "updated_at": _now()}
            if time.monotonic() >= deadline:
                raise ServiceError("RequestInProgress", f"key {row['key']} is being relayed")
            time.sleep(self._poll)
            fresh = self.find(row["key"])
            if fresh is None:  # the other request failed before sending and released the key
                raise ServiceError(
                    "RequestInProgress", "the first attempt failed before sending; retry"
                )
            row = fresh
        return row

    # -- the idempotency store -----------------------------------------------------------------

    def _claim(
        self,
        key: str,
        fingerprint: str,
        *,
        raw: bytes | None = None,
        tx_hash: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any] | None:
        """Claim ``key``; returns ``None`` if claimed now, else the existing row."""
        now = _now()
        row = {
            "key": key,
            "fingerprint": fingerprint,
            "state": CLAIMED,
            "tx_hash": tx_hash,
            "raw_tx": _hex(raw) if raw else None,
            "meta": dict(meta or {}),
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(_CLAIM, row)
            return None
        except IntegrityError:
            existing = self.find(key)
            if existing is None:  # released in between: try once more
                return self._claim(key, fingerprint, raw=raw, tx_hash=tx_hash, meta=meta)
            if existing["fingerprint"] != fingerprint:
                raise ServiceError(
                    "IdempotencyKeyReused", "the key was first used for another request"
                ) from None
            return existing

    # -- the shared queue of several processes (backend/chain/batching.py) ----------------------

    def _queue_call(self, key: str, to: str, data: bytes) -> None:
        """Queue a claimed key's call for the relay leader."""
        with self._engine.begin() as conn:
            meta = conn.execute(select(relayed.c.meta).where(relayed.c.key == key)).scalar()
            meta = {**(meta or {}), QUEUED_CALL: {"to": to, "data": _hex(data)}}
            conn.execute(
                update(relayed)
                .where(relayed.c.key == key, relayed.c.state == CLAIMED)
                .values(state=QUEUED, meta=meta, updated_at=_now())
            )

    def _queued(self, limit: int) -> list[dict[str, Any]]:
        """The oldest queued keys (the leader's next batch)."""
        query = (
            select(relayed)
            .where(relayed.c.state == QUEUED)
            .order_by(relayed.c.created_at, relayed.c.key)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def _refuse(self, key: str, exc: BaseException) -> None:
        """A queued key the leader could not send: the refusal kept for its request."""
        refusal = {
            "name": getattr(exc, "name", "NodeRejected"),
            "detail": getattr(exc, "detail", str(exc)),
            "args": json.loads(json.dumps(getattr(exc, "error_args", {}), default=str)),
            "contract": getattr(getattr(exc, "decoded", None), "contract", None),
        }
        with self._engine.begin() as conn:
            meta = conn.execute(select(relayed.c.meta).where(relayed.c.key == key)).scalar()
            conn.execute(
                update(relayed)
                .where(relayed.c.key == key, relayed.c.state.in_((CLAIMED, QUEUED)))
                .values(state=REFUSED, meta={**(meta or {}), REFUSAL: refusal}, updated_at=_now())
            )

    def _refusal_of(self, row: Mapping[str, Any]) -> ServiceError:
        """The refusal of a refused key, which is released for a new attempt."""
        with self._engine.begin() as conn:
            conn.execute(
                delete(relayed).where(relayed.c.key == row["key"], relayed.c.state == REFUSED)
            )
        refusal = (row.get("meta") or {}).get(REFUSAL) or {}
        name = refusal.get("name", "NodeRejected")
        if refusal.get("contract") is not None:
            decoded = DecodedError(name, refusal.get("args") or {}, "", "", refusal["contract"])
            return ContractError(decoded)
        return ServiceError(name, refusal.get("detail", ""), args=refusal.get("args"))

    def _answer_row(
        self, row: Mapping[str, Any] | None, key: str, *, to: str, data: bytes, timeout: float
    ) -> Relayed:
        """A queued request's answer from its row, once the leader sent or refused it."""
        if row is None:
            raise ServiceError("RequestInProgress", f"key {key} was released; retry")
        return self._resume_shared(row, to=to, data=data, timeout=timeout, replayed=False)

    def _resume_shared(
        self, row: Mapping[str, Any], *, to: str, data: bytes, timeout: float, replayed: bool
    ) -> Relayed:
        """A key's answer when several processes share the queue: this process never sends
        (only the leader does, and a new leader puts back what an old one sent); it waits for
        the key to be sent and for its receipt. A claim whose request died before queueing it
        is queued for the leader."""
        deadline = time.monotonic() + timeout
        while True:
            row = self._await_sent(row, max(deadline - time.monotonic(), 0.1))
            if row["state"] != CLAIMED:
                break
            self._queue_call(row["key"], to, data)  # taken over from a dead request
            fresh = self.find(row["key"])
            if fresh is None:
                raise ServiceError("RequestInProgress", "the first attempt was released; retry")
            row = fresh
        if row["state"] == REFUSED:
            raise self._refusal_of(row)
        stored = dict(row.get("meta") or {})
        meta = {k: v for k, v in stored.items() if k not in PRIVATE_META}
        receipt = self._finish(
            row["key"],
            row["tx_hash"],
            max(deadline - time.monotonic(), 1.0),
            stored.get(BATCH_INDEX),
        )
        return Relayed(row["tx_hash"], receipt, replayed, meta)

    def _put_back_sent(self) -> None:
        """A new relay leader's first step: every sent transaction the node does not know is
        broadcast again (raw bytes from the store); one whose nonce went to another
        transaction has its keys queued again (each order's signed nonce forbids a second
        effect)."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(relayed.c.tx_hash, relayed.c.raw_tx)
                .where(relayed.c.state == SENT, relayed.c.raw_tx.is_not(None))
                .distinct()
            ).all()
        for tx_hash, raw in rows:
            if self._known(tx_hash) is not None:
                continue
            try:
                self._broadcast(bytes(HexBytes(raw)), tx_hash)
                log.warning("relay leader: %s broadcast again", tx_hash)
            except _NonceConflict:
                with self._engine.begin() as conn:
                    conn.execute(
                        update(relayed)
                        .where(relayed.c.tx_hash == tx_hash, relayed.c.state == SENT)
                        .values(state=QUEUED, tx_hash=None, raw_tx=None, updated_at=_now())
                    )
                log.warning("relay leader: %s superseded; its orders are queued again", tx_hash)
        if self.nonces is not None:
            self.nonces.forget()

    def _take_over(self, row: Mapping[str, Any]) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                update(relayed)
                .where(relayed.c.key == row["key"], relayed.c.updated_at == row["updated_at"])
                .values(updated_at=_now())
            )
        return result.rowcount == 1

    def _release(self, key: str, *states: str) -> None:
        """Forget a claim whose transaction was never broadcast (claimed, or in ``states``)."""
        with self._engine.begin() as conn:
            conn.execute(
                delete(relayed).where(relayed.c.key == key, relayed.c.state.in_((CLAIMED, *states)))
            )

    def _set(self, key: str, **values: object) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(relayed).where(relayed.c.key == key).values(updated_at=_now(), **values)
            )


class _NonceConflict(Exception):  # noqa: N818 - internal signal, never reaches a caller
    """The node refused the relayer's nonce."""


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RawTransaction:
    """What the service needs to know of a raw signed transaction."""

    tx_hash: str
    sender: str
    chain_id: int | None
    tx_type: int  # 0 legacy, else the EIP-2718 type (1 access list, 2 dynamic fee, …)
    nonce: int
    to: str | None
    data: bytes
    value: int
    gas: int = 0


# What a node answers when it refuses a party's own signed transaction for one of its fields:
# the party's mistake (4xx), named, never the service's 502.
_REJECTIONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("nonce too low", "already used", "nonce too high"), "TransactionNonceInvalid"),
    (("intrinsic gas too low", "gas too low", "out of gas"), "TransactionGasTooLow"),
    (("insufficient funds",), "TransactionInsufficientFunds"),
    (("exceeds block gas limit", "gas limit reached"), "TransactionGasTooHigh"),
    (("fee per gas less than block base fee", "underpriced", "fee cap", "tip"),
     "TransactionFeeTooLow"),
)  # fmt: skip


def rejection_of(message: str, tx: RawTransaction) -> ServiceError:
    """The named client error for a node's refusal of ``tx`` (``NodeRejected`` if unknown)."""
    text = message.lower()
    args = {"sender": tx.sender, "nonce": tx.nonce, "gas_limit": tx.gas, "node": message}
    for needles, name in _REJECTIONS:
        if any(n in text for n in needles):
            return ServiceError(name, message, args=args)
    return ServiceError("NodeRejected", message, args=args)


def decode_raw_transaction(raw: bytes) -> RawTransaction:
    """Decode a signed legacy (EIP-155) or typed (EIP-2718) transaction.

    Raises ``ValueError`` if ``raw`` is not a signed transaction. ``chain_id`` is ``None``
    for a pre-EIP-155 legacy transaction (valid on every chain, so the service refuses it).
    """
    if not raw:
        raise ValueError("empty transaction")
    sender = Account.recover_transaction(raw)
    if raw[0] <= 0x7F:
        fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        chain_id: int | None = int(fields["chainId"])
        tx_type = raw[0]
    else:
        fields = rlp.decode(raw, LegacyTransaction).as_dict()
        v = int(fields["v"])
        chain_id = (v - 35) // 2 if v >= 35 else None
        tx_type = 0
    to = fields.get("to")
    return RawTransaction(
        tx_hash=_hex(keccak(raw)),
        sender=sender,
        chain_id=chain_id,
        tx_type=tx_type,
        nonce=int(fields["nonce"]),
        to=to_checksum_address(to) if to else None,
        data=bytes(HexBytes(fields.get("data") or b"")),
        value=int(fields.get("value") or 0),
        gas=int(fields.get("gas") or 0),
    )


def _decode_for_call(raw: bytes, sender: str) -> dict[str, Any]:
    tx = decode_raw_transaction(raw)
    return {"from": sender, "to": tx.to, "data": _hex(tx.data), "value": tx.value}
