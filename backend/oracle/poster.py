"""Post computed figures on chain exactly once, even across crashes (R-23).

For every figure the verifier signs an EIP-712 attestation (unordered nonce, deadline) and a
sender (the verifier itself or a relayer) submits ``attestBySig``. The order of steps makes a
rerun after a crash safe:

1. Ask the chain first: if it already holds this verifier's attestation of this kg, the figure
   is done (whatever the local state says).
2. A posting in state ``signed`` may have been broadcast: if the node knows its transaction,
   wait for it; if not, send the same signed attestation again (its nonce can be consumed only
   once on chain, so two transactions carrying it can never both count).
3. Otherwise sign a new attestation, build and sign the transaction, **commit both to the store**
   and only then broadcast.

The contract itself refuses an unchanged re-attestation (``OracleAttestationUnchanged``) and a
used nonce (``OracleNonceUsed``), so even a second transaction cannot post a figure twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from hexbytes import HexBytes
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    TimeExhausted,
    TransactionNotFound,
    Web3RPCError,
)

from backend.oracle.attestation import Attestation, attestation_typed_data, new_nonce
from backend.oracle.contract import ChainAttestation, OracleContract
from backend.oracle.store import (
    CONFIRMED,
    CONFLICT,
    LOCAL,
    PENDING,
    REFUSED,
    SIGNED,
    FigureRow,
    OracleStore,
    PostingRow,
)

DEADLINE_MARGIN = 600  # a stored signature is reused only if it stays valid this much longer
GAS_HEADROOM = 1.25


class Signer(Protocol):
    @property
    def address(self) -> str: ...

    def sign_typed_data(self, data: dict[str, Any]) -> bytes: ...

    def sign_transaction(self, tx: dict[str, Any]) -> tuple[bytes, str]: ...


def _noop(_posting: PostingRow) -> None:
    return None


@dataclass
class Hooks:
    """Points around each broadcast where a caller can observe (or a test interrupt) posting."""

    before_send: Callable[[PostingRow], None] = _noop
    after_send: Callable[[PostingRow], None] = _noop


@dataclass(frozen=True)
class PostOutcome:
    unit: str
    credit_code: str
    pollutant: int
    period: int
    kg: int
    state: str
    tx_hash: str | None
    message: str


@dataclass
class PostReport:
    outcomes: list[PostOutcome] = field(default_factory=list)
    sent: int = 0  # transactions broadcast by this run

    def count(self, state: str) -> int:
        return sum(1 for o in self.outcomes if o.state == state)


Progress = Callable[[str, int, int], None]


@dataclass
class _Sending:
    posting: PostingRow
    figure: FigureRow


class Poster:
    """Posts the store's figures for one verifier through one sender."""

    def __init__(
        self,
        *,
        store: OracleStore,
        oracle: OracleContract,
        signer: Signer,
        sender: Signer | None = None,
        signature_ttl: int = 24 * 3600,
        receipt_timeout: float = 120.0,
        hooks: Hooks | None = None,
    ) -> None:
        self.store = store
        self.oracle = oracle
        self.signer = signer
        self.sender = sender or signer
        self.ttl = signature_ttl
        self.receipt_timeout = receipt_timeout
        self.hooks = hooks or Hooks()
        self.w3 = oracle.w3
        self._next_nonce: int | None = None
        self._head: tuple[int, float] | None = None  # (block time, when read)
        self._gas_price: int | None = None

    # public -------------------------------------------------------------------------------

    def post(
        self,
        *,
        period: int | None = None,
        unit: str | None = None,
        revise: bool = False,
        batch: int = 32,
        progress: Progress | None = None,
    ) -> PostReport:
        """Post every stored figure (of ``period``/``unit``) not yet on chain as computed.

        Only this verifier's own figures (its signed uploads, its command-line runs) and those
        ingested on this machine without a key (``--no-post``); its own come first."""
        mine = self.signer.address
        chosen: dict[tuple[str, int, int], FigureRow] = {}
        for row in self.store.figures(period=period, unit=unit, verifiers=(mine, LOCAL)):
            key = (row.unit, row.pollutant, row.period)
            if key not in chosen or row.verifier == mine:
                chosen[key] = row
        figures = list(chosen.values())
        report = PostReport()
        in_flight: list[_Sending] = []
        for done, figure in enumerate(figures, start=1):
            outcome = self._one(figure, revise=revise, in_flight=in_flight, report=report)
            if outcome is not None:
                report.outcomes.append(outcome)
            if len(in_flight) >= batch:
                self._settle(in_flight, report)
            if progress:
                progress("post", done, len(figures))
        self._settle(in_flight, report)
        return report

    # one figure ---------------------------------------------------------------------------

    def _outcome(
        self, figure: FigureRow, state: str, message: str, tx: str | None = None
    ) -> PostOutcome:
        return PostOutcome(
            figure.unit, figure.credit_code, figure.pollutant, figure.period, figure.kg,
            state, tx, message,
        )  # fmt: skip

    def _one(
        self, figure: FigureRow, *, revise: bool, in_flight: list[_Sending], report: PostReport
    ) -> PostOutcome | None:
        verifier = self.signer.address
        key = (figure.unit, figure.pollutant, figure.period)
        posting = self.store.posting(verifier, *key)
        if posting is None or (posting.kg, posting.evidence) != (figure.kg, figure.evidence):
            if posting is not None and posting.state == SIGNED:
                # a different figure was signed earlier; make sure it is not still on its way
                self._await_known(posting)
            posting = PostingRow(
                verifier=verifier, unit=figure.unit, pollutant=figure.pollutant,
                period=figure.period, kg=figure.kg, evidence=figure.evidence, state=PENDING,
            )  # fmt: skip

        # 1. the chain is the authority
        on_chain = self.oracle.attestation_of(*key, verifier)
        if posting.state == SIGNED and posting.tx_hash and not self._matches(on_chain, figure):
            # 2. a transaction of an earlier run may still be on its way: let it arrive
            known = self._await_known(posting)
            if known == "pending":
                return self._outcome(
                    figure, SIGNED, "sent earlier, not mined yet: rerun to confirm", posting.tx_hash
                )
            if known == "mined":
                on_chain = self.oracle.attestation_of(*key, verifier)
            # mined without the expected effect, or unknown to the node (never broadcast, or
            # dropped): post again, with the same signed attestation while it is valid
            posting.state = PENDING
        if on_chain is not None and self._matches(on_chain, figure):
            message = "already on chain"
            if on_chain.evidence != figure.evidence:
                # same kg from changed files (e.g. another pollutant's column was corrected):
                # the earlier evidence document, still stored, supports the same figure
                message += f" (with the evidence of an earlier computation, {on_chain.evidence})"
            if posting.state != CONFIRMED:
                posting.state, posting.message = CONFIRMED, message
                self.store.save_posting(posting)
            return self._outcome(figure, CONFIRMED, message, posting.tx_hash)

        # 3. may this verifier (still) post it?
        chain_figure = self.oracle.figure(*key)
        refusal = None
        if chain_figure.status == "final":
            refusal = f"figure is final on chain at {chain_figure.kg} kg"
        elif on_chain and chain_figure.status == "disputable":
            refusal = (
                f"on chain this verifier attested {on_chain.kg} kg and the quorum agreed on "
                f"{chain_figure.kg} kg; only the regulator can correct it (until "
                f"{chain_figure.final_at})"
            )
        elif on_chain and not revise:
            posting.state = CONFLICT
            posting.message = (
                f"on chain this verifier attested {on_chain.kg} kg (evidence {on_chain.evidence});"
                f" computed {figure.kg} kg: rerun with --revise to replace it"
            )
            self.store.save_posting(posting)
            return self._outcome(figure, CONFLICT, posting.message)
        if refusal:
            posting.state, posting.message = REFUSED, refusal
            self.store.save_posting(posting)
            return self._outcome(figure, REFUSED, refusal)

        # 4. sign (or reuse the signed attestation) and broadcast
        return self._send(figure, posting, in_flight, report)

    def _chain_time(self) -> int:
        """Deadlines are checked against block time, which may run ahead of this machine's clock
        (read from the node at most once a minute)."""
        now = time.monotonic()
        if self._head is None or now - self._head[1] > 60:
            self._head = (int(self.w3.eth.get_block("latest")["timestamp"]), now)
        return max(self._head[0] + int(now - self._head[1]), int(time.time()))

    @staticmethod
    def _matches(on_chain: ChainAttestation | None, figure: FigureRow) -> bool:
        """Whether the chain holds this verifier's attestation of the figure's kilograms."""
        return on_chain is not None and on_chain.kg == figure.kg

    def _attestation(self, posting: PostingRow) -> tuple[Attestation, bytes]:
        """The stored signed attestation if it can still be used, else a freshly signed one."""
        now = self._chain_time()
        if (
            posting.signature
            and posting.nonce
            and posting.deadline
            and posting.deadline > now + DEADLINE_MARGIN
            and not self.oracle.nonce_used(posting.verifier, int(posting.nonce))
        ):
            attestation = self._attestation_of(posting, int(posting.nonce), posting.deadline)
            return attestation, bytes(HexBytes(posting.signature))
        attestation = self._attestation_of(posting, new_nonce(), now + self.ttl)
        data = attestation_typed_data(self.oracle.domain, attestation)
        return attestation, self.signer.sign_typed_data(data)

    def _attestation_of(self, posting: PostingRow, nonce: int, deadline: int) -> Attestation:
        return Attestation(
            verifier=posting.verifier,
            unit=posting.unit,
            pollutant=posting.pollutant,
            period=posting.period,
            kg=posting.kg,
            evidence=bytes.fromhex(posting.evidence),
            nonce=nonce,
            deadline=deadline,
        )

    def _send(
        self, figure: FigureRow, posting: PostingRow, in_flight: list[_Sending], report: PostReport
    ) -> PostOutcome | None:
        attestation, signature = self._attestation(posting)
        call = self.oracle.contract.functions.attestBySig(attestation.as_tuple(), signature)
        sender = self.sender.address
        try:
            gas = call.estimate_gas({"from": sender})
        except (ContractCustomError, ContractLogicError) as exc:
            reason = self.oracle.decode_error(getattr(exc, "data", None))
            posting.state, posting.message = REFUSED, f"the oracle refuses it: {reason}"
            self.store.save_posting(posting)
            return self._outcome(figure, REFUSED, posting.message)
        if self._next_nonce is None:
            self._next_nonce = self.w3.eth.get_transaction_count(sender, "pending")
        tx = call.build_transaction(
            {
                "from": sender,
                "nonce": self._next_nonce,
                "gas": int(gas * GAS_HEADROOM),
                "gasPrice": self._price(),
                "chainId": self.oracle.domain.chain_id,
            }
        )
        raw, tx_hash = self.sender.sign_transaction(tx)
        posting.state = SIGNED
        posting.nonce, posting.deadline = str(attestation.nonce), attestation.deadline
        posting.signature = "0x" + signature.hex()
        posting.sender, posting.sender_nonce = sender, self._next_nonce
        posting.tx_hash, posting.raw_tx = tx_hash, "0x" + raw.hex()
        posting.block, posting.message = None, None
        posting = self.store.save_posting(posting)  # write-ahead: committed before broadcast
        self.hooks.before_send(posting)
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Web3RPCError as exc:
            self._next_nonce = None  # ask the node again for the next transaction
            if "already known" not in str(exc):
                posting.state, posting.message = PENDING, f"not sent: {exc}"
                self.store.save_posting(posting)
                return self._outcome(figure, PENDING, posting.message)
        else:
            self._next_nonce += 1
        report.sent += 1
        self.hooks.after_send(posting)
        in_flight.append(_Sending(posting, figure))
        return None

    def _price(self) -> int:
        if self._gas_price is None:
            self._gas_price = self.w3.eth.gas_price
        return self._gas_price

    # receipts -----------------------------------------------------------------------------

    def _await_known(self, posting: PostingRow) -> str:
        """Whether an earlier transaction of ``posting`` was mined (``mined``) or is unknown."""
        try:
            tx = self.w3.eth.get_transaction(posting.tx_hash)
        except (TransactionNotFound, Web3RPCError):
            return "unknown"
        if tx is None:
            return "unknown"
        try:
            self.w3.eth.wait_for_transaction_receipt(posting.tx_hash, timeout=self.receipt_timeout)
        except TimeExhausted:
            return "pending"
        return "mined"

    def _settle(self, in_flight: list[_Sending], report: PostReport) -> None:
        """Wait for the receipts of everything broadcast and record the result."""
        for sending in in_flight:
            posting, figure = sending.posting, sending.figure
            try:
                receipt = self.w3.eth.wait_for_transaction_receipt(
                    posting.tx_hash, timeout=self.receipt_timeout
                )
            except TimeExhausted:
                message = "sent, not mined yet: rerun to confirm"
                report.outcomes.append(self._outcome(figure, SIGNED, message, posting.tx_hash))
                continue
            if receipt["status"] == 1:
                posting.state, posting.block, posting.message = (
                    CONFIRMED, receipt["blockNumber"], "posted",
                )  # fmt: skip
            else:
                posting.state, posting.message = PENDING, "transaction reverted: rerun to retry"
            self.store.save_posting(posting)
            report.outcomes.append(
                self._outcome(figure, posting.state, posting.message or "", posting.tx_hash)
            )
        in_flight.clear()
