"""Signed actions prepared and submitted: checked and relayed by the service.

Every action a company (or any party without a validator node) takes is an EIP-712 struct the
party signs in its own wallet, seeing each field (pollutant, quantity, price, counterparty).
The contract that executes it verifies the signature itself, in ``<action>BySig(...,
uint256 deadline, bytes signature)``; docs/signing.md states the pattern contracts follow.

An :class:`ActionSpec` describes one such action in a few lines; the service derives the rest
from the contract's ABI (the struct's fields are the ``BySig`` function's parameters, with
``nonce`` inserted before ``deadline``). Two functions do the work for every action:

- :func:`prepare_action`: validated request body → typed data to sign (domain read from the
  chain, nonce read from the chain, default deadline), after the contract's pre-check.
- :func:`submit_action`: typed data + signature → signer, deadline and nonce checked, the
  pre-check run again, the ``BySig`` call relayed once per idempotency key, events decoded.

Each of them reads the chain in one round trip (:class:`backend.chain.reads.Reads`: chain time,
the signer's code and nonce, the pre-check, the simulation and, at submit, the relayed call's
gas and fees) and then checks the answers in the order of the rules, so a refusal is the same
as if each read had been made on its own. The domain and the contracts are read once per
deployment (:meth:`ActionRegistry.bind`). The relayer's pending nonce is read in the same
batch; relaying adds the broadcast and the receipt: four round trips per order, prepare and
submit together (tests/backend/test_node_round_trips.py).
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_utils import keccak
from pydantic import ValidationError
from web3.contract import Contract
from web3.exceptions import ContractLogicError, Web3RPCError

from backend.chain.abi import FunctionCall
from backend.chain.client import Chain, chain_now, chain_time, error_decoder
from backend.chain.domain import LEDGER_REASONS
from backend.chain.errors import (
    ContractError,
    DecodedError,
    ServiceError,
    revert_data,
)
from backend.chain.reads import Read, Reads
from backend.chain.relayer import Relayer, SendPlan
from backend.chain.signatures import (
    account_signature,
    contract_signature,
    erc1271_accepts,
    parse_signature,
)
from backend.chain.typed_data import (
    digest_of,
    domain_separator,
    recover_signer,
)
from backend.chain.wallet_formats import check_typed_data
from backend.indexer.decode import EventDecoder
from backend.services import explain, payments
from backend.services.actions.spec import DEADLINE, NONCE, ActionBody, ActionRegistry, BoundAction


@dataclass(frozen=True)
class ActionPolicy:
    """Deadline rules (from settings)."""

    ttl_seconds: int = 3600
    max_ttl_seconds: int = 30 * 86400
    min_margin_seconds: int = 30


@dataclass(frozen=True)
class PreparedAction:
    action: str
    signer: str
    nonce: int
    deadline: int
    typed_data: dict[str, Any]
    digest: str
    domain_separator: str
    payment: dict[str, Any] | None = None
    permit: dict[str, Any] | None = None


@dataclass(frozen=True)
class SubmittedAction:
    action: str
    signer: str
    nonce: int
    tx_hash: str
    block_number: int
    block_hash: str
    gas_used: int
    events: list[dict[str, Any]] = field(default_factory=list)
    replayed: bool = False
    permit_tx_hash: str | None = None


def resolve_deadline(
    chain: Chain, deadline: int | None, policy: ActionPolicy, *, now: int | None = None
) -> int:
    """The deadline of an action to prepare: the default TTL, or the requested one if in range.

    ``now``: the chain time when the caller read it already (else it is read)."""
    now = chain_now(chain) if now is None else now
    if deadline is None:
        return now + policy.ttl_seconds
    if not now + policy.min_margin_seconds <= deadline <= now + policy.max_ttl_seconds:
        raise ServiceError(
            "DeadlineOutOfRange",
            f"deadline {deadline} must lie between {now + policy.min_margin_seconds} and "
            f"{now + policy.max_ttl_seconds} (chain time {now})",
            args={"deadline": deadline, "now": now},
        )
    return deadline


def prepare_action(
    *,
    chain: Chain,
    actions: ActionRegistry,
    name: str,
    body: ActionBody,
    deadline: int | None,
    policy: ActionPolicy,
) -> PreparedAction:
    """The typed data ``body``'s signer is to sign, after the contract's pre-check."""
    bound = actions.bind(chain, name)
    message = body.model_dump(by_alias=True)
    signer = message[bound.spec.signer_field]
    reads = Reads(chain.w3)
    head = reads.block()
    check = _precheck_read(reads, bound, message)
    simulation = _simulate_read(reads, bound, message, signer)
    next_nonce = (
        reads.call(FunctionCall(bound.contract, "nonces", [signer])) if _ordered(bound) else None
    )
    reads.send()
    deadline = resolve_deadline(chain, deadline, policy, now=chain_time(head.value()))
    _precheck(bound, message, result=check)
    # the rules first (an allowance still to be given is not a refusal yet), then the money
    _simulate(
        chain,
        bound,
        message,
        signer,
        permit_follows=bound.spec.payment is not None,
        result=simulation,
    )
    plan = _payment_plan(chain, bound, message, signer, deadline)
    nonce = int(next_nonce.value()) if next_nonce is not None else _next_nonce(bound, signer)
    full = bound.full({**message, NONCE: nonce, DEADLINE: deadline})
    return PreparedAction(
        action=name,
        signer=signer,
        nonce=nonce,
        deadline=deadline,
        typed_data=full,
        digest="0x" + digest_of(full).hex(),
        domain_separator="0x" + domain_separator(full["domain"]).hex(),
        payment=plan.as_dict() if plan else None,
        permit=plan.permit if plan else None,
    )


UNORDERED_NONCE_BITS = 52  # stays exact in every JSON parser (JavaScript numbers)


def _ordered(bound: BoundAction) -> bool:
    """Whether the action's nonces are the signer's next one (``nonces(signer)``)."""
    return bound.spec.unordered_nonce is None


def _next_nonce(bound: BoundAction, signer: str) -> int:
    """The signer's next nonce, or a fresh unused one for contracts with unordered nonces."""
    used = bound.spec.unordered_nonce
    if used is None:
        return int(bound.contract.functions.nonces(signer).call())
    while True:
        nonce = secrets.randbits(UNORDERED_NONCE_BITS)
        if not getattr(bound.contract.functions, used)(signer, nonce).call():
            return nonce


