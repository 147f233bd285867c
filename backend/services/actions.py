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
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

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
from web3.exceptions import ContractLogicError

from backend.chain.client import Chain
from backend.chain.errors import (
    ConfigurationError,
    ContractError,
    DecodedError,
    ServiceError,
)
from backend.chain.relayer import Relayer
from backend.chain.typed_data import Domain, Fields, domain_of, recover_signer, typed_data
from backend.indexer.decode import EventDecoder

# ---------------------------------------------------------------------------------------------
# Field types of request bodies (shared by every route that takes chain values)

SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


def checksummed(value: str) -> str:
    """Accept an EIP-55 checksummed address only (a typo in a mixed-case address is caught)."""
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
        raise ValueError("not an address: expected 0x followed by 40 hex digits")
    if to_checksum_address(value) != value:
        raise ValueError(
            f"address is not in EIP-55 checksum form (did you mean {to_checksum_address(value)}?)"
        )
    return value


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
        description="EIP-55 checksummed address",
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
class ActionSpec:
    """One signable action. Everything else is derived from the contract's ABI.

    ``body`` lists the fields the actor fills in (every struct field but ``nonce`` and
    ``deadline``), with the struct's field names as aliases where they are Python keywords.
    ``reasons[code]`` is the custom error named by the pre-check's reason code ``code``
    (``reasons[0]`` is ``"Ok"``).
    """

    name: str
    contract: str
    function: str
    body: type[ActionBody]
    summary: str
    precheck: str | None = None
    precheck_args: tuple[str, ...] | None = None
    reasons: tuple[str, ...] = ("Ok",)
    signer: str | None = None
    primary_type: str | None = None
    typehash: str | None = None

    @property
    def struct_name(self) -> str:
        """``transferBySig`` → ``Transfer`` unless given."""
        if self.primary_type:
            return self.primary_type
        base = self.function.removesuffix("BySig")
        return base[:1].upper() + base[1:]

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
        args = [message[name] for name in self.call_inputs]
        encoded = self.contract.encode_abi(
            self.spec.function, args=[*args, message[DEADLINE], signature]
        )
        return bytes(HexBytes(encoded))


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
            bound = _bind(spec, chain.contract(spec.contract))
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


def _bind(spec: ActionSpec, contract: Contract) -> BoundAction:
    fn = _function_abi(contract, spec.function)
    inputs = [(i["name"], i["type"]) for i in fn["inputs"]]
    if inputs[-2:] != [(DEADLINE, "uint256"), (SIGNATURE, "bytes")]:
        raise ConfigurationError(
            f"{spec.function} must end with (uint256 deadline, bytes signature)"
        )
    call_inputs = inputs[:-2]
    if any(t.startswith("tuple") for _, t in call_inputs):
        raise ConfigurationError(f"{spec.function}: signed structs are flat (no tuple fields)")
    names = [n for n, _ in call_inputs]
    if sorted(names) != sorted(spec.body_fields()):
        raise ConfigurationError(
            f"{spec.name}: body fields {spec.body_fields()} differ from "
            f"{spec.function} parameters {names}"
        )
    if dict(call_inputs).get(spec.signer_field) != "address":
        raise ConfigurationError(f"{spec.name}: signer field {spec.signer_field!r} not an address")
    if spec.precheck:
        check = _function_abi(contract, spec.precheck)
        wanted = spec.precheck_args or tuple(names)
        if len(check["inputs"]) != len(wanted) or len(check["outputs"]) != 1:
            raise ConfigurationError(f"{spec.precheck} does not take {wanted} → reason code")
    fields: Fields = [*call_inputs, (NONCE, "uint256"), (DEADLINE, "uint256")]
    return BoundAction(spec, contract, domain_of(contract), fields, tuple(names))


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


def chain_now(chain: Chain) -> int:
    """The time a transaction sent now would see (never earlier than the latest block)."""
    return max(int(time.time()), int(chain.w3.eth.get_block("latest")["timestamp"]))


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
    now = chain_now(chain)
    if deadline is None:
        deadline = now + policy.ttl_seconds
    elif not now + policy.min_margin_seconds <= deadline <= now + policy.max_ttl_seconds:
        raise ServiceError(
            "DeadlineOutOfRange",
            f"deadline {deadline} must lie between {now + policy.min_margin_seconds} and "
            f"{now + policy.max_ttl_seconds} (chain time {now})",
            args={"deadline": deadline, "now": now},
        )
    _precheck(bound, message)
    nonce = int(bound.contract.functions.nonces(signer).call())
    full = bound.full({**message, NONCE: nonce, DEADLINE: deadline})
    signable = encode_typed_data(full_message=full)
    return PreparedAction(
        action=name,
        signer=signer,
        nonce=nonce,
        deadline=deadline,
        typed_data=full,
        digest="0x" + keccak(b"\x19\x01" + signable.header + signable.body).hex(),
        domain_separator="0x" + bytes(hash_domain(full["domain"])).hex(),
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
) -> SubmittedAction:
    """Check a signed action and relay it once (see the module docstring for the order)."""
    bound = actions.bind(chain, name)
    message = _validated_message(bound, data)
    sig = _signature(signature)
    full = bound.full(message)
    signer = message[bound.spec.signer_field]
    recovered = recover_signer(full, sig)
    if recovered != signer:
        raise ServiceError(
            "SignerMismatch",
            f"signed by {recovered}, but the action's {bound.spec.signer_field} is {signer}",
            args={"signer": recovered, "expected": signer},
        )
    key, fingerprint = _idempotency(bound, message, sig, idempotency_key)
    if relayer.find(key) is None:
        _check_fresh(chain, bound, message, signer, policy)
        _precheck(bound, message, relayer=relayer, signature=sig)
    relayed = relayer.relay(
        to=bound.contract.address,
        data=bound.call_data(message, sig),
        key=key,
        fingerprint=fingerprint,
        timeout=timeout,
        meta={NONCE: message[NONCE]},
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
    )


