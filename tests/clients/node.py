"""Run the ethers v6 client (tests/clients/ethers_client.mjs) against a running service."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("ethers_client.mjs")


def run_ethers_client(config: dict) -> dict:
    """The client's JSON summary; fails the test with its output when it fails."""
    node = shutil.which("node")
    assert node, "Node.js is needed (README: Node.js 20)"
    done = subprocess.run(
        [node, str(SCRIPT), json.dumps(config)], cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no answer from the ethers client: {done.stdout}\n{done.stderr}"
    summary = json.loads(lines[-1])
    assert done.returncode == 0 and summary["ok"], summary
    return summary
