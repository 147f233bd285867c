"""Signed actions described: what a party signs, and how it binds to its deployed contract.

An :class:`ActionSpec` describes one action in a few lines; the service derives the rest from
the contract's ABI (the struct's fields are the ``BySig`` function's parameters, with ``nonce``
inserted before ``deadline``). :class:`ActionRegistry` holds the actions the service offers,
by URL name, and binds each to the deployment once (:meth:`ActionRegistry.bind`: the domain
and the struct read from the chain). The pipeline that prepares and submits them is
:mod:`backend.services.actions.pipeline`; the product's actions are
:mod:`backend.services.actions.catalogue`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils import keccak
from pydantic import BaseModel, ConfigDict
from web3.contract import Contract

from backend.chain.abi import encode_call
from backend.chain.client import Chain
from backend.chain.errors import (
    ConfigurationError,
    DecodedError,
    ServiceError,
)
from backend.chain.typed_data import (
    Domain,
    Fields,
    domain_of,
    parse_struct,
    typed_data,
)


class ActionBody(BaseModel):
    """Base of action request bodies: unknown fields are refused, aliases are the struct's."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


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
            return encode_call(self.contract, self.spec.function, [struct, signature])
        if self.spec.call_args is not None:  # the function's own arguments (e.g. a tuple)
            args = list(self.spec.call_args(message))
        else:
            args = [message[name] for name in self.call_inputs]
        return encode_call(self.contract, self.spec.function, [*args, message[DEADLINE], signature])

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
        fields = parse_struct(spec.struct)
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