def _validated_message(bound: BoundAction, data: Mapping[str, Any]) -> dict[str, Any]:
    """The message of submitted typed data, checked against what this action signs."""
    spec = bound.spec
    problems = []
    if data.get("primaryType") != spec.struct_name:
        problems.append(f"primaryType must be {spec.struct_name!r}")
    expected_types = bound.full({n: 0 for n, _ in bound.fields})["types"]
    if data.get("types") != expected_types:
        problems.append(f"types must be {json.dumps(expected_types)}")
    if not _same_domain(data.get("domain"), bound.domain):
        problems.append(f"domain must be {json.dumps(bound.domain.as_dict())}")
    message = data.get("message")
    if not isinstance(message, dict):
        problems.append("message must be an object")
    elif set(message) != {n for n, _ in bound.fields}:
        problems.append(f"message fields must be {[n for n, _ in bound.fields]}")
    if problems:
        raise ServiceError("TypedDataMismatch", "; ".join(problems))
    assert isinstance(message, dict)
    counters = {NONCE: message[NONCE], DEADLINE: message[DEADLINE]}
    try:
        body = spec.body.model_validate({k: v for k, v in message.items() if k not in counters})
        _Counters.model_validate(counters)
    except ValidationError as exc:
        detail = "; ".join(
            f"message.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ServiceError("RequestInvalid", detail) from None
    return {**body.model_dump(by_alias=True), **counters}


class _Counters(BaseModel):
    nonce: Uint256
    deadline: Uint256


def _same_domain(given: object, domain: Domain) -> bool:
    if not isinstance(given, dict):
        return False
    expected = domain.as_dict()
    try:
        return (
            set(given) == set(expected)
            and given["name"] == expected["name"]
            and given["version"] == expected["version"]
            and int(given["chainId"]) == expected["chainId"]
            and str(given["verifyingContract"]).lower() == expected["verifyingContract"].lower()
        )
    except (TypeError, ValueError):
        return False


def _signature(text: str) -> bytes:
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


def _idempotency(
    bound: BoundAction, message: Mapping[str, Any], sig: bytes, header: str | None
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
        return f"key:{bound.spec.name}:{header}", fingerprint
    return f"sig:{keccak(sig).hex()}", fingerprint


def _check_fresh(
    chain: Chain,
    bound: BoundAction,
    message: Mapping[str, Any],
    signer: str,
    policy: ActionPolicy,
) -> None:
    now = chain_now(chain)
    if message[DEADLINE] < now + policy.min_margin_seconds:
        raise ServiceError(
            "SignatureExpired",
            f"deadline {message[DEADLINE]} is past or within {policy.min_margin_seconds} s "
            f"of chain time {now}",
            args={"deadline": message[DEADLINE], "now": now},
        )
    current = int(bound.contract.functions.nonces(signer).call())
    if message[NONCE] < current:
        raise ServiceError(
            "NonceAlreadyUsed",
            f"nonce {message[NONCE]} of {signer} was used; the next one is {current}",
            args={"nonce": message[NONCE], "current": current},
        )
    if message[NONCE] > current:
        raise ServiceError(
            "NonceNotNext",
            f"nonce {message[NONCE]} of {signer} is ahead of the next one, {current}",
            args={"nonce": message[NONCE], "current": current},
        )


def _precheck(
    bound: BoundAction,
    message: Mapping[str, Any],
    *,
    relayer: Relayer | None = None,
    signature: bytes | None = None,
) -> None:
    """Run the contract's pre-check; a non-zero reason code raises the error it names.

    With a signature at hand the ``BySig`` call is simulated too, so the error carries the
    contract's own arguments (needed, available …), not just the name.
    """
    spec = bound.spec
    if not spec.precheck:
        return
    args = [message[n] for n in (spec.precheck_args or bound.call_inputs)]
    try:
        code = int(getattr(bound.contract.functions, spec.precheck)(*args).call())
    except ContractLogicError as exc:
        raise ServiceError("ServiceMisconfigured", f"pre-check {spec.precheck} reverted") from exc
    if code == 0:
        return
    name = spec.reasons[code] if code < len(spec.reasons) else f"UnknownReason{code}"
    decoded = DecodedError(name, {}, "", "", spec.contract)
    if relayer is not None and signature is not None and relayer.address:
        try:
            relayer.estimate(
                sender=relayer.address,
                to=bound.contract.address,
                data=bound.call_data(message, signature),
            )
        except ContractError as exc:
            if exc.name == name:
                decoded = exc.decoded
    raise ContractError(decoded, reason_code=code)


# ---------------------------------------------------------------------------------------------
# The actions of the product

# The test probe (contracts/testing/SignedActionProbe.sol) stands in for the exchange's trades
# until those exist; its contract is never in a production deployment record, so there the
# action answers 404 ActionUnavailable.


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
    summary="Test probe: transfer rights between two open accounts (stands in for a trade)",
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


def default_actions() -> ActionRegistry:
    """The registry the service starts with."""
    return ActionRegistry([PROBE_TRANSFER])


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
