"""The formats wallets and JSON-RPC clients take, in both directions.

Unsigned transactions go out in the JSON-RPC form of ``eth_sendTransaction`` / ``eth_call``:
every quantity a ``0x``-hex string (geth refuses JSON numbers: ``cannot unmarshal non-string
into … hexutil.Big``; anvil takes both), the gas limit as ``gas`` (JSON-RPC) *and* as
``gasLimit`` (ethers' ``Wallet.signTransaction`` reads only ``gasLimit`` and silently signs 0
without it). :func:`for_signing` turns that form back into what eth-account signs.

Typed data comes in as wallets and libraries write it: ``chainId`` as a number, a decimal
string or hex, uints as numbers, decimal or hex strings, addresses in any case, with or without
the ``EIP712Domain`` type. :func:`canonical_message` reads such values as the types say, so the
service compares meanings (the digest a signer signed), not spellings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from backend.chain.errors import ServiceError, checksum
from backend.chain.typed_data import DOMAIN_FIELDS, Domain, Fields

QUANTITIES = (
    "chainId", "nonce", "gas", "gasLimit", "value", "gasPrice", "maxFeePerGas",
    "maxPriorityFeePerGas", "type",
)  # fmt: skip


def rpc_transaction(tx: Mapping[str, Any]) -> dict[str, Any]:
    """``tx`` (integers) in the JSON-RPC form: hex quantities, ``gasLimit`` beside ``gas``."""
    out: dict[str, Any] = {}
    for key, value in tx.items():
        out[key] = hex(int(value)) if key in QUANTITIES and value is not None else value
    if "gas" in out:
        out["gasLimit"] = out["gas"]
    return out


def for_signing(tx: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-RPC transaction as eth-account signs it: without ``from`` and the ``gasLimit``
    alias (hex quantities are taken as they are)."""
    out = {k: v for k, v in tx.items() if k not in ("from", "gasLimit")}
    if "gas" not in out and "gasLimit" in tx:
        out["gas"] = tx["gasLimit"]
    return out


