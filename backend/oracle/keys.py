"""The verifier's key: from its own keystore file, unlocked for the run, never stored.

On the local dev chain (chain id 31337) the dev keys of ``backend/chain/devkeys.py`` may be used
instead; on any other chain they are refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_account import Account
from hexbytes import HexBytes

from backend.chain.devkeys import DEV_AUTHORITIES, authority_key
from backend.chain.typed_data import sign

DEV_CHAIN_ID = 31337


class SignerError(ValueError):
    """The key cannot be loaded; the message says why."""


class LocalSigner:
    """A key held in memory for the duration of a run (a keystore wallet)."""

    def __init__(self, private_key: str | bytes) -> None:
        self._account = Account.from_key(private_key)

    @property
    def address(self) -> str:
        return self._account.address

    @property
    def private_key(self) -> bytes:
        """For signing in this process only (the key is never written anywhere)."""
        return bytes(self._account.key)

    def sign_typed_data(self, data: dict[str, Any]) -> bytes:
        return sign(data, self._account.key)

    def sign_transaction(self, tx: dict[str, Any]) -> tuple[bytes, str]:
        """The raw signed transaction and its hash."""
        signed = self._account.sign_transaction(tx)
        return bytes(signed.raw_transaction), HexBytes(signed.hash).to_0x_hex()

    def __repr__(self) -> str:
        return f"LocalSigner({self.address})"


def from_keystore(path: Path, password: str) -> LocalSigner:
    """Unlock an encrypted JSON keystore (Web3 Secret Storage, as geth and wallets write it)."""
    try:
        keystore = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SignerError(f"cannot read keystore {path}: {exc}") from exc
    try:
        return LocalSigner(Account.decrypt(keystore, password))
    except ValueError:
        raise SignerError(f"wrong password for keystore {path}") from None


def dev_signer(party: str, chain_id: int) -> LocalSigner:
    """A dev key (e.g. ``verifier_a``), only on the local dev chain."""
    if chain_id != DEV_CHAIN_ID:
        raise SignerError(
            f"dev keys are for the local chain (id {DEV_CHAIN_ID}) only; this chain is {chain_id}"
        )
    if party not in DEV_AUTHORITIES:
        raise SignerError(f"unknown dev party {party!r}; one of {', '.join(DEV_AUTHORITIES)}")
    return LocalSigner(authority_key(party).private_key)
