"""``make run``'s stack under test: ``make run DATA_DIR=… LOCAL_PORT=… API_PORT=…`` itself (and
``make backup`` / ``make restore``), in a data folder of the test's own, on free ports.

The demo city is loaded once per test session into a template folder (the first start of a
stack, then a clean stop), shared by every test process of the session under a file lock; each
test starts its own stack on a copy of it, which is a resumed start.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from web3 import Web3

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningStack:
    """One data folder and the devstack process serving it."""

    def __init__(self, data: Path, log: Path, env_extra: dict[str, str] | None = None) -> None:
        self.data = data
        self.env_extra = env_extra or {}
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.chain_port = free_port()
        self.api_port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.chain_port}"

    def w3(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.rpc_url, request_kwargs={"timeout": 30}))

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DRR_DATA_DIR": str(self.data),
            "DRR_CHAIN_PORT": str(self.chain_port),
            "DRR_API_PORT": str(self.api_port),
            "DRR_INDEXER_POLL_SECONDS": "0.3",
            **self.env_extra,
        }

    def make_args(self, target: str, *variables: str) -> list[str]:
        ports = [f"LOCAL_PORT={self.chain_port}", f"API_PORT={self.api_port}"]
        return ["make", "--no-print-directory", target, f"DATA_DIR={self.data}", *ports, *variables]

    def make(self, target: str, *variables: str, check: bool = True) -> subprocess.CompletedProcess:
        """``make <target> DATA_DIR=… LOCAL_PORT=… API_PORT=… <variables>`` (backup, restore)."""
        result = subprocess.run(
            self.make_args(target, *variables), cwd=ROOT, env=self.env(), capture_output=True,
            text=True, timeout=600,
        )  # fmt: skip
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def check(self) -> subprocess.CompletedProcess:
        """``python -m backend.devstack check``: the running stack's index against its chain."""
        return subprocess.run(
            [sys.executable, "-m", "backend.devstack", "check"], cwd=ROOT, env=self.env(),
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    def start(self, *, fresh: bool = False, timeout: float = 900) -> str:
        """``make run`` (or resume); returns what it printed up to "ready"."""
        offset = self.log.stat().st_size if self.log.exists() else 0
        self.proc = subprocess.Popen(
            self.make_args("run", *(["FRESH=1"] if fresh else [])),
            cwd=ROOT, env=self.env(), stdout=self.log.open("a"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while "[4/4] ready" not in self.output(offset):
            if self.proc.poll() is not None:
                raise AssertionError(f"the stack exited ({self.proc.returncode}):\n"
                                     f"{self.output(offset)[-3000:]}")  # fmt: skip
            if time.monotonic() > deadline:
                raise AssertionError(f"the stack did not start in {timeout:.0f} s")
            time.sleep(0.3)
        return self.output(offset)

    def output(self, offset: int = 0) -> str:
        try:
            return self.log.read_bytes()[offset:].decode(errors="replace")
        except OSError:
            return ""

    def pids(self) -> dict[str, int]:
        running = json.loads((self.data / "run" / "run.json").read_text())
        return {"stack": running["pid"], "chain": running["chain_pid"],
                "service": running["service_pid"]}  # fmt: skip

    def stop(self) -> str:
        """Ctrl-C (to the whole foreground group, as a terminal sends it): a clean stop; returns
        what the stack printed while stopping."""
        assert self.proc is not None
        offset = self.log.stat().st_size
        os.killpg(self.proc.pid, signal.SIGINT)
        self.proc.wait(timeout=120)
        stopping = self.output(offset)
        assert "stopping…" in stopping and "error" not in stopping, self.output()[-3000:]
        return stopping

    def kill(self) -> None:
        """Every process of the stack dies at once (SIGKILL), as in a power cut."""
        pids = {**self.pids(), "make": self.proc.pid if self.proc else 0}
        for pid in pids.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert self.proc is not None
        self.proc.wait(timeout=30)
        for pid in pids.values():  # the chain and the service are not our children
            while Path(f"/proc/{pid}").exists() and _state(pid) not in ("Z", "X"):
                time.sleep(0.05)

    def ensure_stopped(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()

    def get(self, path: str, **params: object) -> dict:
        response = requests.get(f"{self.url}{path}", params=params, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def wait_indexed(self, timeout: float = 120) -> int:
        """Until the index has read the chain's head; returns that block."""
        w3 = self.w3()
        deadline = time.monotonic() + timeout
        while True:
            head = w3.eth.block_number
            if self.get("/api/v1/public/status")["block"] == head:
                return head
            assert time.monotonic() < deadline, f"the index did not reach block {head}"
            time.sleep(0.3)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return "X"


def session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every process of this test session sees, and no other session: with xdist the
    workers' base folders (``pytest-N/popen-gwX``) share their parent; a run without xdist has
    its own ``pytest-N`` (its parent is every run's, where a demo city built by older code
    would be found)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def demo_template(shared: Path) -> tuple[Path, str]:
    """The data folder with the demo city loaded and the stack cleanly stopped (made once per
    session in ``shared``, a folder every test process of the session sees); returns it and
    what its first start printed."""
    shared.mkdir(parents=True, exist_ok=True)
    folder, printed = shared / "demo-template", shared / "demo-template.log"
    with (shared / "demo-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "stack.json").exists() or not printed.exists():
            shutil.rmtree(folder, ignore_errors=True)
            stack = RunningStack(folder, shared / "demo-template.run.log")
            try:
                first = stack.start()
                stack.stop()
            finally:
                stack.ensure_stopped()
            printed.write_text(first)
    return folder, printed.read_text()


def stack_on_copy(
    template: Path, where: Path, env_extra: dict[str, str] | None = None
) -> RunningStack:
    """A stack (not started) on a copy of ``template`` in ``where``; ``env_extra`` adds to its
    environment (e.g. the service's rate limits)."""
    data = where / "data"
    shutil.copytree(template, data)
    return RunningStack(data, where / "stack.log", env_extra)
