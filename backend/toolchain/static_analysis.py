"""Static analysis of the contracts with Slither, as a build gate (`make lint`).

Every contract under ``contracts/`` except the test-only ones (``contracts/testing``) is analysed
in one compilation: a generated file imports them all, compiled by the project's own compiler
(``.solc/solc-v<version>``: native solc or the solcjs shim) with the settings of
``brownie-config.yaml`` (optimizer, EVM version, OpenZeppelin from ``node_modules``).

The gate fails when

* Slither finds anything of **high** or **medium** impact, or
* a **low** / **informational** detector fires that ``docs/security.md`` does not justify (its
  triage table names each accepted detector in backquotes).

``python -m backend.toolchain.static_analysis`` prints the counts per impact and detector and
writes Slither's JSON to ``reports/slither.json``.
"""

from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# test-only contracts, never deployed (scripts/deploy.py)
EXCLUDED = ("contracts/testing/", "contracts/oracle/mocks/")
BLOCKING = ("High", "Medium")
TRIAGE_DOC = PROJECT_ROOT / "docs" / "security.md"


@dataclass(frozen=True)
class Finding:
    impact: str
    check: str
    description: str


def sources(root: Path = PROJECT_ROOT) -> list[Path]:
    """Every Solidity file the gate analyses."""
    found = sorted((root / "contracts").rglob("*.sol"))
    return [p for p in found if not p.relative_to(root).as_posix().startswith(EXCLUDED)]


def entry_file(root: Path = PROJECT_ROOT) -> Path:
    """A file importing every analysed source, so one compilation covers them all."""
    out = root / "build" / "security" / "All.sol"
    out.parent.mkdir(parents=True, exist_ok=True)
    imports = "".join(f'import "../../{p.relative_to(root).as_posix()}";\n' for p in sources(root))
    text = "// SPDX-License-Identifier: Apache-2.0\npragma solidity ^0.8.20;\n" + imports
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.write_text(text, encoding="utf-8")
    return out


def compiler_settings(root: Path = PROJECT_ROOT) -> tuple[str, str]:
    """(solc version, solc arguments) from brownie-config.yaml."""
    config = yaml.safe_load((root / "brownie-config.yaml").read_text(encoding="utf-8"))
    solc = config["compiler"]["solc"]
    args = [f"--evm-version {config['compiler']['evm_version']}"]
    if solc.get("optimizer", {}).get("enabled"):
        args.append(f"--optimize --optimize-runs {solc['optimizer'].get('runs', 200)}")
    return solc["version"], " ".join(args)


def run_slither(root: Path = PROJECT_ROOT) -> dict:
    """Slither's JSON output for the whole contract set."""
    version, args = compiler_settings(root)
    solc = root / ".solc" / f"solc-v{version}"
    if not solc.exists():
        raise SystemExit(f"{solc} missing: run `make install` first")
    report = root / "reports" / "slither.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    slither = Path(sys.executable).with_name("slither")
    cmd = [
        str(slither),
        str(entry_file(root).relative_to(root)),
        "--solc",
        str(solc),
        "--solc-remaps",
        f"@openzeppelin/={root / 'node_modules' / '@openzeppelin'}/",
        "--solc-args",
        args,
        "--filter-paths",
        "node_modules",
        "--json",
        str(report),
        "--disable-color",
    ]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    if not report.exists():
        raise SystemExit(f"slither did not run:\n{proc.stdout}\n{proc.stderr}")
    data = json.loads(report.read_text(encoding="utf-8"))
    if not data.get("success"):
        raise SystemExit(f"slither failed: {data.get('error')}")
    return data


def findings(data: dict) -> list[Finding]:
    return [
        Finding(d["impact"], d["check"], d["description"].strip())
        for d in data.get("results", {}).get("detectors", [])
    ]


def accepted_detectors(doc: Path = TRIAGE_DOC) -> set[str]:
    """Detectors the triage table of docs/security.md justifies (rows ``| `check` | …``)."""
    if not doc.exists():
        return set()
    return set(re.findall(r"^\|\s*`([a-z0-9-]+)`\s*\|", doc.read_text(encoding="utf-8"), re.M))


def verdict(found: list[Finding], accepted: set[str]) -> list[str]:
    """The reasons the gate fails (empty: it passes)."""
    problems = [f"{f.impact}: {f.check}: {f.description}" for f in found if f.impact in BLOCKING]
    unjustified = sorted({f.check for f in found if f.impact not in BLOCKING} - accepted)
    problems += [
        f"{check}: not justified in docs/security.md (Slither triage)" for check in unjustified
    ]
    return problems


def summary(found: list[Finding]) -> str:
    counts = collections.Counter((f.impact, f.check) for f in found)
    per_impact = collections.Counter(f.impact for f in found)
    lines = [
        "impact          count",
        *(f"{i:<15} {per_impact.get(i, 0)}" for i in ("High", "Medium", "Low", "Informational")),
        "",
    ]
    lines += [f"{impact:<15} {check:<28} {n}" for (impact, check), n in sorted(counts.items())]
    return "\n".join(lines)


def main() -> int:
    data = run_slither()
    found = findings(data)
    print(f"slither: {len(sources())} files, {len(found)} findings")
    print(summary(found))
    problems = verdict(found, accepted_detectors())
    for p in problems:
        print(f"FAIL {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
