"""Pipelined sending with dev keys: many signed transactions in flight, then their receipts.

On a chain with one block per second, waiting for each receipt before the next send costs a
block per transaction. A :class:`Batch` signs locally with consecutive nonces per sender,
computes the addresses of contracts it deploys before they exist, sends everything, and waits
for all receipts at the end of a stage. Tests and the throughput benchmark on the validator
network use it; it signs with development keys only (``backend/chain/devkeys.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import TransactionNotFound
from web3.utils.address import get_create_address

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "contracts"
MAX_FEE_WEI = 100 * 10**9
TIP_WEI = 10**9
CALL_GAS = 800_000
DEPLOY_GAS = 8_000_000


def artifact(name: str) -> dict[str, Any]:
    """ABI and creation bytecode from Brownie's build folder (``brownie compile``)."""
    data = json.loads((BUILD / f"{name}.json").read_text(encoding="utf-8"))
    return {"abi": data["abi"], "bytecode": data["bytecode"]}


class BatchError(RuntimeError):
    """A transaction of the batch reverted or was not mined in time."""


class Batch:
    """Sign and send now, collect receipts later (one stage at a time)."""

    def __init__(self, w3: Web3, *, chain_id: int | None = None) -> None:
        self.w3 = w3
        self.chain_id = chain_id or w3.eth.chain_id
        self._nonces: dict[str, int] = {}
        self.pending: list[tuple[str, str]] = []  # (tx hash, what)
        self.raw: dict[str, bytes] = {}

    def _nonce(self, account: LocalAccount) -> int:
        if account.address not in self._nonces:
            self._nonces[account.address] = self.w3.eth.get_transaction_count(
                account.address, "pending"
            )
        return self._nonces[account.address]

    def sign(self, account: LocalAccount, tx: dict[str, Any]) -> tuple[str, bytes]:
        """Sign ``tx`` with the sender's next nonce; returns (hash, raw). Nothing is sent."""
        nonce = self._nonce(account)
        full = {
            "chainId": self.chain_id,
            "nonce": nonce,
            "maxFeePerGas": MAX_FEE_WEI,
            "maxPriorityFeePerGas": TIP_WEI,
            "value": 0,
            **tx,
        }
        signed = account.sign_transaction(full)
        self._nonces[account.address] = nonce + 1
        tx_hash = "0x" + bytes(signed.hash).hex()
        self.raw[tx_hash] = bytes(signed.raw_transaction)
        return tx_hash, bytes(signed.raw_transaction)

    def send_raw(self, tx_hash: str, raw: bytes, what: str) -> str:
        self.w3.eth.send_raw_transaction(raw)
        self.pending.append((tx_hash, what))
        return tx_hash

    def sign_and_send(self, account: LocalAccount, tx: dict[str, Any], what: str) -> str:
        tx_hash, raw = self.sign(account, tx)
        return self.send_raw(tx_hash, raw, what)

    def deploy(self, account: LocalAccount, name: str, *args: object) -> Contract:
        """Send the creation of contract ``name``; returns it at its future address."""
        art = artifact(name)
        address = self.creation_address(account)
        factory = self.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        data = factory.constructor(*args).data_in_transaction
        tx_hash, raw = self.sign(account, {"data": data, "gas": DEPLOY_GAS})
        self.send_raw(tx_hash, raw, f"deploy {name}")
        return self.w3.eth.contract(address=address, abi=art["abi"])

    def creation_address(self, account: LocalAccount, later: int = 0) -> str:
        """The address of the contract ``account``'s creation ``later`` transactions from now
        will make."""
        return to_checksum_address(
            get_create_address(account.address, self._nonce(account) + later)
        )

    @staticmethod
    def creations(name: str) -> int:
        """Transactions :meth:`deploy_contract` sends for ``name`` (implementation and proxy)."""
        return 2 if any(e.get("name") == "initialize" for e in artifact(name)["abi"]) else 1

    def deploy_contract(self, account: LocalAccount, name: str, *args: object) -> Contract:
        """The web3 twin of ``scripts/deploy.py``'s ``deploy_contract``: an upgradeable contract
        (one with ``initialize``) is sent as its implementation and a ``RegistryProxy`` that
        initializes it (the initializer's arguments first, as in the old constructor order) and
        whose ``ProxyAdmin`` ``account`` owns; returns the contract at the proxy's address, the
        last transaction sent."""
        abi = artifact(name)["abi"]
        init = next((e for e in abi if e.get("name") == "initialize"), None)
        if init is None:
            return self.deploy(account, name, *args)
        split = len(init["inputs"])
        implementation = self.deploy(account, name, *args[split:])
        data = implementation.encode_abi("initialize", args=list(args[:split]))
        proxy = self.deploy(account, "RegistryProxy", implementation.address, account.address, data)
        return self.w3.eth.contract(address=proxy.address, abi=abi)

    def call(
        self, account: LocalAccount, contract: Contract, fn: str, *args: object, gas: int = CALL_GAS
    ) -> str:
        """Send ``contract.fn(*args)`` from ``account`` without waiting."""
        data = contract.encode_abi(fn, args=list(args))
        tx_hash, raw = self.sign(account, {"to": contract.address, "data": data, "gas": gas})
        return self.send_raw(tx_hash, raw, f"{fn}{tuple(args)!s:.60}")

    def wait(self, timeout: float = 60.0) -> list[dict[str, Any]]:
        """Receipts of everything sent since the last wait; raises if any reverted."""
        receipts = [wait_receipt(self.w3, h, timeout) for h, _ in self.pending]
        failed = [
            what for (_, what), r in zip(self.pending, receipts, strict=True) if r["status"] != 1
        ]
        self.pending = []
        if failed:
            raise BatchError(f"reverted: {failed}")
        return receipts


def wait_receipt(w3: Web3, tx_hash: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return dict(w3.eth.get_transaction_receipt(HexBytes(tx_hash)))
        except TransactionNotFound:
            if time.monotonic() > deadline:
                raise BatchError(f"{tx_hash} not mined within {timeout:.0f} s") from None
            time.sleep(0.1)


def accounts(keys: Iterable[str]) -> list[LocalAccount]:
    return [Account.from_key(k) for k in keys]
