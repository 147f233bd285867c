"""Load test with Locust: the public reading and companies signing orders at the same time,
against `make run`'s stack (not part of `make test`; `make load-test`).

    python -m benchmarks.load_test [--users 100] [--minutes 10] [--spawn-rate 5]

1. Starts the default stack (`backend.devstack run`: anvil, the contracts, the demo city, the
   service with its indexer, SQLite) in a fresh data folder of its own under ``.run/load/`` on
   ``LOCAL_PORT`` / ``API_PORT``, removed at the end.
2. **Rate limits**: the service's per-client limits stay on (backend/api/guard.py) but are raised
   for the test: every Locust user comes from 127.0.0.1, one client to the service, so the
   defaults (20 reads/s, 5 writes/s, 16 requests at once per client) would answer most of the
   load 429. Set here: ``DRR_RATE_LIMIT_READS_PER_SECOND`` 5 000 (burst 5 000),
   ``…_WRITES_PER_SECOND`` 1 000 (burst 1 000), ``…_CONCURRENT`` 500; the per-signer limit
   stays at its default (each company signs at most one order every 1–3 s here).
3. Picks the demo companies that may pledge 1 kg of a pollutant they hold to the bank (a prepare
   that answers 200), writes the Locust users' configuration, and runs Locust headless
   (benchmarks/load/locustfile.py, in .venv-load) with ``--users`` users for ``--minutes``.
4. Samples the resident memory of the service and of anvil, the service's CPU time and the
   machine's load average every 10 s.

``--result NAME`` writes ``NAME.json`` instead (a comparison run, e.g. with
``DRR_RESPONSE_CACHE_ENABLED=false`` in the environment: the service inherits it).

Writes benchmarks/results/load_test.json: per endpoint the count, failures (5xx or no answer),
p50/p95/p99 and the answers by status; the error rate; memory over time; load averages.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from benchmarks.common import ROOT, proc_mb, write_result
from benchmarks.e2e_throughput import cpu_seconds

LOAD_VENV = ROOT / ".venv-load"
RATE_LIMITS = {
    "DRR_RATE_LIMIT_ENABLED": "true",
    "DRR_RATE_LIMIT_READS_PER_SECOND": "5000",
    "DRR_RATE_LIMIT_READS_BURST": "5000",
    "DRR_RATE_LIMIT_WRITES_PER_SECOND": "1000",
    "DRR_RATE_LIMIT_WRITES_BURST": "1000",
    "DRR_RATE_LIMIT_CONCURRENT": "500",
}
MATURITY = 2**40  # the pledges' due date: far ahead (R-34)


def rss_mb(pid: int | None) -> float | None:
    return proc_mb(pid, "VmRSS")


def stack_pids(stack: subprocess.Popen) -> dict[str, int | None]:
    """The service's and anvil's pids among the stack's processes."""
    import psutil

    found: dict[str, int | None] = {"service": None, "anvil": None}
    for child in psutil.Process(stack.pid).children(recursive=True):
        cmdline = " ".join(child.cmdline())
        if "uvicorn" in cmdline:
            found["service"] = child.pid
        elif "anvil" in child.name():
            found["anvil"] = child.pid
    return found


def start_stack(folder: Path, chain_port: int, api_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        **RATE_LIMITS,
        "DRR_DATA_DIR": str(folder),
        "DRR_CHAIN_PORT": str(chain_port),
        "DRR_API_PORT": str(api_port),
    }
    log = (folder.parent / f"{folder.name}.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.devstack", "run"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{api_port}/api/v1/public/status"
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the stack stopped; see {log.name}")
        try:
            status = httpx.get(url, timeout=5)
            head = httpx.get(f"http://127.0.0.1:{api_port}/api/v1/deployment", timeout=5)
            if status.is_success and head.is_success:
                cursor = status.json().get("block") or 0
                if int(cursor or 0) >= int(head.json()["latest_block"]) - 1:
                    return proc
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(2)
    raise SystemExit("the stack did not become ready in 30 min")


def pledging_companies(api: str, bank: str, want: int) -> list[dict]:
    """Demo companies whose 1 kg pledge of a pollutant they hold the rules allow now, with that
    pollutant (DEV keys of the local chain)."""
    from backend.chain.devkeys import FIRST_COMPANY_INDEX, dev_key

    chosen = []
    with httpx.Client(base_url=api, timeout=30) as http:
        for i in range(60):
            key = dev_key(FIRST_COMPANY_INDEX + i)
            for pollutant in range(1, 8):
                body = {"holder": key.address, "bank": bank, "pollutant": pollutant,
                        "quantityKg": 1, "claimFen": 100, "maturity": MATURITY}  # fmt: skip
                if http.post("/api/v1/actions/pledge/prepare", json=body).status_code == 200:
                    chosen.append({"address": key.address, "key": "0x" + key.private_key,
                                   "pollutant": pollutant})  # fmt: skip
                    break
            if len(chosen) >= want:
                break
    return chosen


def sample_memory(pids: dict, stop: threading.Event, out: list, started: float) -> None:
    while not stop.is_set():
        out.append({
            "second": round(time.monotonic() - started),
            "service_rss_mb": rss_mb(pids["service"]),
            "anvil_rss_mb": rss_mb(pids["anvil"]),
            "service_cpu_s": round(cpu_seconds(pids["service"]), 2) if pids["service"] else None,
            "load_average": round(os.getloadavg()[0], 1),
        })  # fmt: skip
        stop.wait(10)


def read_stats(prefix: Path) -> list[dict]:
    rows = []
    with (prefix.parent / f"{prefix.name}_stats.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows.append({
                "endpoint": row["Name"],
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": _num(row["50%"]),
                "p95_ms": _num(row["95%"]),
                "p99_ms": _num(row["99%"]),
                "per_second": round(float(row["Requests/s"]), 2),
            })  # fmt: skip
    return rows