def _payment_plan(
    chain: Chain, bound: BoundAction, message: Mapping[str, Any], signer: str, deadline: int
) -> payments.PaymentPlan | None:
    pay = bound.spec.payment
    if pay is None or pay.amount(message) == 0:
        return None
    return payments.plan_payment(
        chain=chain,
        token=payments.token_of(chain, bound.contract, pay.token_getter),
        owner=signer,
        spender=bound.contract.address,
        amount=pay.amount(message),
        deadline=deadline,
    )


def submit_action(
    *,
    chain: Chain,
    actions: ActionRegistry,
    relayer: Relayer,
    events: EventDecoder,
    name: str,
    data: Mapping[str, Any],
    signature: str,
    idempotency_key: str | None,
    policy: ActionPolicy,
    timeout: float | None = None,
    permit: Mapping[str, Any] | None = None,
    admit: Callable[[str], None] | None = None,
) -> SubmittedAction:
    """Check a signed action and relay it once (see the module docstring for the order).

    ``permit`` (``{"typed_data", "signature"}``) is the signer's ERC-2612 permit for what the
    action pays; it is checked with the action and relayed just before it. ``admit(signer)``
    applies the signer's rate limit once the signature is known to be its (429 RateLimited).
    """
    bound = actions.bind(chain, name)
    message = _validated_message(bound, data)
    full = bound.full(message)
    signer = message[bound.spec.signer_field]
    # every read of the checks below in one round trip; the relayed call's gas and fees too
    # when the signature has the form of an account's (a contract wallet's may not)
    reads = Reads(chain.w3)
    code = reads.code(signer)
    head = reads.block()
    used = _nonce_read(reads, bound, signer, message[NONCE])
    check = _precheck_read(reads, bound, message)
    simulation = _simulate_read(reads, bound, message, signer)
    account_sig = account_signature(signature)
    planned_data = bound.call_data(message, account_sig) if account_sig else None
    send_plan = (
        relayer.plan(reads, to=bound.contract.address, data=planned_data)
        if planned_data is not None
        else None
    )
    reads.send()
    if code.value():  # a contract wallet (ERC-1271), e.g. a multi-signature
        sig = contract_signature(signature)
        if not erc1271_accepts(chain, signer, digest_of(full), sig):
            raise ServiceError(
                "SignerMismatch", f"the contract wallet {signer} does not accept this signature"
            )
    else:
        sig = parse_signature(signature)
        if recover_signer(full, sig) != signer:
            # the address recovered from other terms is a meaningless one: it is not named
            raise ServiceError(
                "SignerMismatch",
                f"the signature is not that of {signer} (the action's "
                f"{bound.spec.signer_field}) over these terms",
                args={"expected": signer},
            )
    if admit is not None:  # the signer's own rate, once the signature is known to be its
        admit(signer)
    key, fingerprint = _idempotency(bound, message, sig, idempotency_key, signer)
    if sig == account_sig and planned_data is not None:
        call_data = planned_data
    else:
        call_data = bound.call_data(message, sig)
        send_plan = None  # the relayer estimates the call it sends itself
    permit_hash = None
    permit_data = None
    hold: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if relayer.find(key) is None:
        now = chain_time(head.value())
        _check_fresh(chain, bound, message, signer, policy, now=now, used=used)
        _precheck(bound, message, relayer=relayer, signature=sig, result=check, plan=send_plan)
        permit_data = _permit_call(chain, bound, message, signer, permit, now=now)
        _simulate(
            chain,
            bound,
            message,
            signer,
            permit_follows=permit_data is not None,
            result=simulation,
        )
        # simulated as this signer's next step: one request per signer and nonce goes ahead
        slot = f"{bound.contract.address}:{signer}:{message[NONCE]}"
        hold = relayer.holding([slot], key=key, signature="0x" + keccak(sig).hex())
        if permit_data is not None:
            send_plan = None  # the permit's transaction comes first: the estimate is stale
    with hold:
        if permit_data is not None:
            token, call = permit_data
            permit_hash = relayer.relay(
                to=token,
                data=call,
                key=f"{key}:permit",
                fingerprint=payments.permit_fingerprint(call),
                timeout=timeout,
            ).tx_hash
        relayed = relayer.relay(
            to=bound.contract.address,
            data=call_data,
            key=key,
            fingerprint=fingerprint,
            timeout=timeout,
            meta={NONCE: message[NONCE]},
            plan=send_plan,
        )
    receipt = relayed.receipt
    return SubmittedAction(
        action=name,
        signer=signer,
        nonce=int(relayed.meta.get(NONCE, message[NONCE])),
        tx_hash=relayed.tx_hash,
        block_number=int(receipt["blockNumber"]),
        block_hash="0x" + bytes(receipt["blockHash"]).hex(),
        gas_used=int(receipt["gasUsed"]),
        events=[e.summary() for e in events.decode_receipt(receipt)],
        replayed=relayed.replayed,
        permit_tx_hash=permit_hash,
    )


