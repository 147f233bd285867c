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

    proj = project.load(ROOT, raise_if_loaded=False)
    proj.load_config()
    proj._add_to_main_namespace()  # as `brownie run` does, so scripts/ import their contracts
    network.connect(BENCH_NETWORK)
    return proj


def start_anvil(port: int, *extra: str, gas_limit: int | None = None):
    """An anvil of the project's settings plus ``extra`` options, started before Brownie
    connects (Brownie then attaches to it); stop it with ``backend.devstack.stop([proc])``."""
    import sys

    from backend.chain.devkeys import DEV_MNEMONIC
    from backend.devstack import RUN_DIR, wait_for_rpc
    from backend.toolchain import networks

    settings = networks.ANVIL_SETTINGS
    RUN_DIR.mkdir(exist_ok=True)
    cmd = [
        str(ROOT / "node_modules" / ".bin" / "anvil"),
        "--host", "127.0.0.1", "--port", str(port), "--mnemonic", DEV_MNEMONIC,
        "--accounts", str(settings["accounts"]),
        "--block-base-fee-per-gas", str(settings["base_fee"]),
        "--gas-limit", str(gas_limit or settings["gas_limit"]),
        "--hardfork", settings["evm_version"],
        "--chain-id", str(settings["chain_id"]), *extra,
    ]  # fmt: skip
    log = (RUN_DIR / f"bench-anvil-{port}.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    wait_for_rpc(f"http://127.0.0.1:{port}", proc)
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
