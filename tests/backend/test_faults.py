"""Faults: a part dies in the middle of its work and is restarted; nothing is lost, duplicated or
half-applied (docs/security.md, R-04, R-37).

* the indexer is killed (SIGKILL) while it streams events into the database, then restarted:
  the index equals the chain's events, each once;
* the service is killed while clients submit signed actions, then restarted; the clients retry
  with the same Idempotency-Keys: each action is executed exactly once;
* the chain node is killed in the middle of a batch the relayer sends, then restarted from its
  stored blocks; the batch is run again with the same keys: each action is on chain once.

Signed actions are the test probe's transfers (contracts/testing/SignedActionProbe.sol), relayed
as the product's actions are.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from web3 import Web3

from backend.indexer.store import open_database
from tests.backend.flows import prepare, signed, submit
from tests.backend.test_indexer import chain_events, indexed_events

ROOT = Path(__file__).resolve().parents[2]
POLLUTANT = 4


def _env(settings_file_dir: Path, rpc_url: str, db: str) -> dict:
    env = dict(os.environ)
    env.update(
        DRR_RPC_URL=rpc_url,
        DRR_DEPLOYMENT_FILE=str(settings_file_dir / "deployment.json"),
        DRR_DATABASE_URL=db,
        DRR_INDEXER_ENABLED="false",
        DRR_INDEXER_CHUNK_BLOCKS="1",
        # one block per chunk, each its own commit: the kill lands between two commits
        DRR_INDEXER_MAX_CHUNK_BLOCKS="1",
        DRR_RECEIPT_TIMEOUT_SECONDS="10",
        DRR_RELAYER_STALE_CLAIM_SECONDS="2",
    )
    return env


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


# ------------------------------------------------------------------------- indexer


def test_indexer_killed_mid_stream_resumes_without_loss_or_duplicates(
    service_deployment, probe, regulator, companies, rpc_url, tmp_path
):
    """SIGKILL while the indexer writes chunk after chunk; the restarted indexer completes the
    index: every event of the chain once, none twice, none missing (R-37)."""
    for company in companies:
        probe.openAccount(company, {"from": regulator})
    for i in range(60):
        probe.credit(companies[i % 8], POLLUTANT, 1 + i, {"from": regulator})
    service_deployment.save(tmp_path / "deployment.json")
    db = f"sqlite:///{tmp_path / 'index.db'}"
    env = _env(tmp_path, rpc_url, db)
    cmd = [sys.executable, "-m", "backend.cli", "indexer", "run", "--once"]
    engine = open_database(db)
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    expected = chain_events(w3, service_deployment)
    first = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    killed_at = 0
    while time.monotonic() < deadline and first.poll() is None:
        try:
            killed_at = len(indexed_events(engine, service_deployment.chain_id))
        except Exception:  # the schema is not there yet
            killed_at = 0
        if killed_at >= len(expected) // 3:
            _kill(first)
            break
        time.sleep(0.05)
    assert first.returncode is not None
    assert 0 < killed_at < len(expected), "the kill did not land mid-stream"
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=300, check=False)
    assert second.returncode == 0, second.stderr[-2000:]
    assert indexed_events(engine, service_deployment.chain_id) == expected
    engine.dispose()


# ------------------------------------------------------------------------- service


def _start_service(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/deployment", timeout=2).is_success:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    _kill(proc)
    raise AssertionError("the service did not start")


def test_service_killed_mid_request_executes_each_action_once_after_retry(
    service_deployment, probe, regulator, companies, company_keys, rpc_url, tmp_path
):
    """SIGKILL while clients submit; after a restart the clients retry every request with its
    Idempotency-Key: each transfer is on chain exactly once, the retries of those that went
    through are answered with the first transaction (R-04)."""
    port = _free_port()
    seller, buyer = companies[0], companies[1]
    for c in (seller, buyer):
        probe.openAccount(c, {"from": regulator})
    probe.credit(seller, POLLUTANT, 1_000, {"from": regulator})
    service_deployment.save(tmp_path / "deployment.json")
    env = _env(tmp_path, rpc_url, f"sqlite:///{tmp_path / 'service.db'}")
    total, envelopes, answers = 12, {}, {}
    service = _start_service(env, port)
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def client():
        for i in range(total):
            try:
                if i not in envelopes:
                    body = {"from": seller.address, "to": buyer.address, "pollutant": POLLUTANT,
                            "kg": 1}  # fmt: skip
                    prepared = prepare(api, "probe-transfer", body)
                    envelopes[i] = signed(prepared["typed_data"], company_keys[0].private_key)
                answers[i] = submit(api, "probe-transfer", envelopes[i], key=f"fault-{i}")
            except (httpx.HTTPError, AssertionError):
                return  # the service died under us

    worker = threading.Thread(target=client)
    worker.start()
    while len(answers) < total // 3 and worker.is_alive():
        time.sleep(0.01)
    _kill(service)  # mid-request: the client is inside a submit
    worker.join(timeout=60)
    done_before = len(answers)
    assert 0 < done_before < total, "the kill did not land mid-batch"
    service = _start_service(env, port)
    try:
        retried = {}
        for i in range(total):  # the client retries everything it is unsure of
            if i not in envelopes:
                body = {"from": seller.address, "to": buyer.address, "pollutant": POLLUTANT,
                        "kg": 1}  # fmt: skip
                envelopes[i] = signed(
                    prepare(api, "probe-transfer", body)["typed_data"], company_keys[0].private_key
                )
            for _ in range(60):  # a key the killed request had claimed: 409 until it is stale
                retried[i] = submit(api, "probe-transfer", envelopes[i], key=f"fault-{i}")
                if retried[i].status_code != 409:
                    break
                time.sleep(0.5)
            assert retried[i].status_code == 200, retried[i].text
        for i, first in answers.items():
            if first.status_code == 200:
                assert retried[i].json()["tx_hash"] == first.json()["tx_hash"]
                assert retried[i].json()["replayed"] is True
        hashes = {r.json()["tx_hash"] for r in retried.values()}
        assert len(hashes) == total
    finally:
        _kill(service)
    assert probe.balanceOf(buyer, POLLUTANT) == total
    assert probe.balanceOf(seller, POLLUTANT) == 1_000 - total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------- chain node


@pytest.fixture
def own_node(tmp_path):
    """A node of this test alone (anvil on a free port), which keeps its blocks in a state
    file as a validator keeps them on disk; start/kill/restart under the test's control."""
    port = _free_port()

    class Node:
        url = f"http://127.0.0.1:{port}"
        proc = None
        stored = None

        def start(self):
            self.proc = subprocess.Popen(
                ["anvil", "--port", str(port), "--base-fee", "0", "--accounts", "10", "--silent",
                 "--cache-path", str(tmp_path / "anvil-cache")],
                start_new_session=True,
            )  # fmt: skip
            w3 = Web3(Web3.HTTPProvider(self.url))
            for _ in range(300):
                if w3.is_connected():
                    if self.stored is not None:  # the blocks it had on disk
                        w3.provider.make_request("anvil_loadState", [self.stored])
                    return w3
                time.sleep(0.1)
            raise AssertionError("anvil did not start")

        def kill(self):
            """What a validator has on disk survives; the process dies without warning."""
            w3 = Web3(Web3.HTTPProvider(self.url))
            self.stored = w3.provider.make_request("anvil_dumpState", [])["result"]
            _kill(self.proc)

    node = Node()
    yield node
    if node.proc is not None and node.proc.poll() is None:
        _kill(node.proc)