def quantity(value: object) -> int:
    """An EIP-712 integer as JSON may carry it: a number, a decimal string or ``0x``-hex."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
            return int(text, 16)
        if re.fullmatch(r"-?[0-9]+", text):
            return int(text)
    raise ValueError(f"{value!r} is not an integer")


def canonical_value(kind: str, value: object) -> object:
    """``value`` read as the EIP-712 type ``kind`` (elementary types and arrays of them)."""
    if kind.endswith("]"):
        inner = kind[: kind.rindex("[")]
        if not isinstance(value, Sequence) or isinstance(value, str | bytes):
            raise ValueError(f"expected an array of {inner}")
        return [canonical_value(inner, v) for v in value]
    if kind.startswith(("uint", "int")):
        number = quantity(value)
        bits = int(re.sub(r"^u?int", "", kind) or 256)
        low, high = (
            (0, 2**bits - 1)
            if kind.startswith("uint")
            else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        )
        if not low <= number <= high:
            raise ValueError(f"{number} is out of range for {kind}")
        return number
    if kind == "address":
        if not isinstance(value, str) or not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
            raise ValueError("not an address")
        return checksum(value)  # cached: the same contracts and accounts recur in every request
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError("expected true or false")
    if kind.startswith("bytes") and kind != "bytes":
        if not isinstance(value, str) or not re.fullmatch(r"0x[0-9a-fA-F]*", value):
            raise ValueError(f"expected 0x-hex {kind}")
        if len(value) != 2 + 2 * int(kind[5:]):
            raise ValueError(f"expected {kind[5:]} bytes")
        return value.lower()
    if kind == "bytes":
        if not isinstance(value, str) or not re.fullmatch(r"0x(?:[0-9a-fA-F]{2})*", value):
            raise ValueError("expected 0x-hex bytes")
        return value.lower()
    if kind == "string":
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return value
    raise ValueError(f"unsupported type {kind}")


def canonical_message(
    fields: Sequence[tuple[str, str]], message: Mapping[str, Any], where: str = "message"
) -> dict[str, Any]:
    """The message's fields read by their types (see :func:`canonical_value`); a value that
    cannot mean its type raises ``ValueError`` naming the field."""
    out = {}
    for name, kind in fields:
        try:
            out[name] = canonical_value(kind, message[name])
        except ValueError as exc:
            raise ValueError(f"{where}.{name}: {exc}") from None
    return out


def types_without_domain(types: object) -> dict[str, list[tuple[str, str]]] | None:
    """A typed data's ``types`` as ``{struct: [(name, type)…]}`` without ``EIP712Domain``
    (ethers leaves it out; the domain object defines it), or ``None`` if malformed."""
    if not isinstance(types, Mapping):
        return None
    out = {}
    for struct, members in types.items():
        if struct == "EIP712Domain":
            continue
        if not isinstance(members, Sequence) or isinstance(members, str):
            return None
        try:
            out[struct] = [(str(m["name"]), str(m["type"])) for m in members]
        except (KeyError, TypeError):
            return None
    return out


def domain_fields(types: object) -> list[tuple[str, str]] | None:
    """The ``EIP712Domain`` members a typed data declares, if it declares them."""
    if not isinstance(types, Mapping) or "EIP712Domain" not in types:
        return None
    try:
        return [(str(m["name"]), str(m["type"])) for m in types["EIP712Domain"]]
    except (KeyError, TypeError):
        return []


def check_typed_data(
    data: Mapping[str, Any], primary: str, fields: Fields, domain: Domain, *, what: str
) -> dict[str, Any]:
    """The message of ``data`` read by its types, after checking that ``data`` is ``primary``
    over ``fields`` under ``domain``; ``TypedDataMismatch`` names the first field that differs
    in meaning, ``RequestInvalid`` a value that cannot mean its type."""
    if not isinstance(data, Mapping):
        raise ServiceError("TypedDataMismatch", f"typed data of {what} must be an object")
    problems = []
    if data.get("primaryType") != primary:
        problems.append(f"primaryType is {data.get('primaryType')!r}, {what} signs {primary!r}")
    types = types_without_domain(data.get("types"))
    expected = [{"name": n, "type": t} for n, t in fields]
    if types is None or types.get(primary) != list(fields) or set(types) != {primary}:
        given = dict(types or {}).get(primary)
        differing = _first_difference(given, list(fields))
        problems.append(f"types.{primary}{differing} must be {json.dumps(expected)}")
    declared = domain_fields(data.get("types"))
    if declared is not None and declared != list(DOMAIN_FIELDS):
        problems.append(f"types.EIP712Domain must be {[f'{t} {n}' for n, t in DOMAIN_FIELDS]}")
    problem = domain_problem(data.get("domain"), domain)
    if problem:
        problems.append(problem)
    message = data.get("message")
    if not isinstance(message, Mapping):
        problems.append("message must be an object")
    elif set(message) != {n for n, _ in fields}:
        missing = sorted({n for n, _ in fields} - set(message))
        extra = sorted(set(message) - {n for n, _ in fields})
        problems.append(f"message fields: missing {missing}, unexpected {extra}")
    if problems:
        raise ServiceError("TypedDataMismatch", "; ".join(problems))
    try:
        return canonical_message(fields, message)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ServiceError("RequestInvalid", str(exc)) from None


def _first_difference(given: object, expected: list[tuple[str, str]]) -> str:
    if not isinstance(given, list):
        return ""
    for i, pair in enumerate(expected):
        if i >= len(given) or given[i] != pair:
            return f"[{i}]"
    return f"[{len(expected)}]"


def domain_problem(given: object, domain: Domain) -> str | None:
    """What differs in meaning between a typed data's ``domain`` and ``domain`` (``None``:
    the same; ``chainId`` in any integer spelling, the contract's address in any case)."""
    if not isinstance(given, Mapping):
        return "domain must be an object"
    expected = domain.as_dict()
    if set(given) != set(expected):
        return f"domain must have exactly {sorted(expected)}"
    for name, kind in DOMAIN_FIELDS:
        try:
            same = canonical_value(kind, given[name]) == canonical_value(kind, expected[name])
        except ValueError:
            same = False
        if not same:
            return f"domain.{name} is {given[name]!r}, this deployment's is {expected[name]!r}"
    return None