def _num(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--result", default="load_test", help="result file name (no .json)")
    args = parser.parse_args()
    locust = LOAD_VENV / "bin" / "locust"
    if not locust.exists():
        raise SystemExit("the load test's environment is missing: make load-test installs it")
    chain_port = int(os.environ.get("LOCAL_PORT", "18545"))
    api_port = int(os.environ.get("API_PORT", "8700"))
    api = f"http://127.0.0.1:{api_port}"
    work = ROOT / ".run" / "load"
    work.mkdir(parents=True, exist_ok=True)
    folder = work / f"data-{int(time.time())}"
    print(f"starting the stack (demo city) in {folder}…", flush=True)
    stack = start_stack(folder, chain_port, api_port)
    stop = threading.Event()
    memory: list[dict] = []
    try:
        from backend.chain.devkeys import authority_key

        bank = authority_key("bank").address
        companies = pledging_companies(api, bank, want=max(1, args.users // 5))
        print(f"{len(companies)} companies may pledge; Locust: {args.users} users for "
              f"{args.minutes:g} min…", flush=True)  # fmt: skip
        config = work / "config.json"
        config.write_text(json.dumps({"bank": bank, "maturity": MATURITY,
                                      "companies": companies}))  # fmt: skip
        pids = stack_pids(stack)
        started = time.monotonic()
        sampler = threading.Thread(target=sample_memory, args=(pids, stop, memory, started))
        sampler.start()
        load_before = round(os.getloadavg()[0], 1)
        prefix = work / "locust"
        status_file = work / "status.json"
        run = subprocess.run(
            [str(locust), "-f", str(ROOT / "benchmarks" / "load" / "locustfile.py"),
             "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             "--run-time", f"{int(args.minutes * 60)}s", "--host", api,
             "--csv", str(prefix), "--only-summary", "--stop-timeout", "30"],
            cwd=ROOT, env={**os.environ, "DRR_LOAD_CONFIG": str(config),
                           "DRR_LOAD_STATUS": str(status_file)},
            check=False,
        )  # fmt: skip
        load_after = round(os.getloadavg()[0], 1)
        stop.set()
        sampler.join()
        stats = read_stats(prefix)
        statuses = json.loads(status_file.read_text()) if status_file.exists() else {}
    finally:
        stop.set()
        if stack.poll() is None:
            os.killpg(stack.pid, signal.SIGINT)
            try:
                stack.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(stack.pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)
    total = next((s for s in stats if s["endpoint"] == "Aggregated"), None)
    server_errors = sum(n for k, n in statuses.items() if k.rsplit(" ", 1)[-1].startswith("5"))
    no_answer = sum(n for k, n in statuses.items() if k.endswith(" 0"))
    reads = [s for s in stats if s["method"] == "GET"]
    service_mb = [m["service_rss_mb"] for m in memory if m["service_rss_mb"] is not None]
    cpu = [m["service_cpu_s"] for m in memory if m.get("service_cpu_s") is not None]
    cpu_used = cpu[-1] - cpu[0] if len(cpu) > 1 else None
    seconds = memory[-1]["second"] - memory[0]["second"] if len(memory) > 1 else None
    path = write_result(
        args.result,
        {
            "tool": "locust 2.47.0",
            "users": args.users,
            "minutes": args.minutes,
            "spawn_rate": args.spawn_rate,
            "rate_limits": RATE_LIMITS,
            "locust_exit_code": run.returncode,
            "companies_signing": len(companies),
            "requests": total["requests"] if total else 0,
            "server_errors": server_errors,
            "no_answer": no_answer,
            "error_rate": round((server_errors + no_answer) / max(total["requests"], 1), 5)
            if total
            else None,
            "public_reads_p95_max_ms": max((s["p95_ms"] or 0) for s in reads) if reads else None,
            "service_rss_mb_first_last_max": [service_mb[0], service_mb[-1], max(service_mb)]
            if service_mb
            else None,
            "load_average_before_after": [load_before, load_after],
            "load_average_min_max": [
                min(m["load_average"] for m in memory),
                max(m["load_average"] for m in memory),
            ]
            if memory
            else None,
            "response_cache": os.environ.get("DRR_RESPONSE_CACHE_ENABLED", "true"),
            "service_cpu_seconds": round(cpu_used, 1) if cpu_used is not None else None,
            "service_cpu_share_of_one_core": round(cpu_used / seconds, 3)
            if cpu_used is not None and seconds
            else None,
            "service_cpu_ms_per_request": round(cpu_used * 1000 / max(total["requests"], 1), 2)
            if cpu_used is not None and total
            else None,
            "endpoints": stats,
            "answers_by_status": statuses,
            "memory": memory,
        },
    )
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
