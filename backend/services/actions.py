"""Signed actions: what a party signs in its own wallet, checked and relayed by the service.

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
import re
import secrets
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from eth_abi import encode as abi_encode
from eth_account.messages import encode_typed_data, hash_domain
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from web3.contract import Contract
from web3.exceptions import ContractLogicError, Web3RPCError

from backend.chain.client import Chain
from backend.chain.domain import Op, Origin, Reason, TradeMode, camel
from backend.chain.errors import (
    ConfigurationError,
    ContractError,
    DecodedError,
    ErrorDecoder,
    ServiceError,
    revert_data,
)
from backend.chain.reads import Read, Reads
from backend.chain.relayer import Relayer, SendPlan
from backend.chain.typed_data import Domain, Fields, domain_of, recover_signer, typed_data
from backend.chain.wallet_formats import check_typed_data, domain_problem
from backend.indexer.decode import EventDecoder
from backend.services import explain, payments

# ---------------------------------------------------------------------------------------------
# Field types of request bodies (shared by every route that takes chain values)

SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


def checksummed(value: str) -> str:
    """An address in any case, returned in its EIP-55 checksum form.

    Browser wallets (MetaMask and most EIP-1193 wallets) hand out accounts in lower case, so
    an address all in lower (or upper) case is taken as it is. A mixed-case address carries
    the EIP-55 checksum: one that does not match it has a typo and is refused (as ethers'
    ``getAddress`` does).
    """
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
        raise ValueError("not an address: expected 0x followed by 40 hex digits")
    digits = value[2:]
    form = to_checksum_address(value)
    if digits != digits.lower() and digits != digits.upper() and form != value:
        raise ValueError(
            f"the EIP-55 checksum of this mixed-case address is wrong (did you mean {form}?)"
        )
    return form


def uint(bits: int, description: str = "") -> Any:  # noqa: ANN401 - a type alias
    """A JSON integer (never a string, float or bool) in ``0 … 2**bits - 1``."""
    return Annotated[
        int,
        Field(strict=True, ge=0, le=2**bits - 1, description=description or f"uint{bits}"),
    ]


Address = Annotated[
    str,
    StringConstraints(strict=True),
    AfterValidator(checksummed),
    Field(
        description="address: any case; a mixed-case one must carry its EIP-55 checksum",
        examples=["0xBcd4042DE499D14e55001CcbB24a551F3b954096"],
    ),
]
Uint8 = uint(8)
Uint16 = uint(16)
Uint32 = uint(32)
Uint64 = uint(64)
Uint256 = uint(256)
Kg = uint(64, "quantity in kilograms (integer, R-01)")
Fen = uint(128, "money in fen (0.01 CNY, integer)")
Bytes32 = Annotated[str, StringConstraints(strict=True, pattern=r"^0x[0-9a-fA-F]{64}$")]


class ActionBody(BaseModel):
    """Base of action request bodies: unknown fields are refused, aliases are the struct's."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


# ---------------------------------------------------------------------------------------------
# The action registry

NONCE, DEADLINE, SIGNATURE = "nonce", "deadline", "signature"


@dataclass(frozen=True)
class PreCheck:
    """A read-only pre-check whose first return value is a reason code (0 = allowed).

    ``contract`` defaults to the action's own; ``args`` builds the call's arguments from the
    message (default: the action's fields in the ``BySig`` function's order).
    """

    function: str
    contract: str | None = None
    args: Callable[[Mapping[str, Any]], Sequence[Any]] | None = None


@dataclass(frozen=True)
class Simulation:
    """A pre-check for a contract without a reason-code view: the action's unsigned twin
    (``surrender`` for ``surrenderBySig``) simulated with ``eth_call`` from the signer.

    The twin runs the same rules as the ``BySig`` function, so its revert is the custom error
    the signed action would meet; it is decoded and answered like any refusal. ``args`` builds
    the twin's arguments from the message (default: the action's fields after the signer).
    ``terms`` (optional) checks that the message's terms equal those on chain (e.g. the
    accepted lease's rent) and returns the custom error to raise otherwise.
    """

    function: str
    contract: str | None = None
    args: Callable[[Mapping[str, Any]], Sequence[Any]] | None = None
    terms: Callable[[Contract, Mapping[str, Any]], DecodedError | None] | None = None


