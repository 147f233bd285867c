"""Shared plumbing of the benchmarks: a Brownie project on a chain of the benchmark's own."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `python -m benchmarks.run_all --quick` points this elsewhere: its figures are not the issue's
RESULTS = Path(os.environ.get("DRR_BENCH_RESULTS", ROOT / "benchmarks" / "results"))
BENCH_PORT = int(os.environ.get("BENCH_PORT", "18549"))
BENCH_NETWORK = f"drr-bench-{BENCH_PORT}"  # registered by `make install`


def connect():
    """Load the project and start a fresh anvil for the benchmark; returns the project."""
    from brownie import network, project

    from backend.toolchain import networks

    proj = project.load(ROOT, raise_if_loaded=False)
    proj.load_config()
    proj._add_to_main_namespace()  # as `brownie run` does, so scripts/ import their contracts
    networks.own_chain_folder(BENCH_NETWORK)  # anvil's cache in .run/chains/, removed at exit
    network.connect(BENCH_NETWORK)
    return proj


def start_anvil(port: int, *extra: str, gas_limit: int | None = None):
    """An anvil of the project's settings plus ``extra`` options, started before Brownie
    connects (Brownie then attaches to it); its log and cache in .run/chains/<port>/ (the cache
    removed at exit); stop it with ``backend.stack.processes.stop([proc])``."""
    import sys

    from backend.stack import anvil
    from backend.stack.processes import wait_for_rpc
    from backend.toolchain import networks

    folder = networks.chain_folder(port)
    proc = anvil.start(port, folder, log_name="bench-anvil.log", gas_limit=gas_limit, extra=extra)
    wait_for_rpc(f"http://127.0.0.1:{port}", proc, log=folder)
    print(f"anvil on port {port} ({' '.join(extra) or 'defaults'})", file=sys.stderr, flush=True)
    return proc


def environment() -> dict:
    """Where the figures were measured."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout.strip()
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": f"{platform.machine()}, {platform.system()}, python {platform.python_version()}",
        # the machine's 2 cores are shared: the 1-minute load average when the figures were
        # written (a rate measured at load 8 is not comparable with one at load 2)
        "load_average": round(os.getloadavg()[0], 1),
    }


def write_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({**environment(), **data}, indent=1, ensure_ascii=False) + "\n")
    return path


def proc_mb(pid: int | None, field: str) -> float | None:
    """A memory figure of a live process from /proc (``VmRSS``, ``VmHWM`` …), in MB."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
