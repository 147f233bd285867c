"""Ethereum keystore (v3) files in one folder, one per wallet name.

The command-line tool signs with these on the party's own machine; the service never sees
them. Files are written with mode 0600 in a folder of mode 0700, and never overwritten.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
Kdf = Literal["scrypt", "pbkdf2"]


class WalletError(Exception):
    """A wallet cannot be created, found or unlocked; the message says why."""


@dataclass(frozen=True)
class Wallet:
    name: str
    address: str
    path: Path


class Keystore:
    """The wallets in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, name: str) -> Path:
        if not NAME.fullmatch(name):
            raise WalletError(
                f"wallet name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)"
            )
        return self.folder / f"{name}.json"

    def _write(self, name: str, keyfile: dict[str, object]) -> Wallet:
        path = self._path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise WalletError(f"wallet {name!r} already exists ({path})") from None
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(keyfile, out)
        return self.get(name)

    def create(
        self, name: str, password: str, kdf: Kdf = "scrypt", iterations: int | None = None
    ) -> Wallet:
        """A new random key, encrypted with ``password``."""
        self._path(name)
        return self.import_key(name, Account.create().key.hex(), password, kdf, iterations)

    def import_key(
        self,
        name: str,
        private_key: str,
        password: str,
        kdf: Kdf = "scrypt",
        iterations: int | None = None,
    ) -> Wallet:
        """Encrypt an existing private key (hex) into a new wallet."""
        self._path(name)
        try:
            account = Account.from_key(private_key.strip())
        except (ValueError, TypeError) as exc:
            raise WalletError(f"not a private key: {exc}") from None
        keyfile = Account.encrypt(account.key, password, kdf=kdf, iterations=iterations)
        return self._write(name, keyfile)

    def import_file(self, name: str, source: Path, password: str) -> Wallet:
        """Copy an existing keystore file after checking that ``password`` opens it."""
        try:
            keyfile = json.loads(source.read_text(encoding="utf-8"))
            Account.decrypt(keyfile, password)
        except (OSError, json.JSONDecodeError) as exc:
            raise WalletError(f"cannot read keystore {source}: {exc}") from None
        except ValueError:
            raise WalletError(f"the password does not open {source}") from None
        return self._write(name, keyfile)

    def get(self, name: str) -> Wallet:
        path = self._path(name)
        try:
            keyfile = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise WalletError(f"no wallet named {name!r} in {self.folder}") from None
        return Wallet(name, to_checksum_address("0x" + keyfile["address"].removeprefix("0x")), path)

    def list(self) -> list[Wallet]:
        if not self.folder.is_dir():
            return []
        return [self.get(p.stem) for p in sorted(self.folder.glob("*.json")) if NAME.match(p.stem)]

    def unlock(self, name: str, password: str) -> LocalAccount:
        wallet = self.get(name)
        try:
            key = Account.decrypt(wallet.path.read_text(encoding="utf-8"), password)
        except ValueError:
            raise WalletError(f"wrong password for wallet {name!r}") from None
        return Account.from_key(key)