def _permit_call(
    chain: Chain,
    bound: BoundAction,
    message: Mapping[str, Any],
    signer: str,
    permit: Mapping[str, Any] | None,
    *,
    now: int | None = None,
) -> tuple[str, bytes] | None:
    """The checked permit's (token, call data), or ``None`` when none is needed or given."""
    pay = bound.spec.payment
    if permit is None:
        return None
    if pay is None or pay.amount(message) == 0:
        raise ServiceError("TypedDataMismatch", f"{bound.spec.name} pays nothing: no permit")
    token = payments.token_of(chain, bound.contract, pay.token_getter)
    call = payments.permit_call(
        token=token,
        data=permit.get("typed_data") or {},
        signature=parse_signature(permit.get("signature", "")),
        owner=signer,
        spender=bound.contract.address,
        amount=pay.amount(message),
        now=chain_now(chain) if now is None else now,
    )
    return token.address, call


def _simulate(
    chain: Chain,
    bound: BoundAction,
    message: Mapping[str, Any],
    signer: str,
    *,
    permit_follows: bool = False,
    result: Read | None = None,
) -> None:
    """Run the action's unsigned twin as the signer (``eth_call``); a revert is the refusal.

    With a permit to follow, a missing allowance is expected and not a refusal (every rule of
    the ledger runs before the money is drawn). ``result``: the simulation already read in a
    batch (:func:`_simulate_read`).
    """
    if bound.spec.guard is not None:
        refused = bound.spec.guard(chain, message)
        if refused is not None:
            raise ContractError(refused)
    sim = bound.spec.simulate
    if sim is None or bound.simulate_contract is None:
        return
    if sim.terms is not None:
        mismatch = sim.terms(bound.contract, message)
        if mismatch is not None:
            raise ContractError(mismatch)
    try:
        if result is not None:
            result.value()
        else:
            _simulation_call(bound, message).call({"from": signer})
    except (ContractLogicError, Web3RPCError) as exc:
        data = revert_data(exc)
        if data is None and not isinstance(exc, ContractLogicError):
            raise
        decoded = error_decoder(chain).decode(data)
        if permit_follows and decoded.name == "ERC20InsufficientAllowance":
            return
        raise ContractError(decoded) from None


