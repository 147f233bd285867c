"""API fuzzing with schemathesis against the service's own OpenAPI (`make api-fuzz`).

Starts the local stack (`backend.devstack`: anvil, the contracts, the demo city, the service) in a
data folder of its own started over at each run (.run/api-fuzz-data/), on the given ports, runs
schemathesis (its own virtual environment ``.venv-fuzz``: it needs a newer hypothesis than
eth-brownie pins) with the check ``not_a_server_error`` over every operation, and stops the stack.
Exit status 0 only when no request got a 5xx answer.

Authority operations get, besides generated senders, the demo's authority accounts that hold
their role (dev keys of the local chain only, ``backend/toolchain/api_fuzz_hooks.py``), so the
fuzzer reaches their validation and simulation instead of stopping at the contract's 403.

    python -m backend.toolchain.api_fuzz [--max-examples N] [--seed S]

Environment: ``DRR_CHAIN_PORT`` and ``DRR_API_PORT`` as for ``make run``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from backend.chain.devkeys import (
    COUNCIL_MEMBERS,
    DEV_AUTHORITIES,
    FIRST_COMPANY_INDEX,
    authority_key,
    dev_key,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = ROOT / ".venv-fuzz" / "bin" / "schemathesis"
HOOKS = Path(__file__).with_name("api_fuzz_hooks.py")
REPORT_DIR = ROOT / "reports" / "api-fuzz"
DATA_DIR = ROOT / ".run" / "api-fuzz-data"


# Every limit of backend/api/guard.py stays on (bodies, JSON depth, items, concurrency); the
# rates are raised for the fuzzer, one client sending as fast as it can, so that its requests
# reach the operations instead of 429 (which the figures count apart)
FUZZ_RATES = {
    f"DRR_RATE_LIMIT_{name}": "1000"
    for name in ("READS_PER_SECOND", "READS_BURST", "WRITES_PER_SECOND", "WRITES_BURST",
                 "SIGNER_PER_SECOND", "SIGNER_BURST", "UPLOADS_PER_MINUTE", "UPLOADS_BURST")
}  # fmt: skip


def _wait(url: str, proc: subprocess.Popen, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the stack exited ({proc.returncode}); see {DATA_DIR}/logs/")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - local URL
                return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


def _get(url: str) -> Any:  # noqa: ANN401 - JSON
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - local URL
        return json.loads(answer.read())


# words of an operation's `role` (GET /api/v1/operations) → demo parties (backend/chain/devkeys.py)
ROLE_PARTIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("district regulator", ("district_regulator",)),
    ("regulator council", ("@CouncilTimelock",)),
    ("admin", ("@CouncilTimelock",)),
    ("regulator", ("city_regulator",)),
    ("council member", COUNCIL_MEMBERS),
    ("proposer", COUNCIL_MEMBERS),
    ("provincial authority", ("provincial_authority",)),
    ("price bureau", ("price_bureau",)),
    ("verifier", ("verifier_a", "verifier_b")),
    ("bank", ("bank", "settlement_bank")),
    ("exchange operator", ("exchange_operator",)),
    ("treasury", ("finance_bureau",)),
    ("the reserve", ("@GovernmentReserve",)),
)
# roles held by companies (a unit, an applicant, a bidder …): the demo's first companies
COMPANY_WORDS = ("unit", "applicant", "bidder", "account", "anyone", "seller", "party", "creator")
DEMO_COMPANIES = 4


def authority_senders(operations: list[dict], contracts: dict[str, str]) -> dict[str, list[str]]:
    """Path → the demo accounts that may send the operation, from the words of its role; every
    authority, the council's time lock and the first companies when the role names none."""
    companies = [dev_key(FIRST_COMPANY_INDEX + i).address for i in range(DEMO_COMPANIES)]
    every = [authority_key(p).address for p in DEV_AUTHORITIES] + companies
    if "CouncilTimelock" in contracts:
        every.append(contracts["CouncilTimelock"])

    def address(party: str) -> str | None:
        if party.startswith("@"):
            return contracts.get(party[1:])
        return authority_key(party).address

    senders: dict[str, list[str]] = {}
    for op in operations:
        role = op["role"].lower()
        found: list[str] = []
        for words, parties in ROLE_PARTIES:
            if words in role:
                role = role.replace(words, "")
                found += [a for a in map(address, parties) if a and a not in found]
        if any(word in role for word in COMPANY_WORDS):
            found += companies
        senders[op["path"]] = found or every
    return senders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args(argv)
    if not SCHEMATHESIS.exists():
        raise SystemExit(f"{SCHEMATHESIS} missing: run `make api-fuzz` (it installs .venv-fuzz)")
    api_port = int(os.environ.get("DRR_API_PORT", "8700"))
    base = f"http://127.0.0.1:{api_port}"
    # a data folder of its own, started over at every run: the fuzzer's writes never reach the
    # data of `make run`
    stack_env = {**os.environ, "DRR_DATA_DIR": str(DATA_DIR)}
    stack = subprocess.Popen(
        [sys.executable, "-m", "backend.devstack", "run", "--fresh"],
        cwd=ROOT, env={**stack_env, **FUZZ_RATES}, start_new_session=True,
    )  # fmt: skip
    try:
        _wait(f"{base}/api/v1/deployment", stack)
        deployment = _get(f"{base}/api/v1/deployment")
        contracts = {c["name"]: c["address"] for c in deployment["contracts"]}
        senders = authority_senders(_get(f"{base}/api/v1/operations"), contracts)
        env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
        env["DRR_FUZZ_SENDERS"] = json.dumps(senders)
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
        result = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
        print(json.dumps(summary(REPORT_DIR / "events.ndjson", set(senders)), indent=1))
        return result.returncode
    finally:
        os.killpg(stack.pid, signal.SIGTERM)
        stack.wait(timeout=60)


