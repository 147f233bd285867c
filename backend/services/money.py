"""Money in and out of the exchange for companies without the chain's native coin (R-16).

- **Issue** (the settlement bank, an authority with its own key): settlement money is issued to a
  company's wallet against a bank transfer it received; the transfer's reference goes on chain
  as its keccak-256 (a bank reference can identify a person: only the bank keeps the text).
- **Deposit**: the company signs an ERC-2612 ``Permit`` in its wallet (owner, the exchange, the
  amount, nonce, deadline: every field readable); the service relays
  ``Exchange.depositWithPermit``, which moves the money into its trading account.
- **Withdraw** and **redeem** are signed actions (``withdraw``, ``redeem``): back to the wallet,
  then out to a bank account, which the bank confirms (burned) or refuses (returned).
- **Keeper**: acts that anyone may take once their time has come (settle a listing or a lot after
  its end, refund a deposit, end a lease after its term) are relayed without a signature, after
  the same simulation, so a company never has to send them itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_utils import keccak
from hexbytes import HexBytes
from pydantic import ValidationError

from backend.chain.client import Chain, chain_now
from backend.chain.domain import RedemptionStatus
from backend.chain.errors import ServiceError
from backend.chain.reads import Reads
from backend.chain.relayer import Relayer
from backend.chain.signatures import parse_signature
from backend.chain.typed_data import recover_signer, typed_data
from backend.chain.wallet_formats import check_typed_data
from backend.indexer.decode import EventDecoder
from backend.services import payments
from backend.services.actions.pipeline import ActionPolicy, resolve_deadline
from backend.services.operations import Operation, OperationBody, build_transaction

EXCHANGE = "Exchange"


@dataclass(frozen=True)
class Relayed:
    tx_hash: str
    block_number: int
    gas_used: int
    events: list[dict[str, Any]] = field(default_factory=list)
    replayed: bool = False


def _relayed(relayed: Any, events: EventDecoder) -> Relayed:  # noqa: ANN401 - relayer.Relayed
    receipt = relayed.receipt
    return Relayed(
        tx_hash=relayed.tx_hash,
        block_number=int(receipt["blockNumber"]),
        gas_used=int(receipt["gasUsed"]),
        events=[e.summary() for e in events.decode_receipt(receipt)],
        replayed=relayed.replayed,
    )


def _token(chain: Chain) -> Any:  # noqa: ANN401 - a web3 contract
    exchange = chain.contract(EXCHANGE)
    return payments.token_of(chain, exchange)


def prepare_deposit(
    *, chain: Chain, account: str, amount_fen: int, deadline: int | None, policy: ActionPolicy
) -> dict[str, Any]:
    """The ``Permit`` a company signs to pay ``amount_fen`` from its wallet into its trading
    account; its wallet balance is checked first (``PaymentInsufficientBalance``)."""
    if amount_fen <= 0:
        raise ServiceError("RequestInvalid", "amountFen: must be positive")
    token = _token(chain)
    domain = payments.permit_domain(token)
    if domain is None:
        raise ServiceError("ServiceMisconfigured", "the settlement token takes no permits")
    balance = int(token.functions.balanceOf(account).call())
    if balance < amount_fen:
        raise ServiceError(
            "PaymentInsufficientBalance",
            f"{account} holds {balance} fen, the deposit is {amount_fen}",
            args={"holder": account, "balance": balance, "amount": amount_fen},
        )
    deadline = resolve_deadline(chain, deadline, policy)
    message = {
        "owner": account,
        "spender": chain.contract(EXCHANGE).address,
        "value": amount_fen,
        "nonce": int(token.functions.nonces(account).call()),
        "deadline": deadline,
    }
    permit = typed_data(domain, payments.PERMIT, {payments.PERMIT: payments.PERMIT_FIELDS}, message)
    return {"signer": account, "amount_fen": amount_fen, "deadline": deadline, "typed_data": permit}


def deposit_call(chain: Chain, data: Mapping[str, Any], signature: str) -> tuple[dict, bytes]:
    """A signed deposit permit checked (typed data by meaning, spender the exchange, signed by
    its owner): its message and the ``Exchange.depositWithPermit`` call data."""
    token = _token(chain)
    domain = payments.permit_domain(token)
    if domain is None:
        raise ServiceError("ServiceMisconfigured", "the settlement token takes no permits")
    exchange = chain.contract(EXCHANGE)
    message = check_typed_data(
        data, payments.PERMIT, payments.PERMIT_FIELDS, domain, what="a deposit"
    )
    if message["spender"] != exchange.address:
        raise ServiceError(
            "TypedDataMismatch", f"message.spender must be the exchange {exchange.address}"
        )
    owner, value, deadline = message["owner"], message["value"], message["deadline"]
    sig = parse_signature(signature)
    full = typed_data(domain, payments.PERMIT, {payments.PERMIT: payments.PERMIT_FIELDS}, message)
    recovered = recover_signer(full, sig)
    if recovered != owner:
        raise ServiceError(
            "SignerMismatch",
            f"signed by {recovered}, the permit's owner is {owner}",
            args={"signer": recovered, "expected": owner},
        )
    call = exchange.encode_abi(
        "depositWithPermit", args=[owner, value, deadline, sig[64], sig[:32], sig[32:64]]
    )
    return message, bytes(HexBytes(call))


def submit_deposit(
    *,
    chain: Chain,
    relayer: Relayer,
    events: EventDecoder,
    data: Mapping[str, Any],
    signature: str,
    idempotency_key: str | None,
    timeout: float | None = None,
) -> Relayed:
    """Check the signed permit and relay ``Exchange.depositWithPermit`` once."""
    message, call = deposit_call(chain, data, signature)
    token, exchange = _token(chain), chain.contract(EXCHANGE)
    owner, value, deadline = message["owner"], message["value"], message["deadline"]
    sig = parse_signature(signature)
    key = f"key:deposit:{idempotency_key}" if idempotency_key else f"sig:{keccak(sig).hex()}"
    if relayer.find(key) is None:
        now = chain_now(chain)
        if deadline < now:
            raise ServiceError("SignatureExpired", f"permit deadline {deadline} passed ({now})")
        nonce = int(token.functions.nonces(owner).call())
        if message["nonce"] != nonce:
            raise ServiceError(
                "NonceAlreadyUsed", f"permit nonce {message['nonce']} of {owner}: next is {nonce}"
            )
        balance = int(token.functions.balanceOf(owner).call())
        if balance < value:
            raise ServiceError(
                "PaymentInsufficientBalance",
                f"{owner} holds {balance} fen, the deposit is {value}",
                args={"holder": owner, "balance": balance, "amount": value},
            )
        if relayer.address:
            relayer.estimate(sender=relayer.address, to=exchange.address, data=call)
    fingerprint = "0x" + keccak(call).hex()
    relayed = relayer.relay(
        to=exchange.address, data=call, key=key, fingerprint=fingerprint, timeout=timeout
    )
    return _relayed(relayed, events)


# Operations anyone may send once their time has come: the keeper relays them for companies.
KEEPER_OPERATIONS = (
    "settle-listing", "abandon-listing", "settle-lot", "abandon-lot", "refund-deposit",
    "end-lease",
)  # fmt: skip


def keep(
    *,
    chain: Chain,
    relayer: Relayer,
    events: EventDecoder,
    operation: Operation,
    fields: Mapping[str, Any],
    timeout: float | None = None,
) -> Relayed:
    """Simulate ``operation`` from the relayer and relay it once per its arguments."""
    if operation.name not in KEEPER_OPERATIONS:
        raise ServiceError("OperationUnknown", f"{operation.name} is not relayed for anyone")
    if relayer.address is None:
        raise ServiceError("RelayerUnavailable", "no relayer key")
    try:
        body: OperationBody = operation.body.model_validate({**fields, "sender": relayer.address})
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ServiceError("RequestInvalid", detail) from None
    built = build_transaction(chain=chain, operation=operation, body=body)
    canonical = json.dumps([operation.name, built.args], sort_keys=True, separators=(",", ":"))
    key = "keeper:" + keccak(text=canonical).hex()
    data = bytes(HexBytes(built.transaction["data"]))
    relayed = relayer.relay(
        to=built.transaction["to"], data=data, key=key, fingerprint="0x" + key[7:], timeout=timeout
    )
    return _relayed(relayed, events)


def totals(chain: Chain) -> dict[str, int] | None:
    """The settlement money in public (R-16, R-29, R-36): issued against bank transfers,
    redeemed to bank accounts, waiting for the bank's payout, in circulation, and held in the
    members' trading accounts at the exchange; ``None`` without a settlement token."""
    if "SettlementToken" not in chain.deployment.contracts:
        return None
    token = chain.contract("SettlementToken").functions
    reads = Reads(chain.w3)  # the five figures in one round trip (backend/chain/reads.py)
    found = {
        "issued_fen": reads.call(token.totalIssued()),
        "redeemed_fen": reads.call(token.totalRedeemed()),
        "pending_fen": reads.call(token.pendingRedemptions()),
        "supply_fen": reads.call(token.totalSupply()),
    }
    if EXCHANGE in chain.deployment.contracts:
        found["booked_fen"] = reads.call(chain.contract(EXCHANGE).functions.totalBooked())
    reads.send()
    return {"booked_fen": 0, **{name: int(read.value()) for name, read in found.items()}}


def pending_redemptions(chain: Chain, *, scan: int = 200) -> list[dict[str, Any]]:
    """Redemption requests still waiting for the settlement bank, newest first (among the last
    ``scan`` requests), with their amount and the hash of the receiving account."""
    if "SettlementToken" not in chain.deployment.contracts:
        return []
    token = chain.contract("SettlementToken").functions
    count = int(token.redemptionCount().call())
    out = []
    for rid in range(count, max(count - scan, 0), -1):
        holder, amount, account, status = token.redemption(rid).call()
        if status == RedemptionStatus.REQUESTED:
            out.append({"id": rid, "holder": holder, "amount_fen": int(amount),
                        "bank_account": "0x" + bytes(account).hex()})  # fmt: skip
    return out
