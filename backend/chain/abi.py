"""ABI helpers shared by the decoders of calls, events, errors and reads."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from eth_abi.codec import ABICodec
from eth_utils import function_abi_to_4byte_selector
from hexbytes import HexBytes
from web3._utils.validation import validate_address
from web3.contract import Contract
from web3.contract.contract import ContractFunction


def abi_type(param: Mapping[str, Any]) -> str:
    """The canonical type of an ABI parameter, with tuples spelled out (as in a selector)."""
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


class FunctionCoder:
    """One function of a contract's ABI, its selector and types worked out once.

    web3's ``contract.functions.f(...)`` and ``contract.encode_abi`` look the function up in the
    whole ABI on every call (checking every entry and hashing its signature), ≈ 1–2 ms with the
    product's larger contracts; a signed order builds several calls on its way
    (docs/benchmarks.md). The arguments are read as web3 reads them (hex strings for ``bytes``)
    and encoded with web3's strict codec, so the call data is the same byte for byte
    (tests/backend/test_abi_coder.py).
    """

    def __init__(self, entry: Mapping[str, Any], codec: ABICodec) -> None:
        self.abi = entry
        self._codec = codec
        self._inputs = list(entry.get("inputs", []))
        self.types = [abi_type(p) for p in self._inputs]
        self.selector = function_abi_to_4byte_selector(dict(entry))

    def encode(self, args: Sequence[Any]) -> bytes:
        """The call data of the function with ``args``."""
        values = [_normal(p, a) for p, a in zip(self._inputs, args, strict=True)]
        return self.selector + self._codec.encode(self.types, values)


_coders: dict[tuple[int, str, int], tuple[Sequence[Any], FunctionCoder | None]] = {}
_coders_lock = threading.Lock()


def coder(contract: Contract, name: str, nargs: int) -> FunctionCoder | None:
    """The coder of ``contract``'s function ``name`` taking ``nargs`` arguments; ``None`` when
    the ABI has several such functions (overloads of one length: web3 tells them apart)."""
    key = (id(contract.abi), name, nargs)
    found = _coders.get(key)
    if found is not None and found[0] is contract.abi:
        return found[1]
    entries = [
        e
        for e in contract.abi
        if e.get("type") == "function"
        and e.get("name") == name
        and len(e.get("inputs", [])) == nargs
    ]
    made = FunctionCoder(entries[0], contract.w3.codec) if len(entries) == 1 else None
    with _coders_lock:
        _coders[key] = (contract.abi, made)
    return made


def encode_call(contract: Contract, name: str, args: Sequence[Any]) -> bytes:
    """Call data of ``contract.name(*args)`` (web3's own encoding when the coder cannot tell)."""
    made = coder(contract, name, len(args))
    if made is None:
        return bytes(HexBytes(contract.encode_abi(name, args=list(args))))
    return made.encode(args)


class FunctionCall:
    """``contract.functions.name(*args)`` for :class:`backend.chain.reads.Reads` (``address``,
    ``abi``, ``_encode_transaction_data``) without web3's lookup; ``call`` falls back to web3."""

    def __init__(self, contract: Contract, name: str, args: Sequence[Any]) -> None:
        self._contract = contract
        self._name = name
        self._args = list(args)
        self.address = contract.address
        made = coder(contract, name, len(args))
        self._function = None if made is not None else self._web3()
        self.abi = made.abi if made is not None else self._function.abi
        self._data = made.encode(args) if made is not None else None

    def _web3(self) -> ContractFunction:
        return getattr(self._contract.functions, self._name)(*self._args)

    def _encode_transaction_data(self) -> str:
        if self._data is None:
            assert self._function is not None
            return self._function._encode_transaction_data()
        return "0x" + self._data.hex()

    def call(self, transaction: Mapping[str, Any] | None = None) -> Any:  # noqa: ANN401
        """As web3's ``ContractFunction.call`` (its decoding of the answer)."""
        return (self._function or self._web3()).call(dict(transaction or {}))


def _normal(param: Mapping[str, Any], value: Any) -> Any:  # noqa: ANN401
    """``value`` as web3's normalisers leave it for ``param``: hex strings of ``bytes`` types
    as bytes, addresses checked, through tuples and arrays."""
    kind: str = param["type"]
    if kind.endswith("]"):
        inner = {**param, "type": kind[: kind.rindex("[")]}
        return [_normal(inner, v) for v in value]
    if kind == "tuple":
        components = param["components"]
        if isinstance(value, Mapping):
            value = [value[c["name"]] for c in components]
        return tuple(_normal(c, v) for c, v in zip(components, value, strict=True))
    if kind.startswith("bytes") and isinstance(value, str):
        return bytes(HexBytes(value))
    if kind == "address" and isinstance(value, str):
        _check_address(value)  # a mixed-case address with a wrong checksum is refused
    return value


@lru_cache(maxsize=65536)
def _check_address(value: str) -> None:
    """web3's check of an address argument, once per distinct string (it hashes the address
    for its checksum; the same accounts recur in every order). A refusal is not cached."""
    validate_address(value)