def summary(events: Path, authority_paths: set[str] = frozenset()) -> dict:
    """Figures of the run from schemathesis' event log: scenarios (operation × phase), test
    cases, requests, 5xx answers, and how far the authority operations got: ``reached past 403``
    were built or refused by their own validation or simulation (not a 403, not the body's
    schema or the HTTP layer), ``built`` returned an unsigned transaction (simulation passed)."""
    cases = scenarios = requests = server_errors = 0
    by_status: dict[int, int] = {}
    answers: dict[str, set[tuple[int, str]]] = {path: set() for path in authority_paths}
    if events.exists():
        with events.open(encoding="utf-8") as lines:
            for line in lines:
                finished = json.loads(line).get("ScenarioFinished")
                if not finished:
                    continue
                scenarios += 1
                recorder = finished.get("recorder", {})
                cases += len(recorder.get("cases", {}))
                for interaction in recorder.get("interactions", {}).values():
                    response = interaction.get("response") or {}
                    status = response.get("status_code")
                    if status is None:
                        continue
                    requests += 1
                    server_errors += status >= 500
                    by_status[status] = by_status.get(status, 0) + 1
                    path = urllib.parse.urlsplit(interaction["request"]["uri"]).path
                    if path in answers:
                        answers[path].add((status, _error_code(response)))
    reached = sorted(p for p, got in answers.items() if any(_past_403(a) for a in got))
    return {
        "scenarios": scenarios,
        "cases": cases,
        "requests": requests,
        "server_errors": server_errors,
        "by_status": dict(sorted(by_status.items())),
        "authority_operations": len(answers),
        "authority_reached_past_403": len(reached),
        "authority_built": sum(any(s < 300 for s, _ in got) for got in answers.values()),
        "authority_only_403": sorted(
            p for p, got in answers.items() if p not in reached and any(s == 403 for s, _ in got)
        ),
    }


# answers that stop before the operation's own checks: the body's schema, the HTTP layer
STOPPED_BEFORE = {"RequestInvalid", "MethodNotAllowed", "HTTPError", "NotFound"}
STOPPED_BEFORE |= {"OperationUnknown", "OperationUnavailable"}


def _past_403(answer: tuple[int, str]) -> bool:
    """Built (2xx), or refused by the operation's own validation or simulation, not by a role."""
    status, code = answer
    return status < 300 or (status != 403 and code not in STOPPED_BEFORE)


def _error_code(response: dict) -> str:
    try:
        content = base64.b64decode(response["content"]["$base64"])
        return str(json.loads(content)["error"]["code"])
    except (KeyError, TypeError, ValueError):
        return ""


if __name__ == "__main__":
    sys.exit(main())
