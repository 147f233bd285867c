"""API fuzzing with schemathesis against the service's own OpenAPI (`make api-fuzz`).

Starts the local stack (`backend.devstack`: anvil, the contracts, the demo city, the service) on
the given ports, runs schemathesis (its own virtual environment ``.venv-fuzz``: it needs a newer
hypothesis than eth-brownie pins) with the check ``not_a_server_error`` over every operation, and
stops the stack. Exit status 0 only when no request got a 5xx answer.

    python -m backend.toolchain.api_fuzz [--max-examples N] [--seed S]

Environment: ``DRR_CHAIN_PORT`` and ``DRR_API_PORT`` as for ``make run``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = ROOT / ".venv-fuzz" / "bin" / "schemathesis"
REPORT_DIR = ROOT / "reports" / "api-fuzz"


def _wait(url: str, proc: subprocess.Popen, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the stack exited ({proc.returncode}); see .run/")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - local URL
                return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args(argv)
    if not SCHEMATHESIS.exists():
        raise SystemExit(f"{SCHEMATHESIS} missing: run `make api-fuzz` (it installs .venv-fuzz)")
    api_port = int(os.environ.get("DRR_API_PORT", "8700"))
    base = f"http://127.0.0.1:{api_port}"
    stack = subprocess.Popen(
        [sys.executable, "-m", "backend.devstack", "run"], cwd=ROOT, start_new_session=True
    )
    try:
        _wait(f"{base}/api/v1/deployment", stack)
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        cmd = [
            str(SCHEMATHESIS), "run", f"{base}/openapi.json",
            "--checks", "not_a_server_error",
            "--max-examples", str(args.max_examples),
            "--seed", str(args.seed),
            "--request-timeout", "60",
            "--report", "junit",
            "--report-junit-path", str(REPORT_DIR / "junit.xml"),
            "--report-ndjson-path", str(REPORT_DIR / "events.ndjson"),
            "--report", "ndjson",
        ]  # fmt: skip
        print(f"schemathesis seed {args.seed}: {' '.join(cmd[1:])}", flush=True)
        result = subprocess.run(cmd, cwd=ROOT, check=False)
        print(json.dumps(summary(REPORT_DIR / "events.ndjson"), indent=1))
        return result.returncode
    finally:
        os.killpg(stack.pid, signal.SIGTERM)
        stack.wait(timeout=60)


def summary(events: Path) -> dict:
    """Scenarios (operation × phase) and test cases run, from schemathesis' event log."""
    cases = scenarios = 0
    if events.exists():
        for line in events.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if finished:
                scenarios += 1
                recorder = finished.get("recorder", {})
                cases += len(recorder.get("cases", {}))
    return {"scenarios": scenarios, "cases": cases}


if __name__ == "__main__":
    sys.exit(main())
