"""End-to-end throughput: signed company orders through the API to settled and indexed, against
the raw rate at which this machine pushes pre-signed transactions into the same anvil.

    python -m benchmarks.e2e_throughput [--seconds 60] [--signers 8] [--api-port 8730]

One anvil (Brownie's bench network, automine), the product's contracts (scripts/deploy.py), a
city of ``--signers`` companies holding paid COD. Then, in this order and in one run:

1. **raw**: every company signs plain `PledgeBook.pledge` transactions with its own key ahead of
   time; one thread per company pushes them with `eth_sendRawTransaction` as fast as the node
   takes them; the rate counts until the last receipt is mined.
2. **service**: the service (uvicorn, its own process, SQLite) relays the same operation as the
   signed action `pledge`: each company's thread prepares, signs the EIP-712 typed data with the
   company's key and submits, for at least ``--seconds``; the clock stops when the indexer's
   cursor has passed the block of the last settled order.

The indexer runs as a process of its own (``backend indexer run`` on the same SQLite store, the
service started with ``DRR_INDEXER_ENABLED=false``), as docs/operations.md advises for a
service under load: the index's catch-up then never holds the interpreter lock the requests
wait for. Its CPU is counted with the service's. ``--indexer inside``: the indexer as a thread
of the service, as ``make run`` runs it.

The CPU time of the service and of anvil is read from /proc around both phases: per order and
per raw transaction, it gives the rate this machine's cores could carry at all
(``cpu_ceiling_per_second``). Peak memory (VmHWM) of the service process is read from /proc at
the end. Writes
benchmarks/results/e2e_throughput.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from benchmarks.common import ROOT, connect, proc_mb, write_result

TARGET_RATIO = 0.5
LOAN_FEN, MATURITY = 10**8, 2**40  # the claim each pledge secures and its due date
RAW_PER_SIGNER = 150


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident memory of a live process (VmHWM), in MB."""
    return proc_mb(pid, "VmHWM")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def node_pid(rpc: str) -> int | None:
    """The pid of the anvil serving ``rpc`` on this machine, if one is found."""
    import psutil

    port = rpc.rsplit(":", 1)[-1].strip("/")
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if "anvil" in (proc.info["name"] or "") and port in cmdline:
            return proc.pid
    return None


def setup_city(signers: int):
    """Deploy and give each company ample paid COD; returns (deployment, contracts, keys)."""
    import brownie
    from brownie import chain

    from backend.chain.devkeys import FIRST_COMPANY_INDEX, dev_key
    from backend.chain.domain import POLLUTANTS, Origin, Sector
    from scripts.deploy import deploy_regulator_alone, dev_parties

    parties = dev_parties()
    reg, ex = parties["city_regulator"], parties["exchange_operator"]
    d = deploy_regulator_alone(parties)  # benchmark: regulator acts alone
    c = {n: getattr(brownie, n).at(r.address) for n, r in d.contracts.items()}
    registry, ledger, prices = c["AccountRegistry"], c["RightsLedger"], c["PriceBook"]
    ledger.grantRole(ledger.EXCHANGE_ROLE(), ex, {"from": reg})
    for p in POLLUTANTS:
        registry.addPollutant(p.code, p.name_zh, int(p.pollutant_class), {"from": reg})
    registry.setSectorEnabled(int(Sector.INDUSTRY), True, {"from": reg})
    prices.publish(
        1, 0, 400_000, chain.time() + prices.notice() + 2, {"from": parties["price_bureau"]}
    )
    chain.sleep(prices.notice() + 3)
    ledger.setCap(1, 1, 10**15, {"from": reg})
    keys = [dev_key(FIRST_COMPANY_INDEX + i) for i in range(signers)]
    for i, k in enumerate(keys):
        code = f"9150000000{i:08d}"
        registry.registerAccount(k.address, code, f"企业{i}", 1, 1, 1, {"from": reg})
        ledger.allocate(k.address, 1, int(Origin.PAID), 10**12, {"from": ex})
    return d, c, keys, parties["bank"].address


