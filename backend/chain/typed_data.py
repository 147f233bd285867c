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
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract

from backend.chain.errors import ConfigurationError

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
            "verifyingContract": Web3.to_checksum_address(self.verifying_contract),
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
    signable = encode_typed_data(full_message=data)
    return Account.recover_message(signable, signature=signature)


def digest_of(full: Mapping[str, Any]) -> bytes:
    """The EIP-712 hash a signer signs: keccak256(0x1901 ‖ domainSeparator ‖ structHash)."""
    signable = encode_typed_data(full_message=dict(full))
    return keccak(b"\x19\x01" + signable.header + signable.body)


def parse_struct(text: str) -> Fields:
    """The fields of an EIP-712 type string ``Name(type name,…)``, in order."""
    match = re.fullmatch(r"\s*\w+\((.*)\)\s*", text)
    if not match:
        raise ConfigurationError(f"not an EIP-712 type string: {text!r}")
    fields = [tuple(p.split()) for p in match.group(1).split(",") if p.strip()]
    if any(len(f) != 2 for f in fields):
        raise ConfigurationError(f"not an EIP-712 type string: {text!r}")
    return [(name, kind) for kind, name in fields]
