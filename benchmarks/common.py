"""Shared plumbing of the benchmarks: a Brownie project on a chain of the benchmark's own."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BENCH_PORT = int(os.environ.get("BENCH_PORT", "18547"))
BENCH_NETWORK = f"drr-bench-{BENCH_PORT}"  # registered by `make install`


def connect():
    """Load the project and start a fresh anvil for the benchmark; returns the project."""
    from brownie import network, project

    proj = project.load(ROOT, raise_if_loaded=False)
    proj.load_config()
    proj._add_to_main_namespace()  # as `brownie run` does, so scripts/ import their contracts
    network.connect(BENCH_NETWORK)
    return proj


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
    }


def write_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({**environment(), **data}, indent=1, ensure_ascii=False) + "\n")
    return path
