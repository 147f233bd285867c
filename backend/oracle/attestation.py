"""The attestation a verifier signs (EIP-712), shared by the service and the tests.

The struct mirrors ``IVerificationOracle.Attestation``; the domain is read from the contract
(ERC-5267), so a signature is valid on that chain and contract only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from backend.chain.typed_data import Domain, Fields, sign, typed_data

PRIMARY_TYPE = "Attestation"
ATTESTATION_FIELDS: Fields = [
    ("verifier", "address"),
    ("unit", "address"),
    ("pollutant", "uint32"),
    ("period", "uint32"),
    ("kg", "uint64"),
    ("evidence", "bytes32"),
    ("nonce", "uint256"),
    ("deadline", "uint64"),
]


@dataclass(frozen=True)
class Attestation:
    """One verifier's figure for (unit, pollutant, period), with its signature parameters."""

    verifier: str
    unit: str
    pollutant: int
    period: int
    kg: int
    evidence: bytes  # 32 bytes: SHA-256 of the evidence document
    nonce: int
    deadline: int  # unix seconds

    def message(self) -> dict[str, Any]:
        return {
            "verifier": Web3.to_checksum_address(self.verifier),
            "unit": Web3.to_checksum_address(self.unit),
            "pollutant": self.pollutant,
            "period": self.period,
            "kg": self.kg,
            "evidence": self.evidence,
            "nonce": self.nonce,
            "deadline": self.deadline,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The struct as a contract call argument."""
        return tuple(self.message()[name] for name, _ in ATTESTATION_FIELDS)


def new_nonce() -> int:
    """A fresh unordered nonce (the contract accepts any unused one)."""
    return secrets.randbits(256)


def attestation_typed_data(domain: Domain, attestation: Attestation) -> dict[str, Any]:
    """The typed data a verifier's wallet shows and signs."""
    return typed_data(
        domain, PRIMARY_TYPE, {PRIMARY_TYPE: ATTESTATION_FIELDS}, attestation.message()
    )


def sign_attestation(domain: Domain, attestation: Attestation, private_key: str | bytes) -> bytes:
    """Sign with a local key (a keystore wallet in the CLI, dev keys in tests)."""
    return sign(attestation_typed_data(domain, attestation), private_key)