def test_node_killed_mid_batch_each_action_once_after_rerun(own_node, tmp_path, company_keys):
    """The node dies while the relayer sends a batch; after it restarts from its stored blocks
    the same batch is run again (same keys): every action is on chain exactly once."""
    from brownie import SignedActionProbe

    from backend.chain.errors import ErrorDecoder
    from backend.chain.relayer import Relayer, metadata, relayer_account
    from backend.chain.typed_data import Domain, sign, typed_data

    w3 = own_node.start()
    admin = w3.eth.accounts[0]
    factory = w3.eth.contract(abi=SignedActionProbe.abi, bytecode=SignedActionProbe.bytecode)
    txid = factory.constructor(admin).transact({"from": admin})
    address = w3.eth.wait_for_transaction_receipt(txid)["contractAddress"]
    probe = w3.eth.contract(address=address, abi=SignedActionProbe.abi)
    seller, buyer = (Web3.to_checksum_address(k.address) for k in company_keys[:2])
    for c in (seller, buyer):
        probe.functions.openAccount(c).transact({"from": admin})
    probe.functions.credit(seller, POLLUTANT, 1_000).transact({"from": admin})
    _, name, version, chain_id, verifying, _, _ = probe.functions.eip712Domain().call()
    domain = Domain(name=name, version=version, chain_id=chain_id, verifying_contract=verifying)
    fields = [("from", "address"), ("to", "address"), ("pollutant", "uint32"), ("kg", "uint64"),
              ("nonce", "uint256"), ("deadline", "uint256")]  # fmt: skip
    deadline = int(time.time()) + 3_600
    total = 10
    calls = []
    for n in range(total):
        message = {"from": seller, "to": buyer, "pollutant": POLLUTANT, "kg": 1, "nonce": n,
                   "deadline": deadline}  # fmt: skip
        signature = sign(typed_data(domain, "Transfer", {"Transfer": fields}, message),
                         company_keys[0].private_key)  # fmt: skip
        calls.append(probe.encode_abi("transferBySig", [seller, buyer, POLLUTANT, 1, deadline,
                                                        bytes(signature)]))  # fmt: skip
    engine = open_database(f"sqlite:///{tmp_path / 'relay.db'}")
    metadata.create_all(engine)

    def relayer():
        node_w3 = Web3(Web3.HTTPProvider(own_node.url))
        return Relayer(
            w3=node_w3, account=relayer_account(chain_id=node_w3.eth.chain_id), engine=engine,
            decoder=ErrorDecoder.from_abis({"SignedActionProbe": SignedActionProbe.abi}),
            receipt_timeout=5, priority_fee_wei=0,
        )  # fmt: skip

    first, sent = relayer(), []

    def batch():
        for n, data in enumerate(calls):
            try:
                first.relay(to=address, data=bytes.fromhex(data[2:]), key=f"row-{n}",
                            fingerprint=data)  # fmt: skip
                sent.append(n)
            except Exception:  # the node is gone
                return

    worker = threading.Thread(target=batch)
    worker.start()
    while len(sent) < total // 3:
        time.sleep(0.005)
    own_node.kill()
    worker.join(timeout=60)
    assert 0 < len(sent) < total, "the kill did not land mid-batch"
    w3 = own_node.start()
    probe = w3.eth.contract(address=address, abi=SignedActionProbe.abi)
    second = relayer()
    for n, data in enumerate(calls):  # the batch again: same rows, same keys
        result = second.relay(to=address, data=bytes.fromhex(data[2:]), key=f"row-{n}",
                              fingerprint=data)  # fmt: skip
        assert result.receipt["status"] == 1
    assert probe.functions.balanceOf(buyer, POLLUTANT).call() == total
    assert probe.functions.balanceOf(seller, POLLUTANT).call() == 1_000 - total
    engine.dispose()
