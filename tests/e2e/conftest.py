"""The stack the browser tests run against: ``make run``'s own (backend/devstack.py) on free
ports, on a copy of the demo city loaded once per session (tests/stack/stack.py); and Chromium
(Debian's) driven by Playwright, with an injected test wallet."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from eth_account import Account
from web3 import Web3

from tests.e2e.browser import LAUNCH_ARGS, ensure
from tests.stack.stack import demo_template, session_folder, stack_on_copy

ROOT = Path(__file__).resolve().parents[2]
# the docs' pictures are rewritten on request only (DRR_UPDATE_SCREENSHOTS=1, docs/explorer.md);
# an ordinary run writes them to reports/, so a test run leaves the working tree as it was
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("DRR_UPDATE_SCREENSHOTS") == "1"
    else ROOT / "reports" / "screenshots"
)


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
    """``make run``'s stack (backend/devstack.py) on a copy of the session's demo city."""
    template, _ = demo_template(session_folder(tmp_path_factory) / "demo-stack")
    # one test client plays every visitor (the crawl reads ~1 000 pages from 127.0.0.1): the
    # per-client read limit is raised, the others stay as configured
    running = stack_on_copy(
        template, tmp_path_factory.mktemp("e2e"),
        env_extra={"DRR_RATE_LIMIT_READS_PER_SECOND": "500", "DRR_RATE_LIMIT_READS_BURST": "5000"},
    )  # fmt: skip
    try:
        running.start()
        deployment = json.loads((running.data / "deployment.json").read_text())
        found = Stack(running.url, running.rpc_url, deployment)
        found.wait_indexed()
        yield found
    finally:
        running.ensure_stopped()


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