@dataclass(frozen=True)
class Payment:
    """Money the signer pays in the action, drawn by the action's contract from the signer's
    allowance (an ERC-20 ``transferFrom``): ``amount`` from the message; the token is the
    contract's ``money()``. See :mod:`backend.services.payments`."""

    amount: Callable[[Mapping[str, Any]], int]
    token_getter: str = "money"  # noqa: S105 - a view's name


@dataclass(frozen=True)
class ActionSpec:
    """One signable action. Everything else is derived from the contract's ABI.

    ``body`` lists the fields the actor fills in (every struct field but ``nonce`` and
    ``deadline``), named (or aliased) as in the struct. By default the struct is the
    ``BySig`` function's parameters plus ``nonce, deadline``; ``struct`` gives the contract's
    EIP-712 type string instead when its field names differ from the parameter names (the
    types must match position by position). ``reasons[code]`` is the custom error named by
    the pre-check's reason code ``code`` (``reasons[0]`` is ``"Ok"``).

    ``simulate`` is the pre-check of contracts without a reason-code view; ``payment`` says what
    the signer pays (the service then offers an ERC-2612 permit to sign with the action);
    ``struct_argument`` is for ``f(Struct calldata s, bytes signature)`` functions (the struct's
    components are the fields); ``unordered_nonce`` names the view ``(signer, nonce) → used``
    of contracts whose nonces are any unused number rather than the next one. ``call_args``
    builds the ``BySig`` call's arguments (before deadline and signature) from the message when
    they are not the struct's fields one for one (a function that takes the terms as a tuple, or
    that finds the signer from an id); ``struct`` is then required. ``guard`` is a check of its
    own before anything is signed (e.g. the signer's balance), returning the error to raise.
    """

    name: str
    contract: str
    function: str
    body: type[ActionBody]
    summary: str
    precheck: str | PreCheck | None = None
    precheck_args: tuple[str, ...] | None = None
    reasons: tuple[str, ...] = ("Ok",)
    signer: str | None = None
    primary_type: str | None = None
    typehash: str | None = None
    struct: str | None = None
    simulate: Simulation | None = None
    payment: Payment | None = None
    struct_argument: bool = False
    unordered_nonce: str | None = None
    call_args: Callable[[Mapping[str, Any]], Sequence[Any]] | None = None
    guard: Callable[[Chain, Mapping[str, Any]], DecodedError | None] | None = None

    @property
    def struct_name(self) -> str:
        """The struct's name: from ``struct``, else ``transferBySig`` → ``Transfer``."""
        if self.struct:
            return self.struct.split("(", 1)[0].strip()
        if self.primary_type:
            return self.primary_type
        base = self.function.removesuffix("BySig")
        return base[:1].upper() + base[1:]

    @property
    def pre_check(self) -> PreCheck | None:
        if isinstance(self.precheck, str):
            args = self.precheck_args
            return PreCheck(self.precheck, args=(lambda m: [m[n] for n in args]) if args else None)
        return self.precheck

    def body_fields(self) -> list[str]:
        return [f.alias or name for name, f in self.body.model_fields.items()]

    @property
    def signer_field(self) -> str:
        return self.signer or self.body_fields()[0]


