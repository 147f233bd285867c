"""The stack the browser tests run against, started by the tests themselves: their own anvil on
a free port, the contracts and demo city deployed through Brownie, the service with its
indexer; and Chromium (Debian's) driven by Playwright, with an injected test wallet."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from eth_account import Account
from web3 import Web3

from backend import devstack
from backend.chain.devkeys import DEV_MNEMONIC
from backend.toolchain import networks
from tests.e2e.browser import LAUNCH_ARGS, ensure

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Stack:
    url: str
    rpc_url: str
    deployment: dict

    def wait_indexed(self, timeout: float = 30.0) -> None:
        """Until the index has read the chain's head."""
        head = Web3(Web3.HTTPProvider(self.rpc_url)).eth.block_number
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            block = requests.get(f"{self.url}/api/v1/public/status", timeout=5).json()["block"]
            if block is not None and block >= head:
                return
            time.sleep(0.3)
        raise AssertionError(f"the index did not reach block {head} in {timeout} s")


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("e2e")
    chain_port, api_port = free_port(), free_port()
    rpc_url = f"http://127.0.0.1:{chain_port}"
    settings = networks.ANVIL_SETTINGS
    anvil = subprocess.Popen(
        [str(ROOT / "node_modules" / ".bin" / "anvil"), "--host", "127.0.0.1",
         "--port", str(chain_port), "--mnemonic", DEV_MNEMONIC,
         "--accounts", str(settings["accounts"]),
         "--block-base-fee-per-gas", str(settings["base_fee"]),
         "--gas-limit", str(settings["gas_limit"]), "--hardfork", settings["evm_version"],
         "--chain-id", str(settings["chain_id"])],
        stdout=(folder / "anvil.log").open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    procs = [anvil]
    try:
        devstack.wait_for_rpc(rpc_url, anvil)
        network = f"drr-e2e-{chain_port}"
        networks.ensure({network: chain_port})
        deployment_file = folder / "deployment.json"
        env = {**devstack.brownie_env(), "DRR_DEPLOYMENT_FILE": str(deployment_file)}
        subprocess.run(
            [str(Path(sys.executable).with_name("brownie")), "run", "scripts/demo.py",
             "--network", network],
            cwd=ROOT, env=env, check=True, stdout=(folder / "demo.log").open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        service_env = {
            **os.environ,
            "DRR_RPC_URL": rpc_url,
            "DRR_DEPLOYMENT_FILE": str(deployment_file),
            "DRR_DATABASE_URL": f"sqlite:///{folder / 'index.db'}",
            "DRR_INDEXER_POLL_SECONDS": "0.3",
            # the verification oracle's own state, with the stack's (verifiers upload in the tests)
            "DRR_ORACLE_DATABASE_URL": f"sqlite:///{folder / 'oracle.db'}",
            "DRR_ORACLE_EVIDENCE_DIR": str(folder / "evidence"),
            # one test client plays every visitor (the crawl reads ~1 000 pages from 127.0.0.1):
            # the per-client read limit is raised, the others stay as configured
            "DRR_RATE_LIMIT_READS_PER_SECOND": "500",
            "DRR_RATE_LIMIT_READS_BURST": "5000",
        }
        service = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "backend.main:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(api_port)],
            cwd=ROOT, env=service_env, stdout=(folder / "service.log").open("w"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        procs.append(service)
        url = f"http://127.0.0.1:{api_port}"
        devstack.wait_for_http(f"{url}/api/v1/public/status", service)
        found = Stack(url, rpc_url, json.loads(deployment_file.read_text()))
        found.wait_indexed()
        yield found
    finally:
        devstack.stop(procs)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = ensure()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(executable), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


INJECTED_WALLET = """
window.ethereum = {
  isTestWallet: true,
  request: ({method, params}) => window.__testWallet(method, params || []),
  on: () => {}, removeListener: () => {},
};
"""


def inject_wallet(page, private_key: str, rpc_url: str) -> str:
    """An EIP-1193 provider in the page whose key stays in the test (never sent to the
    service): it signs typed data (eth_signTypedData_v4) and sends transactions to the node
    (eth_sendTransaction), as a browser wallet does. Returns the wallet's address."""
    account = Account.from_key(private_key)
    w3 = Web3(Web3.HTTPProvider(rpc_url))

    def handle(_source, method: str, params: list):
        if method in ("eth_requestAccounts", "eth_accounts"):
            return [account.address]
        if method == "eth_chainId":
            return hex(w3.eth.chain_id)
        if method == "eth_signTypedData_v4":
            signer, data = params
            assert signer.lower() == account.address.lower()
            signed = Account.sign_typed_data(private_key, full_message=json.loads(data))
            return "0x" + bytes(signed.signature).hex()
        if method == "eth_sendTransaction":
            (tx,) = params
            assert tx["from"].lower() == account.address.lower()
            call = {"from": account.address, "to": Web3.to_checksum_address(tx["to"]),
                    "data": tx["data"]}  # fmt: skip
            full = {**call, "nonce": w3.eth.get_transaction_count(account.address),
                    "gas": w3.eth.estimate_gas(call) * 2, "gasPrice": 0,
                    "chainId": w3.eth.chain_id}  # fmt: skip
            signed = account.sign_transaction(full)
            return "0x" + bytes(w3.eth.send_raw_transaction(signed.raw_transaction)).hex()
        raise ValueError(f"test wallet: {method} not supported")

    page.expose_binding("__testWallet", handle)
    page.add_init_script(INJECTED_WALLET)
    return account.address


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
