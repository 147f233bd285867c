"""The data folder of the default stack (``make run``): everything it keeps, in one place.

    data/                     DRR_DATA_DIR (make run DATA_DIR=…); default: data/ in the repository
      stack.json              what this folder holds: chain id, genesis, created, demo loaded
      chain/state.json        the chain's state (anvil), dumped every few seconds and at a stop
      chain/clock.json        the chain clock's offset at that dump
      deployment.json         the deployment record (addresses, ABIs, roles)
      index.db                the read model (SQLite; rebuilt from the chain if lost)
      relay.db                the relayer's idempotency records and the transaction journal
      oracle.db, evidence/    the verification oracle's records and evidence files
      logs/                   anvil.log, service.log, demo.log
      run/                    while the stack runs: pids and ports, anvil's cache, Brownie's home
      stack.lock              held by the running stack (two stacks never share a folder)

Nothing of the stack is written outside this folder and the repository (docs/operations.md).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.stack.anvil import write_atomically

FORMAT = 1
NEW, READY, INCOMPLETE, RESTORING, FOREIGN = "new", "ready", "incomplete", "restoring", "foreign"


class DataDirError(RuntimeError):
    """The data folder cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class DataDir:
    root: Path

    # -- layout --------------------------------------------------------------------------------

    @property
    def record_file(self) -> Path:
        return self.root / "stack.json"

    @property
    def state(self) -> Path:
        return self.root / "chain" / "state.json"

    @property
    def clock(self) -> Path:
        return self.root / "chain" / "clock.json"

    @property
    def deployment(self) -> Path:
        return self.root / "deployment.json"

    @property
    def index_db(self) -> Path:
        return self.root / "index.db"

    @property
    def relay_db(self) -> Path:
        return self.root / "relay.db"

    @property
    def oracle_db(self) -> Path:
        return self.root / "oracle.db"

    @property
    def evidence(self) -> Path:
        return self.root / "evidence"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def run_file(self) -> Path:
        return self.run / "run.json"

    @property
    def lock_file(self) -> Path:
        return self.root / "stack.lock"

    def service_env(self, rpc_url: str) -> dict[str, str]:
        """The service's settings for this folder (backend/core/config.py)."""
        return {
            "DRR_RPC_URL": rpc_url,
            "DRR_DEPLOYMENT_FILE": str(self.deployment),
            "DRR_DATABASE_URL": f"sqlite:///{self.index_db}",
            "DRR_RELAY_DATABASE_URL": f"sqlite:///{self.relay_db}",
            "DRR_ORACLE_DATABASE_URL": f"sqlite:///{self.oracle_db}",
            "DRR_ORACLE_EVIDENCE_DIR": str(self.evidence),
        }

    # -- what the folder holds -----------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        try:
            return json.loads(self.record_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def write_record(self, **values: Any) -> dict[str, Any]:  # noqa: ANN401
        record = {**self.record(), "format": FORMAT, **values}
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomically(self.record_file, json.dumps(record, indent=1).encode())
        return record

    def status(self) -> str:
        """``new`` (missing or empty), ``ready`` (demo loaded, chain on disk), ``incomplete``
        (a first start stopped before the demo was loaded: started over), ``restoring`` (a
        restore that did not pass its check: kept for inspection) or ``foreign`` (not a data
        folder of this product: never touched)."""
        if not self.root.exists() or all(e == self.lock_file for e in self.root.iterdir()):
            return NEW
        record = self.record()
        if record.get("format") != FORMAT:
            return FOREIGN
        if record.get("restoring"):
            return RESTORING
        if record.get("ready") and self.state.exists():
            return READY
        return INCOMPLETE

    def reset(self) -> list[str]:
        """Remove what the stack keeps here (the folder stays); returns what was removed. Only
        for a folder of this product (``stack.json``) or an empty one."""
        if self.status() in (FOREIGN, RESTORING):
            raise DataDirError(f"{self.root} is not a data folder to start over in; not touched")
        removed = []
        for entry in sorted(self.root.iterdir()) if self.root.exists() else []:
            if entry == self.lock_file:
                continue
            removed.append(entry.name)
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        return removed

    def prepare(self) -> None:
        """The folders of a run; ``run/`` starts empty."""
        for folder in (self.root, self.state.parent, self.logs, self.evidence):
            folder.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.run, ignore_errors=True)
        self.run.mkdir()

    # -- the running stack ---------------------------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder for one stack (released when the process ends, however it ends)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self.lock_file.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                running = self.running() or {}
                raise DataDirError(
                    f"{self.root} is in use by another stack (pid {running.get('pid', '?')}, API "
                    f"port {running.get('api_port', '?')}): stop it first, or choose another "
                    "folder: make run DATA_DIR=<folder>"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def held(self) -> bool:
        """Whether a running stack holds the folder."""
        if not self.lock_file.exists():
            return False
        with self.lock_file.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def write_running(self, **values: Any) -> None:  # noqa: ANN401
        values = {"pid": os.getpid(), "started_at": time.time(), **values}
        write_atomically(self.run_file, json.dumps(values, indent=1).encode())

    def running(self) -> dict[str, Any] | None:
        """Pids and ports of the stack that holds the folder (None when none runs)."""
        try:
            return json.loads(self.run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