@dataclass(frozen=True)
class BoundAction:
    """An action bound to its deployed contract: the domain and struct read from the chain."""

    spec: ActionSpec
    contract: Contract
    domain: Domain
    fields: Fields
    call_inputs: tuple[str, ...]
    precheck_contract: Contract | None = None
    simulate_contract: Contract | None = None

    @property
    def types(self) -> dict[str, Fields]:
        return {self.spec.struct_name: self.fields}

    def encode_type(self) -> str:
        inner = ",".join(f"{t} {n}" for n, t in self.fields)
        return f"{self.spec.struct_name}({inner})"

    def full(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """The typed data for ``message`` (fields in struct order)."""
        ordered = {name: message[name] for name, _ in self.fields}
        return typed_data(self.domain, self.spec.struct_name, self.types, ordered)

    def call_data(self, message: Mapping[str, Any], signature: bytes) -> bytes:
        """Calldata of ``<action>BySig(..., deadline, signature)`` for a signed message."""
        if self.spec.struct_argument:
            struct = tuple(message[name] for name, _ in self.fields)
            encoded = self.contract.encode_abi(self.spec.function, args=[struct, signature])
            return bytes(HexBytes(encoded))
        if self.spec.call_args is not None:  # the function's own arguments (e.g. a tuple)
            args = list(self.spec.call_args(message))
        else:
            args = [message[name] for name in self.call_inputs]
        encoded = self.contract.encode_abi(
            self.spec.function, args=[*args, message[DEADLINE], signature]
        )
        return bytes(HexBytes(encoded))

    def counter_bits(self, name: str) -> int:
        """Bits of the ``nonce`` or ``deadline`` field (uint256, or uint64 for some structs)."""
        kind = dict(self.fields)[name]
        return int(kind.removeprefix("uint") or 256)


class ActionRegistry:
    """The signable actions the service offers, by URL name."""

    def __init__(self, specs: Iterable[ActionSpec] = ()) -> None:
        self._specs: dict[str, ActionSpec] = {}
        self._bound: dict[tuple[int, str, str], BoundAction] = {}
        self._lock = threading.Lock()
        for spec in specs:
            self.add(spec)

    def add(self, spec: ActionSpec) -> ActionSpec:
        if spec.name in self._specs:
            raise ValueError(f"action {spec.name!r} registered twice")
        if not re.fullmatch(r"[a-z][a-z0-9-]*", spec.name):
            raise ValueError(f"action name {spec.name!r}: use lower-case words and dashes")
        self._specs[spec.name] = spec
        return spec

    def __iter__(self) -> Iterator[ActionSpec]:
        return iter(self._specs.values())

    def spec(self, name: str) -> ActionSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise ServiceError("ActionUnknown", f"no action named {name!r}") from None

    def bind(self, chain: Chain, name: str) -> BoundAction:
        """The action bound to ``chain``'s deployment (cached; one domain read per contract)."""
        spec = self.spec(name)
        record = chain.deployment.contracts.get(spec.contract)
        if record is None:
            raise ServiceError(
                "ActionUnavailable", f"contract {spec.contract} is not in the deployment record"
            )
        key = (chain.deployment.chain_id, record.address, spec.name)
        with self._lock:
            bound = self._bound.get(key)
        if bound is None:
            bound = _bind(spec, chain)
            with self._lock:
                self._bound[key] = bound
        return bound

    def check(self, chain: Chain) -> list[str]:
        """Problems of every deployed action against its contract (empty when consistent)."""
        problems = []
        for spec in self:
            if spec.contract not in chain.deployment.contracts:
                continue
            try:
                bound = self.bind(chain, spec.name)
                if spec.typehash:
                    on_chain = bytes(getattr(bound.contract.functions, spec.typehash)().call())
                    if on_chain != keccak(text=bound.encode_type()):
                        problems.append(
                            f"{spec.name}: {spec.typehash} on chain is not "
                            f"keccak256({bound.encode_type()!r})"
                        )
            except ServiceError as exc:
                problems.append(f"{spec.name}: {exc.detail}")
        return problems


def _function_abi(contract: Contract, name: str) -> dict[str, Any]:
    items = [i for i in contract.abi if i.get("type") == "function" and i.get("name") == name]
    if len(items) != 1:
        raise ConfigurationError(f"{name} is not one function of the contract's ABI")
    return items[0]


def _parse_struct(text: str) -> Fields:
    match = re.fullmatch(r"\s*\w+\((.*)\)\s*", text)
    if not match:
        raise ConfigurationError(f"not an EIP-712 type string: {text!r}")
    fields = [tuple(p.split()) for p in match.group(1).split(",") if p.strip()]
    if any(len(f) != 2 for f in fields):
        raise ConfigurationError(f"not an EIP-712 type string: {text!r}")
    return [(name, kind) for kind, name in fields]


def _bind(spec: ActionSpec, chain: Chain) -> BoundAction:
    contract = chain.contract(spec.contract)
    fn = _function_abi(contract, spec.function)
    if spec.struct_argument:
        return _bind_struct_argument(spec, chain, contract, fn)
    inputs = [(i["name"], i["type"]) for i in fn["inputs"]]
    if inputs[-2:] != [(DEADLINE, "uint256"), (SIGNATURE, "bytes")]:
        raise ConfigurationError(
            f"{spec.function} must end with (uint256 deadline, bytes signature)"
        )
    params = inputs[:-2]
    if spec.call_args is None and any(t.startswith("tuple") for _, t in params):
        raise ConfigurationError(f"{spec.function}: signed structs are flat (no tuple fields)")
    if spec.struct:
        fields = _parse_struct(spec.struct)
        if fields[-2:] != [(NONCE, "uint256"), (DEADLINE, "uint256")]:
            raise ConfigurationError(f"{spec.struct}: must end with nonce, deadline")
        call_inputs = fields[:-2]
        if spec.call_args is None and [t for _, t in call_inputs] != [t for _, t in params]:
            raise ConfigurationError(
                f"{spec.struct}: field types differ from {spec.function} parameters {params}"
            )
    else:
        call_inputs = params
        fields = [*params, (NONCE, "uint256"), (DEADLINE, "uint256")]
    names = [n for n, _ in call_inputs]
    if sorted(names) != sorted(spec.body_fields()):
        raise ConfigurationError(
            f"{spec.name}: body fields {spec.body_fields()} differ from "
            f"{spec.function} parameters {names}"
        )
    if dict(call_inputs).get(spec.signer_field) != "address":
        raise ConfigurationError(f"{spec.name}: signer field {spec.signer_field!r} not an address")
    check_contract, simulate_contract = _bind_checks(spec, chain, contract, names)
    return BoundAction(
        spec, contract, domain_of(contract), fields, tuple(names), check_contract, simulate_contract
    )


def _bind_struct_argument(
    spec: ActionSpec, chain: Chain, contract: Contract, fn: Mapping[str, Any]
) -> BoundAction:
    """``f(Struct calldata s, bytes signature)``: the struct's components are the fields."""
    inputs = fn["inputs"]
    if len(inputs) != 2 or inputs[0]["type"] != "tuple" or inputs[1]["type"] != "bytes":
        raise ConfigurationError(f"{spec.function} must take (Struct, bytes signature)")
    fields = [(c["name"], c["type"]) for c in inputs[0]["components"]]
    if [n for n, _ in fields[-2:]] != [NONCE, DEADLINE]:
        raise ConfigurationError(f"{spec.function}: the struct must end with nonce, deadline")
    names = [n for n, _ in fields[:-2]]
    if sorted(names) != sorted(spec.body_fields()):
        raise ConfigurationError(f"{spec.name}: body fields differ from the struct's {names}")
    check_contract, simulate_contract = _bind_checks(spec, chain, contract, names)
    return BoundAction(
        spec, contract, domain_of(contract), fields, tuple(names), check_contract, simulate_contract
    )


def _bind_checks(
    spec: ActionSpec, chain: Chain, contract: Contract, names: list[str]
) -> tuple[Contract | None, Contract | None]:
    """The contracts of the action's reason-code pre-check and of its simulation."""
    simulate_contract = None
    if spec.simulate is not None:
        other = spec.simulate.contract
        if other and other not in chain.deployment.contracts:
            raise ConfigurationError(f"simulation contract {other} is not deployed")
        simulate_contract = chain.contract(other) if other else contract
        _function_abi(simulate_contract, spec.simulate.function)
    check = spec.pre_check
    check_contract = None
    if check is not None:
        if check.contract and check.contract not in chain.deployment.contracts:
            raise ConfigurationError(f"pre-check contract {check.contract} is not deployed")
        check_contract = chain.contract(check.contract) if check.contract else contract
        abi = _function_abi(check_contract, check.function)
        if check.args is None and len(abi["inputs"]) != len(names):
            raise ConfigurationError(f"{check.function} does not take {names} → reason code")
        if not abi["outputs"] or not abi["outputs"][0]["type"].startswith("uint"):
            raise ConfigurationError(f"{check.function} must return a reason code first")
    return check_contract, simulate_contract


# ---------------------------------------------------------------------------------------------
# Prepare and submit


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


def chain_now(chain: Chain) -> int:
    """The time a transaction sent now would see (never earlier than the latest block)."""
    return chain_time(chain.w3.eth.get_block("latest"))


def chain_time(head: Mapping[str, Any]) -> int:
    """:func:`chain_now` from a block header already read."""
    return max(int(time.time()), int(head["timestamp"]))


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
    next_nonce = reads.call(bound.contract.functions.nonces(signer)) if _ordered(bound) else None
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
        domain_separator="0x" + bytes(hash_domain(full["domain"])).hex(),
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
    account_sig = _account_signature(signature)
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
    return getattr(bound.simulate_contract.functions, sim.function)(*args)


def _simulate_read(
    reads: Reads, bound: BoundAction, message: Mapping[str, Any], signer: str
) -> Read | None:
    """The action's simulation, added to ``reads`` (``None`` for actions without one)."""
    if bound.spec.simulate is None or bound.simulate_contract is None:
        return None
    return reads.call(_simulation_call(bound, message), sender=signer)


_DECODERS: dict[int, ErrorDecoder] = {}


def error_decoder(chain: Chain) -> ErrorDecoder:
    """The decoder of every error of the chain's deployment (cached per deployment)."""
    key = id(chain.deployment)
    if key not in _DECODERS:
        _DECODERS[key] = ErrorDecoder.from_abis(
            {n: c.abi for n, c in chain.deployment.contracts.items()}
        )
    return _DECODERS[key]


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


class Counters(BaseModel):
    nonce: Uint256
    deadline: Uint256


def same_domain(given: object, domain: Domain) -> bool:
    return domain_problem(given, domain) is None


def digest_of(full: Mapping[str, Any]) -> bytes:
    """The EIP-712 hash a signer signs: keccak256(0x1901 ‖ domainSeparator ‖ structHash)."""
    signable = encode_typed_data(full_message=dict(full))
    return keccak(b"\x19\x01" + signable.header + signable.body)


ERC1271_MAGIC = bytes.fromhex("1626ba7e")  # isValidSignature(bytes32,bytes)
MAX_CONTRACT_SIGNATURE = 4096


def contract_signature(text: str) -> bytes:
    """A contract wallet's signature: any bytes (multi-signature wallets concatenate)."""
    if not isinstance(text, str) or not re.fullmatch(r"0x(?:[0-9a-fA-F]{2})+", text):
        raise ServiceError("SignatureMalformed", "expected 0x followed by hex bytes")
    if len(text) > 2 + 2 * MAX_CONTRACT_SIGNATURE:
        raise ServiceError("SignatureMalformed", f"longer than {MAX_CONTRACT_SIGNATURE} bytes")
    return bytes.fromhex(text[2:])


def erc1271_accepts(chain: Chain, wallet: str, digest: bytes, signature: bytes) -> bool:
    data = ERC1271_MAGIC + abi_encode(["bytes32", "bytes"], [digest, signature])
    try:
        answer = chain.w3.eth.call({"to": wallet, "data": "0x" + data.hex()})
    except (ContractLogicError, ValueError):
        return False
    return bytes(answer)[:4] == ERC1271_MAGIC


def parse_signature(text: str) -> bytes:
    """A 65-byte ``r‖s‖v`` signature, ``v`` normalised to 27/28, low ``s`` (as OpenZeppelin)."""
    if not isinstance(text, str) or not re.fullmatch(r"0x[0-9a-fA-F]{130}", text):
        raise ServiceError("SignatureMalformed", "expected 0x followed by 130 hex digits")
    raw = bytearray(bytes.fromhex(text[2:]))
    if raw[64] in (0, 1):
        raw[64] += 27
    if raw[64] not in (27, 28):
        raise ServiceError("SignatureMalformed", f"recovery id v={raw[64]} is not 27 or 28")
    if int.from_bytes(raw[32:64], "big") > SECP256K1_HALF_N:
        raise ServiceError("SignatureMalformed", "s is in the upper half of the curve order")
    return bytes(raw)


def _account_signature(text: str) -> bytes | None:
    """``text`` as an account's signature, or ``None`` if it is not one (it may still be a
    contract wallet's)."""
    try:
        return parse_signature(text)
    except ServiceError:
        return None


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
        return reads.call(bound.contract.functions.nonces(signer))
    return reads.call(getattr(bound.contract.functions, bound.spec.unordered_nonce)(signer, nonce))


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
    return getattr(bound.precheck_contract.functions, check.function)(*args)


def _precheck_read(reads: Reads, bound: BoundAction, message: Mapping[str, Any]) -> Read | None:
    """The action's pre-check, added to ``reads`` (``None`` for actions without one)."""
    if bound.spec.pre_check is None or bound.precheck_contract is None:
        return None
    return reads.call(_precheck_call(bound, message))


# ---------------------------------------------------------------------------------------------
# The actions of the product

# The test probe (contracts/testing/SignedActionProbe.sol) exercises the generic machinery in the
# service's own tests and benchmark. It is offered only by a service whose deployment record has
# the probe (scripts/deploy.py never deploys it): a production service neither lists it nor has
# its routes (:func:`default_actions`). Negotiated trades, signed by two parties, are
# backend/services/trades.py.


class ProbeTransferBody(ActionBody):
    """Move ``kg`` of ``pollutant`` from the signer to ``to`` (test probe)."""

    sender: Address = Field(alias="from", description="the signer, who gives the rights")
    to: Address = Field(description="the receiving account")
    pollutant: Uint32 = Field(description="pollutant id")
    kg: Kg


PROBE_TRANSFER = ActionSpec(
    name="probe-transfer",
    contract="SignedActionProbe",
    function="transferBySig",
    body=ProbeTransferBody,
    summary="Test probe: transfer rights between two open accounts (the service's own tests)",
    precheck="canTransfer",
    reasons=(
        "Ok",
        "ProbeZeroQuantity",
        "ProbeSelfTransfer",
        "ProbeUnknownAccount",
        "ProbeFrozenAccount",
        "ProbeInsufficientBalance",
    ),
    typehash="TRANSFER_TYPEHASH",
)


# -- the registry's pledge (contracts/registry/PledgeBook.sol) ---------------------------------

LEDGER_REASONS: tuple[str, ...] = (
    "Ok",
    *("Ledger" + camel(r.name) for r in Reason if r),
)  # reason code of RightsLedger.check → its custom error (Types.sol `Reason`)


class PledgeBody(ActionBody):
    """Pledge available excess paid rights to a bank (质押, R-07, R-34)."""

    holder: Address = Field(description="the signer, whose rights are pledged")
    bank: Address = Field(description="the pledgee (a bank with the PLEDGEE role)")
    pollutant: Uint32 = Field(description="pollutant id")
    quantity_kg: Kg = Field(alias="quantityKg")
    # the typed data's fields are uint128 and uint64; the pledge book keeps 40 and 48 bits
    # (IPledgeBook.Pledge) and refuses more with PledgeInvalidTerms
    claim_fen: Annotated[int, Field(strict=True, ge=1, le=2**40 - 1)] = Field(
        alias="claimFen",
        description="the debt the pledge secures, in fen (at most 2^40 - 1, 11 billion yuan): "
        "the most the bank may claim from a sale on default (R-34)",
    )
    maturity: Annotated[int, Field(strict=True, ge=0, le=2**48 - 1)] = Field(
        description="when the debt falls due (unix seconds, in the future): the bank may declare "
        "default only from then on"
    )


def _pledge_movement(m: Mapping[str, Any]) -> list[Any]:
    """The ledger movement a pledge makes (RightsLedger.pledgeRights)."""
    holder = m["holder"]
    return [
        (int(Op.PLEDGE), holder, holder, m["pollutant"], m["quantityKg"], 0,
         int(TradeMode.NONE), 0, int(Origin.PAID), False)
    ]  # fmt: skip


PLEDGE = ActionSpec(
    name="pledge",
    contract="PledgeBook",
    function="pledgeBySig",
    body=PledgeBody,
    summary="Pledge rights to a bank (质押)",
    struct="Pledge(address holder,address bank,uint32 pollutant,uint64 quantityKg,"
    "uint128 claimFen,uint64 maturity,uint256 nonce,uint256 deadline)",
    precheck=PreCheck("check", contract="RightsLedger", args=_pledge_movement),
    reasons=LEDGER_REASONS,
)


def default_actions(deployed: Collection[str] = ()) -> ActionRegistry:
    """The registry the service starts with: the product's actions, and the test probe's only
    when ``deployed`` (the contract names of the deployment record) has the probe."""
    from backend.services.company_actions import COMPANY_ACTIONS
    from backend.services.market_actions import MARKET_ACTIONS

    specs = [PLEDGE, *COMPANY_ACTIONS, *MARKET_ACTIONS]
    if PROBE_TRANSFER.contract in deployed:
        specs.append(PROBE_TRANSFER)
    return ActionRegistry(specs)


__all__ = [
    "Address",
    "Bytes32",
    "Fen",
    "Kg",
    "Uint8",
    "Uint16",
    "Uint32",
    "Uint64",
    "Uint256",
]