def _simulation_call(bound: BoundAction, message: Mapping[str, Any]) -> Any:  # noqa: ANN401
    sim = bound.spec.simulate
    assert sim is not None and bound.simulate_contract is not None
    args = sim.args(message) if sim.args else [message[n] for n in bound.call_inputs[1:]]
    return FunctionCall(bound.simulate_contract, sim.function, args)


def _simulate_read(
    reads: Reads, bound: BoundAction, message: Mapping[str, Any], signer: str
) -> Read | None:
    """The action's simulation, added to ``reads`` (``None`` for actions without one)."""
    if bound.spec.simulate is None or bound.simulate_contract is None:
        return None
    return reads.call(_simulation_call(bound, message), sender=signer)


def _validated_message(bound: BoundAction, data: Mapping[str, Any]) -> dict[str, Any]:
    """The message of submitted typed data, checked against what this action signs.

    Typed data that means the same is the same (docs/signing.md): ``chainId`` and uints as
    numbers, decimal or hex strings, addresses in any case, ``EIP712Domain`` declared or left
    to the domain (as ethers does). The values are read by their types, so the digest the
    service checks the signature against is the one the wallet signed; only a different
    meaning is refused, naming the field.
    """
    spec = bound.spec
    message = check_typed_data(
        data, spec.struct_name, bound.fields, bound.domain, what=f"the {spec.name} action"
    )
    counters = {NONCE: message[NONCE], DEADLINE: message[DEADLINE]}
    try:
        body = spec.body.model_validate({k: v for k, v in message.items() if k not in counters})
    except ValidationError as exc:
        detail = "; ".join(
            f"message.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ServiceError("RequestInvalid", detail) from None
    return {**body.model_dump(by_alias=True), **counters}


def request_key(action: str, signer: str, header: str) -> str:
    """A client's ``Idempotency-Key`` as the relayer stores it: scoped to the action and the
    signer, so two parties may use the same key without touching each other's requests."""
    return f"key:{action}:{signer}:{header}"


def _idempotency(
    bound: BoundAction, message: Mapping[str, Any], sig: bytes, header: str | None, signer: str
) -> tuple[str, str]:
    """The relay key (client's ``Idempotency-Key`` or the signature) and request fingerprint.

    The fingerprint covers the action and its business fields, not nonce and deadline, so a
    client that re-prepares and re-signs the same request after a timeout, with the same
    key, gets the first transaction back instead of a second effect.
    """
    business = {k: v for k, v in message.items() if k not in (NONCE, DEADLINE)}
    canonical = json.dumps([bound.spec.name, business], sort_keys=True, separators=(",", ":"))
    fingerprint = "0x" + keccak(text=canonical).hex()
    if header is not None:
        return request_key(bound.spec.name, signer, header), fingerprint
    return f"sig:{keccak(sig).hex()}", fingerprint


def _check_fresh(
    chain: Chain,
    bound: BoundAction,
    message: Mapping[str, Any],
    signer: str,
    policy: ActionPolicy,
    *,
    now: int | None = None,
    used: Read | None = None,
) -> None:
    """Deadline and nonce; ``now`` and ``used`` (:func:`_nonce_read`) when already read."""
    check_not_expired(chain, message[DEADLINE], policy, now=now)
    if bound.spec.unordered_nonce is not None:
        if used is not None:
            taken = bool(used.value())
        else:
            view = getattr(bound.contract.functions, bound.spec.unordered_nonce)
            taken = bool(view(signer, message[NONCE]).call())
        if taken:
            raise ServiceError(
                "NonceAlreadyUsed",
                f"nonce {message[NONCE]} of {signer} was used or cancelled",
                args={"nonce": message[NONCE]},
            )
        return
    current = int(used.value()) if used is not None else None
    check_next_nonce(bound.contract, signer, message[NONCE], current=current)


def _nonce_read(reads: Reads, bound: BoundAction, signer: str, nonce: int) -> Read:
    """What :func:`_check_fresh` reads of the nonce: the next one, or whether ``nonce`` is used."""
    if bound.spec.unordered_nonce is None:
        return reads.call(FunctionCall(bound.contract, "nonces", [signer]))
    return reads.call(FunctionCall(bound.contract, bound.spec.unordered_nonce, [signer, nonce]))


def check_not_expired(
    chain: Chain, deadline: int, policy: ActionPolicy, *, now: int | None = None
) -> None:
    """A signed deadline must leave the relay its safety margin of chain time."""
    now = chain_now(chain) if now is None else now
    if deadline < now + policy.min_margin_seconds:
        raise ServiceError(
            "SignatureExpired",
            f"deadline {deadline} is past or within {policy.min_margin_seconds} s "
            f"of chain time {now}",
            args={"deadline": deadline, "now": now},
        )


def check_next_nonce(
    contract: Contract, signer: str, nonce: int, *, current: int | None = None
) -> None:
    """``nonce`` must be ``signer``'s next one at ``contract`` (``nonces(signer)``; ``current``
    when already read)."""
    if current is None:
        current = int(contract.functions.nonces(signer).call())
    if nonce < current:
        raise ServiceError(
            "NonceAlreadyUsed",
            f"nonce {nonce} of {signer} was used; the next one is {current}",
            args={"nonce": nonce, "current": current},
        )
    if nonce > current:
        raise ServiceError(
            "NonceNotNext",
            f"nonce {nonce} of {signer} is ahead of the next one, {current}",
            args={"nonce": nonce, "current": current},
        )


def _precheck(
    bound: BoundAction,
    message: Mapping[str, Any],
    *,
    relayer: Relayer | None = None,
    signature: bytes | None = None,
    result: Read | None = None,
    plan: SendPlan | None = None,
) -> None:
    """Run the contract's pre-check; a non-zero reason code raises the error it names.

    With a signature at hand the ``BySig`` call is simulated too, so the error carries the
    contract's own arguments (needed, available …), not just the name. ``result``: the
    pre-check already read in a batch (:func:`_precheck_read`); ``plan``: the relayed call's
    gas estimate read with it (the simulation of the ``BySig`` call).
    """
    spec = bound.spec
    check = spec.pre_check
    if check is None or bound.precheck_contract is None:
        return
    try:
        answer = result.value() if result is not None else _precheck_call(bound, message).call()
    except ContractLogicError as exc:
        raise ServiceError("ServiceMisconfigured", f"pre-check {check.function} reverted") from exc
    code = int(answer[0] if isinstance(answer, list | tuple) else answer)
    if code == 0:
        return
    name = spec.reasons[code] if code < len(spec.reasons) else f"UnknownReason{code}"
    values: dict[str, Any] = {}
    if spec.reasons is LEDGER_REASONS and isinstance(answer, list | tuple) and len(answer) >= 3:
        values = explain.rule_args(code, int(answer[1]), int(answer[2]))
    decoded = DecodedError(name, values, "", "", spec.contract)
    if plan is not None:
        try:
            plan.gas()
        except ContractError as exc:
            if exc.name == name:
                decoded = exc.decoded
    elif relayer is not None and signature is not None and relayer.address:
        try:
            relayer.estimate(
                sender=relayer.address,
                to=bound.contract.address,
                data=bound.call_data(message, signature),
            )
        except ContractError as exc:
            if exc.name == name:
                decoded = exc.decoded
    subject = {k: message[k] for k in ("pollutant",) if k in message}
    subject["holder"] = message[spec.signer_field]
    raise ContractError(decoded, reason_code=code, subject=subject)


def _precheck_call(bound: BoundAction, message: Mapping[str, Any]) -> Any:  # noqa: ANN401
    check = bound.spec.pre_check
    assert check is not None and bound.precheck_contract is not None
    args = check.args(message) if check.args else [message[n] for n in bound.call_inputs]
    return FunctionCall(bound.precheck_contract, check.function, args)


def _precheck_read(reads: Reads, bound: BoundAction, message: Mapping[str, Any]) -> Read | None:
    """The action's pre-check, added to ``reads`` (``None`` for actions without one)."""
    if bound.spec.pre_check is None or bound.precheck_contract is None:
        return None
    return reads.call(_precheck_call(bound, message))
