"""Provide the Solidity compiler that Brownie and py-solc-x expect, on any machine.

py-solc-x looks for an executable named ``solc-v<version>`` in the folder given by
``SOLCX_BINARY_PATH``. This module fills that folder (``.solc/`` in the project) with:

* a link to a native ``solc`` of the configured version when the machine has one (on ``PATH``
  or in py-solc-x's default folder ``~/.solcx``), or otherwise
* a small launcher for ``solcjs_shim.js``, which runs solcjs (the npm ``solc`` package pinned
  in ``package-lock.json``) behind the ``solc`` command-line interface.

Run ``python -m backend.toolchain.solc`` to (re)create it; it prints the folder to export as
``SOLCX_BINARY_PATH``.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHIM_SOURCE = Path(__file__).with_name("solcjs_shim.js")
SHIM_MARKER = "solcjs_shim.js"
_VERSION_RE = re.compile(r"^Version: (\d+\.\d+\.\d+)", re.MULTILINE)
_CONFIG_VERSION_RE = re.compile(r"^\s*version:\s*['\"]?(\d+\.\d+\.\d+)", re.MULTILINE)


class ToolchainError(RuntimeError):
    """The compiler cannot be provided (no native solc and no usable solcjs)."""


@dataclass(frozen=True)
class Compiler:
    """The compiler placed in the py-solc-x folder."""

    version: str
    executable: Path
    kind: str  # "native" or "solcjs"


def configured_version(config: Path = PROJECT_ROOT / "brownie-config.yaml") -> str:
    """The solc version pinned in ``brownie-config.yaml`` (``compiler.solc.version``)."""
    match = _CONFIG_VERSION_RE.search(config.read_text(encoding="utf-8"))
    if match is None:
        raise ToolchainError(f"no compiler.solc.version in {config}")
    return match.group(1)


def reported_version(executable: Path | str) -> str | None:
    """The version an executable reports for ``--version``, or None if it is not a solc."""
    try:
        out = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION_RE.search(out)
    return match.group(1) if match else None


def is_shim(executable: Path) -> bool:
    """Whether a file is a launcher written by this module (not a native compiler)."""
    try:
        head = executable.read_bytes()[:4096]
    except OSError:
        return False
    return SHIM_MARKER.encode() in head


def find_native(version: str, search_path: str | None = None) -> Path | None:
    """A native solc of exactly ``version``: on ``PATH`` first, then in ``~/.solcx``."""
    candidates: list[Path] = []
    on_path = shutil.which("solc", path=search_path)
    if on_path:
        candidates.append(Path(on_path))
    candidates.append(Path.home() / ".solcx" / f"solc-v{version}")
    for candidate in candidates:
        if (
            candidate.is_file()
            and not is_shim(candidate)
            and reported_version(candidate) == version
        ):
            return candidate.resolve()
    return None


def _write_launcher(target: Path, node: str, solc_module: Path) -> None:
    script = (
        "#!/bin/sh\n"
        f"# solc via solcjs ({SHIM_MARKER}); written by backend/toolchain/solc.py\n"
        f'SOLCJS_MODULE="{solc_module}" exec "{node}" "{SHIM_SOURCE}" "$@"\n'
    )
    tmp = target.with_suffix(".tmp")
    tmp.write_text(script, encoding="utf-8")
    tmp.chmod(tmp.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    tmp.replace(target)


def prepare(
    folder: Path = PROJECT_ROOT / ".solc",
    version: str | None = None,
    *,
    prefer_native: bool = True,
    search_path: str | None = None,
    solc_module: Path = PROJECT_ROOT / "node_modules" / "solc",
) -> Compiler:
    """Place ``solc-v<version>`` in ``folder`` and check that it answers with that version."""
    version = version or configured_version()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"solc-v{version}"
    if target.is_symlink() or target.exists():
        target.unlink()

    native = find_native(version, search_path) if prefer_native else None
    if native is not None:
        target.symlink_to(native)
        kind = "native"
    else:
        node = shutil.which("node", path=search_path)
        if node is None:
            raise ToolchainError("neither a native solc nor node (for solcjs) was found")
        if not (solc_module / "package.json").is_file():
            raise ToolchainError(f"solcjs is not installed at {solc_module}: run `npm ci`")
        _write_launcher(target, node, solc_module)
        kind = "solcjs"

    answered = reported_version(target)
    if answered != version:
        raise ToolchainError(f"{target} reports version {answered!r}, expected {version}")
    return Compiler(version=version, executable=target, kind=kind)


def main() -> int:
    prefer_native = os.environ.get("DRR_SOLC", "auto") != "solcjs"
    try:
        compiler = prepare(prefer_native=prefer_native)
    except ToolchainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"solc {compiler.version} ({compiler.kind}) -> {compiler.executable}", file=sys.stderr)
    print(compiler.executable.parent)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
