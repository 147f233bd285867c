"""Indexer catch-up speed (SQLite, PostgreSQL) and relay latency of signed actions.

    .venv/bin/python -m benchmarks.service_bench --chain-port 18576 --api-port 8730 \\
        --pg-port 18590 [--events 20000]

Starts its own anvil, deploys the signed-action probe (build/contracts, so run `make compile`
first), writes events, indexes them from scratch into each database, then serves the API
with uvicorn and measures prepare → sign → submit over HTTP. Results go to
benchmarks/results/service.json; docs/indexer.md carries the table.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from web3 import Web3

from backend.chain.deployment import DeployedContract, Deployment
from backend.chain.devkeys import FIRST_COMPANY_INDEX, authority_key, dev_key
from backend.chain.typed_data import sign
from backend.devstack import RUN_DIR, start_chain, stop, wait_for_http, wait_for_rpc
from backend.indexer.scanner import Indexer
from backend.indexer.store import open_database
from benchmarks import common
from benchmarks.common import environment
from tests.backend.pgserver import PgServer

ROOT = Path(__file__).resolve().parents[1]
ARTIFACT = ROOT / "build/contracts/SignedActionProbe.json"
RESULTS = common.RESULTS / "service.json"
HOLDERS_PER_TX = 200
TARGET_EVENTS_PER_SECOND = 5_000


def deploy_probe(w3: Web3) -> tuple[object, Deployment]:
    admin = authority_key("city_regulator")
    build = json.loads(ARTIFACT.read_text())
    nonce = [w3.eth.get_transaction_count(admin.address)]

    def send(tx, wait=True):
        tx = {
            **tx,
            "from": admin.address,
            "nonce": nonce[0],
            "gas": 25_000_000,
            "maxFeePerGas": 0,
            "maxPriorityFeePerGas": 0,
            "chainId": w3.eth.chain_id,
        }
        nonce[0] += 1
        raw = w3.eth.account.sign_transaction(tx, admin.private_key).raw_transaction
        sent = w3.eth.send_raw_transaction(raw)
        return w3.eth.wait_for_transaction_receipt(sent) if wait else sent

    factory = w3.eth.contract(abi=build["abi"], bytecode=build["bytecode"])
    receipt = send(factory.constructor(admin.address).build_transaction({"from": admin.address}))
    probe = w3.eth.contract(address=receipt["contractAddress"], abi=build["abi"])
    deployment = Deployment(
        chain_id=w3.eth.chain_id,
        network="bench",
        contracts={
            "SignedActionProbe": DeployedContract(
                address=probe.address,
                abi=build["abi"],
                block=receipt["blockNumber"],
                tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            )
        },
    )
    probe.send = send  # type: ignore[attr-defined]
    return probe, deployment


def write_events(w3: Web3, probe, dense: int, sparse: int) -> None:
    """``dense`` events in blocks of HOLDERS_PER_TX, then ``sparse`` blocks of one event."""
    holders = [Web3.to_checksum_address(f"0x{i + 1:040x}") for i in range(HOLDERS_PER_TX)]
    admin = {"from": authority_key("city_regulator").address}
    companies = [dev_key(FIRST_COMPANY_INDEX + i).address for i in range(4)]
    for h in holders + companies:
        probe.send(probe.functions.openAccount(h).build_transaction(admin), wait=False)
    probe.send(probe.functions.creditMany(companies, 1, 10**9).build_transaction(admin), wait=False)
    for _ in range(dense // HOLDERS_PER_TX):
        probe.send(probe.functions.creditMany(holders, 1, 5).build_transaction(admin), wait=False)
    last = None
    for i in range(sparse):
        last = probe.send(
            probe.functions.credit(holders[i % 50], 2, 1).build_transaction(admin), wait=False
        )
    if last is not None:
        w3.eth.wait_for_transaction_receipt(last)


def time_catch_up(rpc: str, url: str, deployment_file: str) -> dict:
    """Index from scratch; runs in a process of its own (``catch_up_in_child``), so its peak
    memory is the indexer's alone."""
    w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 60}))
    engine = open_database(url)
    indexer = Indexer(w3=w3, engine=engine, deployment=Deployment.load(Path(deployment_file)))
    indexer.create_schema()
    started = time.perf_counter()
    added = indexer.catch_up()
    seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "events": added,
        "seconds": round(seconds, 2),
        "events_per_second": round(added / seconds),
        "target_events_per_second": TARGET_EVENTS_PER_SECOND,
        "met": added / seconds >= TARGET_EVENTS_PER_SECOND,
        "indexer_peak_rss_mb": _peak_rss_mb("self"),
    }