def raw_rate(w3, pledges, keys, bank: str, per_signer: int) -> dict:
    """Pre-signed company transactions pushed by one thread per company."""
    chain_id = w3.eth.chain_id
    fn = w3.eth.contract(address=pledges.address, abi=pledges.abi).functions.pledge(
        bank, 1, 1, LOAN_FEN, MATURITY
    )
    data = fn._encode_transaction_data()
    gas = int(w3.eth.estimate_gas({"from": keys[0].address, "to": pledges.address, "data": data}))
    signed: list[list[bytes]] = []
    for k in keys:
        nonce = w3.eth.get_transaction_count(k.address)
        signed.append([
            w3.eth.account.sign_transaction({
                "to": pledges.address, "data": data, "nonce": nonce + n, "gas": gas * 2,
                "maxFeePerGas": 0, "maxPriorityFeePerGas": 0, "chainId": chain_id, "value": 0,
            }, k.private_key).raw_transaction
            for n in range(per_signer)
        ])  # fmt: skip
    last: list = [None] * len(keys)

    def push(i: int) -> None:
        for raw in signed[i]:
            last[i] = w3.eth.send_raw_transaction(raw)

    started = time.perf_counter()
    threads = [threading.Thread(target=push, args=(i,)) for i in range(len(keys))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for h in last:
        w3.eth.wait_for_transaction_receipt(h, timeout=900)
    seconds = time.perf_counter() - started
    sent = per_signer * len(keys)
    return {
        "transactions": sent,
        "seconds": round(seconds, 2),
        "per_second": round(sent / seconds, 1),
        "gas_per_transaction": gas,
    }


def start_service(
    rpc: str, deployment_file: Path, db: str, port: int, *, indexer: bool = True
) -> subprocess.Popen:
    from backend.devstack import RUN_DIR, wait_for_http

    RUN_DIR.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DRR_RPC_URL": rpc,
        "DRR_DEPLOYMENT_FILE": str(deployment_file),
        "DRR_DATABASE_URL": db,
        # a load test needs bursts from one client and one signer (backend/api/guard.py)
        "DRR_RATE_LIMIT_ENABLED": "false",
        "DRR_INDEXER_POLL_SECONDS": "0.5",
        "DRR_INDEXER_ENABLED": "true" if indexer else "false",
    }
    log = (RUN_DIR / f"bench-e2e-service-{port}.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.main:create_app", "--factory",
         "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for_http(f"http://127.0.0.1:{port}/api/v1/deployment", proc)
    return proc


def start_indexer(rpc: str, deployment_file: Path, db: str) -> subprocess.Popen:
    """``backend indexer run`` as a process of its own, on the service's store."""
    from backend.devstack import RUN_DIR

    env = {
        **os.environ,
        "DRR_RPC_URL": rpc,
        "DRR_DEPLOYMENT_FILE": str(deployment_file),
        "DRR_DATABASE_URL": db,
        "DRR_INDEXER_POLL_SECONDS": "0.5",
    }
    log = (RUN_DIR / "bench-e2e-indexer.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "indexer", "run"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def service_rate(
    api: str | list[str], keys, bank: str, seconds: float, engine, chain_id: int
) -> dict:
    """Signed pledges through prepare → sign → submit, one thread per company, until
    ``seconds`` have passed; then wait for the indexer."""
    from backend.chain.typed_data import sign
    from backend.indexer import store

    stop_at = time.perf_counter() + seconds
    done: list[tuple[float, float, int]] = []  # (prepare s, submit s, block)
    hashes: set[str] = set()  # the transactions that carried them (a batch carries many)
    failures: list[str] = []
    lock = threading.Lock()

    apis = [api] if isinstance(api, str) else api

    def company(k, base: str) -> None:
        body = {"holder": k.address, "bank": bank, "pollutant": 1, "quantityKg": 1,
                "claimFen": LOAN_FEN, "maturity": MATURITY}  # fmt: skip
        with httpx.Client(base_url=base, timeout=60) as http:
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                prepared = http.post("/api/v1/actions/pledge/prepare", json=body)
                t1 = time.perf_counter()
                if prepared.status_code != 200:
                    failures.append(prepared.text[:300])
                    continue
                typed = prepared.json()["typed_data"]
                signature = "0x" + sign(typed, k.private_key).hex()
                t2 = time.perf_counter()
                answer = http.post(
                    "/api/v1/actions/pledge/submit",
                    json={"typed_data": typed, "signature": signature},
                )
                t3 = time.perf_counter()
                if answer.status_code != 200:
                    failures.append(answer.text[:300])
                    continue
                with lock:
                    done.append((t1 - t0, t3 - t2, answer.json()["block_number"]))
                    hashes.add(answer.json()["tx_hash"])

    load_at_start = round(os.getloadavg()[0], 1)
    started = time.perf_counter()
    threads = [
        threading.Thread(target=company, args=(k, apis[i % len(apis)])) for i, k in enumerate(keys)
    ]
    for t in threads:
        t.start()
    last_progress = started
    while any(t.is_alive() for t in threads):
        time.sleep(1)
        if time.perf_counter() - last_progress >= 10:
            last_progress = time.perf_counter()
            print(f"  {len(done)} orders settled after {last_progress - started:.0f} s", flush=True)
    for t in threads:
        t.join()
    submitted = time.perf_counter() - started
    last_block = max(b for _, _, b in done)
    while True:
        with engine.connect() as conn:
            cursor = store.load_cursor(conn, chain_id)
        if cursor is not None and cursor.block_number >= last_block:
            break
        time.sleep(0.05)
    indexed = time.perf_counter() - started
    return {
        "orders": len(done),
        "failures": len(failures),
        "failure_sample": failures[:3],
        "signers": len(keys),
        "seconds_submitting": round(submitted, 2),
        "seconds_to_indexed": round(indexed, 2),
        "per_second": round(len(done) / indexed, 1),
        "transactions": len(hashes),
        "orders_per_transaction": round(len(done) / max(len(hashes), 1), 1),
        "load_average_at_start": load_at_start,
        "prepare_ms": _ms([p for p, _, _ in done]),
        "submit_ms": _ms([s for _, s, _ in done]),
    }


def profile_service(pid: int, seconds: float, out: Path) -> dict:
    """Sample the service with py-spy (if installed) for ``seconds``; returns the functions
    that hold the most samples (inclusive: a function and what it calls) by thread role."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        return {"skipped": "py-spy is not installed (.venv/bin/pip install py-spy)"}
    subprocess.run(
        [str(spy), "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "50", "-f", "raw",
         "-o", str(out), "--nonblocking", "--gil"],
        check=False, capture_output=True,
    )  # fmt: skip
    return summarise_stacks(out, seconds, 50)


def summarise_stacks(path: Path, seconds: float, rate: int, top: int = 20) -> dict:
    """From py-spy's collapsed stacks of the thread holding the interpreter lock: how much of
    the time the lock was held, and by what (inclusive: a function with its callees; self:
    the innermost frame)."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        names = []
        for frame in stack.split(";"):
            if frame.startswith(("process ", "thread ")):
                continue
            func, _, where = frame.partition(" (")
            names.append(f"{func} ({where.split(':')[0].split('/')[-1]}")
        for name in set(names):
            inclusive[name] = inclusive.get(name, 0) + n
        if names:
            own[names[-1]] = own.get(names[-1], 0) + n

    def ranked(d: dict[str, int]) -> dict[str, float]:
        best = sorted(d.items(), key=lambda kv: -kv[1])[:top]
        return {name: round(k / total, 3) for name, k in best} if total else {}

    return {
        "samples": total,
        "lock_held_share": round(total / (seconds * rate), 2),
        "inclusive_share": ranked(inclusive),
        "self_share": ranked(own),
    }


def _ms(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p95": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--signers", type=int, default=8)
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("API_PORT", 8730)))
    parser.add_argument("--raw-per-signer", type=int, default=RAW_PER_SIGNER)
    parser.add_argument("--profile-seconds", type=float, default=15)
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="service processes; more than one share a PostgreSQL store (one relay leader)",
    )
    parser.add_argument(
        "--indexer",
        choices=("process", "inside"),
        default="process",
        help="the indexer as a process of its own (backend indexer run), or inside the service",
    )
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("BENCH_EXTRA_PORT",
                        "18540")) + 2)  # fmt: skip
    args = parser.parse_args()

    from brownie import web3 as bw3
    from web3 import Web3

    from backend.devstack import stop
    from backend.indexer.store import open_database

    connect()
    rpc = bw3.provider.endpoint_uri
    print(f"deploying the city on {rpc}…", flush=True)
    deployment, c, keys, bank = setup_city(args.signers)
    w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 60}))
    print(f"raw: {args.raw_per_signer * args.signers} pre-signed pledges…", flush=True)
    node = node_pid(rpc)
    node_cpu = cpu_seconds(node) if node else 0.0
    raw = raw_rate(w3, c["PledgeBook"], keys, bank, args.raw_per_signer)
    if node:
        # the node's CPU per transaction: with the service's below, the budget of the 2 cores
        raw["node_cpu_ms_per_transaction"] = round(
            (cpu_seconds(node) - node_cpu) / raw["transactions"] * 1000, 2
        )
        raw["node_cpu_share_of_one_core"] = round(
            (cpu_seconds(node) - node_cpu) / raw["seconds"], 2
        )
    print(f"  {raw['per_second']} tx/s", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="drr-e2e-"))
    deployment.save(folder / "deployment.json")
    pg = None
    if args.processes > 1:
        from tests.backend.pgserver import PgServer

        pg = PgServer(args.pg_port).start()
        db = pg.create_database()
    else:
        db = f"sqlite:///{folder / 'service.db'}"
    services = [
        start_service(
            rpc,
            folder / "deployment.json",
            db,
            args.api_port + i,
            indexer=i == 0 and args.indexer == "inside",
        )
        for i in range(args.processes)
    ]
    service = services[0]
    if args.indexer == "process":
        services.append(start_indexer(rpc, folder / "deployment.json", db))
    engine = open_database(db)
    try:
        # the indexer catches up with the deployment and the raw run before the clock starts
        from backend.indexer import store

        head = w3.eth.block_number
        while True:
            with engine.connect() as conn:
                cursor = store.load_cursor(conn, w3.eth.chain_id)
            if cursor is not None and cursor.block_number >= head:
                break
            time.sleep(0.2)
        print(f"service: signed pledges for {args.seconds:.0f} s…", flush=True)
        api = [f"http://127.0.0.1:{args.api_port + i}" for i in range(args.processes)]
        cpu_before = sum(cpu_seconds(p.pid) for p in services)
        node_before = cpu_seconds(node) if node else 0.0
        relayed = service_rate(api, keys, bank, args.seconds, engine, w3.eth.chain_id)
        cpu = sum(cpu_seconds(p.pid) for p in services) - cpu_before
        if node:
            node_cpu = cpu_seconds(node) - node_before
            orders, seconds = max(relayed["orders"], 1), relayed["seconds_to_indexed"]
            relayed["node_cpu_ms_per_order"] = round(node_cpu / orders * 1000, 2)
            relayed["node_cpu_share_of_one_core"] = round(node_cpu / seconds, 2)
        # CPU of the service per order, and its share of one core over the run: near 100 %
        # means the service's Python (one interpreter lock) is what limits the rate
        relayed["service_cpu_ms_per_order"] = round(cpu / max(relayed["orders"], 1) * 1000, 1)
        relayed["service_cpu_share_of_one_core"] = round(cpu / relayed["seconds_to_indexed"], 2)
        relayed["service_processes"] = args.processes
        relayed["service_store"] = "postgresql" if pg is not None else "sqlite"
        relayed["indexer"] = "own process" if args.indexer == "process" else "inside the service"
        relayed["service_peak_rss_mb"] = max(peak_rss_mb(p.pid) or 0 for p in services)
        if args.profile_seconds:
            print(f"profiling the service for {args.profile_seconds:.0f} s…", flush=True)
            holder: dict = {}
            spy = threading.Thread(
                target=lambda: holder.update(
                    profile_service(service.pid, args.profile_seconds, folder / "service.spy")
                )
            )
            spy.start()
            profiled = service_rate(api, keys, bank, args.profile_seconds, engine, w3.eth.chain_id)
            spy.join()
            relayed["profile"] = {"orders_per_second_while_sampled": profiled["per_second"],
                                  **holder}  # fmt: skip
    finally:
        stop(services)
        engine.dispose()
        if pg is not None:
            pg.stop()
        # the run's deployment, store and profile (its summary is in the results file)
        shutil.rmtree(folder, ignore_errors=True)
    ratio = relayed["per_second"] / raw["per_second"]
    if "node_cpu_ms_per_order" in relayed:
        # what the machine's cores allow at the measured CPU cost of one order (service + node),
        # were nothing else waiting: the ceiling of the service's rate on this machine
        per_order_ms = relayed["service_cpu_ms_per_order"] + relayed["node_cpu_ms_per_order"]
        relayed["cpu_ceiling_per_second"] = round((os.cpu_count() or 1) * 1000 / per_order_ms, 1)
    path = write_result(
        "e2e_throughput",
        {
            "target": f"service ≥ {TARGET_RATIO:.0%} of raw",
            "ratio": round(ratio, 3),
            "met": ratio >= TARGET_RATIO,
            "raw": raw,
            "service": relayed,
        },
    )
    print(
        f"raw {raw['per_second']} tx/s, service {relayed['per_second']} orders/s "
        f"→ {ratio:.0%} (target ≥ {TARGET_RATIO:.0%}); written to {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
