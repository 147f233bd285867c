"""EIP-712 typed data: what a party signs in its own wallet, and who signed it.

Every signed action of the product is a typed struct shown field by field in the wallet (a
company's compliance officer sees what it signs, never opaque call data). The contract that
verifies a signature publishes its domain through ERC-5267 ``eip712Domain()`` (OpenZeppelin's
``EIP712``), so the service reads the domain from the chain instead of repeating it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address
from web3.contract import Contract

from backend.chain.errors import ConfigurationError, checksum

Fields = list[tuple[str, str]]  # (name, solidity type) in declaration order

DOMAIN_FIELDS: Fields = [
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
]


@dataclass(frozen=True)
class Domain:
    """An EIP-712 domain: one verifying contract on one chain."""

    name: str
    version: str
    chain_id: int
    verifying_contract: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": checksum(self.verifying_contract),  # cached EIP-55 form
        }


def domain_of(contract: Contract) -> Domain:
    """The domain a contract verifies signatures under (ERC-5267 ``eip712Domain()``)."""
    _fields, name, version, chain_id, verifying_contract, _salt, _ext = (
        contract.functions.eip712Domain().call()
    )
    return Domain(name, version, chain_id, verifying_contract)


def typed_data(
    domain: Domain, primary_type: str, types: dict[str, Fields], message: dict[str, Any]
) -> dict[str, Any]:
    """The full EIP-712 JSON a wallet signs (``eth_signTypedData_v4``)."""
    return {
        "types": {
            "EIP712Domain": [{"name": n, "type": t} for n, t in DOMAIN_FIELDS],
            **{name: [{"name": n, "type": t} for n, t in fields] for name, fields in types.items()},
        },
        "primaryType": primary_type,
        "domain": domain.as_dict(),
        "message": message,
    }


def sign(data: dict[str, Any], private_key: str | bytes) -> bytes:
    """Sign typed data with a local key (a keystore wallet, the CLI, dev keys in tests)."""
    return bytes(Account.sign_typed_data(private_key, full_message=data).signature)


def recover_signer(data: dict[str, Any], signature: bytes | str) -> str:
    """The checksummed address that signed ``data``."""
    return Account._recover_hash(digest_of(data), signature=signature)


def digest_of(full: Mapping[str, Any]) -> bytes:
    """The EIP-712 hash a signer signs: keccak256(0x1901 ‖ domainSeparator ‖ structHash).

    Typed data of one flat struct (every signed action of the product) is hashed over its packed
    fields with the type hash and the domain separator worked out once (:class:`_FlatStruct`);
    anything else (nested structs, arrays, another domain's fields) by eth-account's generic
    encoder, which gives the same hash (tests/backend/test_typed_data_hash.py)."""
    fast = _flat_digest(full)
    if fast is not None:
        return fast
    signable = encode_typed_data(full_message=dict(full))
    return keccak(b"\x19\x01" + signable.header + signable.body)


def domain_separator(domain: Mapping[str, Any]) -> bytes:
    """The EIP-712 ``domainSeparator`` of a domain of :data:`DOMAIN_FIELDS` (cached)."""
    key = (domain["name"], domain["version"], int(domain["chainId"]))
    key += (str(domain["verifyingContract"]).lower(),)
    separator = _separators.get(key)
    if separator is None:
        separator = keccak(
            _DOMAIN_TYPE_HASH
            + keccak(text=key[0])
            + keccak(text=key[1])
            + key[2].to_bytes(32, "big")
            + bytes(12)
            + bytes.fromhex(key[3][2:])
        )
        _separators[key] = separator
    return separator


_DOMAIN_TYPE_HASH = keccak(
    text="EIP712Domain(" + ",".join(f"{t} {n}" for n, t in DOMAIN_FIELDS) + ")"
)
_separators: dict[tuple[str, str, int, str], bytes] = {}
_ATOMIC = re.compile(r"u?int(\d*)|address|bool|bytes(\d*)|string")


class _FlatStruct:
    """The hashing of one struct type whose fields are all atomic (no arrays, no structs)."""

    def __init__(self, name: str, fields: Fields) -> None:
        self.names = [n for n, _ in fields]
        self.kinds = [t for _, t in fields]
        encoded = ",".join(f"{t} {n}" for n, t in fields)
        self.type_hash = keccak(text=f"{name}({encoded})")

    def hash(self, message: Mapping[str, Any]) -> bytes | None:
        """The struct hash of ``message``; ``None`` for a value the fast path does not take
        (the generic encoder then decides, and names what is wrong)."""
        if len(message) != len(self.names):
            return None
        parts = [self.type_hash]
        for name, kind in zip(self.names, self.kinds, strict=True):
            word = _word(kind, message.get(name))
            if word is None:
                return None
            parts.append(word)
        return keccak(b"".join(parts))


_structs: dict[tuple[str, tuple[tuple[str, str], ...]], _FlatStruct | None] = {}


def _flat_digest(full: Mapping[str, Any]) -> bytes | None:
    try:
        types, primary, domain = full["types"], full["primaryType"], full["domain"]
        declared = [(f["name"], f["type"]) for f in types.get("EIP712Domain", [])]
        if set(types) - {"EIP712Domain", primary} or declared != DOMAIN_FIELDS:
            return None
        if set(domain) != {n for n, _ in DOMAIN_FIELDS}:
            return None
        fields = tuple((f["name"], f["type"]) for f in types[primary])
    except (KeyError, TypeError, AttributeError):
        return None
    key = (primary, fields)
    if key not in _structs:
        flat = all(_ATOMIC.fullmatch(t) for _, t in fields)
        _structs[key] = _FlatStruct(primary, list(fields)) if flat else None
    struct = _structs[key]
    if struct is None or not isinstance(full["message"], Mapping):
        return None
    body = struct.hash(full["message"])
    if body is None or not isinstance(domain["chainId"], int):
        return None
    if not _word("address", domain["verifyingContract"]):
        return None
    return keccak(b"\x19\x01" + domain_separator(domain) + body)


def _word(kind: str, value: Any) -> bytes | None:  # noqa: ANN401
    """The 32-byte EIP-712 encoding of an atomic value (``None``: not taken here)."""
    if kind == "address":
        if not isinstance(value, str) or not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
            return None
        if value != value.lower() and value != to_checksum_address(value):
            return None  # a mixed-case address with a wrong checksum: the generic path refuses
        return bytes(12) + bytes.fromhex(value[2:])
    if kind == "bool":
        return (1 if value else 0).to_bytes(32, "big") if isinstance(value, bool) else None
    if kind == "string":
        return keccak(text=value) if isinstance(value, str) else None
    if kind == "bytes":
        return keccak(value) if isinstance(value, bytes) else None
    if kind.startswith("bytes"):
        size = int(kind[5:])
        if not isinstance(value, bytes) or len(value) != size:
            return None
        return value + bytes(32 - size)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    signed = kind.startswith("int")
    bits = int(kind[3 if signed else 4 :] or 256)
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)
    if not low <= value < high:
        return None
    return value.to_bytes(32, "big", signed=signed)


def parse_struct(text: str) -> Fields:
    """The fields of an EIP-712 type string ``Name(type name,…)``, in order."""
    match = re.fullmatch(r"\s*\w+\((.*)\)\s*", text)
    if not match:
        raise ConfigurationError(f"not an EIP-712 type string: {text!r}")
    fields = [tuple(p.split()) for p in match.group(1).split(",") if p.strip()]
    if any(len(f) != 2 for f in fields):
        raise ConfigurationError(f"not an EIP-712 type string: {text!r}")
    return [(name, kind) for kind, name in fields]