def _peak_rss_mb(pid: int | str) -> float | None:
    """Peak resident memory (VmHWM) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def _child(queue, *args) -> None:
    queue.put(time_catch_up(*args))


def catch_up_in_child(rpc: str, url: str, deployment_file: Path) -> dict:
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of this one
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, rpc, url, str(deployment_file)))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def relay_latency(
    api_url: str, deployment_file: Path, rpc: str, db: str, api_port: int, count: int
) -> dict:
    env = {
        "DRR_RPC_URL": rpc,
        "DRR_DEPLOYMENT_FILE": str(deployment_file),
        "DRR_DATABASE_URL": db,
        # a load test needs bursts from one client and one signer (backend/api/guard.py)
        "DRR_RATE_LIMIT_ENABLED": "false",
        "PATH": str(Path(sys.executable).parent),
    }
    log = (RUN_DIR / "bench-service.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "backend.main:create_app",
            "--factory",
            "--port",
            str(api_port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_http(f"{api_url}/api/v1/deployment", proc)
        # the service's indexer first catches up with the 22 000 events: measured after it,
        # so the figures are the relay's alone (relays no longer wait for the indexer's write
        # lock: the relayer's keys are in a SQLite file of their own, tests/backend/test_relayer.py)
        _wait_until_indexed(db, rpc)
        companies = [dev_key(FIRST_COMPANY_INDEX + i) for i in range(4)]
        timings: dict[str, list[float]] = {"prepare": [], "submit": []}

        def trade(http, seller, buyer, n):
            for _ in range(n):
                body = {"from": seller.address, "to": buyer.address, "pollutant": 1, "kg": 1}
                t0 = time.perf_counter()
                prepared = http.post("/api/v1/actions/probe-transfer/prepare", json=body)
                t1 = time.perf_counter()
                typed = prepared.json()["typed_data"]
                signature = "0x" + sign(typed, seller.private_key).hex()
                t2 = time.perf_counter()
                done = http.post(
                    "/api/v1/actions/probe-transfer/submit",
                    json={"typed_data": typed, "signature": signature},
                )
                t3 = time.perf_counter()
                assert done.status_code == 200, done.text
                timings["prepare"].append(t1 - t0)
                timings["submit"].append(t3 - t2)

        with httpx.Client(base_url=api_url, timeout=60) as http:
            trade(http, companies[0], companies[1], count)
            sequential = {k: _ms(v) for k, v in timings.items()}
            timings = {"prepare": [], "submit": []}
            started = time.perf_counter()
            threads = [
                threading.Thread(
                    target=trade, args=(http, companies[i], companies[(i + 1) % 4], count // 4)
                )
                for i in range(4)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
        return {
            "sequential_ms": sequential,
            "four_signers": {
                **{k: _ms(v) for k, v in timings.items()},
                "actions_per_second": round(len(timings["submit"]) / elapsed, 1),
            },
            "service_peak_rss_mb": _peak_rss_mb(proc.pid),
        }
    finally:
        stop([proc])


def _wait_until_indexed(db: str, rpc: str, timeout: float = 600) -> None:
    from backend.indexer import store

    w3 = Web3(Web3.HTTPProvider(rpc))
    head, chain_id = w3.eth.block_number, w3.eth.chain_id
    engine = open_database(db)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                cursor = store.load_cursor(conn, chain_id)
            if cursor is not None and cursor.block_number >= head:
                return
            time.sleep(0.5)
        raise RuntimeError("the service's indexer did not catch up in time")
    finally:
        engine.dispose()


def _ms(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p95": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
        "n": len(ordered),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chain-port", type=int, default=18576)
    parser.add_argument("--api-port", type=int, default=8730)
    parser.add_argument("--pg-port", type=int, default=18590)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--sparse-blocks", type=int, default=2_000)
    parser.add_argument("--actions", type=int, default=200)
    args = parser.parse_args()
    RUN_DIR.mkdir(exist_ok=True)
    rpc = f"http://127.0.0.1:{args.chain_port}"
    anvil = start_chain(args.chain_port)
    pg = None
    try:
        wait_for_rpc(rpc, anvil)
        w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 60}))
        print("deploying the probe and writing events…", flush=True)
        probe, deployment = deploy_probe(w3)
        write_events(w3, probe, args.events, args.sparse_blocks)
        folder = Path(tempfile.mkdtemp(prefix="drr-bench-"))
        deployment_file = folder / "deployment.json"
        deployment.save(deployment_file)
        pg = PgServer(args.pg_port).start()
        results = {
            "chain": {
                "blocks": w3.eth.block_number,
                "dense_events": args.events,
                "sparse_blocks": args.sparse_blocks,
            }
        }
        for name, url in (
            ("sqlite", f"sqlite:///{folder / 'index.db'}"),
            ("postgresql", pg.create_database()),
        ):
            print(f"indexing into {name}…", flush=True)
            results[f"catch_up_{name}"] = catch_up_in_child(rpc, url, deployment_file)
        print("measuring relay latency over HTTP…", flush=True)
        results["relay"] = relay_latency(
            f"http://127.0.0.1:{args.api_port}",
            deployment_file,
            rpc,
            f"sqlite:///{folder / 'service.db'}",
            args.api_port,
            args.actions,
        )
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({**environment(), **results}, indent=2) + "\n")
        print(json.dumps(results, indent=2))
        return 0
    finally:
        if pg is not None:
            pg.stop()
        stop([anvil])


if __name__ == "__main__":
    raise SystemExit(main())
