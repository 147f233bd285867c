"""The geth binary of the validator network: built once from source into ``.cache/geth/``.

geth v1.13.15 is the last release that seals Clique proof-of-authority blocks (v1.14 removed
Clique). No release binaries can be downloaded on the project's machines, so it is built with
the Go toolchain from the Go module proxy::

    go install -ldflags=-checklinkname=0 github.com/ethereum/go-ethereum/cmd/geth@v1.13.15

(``-checklinkname=0``: Go 1.23+ otherwise refuses ``fjl/memsize``'s linkname). A build takes
minutes on two cores (docs/operations.md has the measured time), so ``make test`` starts it in
the background first (``build --background``) and the network tests wait for it.

Concurrent builders serialise on a lock file; the status file records the last outcome so a
waiter can tell "failed" from "still building".
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GETH_VERSION = "v1.13.15"
GETH_PACKAGE = f"github.com/ethereum/go-ethereum/cmd/geth@{GETH_VERSION}"
CACHE_DIR = ROOT / ".cache" / "geth"
GETH_BINARY = CACHE_DIR / "geth"
BUILD_LOG = CACHE_DIR / "build.log"
STATUS_FILE = CACHE_DIR / "build-status.json"
LOCK_FILE = CACHE_DIR / "build.lock"


class GethUnavailableError(RuntimeError):
    """geth could not be built or found; the message says why."""


def installed(binary: Path = GETH_BINARY) -> bool:
    """Whether ``binary`` exists and reports the pinned version."""
    if not binary.is_file():
        return False
    try:
        out = subprocess.run(
            [str(binary), "version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return f"Version: {GETH_VERSION.removeprefix('v')}" in out


def _go() -> str:
    go = shutil.which("go") or (
        "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None
    )
    if go is None:
        raise GethUnavailableError(
            "the Go toolchain (`go`) is not installed; geth is built from source"
        )
    return go


def _write_status(state: str, **extra: object) -> None:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = STATUS_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps({"state": state, "at": time.time(), **extra}), encoding="utf-8")
    tmp.replace(STATUS_FILE)


def build(*, quiet: bool = False) -> Path:
    """Build geth unless the pinned version is already in the cache; returns the binary.

    Progress (Go's module downloads and package builds, ``go install -v -x`` would be too
    much) goes to the terminal and to ``.cache/geth/build.log``.
    """
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with LOCK_FILE.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another builder finishes first; then we find it
        if installed():
            _write_status("ok", seconds=0.0, binary=str(GETH_BINARY))
            return GETH_BINARY
        _write_status("building", pid=os.getpid())
        env = dict(os.environ, GOBIN=str(CACHE_DIR), GOFLAGS="-mod=mod", CGO_ENABLED="1")
        cmd = [_go(), "install", "-v", "-ldflags=-checklinkname=0", GETH_PACKAGE]
        started = time.monotonic()
        if not quiet:
            print(
                f"building geth {GETH_VERSION} (go install, a few minutes on 2 cores)…", flush=True
            )
        with BUILD_LOG.open("w") as log:
            proc = subprocess.Popen(
                cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            assert proc.stdout is not None
            for count, line in enumerate(proc.stdout, start=1):
                log.write(line)
                log.flush()
                if not quiet and (line.startswith("go: downloading") or count % 25 == 0):
                    elapsed = time.monotonic() - started
                    print(f"  [{elapsed:5.0f} s] {line.strip()[:100]}", flush=True)
            code = proc.wait()
        seconds = round(time.monotonic() - started, 1)
        if code != 0 or not installed():
            _write_status("failed", seconds=seconds, code=code, log=str(BUILD_LOG))
            raise GethUnavailableError(
                f"`go install {GETH_PACKAGE}` failed (exit {code}); see {BUILD_LOG}"
            )
        _write_status("ok", seconds=seconds, binary=str(GETH_BINARY))
        if not quiet:
            print(f"geth {GETH_VERSION} built in {seconds:.0f} s → {GETH_BINARY}", flush=True)
        return GETH_BINARY


def build_in_background() -> bool:
    """Start :func:`build` in a detached process (``make test`` calls this first); False when
    geth is already built."""
    if installed():
        return False
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    _write_status("building", pid=None)
    with (CACHE_DIR / "background.log").open("w") as log:
        subprocess.Popen(
            [sys.executable, "-m", "backend.network", "build", "--quiet"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return True


def ensure() -> Path:
    """The geth binary. A build in progress (``make test`` starts one in the background) holds
    the lock, so this waits for it; with none, it builds now. Raises if geth cannot be built."""
    return build(quiet=True)


def _status() -> dict[str, object]:
    try:
        return json.loads(STATUS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build_seconds() -> float | None:
    """How long the last successful build took (0 when it was cached)."""
    status = _status()
    return float(status["seconds"]) if status.get("state") == "ok" else None  # type: ignore[arg-type]
