"""Every benchmark of issue 10 in one run (`make bench`), then the summary in docs/benchmarks.md.

    python -m benchmarks.run_all [--only name,name] [--quick]

Each benchmark runs in a process of its own, one after the other (the machine has 2 cores:
running them side by side would measure the contention). Its full output goes to
``.run/bench/<name>.log``; the console shows progress lines and how long each step took.
``--quick`` shrinks the sizes to check the plumbing in a few minutes (its figures are not the
issue's and are not written to the docs).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass

from benchmarks.common import ROOT

LOGS = ROOT / ".run" / "bench"
# Brownie's per-transaction chatter; everything else a benchmark prints is progress
NOISE = re.compile(
    r"^\s*$|Transaction sent|Gas price|confirmed|FutureWarning|chain\.sleep|deployed at|"
    r"Terminating local RPC|Launching 'anvil|^\s+\S+\.(constructor|deploy)|"
    r"chain\._network_connected|self\._target|Waiting for confirmation"
)


@dataclass(frozen=True)
class Step:
    name: str
    module: str
    args: tuple[str, ...] = ()
    quick_args: tuple[str, ...] | None = None


def steps(ports: dict[str, int]) -> list[Step]:
    extra = ports["extra"]
    return [
        Step("gas_registry", "benchmarks.gas_registry"),
        Step("gas_exchange", "benchmarks.gas_exchange"),
        Step("gas_lifecycle", "benchmarks.gas_lifecycle"),
        Step("oracle", "benchmarks.oracle_throughput"),
        Step(
            "e2e_throughput",
            "benchmarks.e2e_throughput",
            # 32 companies signing at once, as every figure of docs/benchmarks.md's table
            ("--api-port", str(ports["api"]), "--signers", "32", "--raw-per-signer", "40"),
            (
                "--api-port",
                str(ports["api"]),
                "--seconds",
                "10",
                "--raw-per-signer",
                "50",
                "--profile-seconds",
                "5",
            ),
        ),
        Step(
            "service",
            "benchmarks.service_bench",
            (
                "--chain-port",
                str(extra),
                "--api-port",
                str(ports["api"]),
                "--pg-port",
                str(extra + 2),
            ),
            (
                "--chain-port",
                str(extra),
                "--api-port",
                str(ports["api"]),
                "--pg-port",
                str(extra + 2),
                "--events",
                "2000",
                "--sparse-blocks",
                "200",
                "--actions",
                "40",
            ),
        ),
        Step(
            "explorer_sqlite",
            "benchmarks.explorer_pages",
            ("1000000", "sqlite"),
            ("20000", "sqlite"),
        ),
        Step(
            "explorer_postgresql",
            "benchmarks.explorer_pages",
            ("1000000", f"postgresql:{extra + 1}"),
            ("20000", f"postgresql:{extra + 1}"),
        ),
        Step(
            "city_scale",
            "benchmarks.city_scale",
            ("--block-gas", "300000000"),
            ("--units", "200", "--block-gas", "300000000"),
        ),
        # the same cycle at 2 000 units on the project's 30 M gas blocks, batched and per call:
        # how block size and batching change it (a 10 000-unit run on 30 M blocks takes ~20 min)
        Step(
            "city_scale_30m",
            "benchmarks.city_scale",
            ("--units", "2000", "--result", "city_scale_2000_30m"),
            ("--units", "100", "--result", "city_scale_2000_30m"),
        ),
        Step(
            "city_scale_per_call",
            "benchmarks.city_scale",
            ("--units", "2000", "--per-call", "--result", "city_scale_2000_30m_per_call"),
            ("--units", "100", "--per-call", "--result", "city_scale_2000_30m_per_call"),
        ),
    ]


def run(step: Step, quick: bool, env: dict[str, str]) -> tuple[int, float]:
    LOGS.mkdir(parents=True, exist_ok=True)
    args = step.quick_args if quick and step.quick_args is not None else step.args
    started = time.monotonic()
    with (LOGS / f"{step.name}.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-u", "-m", step.module, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            plain = re.sub(r"\x1b\[[0-9;]*m", "", line.rstrip())
            if not NOISE.search(plain):
                print(f"    {plain}", flush=True)
        code = proc.wait()
    return code, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="comma-separated step names")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    ports = {
        "bench": int(os.environ.get("BENCH_PORT", "18549")),
        "api": int(os.environ.get("API_PORT", "8700")),
        "extra": int(os.environ.get("BENCH_EXTRA_PORT", "18540")),
    }
    env = {**os.environ, "BENCH_PORT": str(ports["bench"]), "PYTHONUNBUFFERED": "1"}
    if args.quick:
        env["DRR_BENCH_RESULTS"] = str(LOGS / "quick-results")
        env["DRR_BENCH_UNITS"] = "2"
    chosen = [s for s in steps(ports) if not args.only or s.name in args.only.split(",")]
    began = time.monotonic()
    failed = []
    for i, step in enumerate(chosen, 1):
        elapsed = time.monotonic() - began
        print(f"[{i}/{len(chosen)}] {step.name} (after {elapsed / 60:.1f} min)", flush=True)
        code, seconds = run(step, args.quick, env)
        verdict = "done" if code == 0 else f"FAILED (exit {code}; see {LOGS / step.name}.log)"
        print(f"[{i}/{len(chosen)}] {step.name} {verdict} in {seconds:.0f} s", flush=True)
        if code != 0:
            failed.append(step.name)
    if not args.quick:
        from benchmarks import report

        report.main()
    print(f"all benchmarks: {(time.monotonic() - began) / 60:.1f} min; failed: {failed or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
