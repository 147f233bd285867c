"""Run the whole product locally, durably: chain, contracts, demo data, API and explorer.

    python -m backend.devstack [run] [--fresh]     what `make run` calls (`make run FRESH=1`)
    python -m backend.devstack backup [FILE]       `make backup`: a running or stopped stack
    python -m backend.devstack restore FILE        `make restore`: into an empty data folder
    python -m backend.devstack check               the index against the chain, per pollutant

Everything the stack keeps lives in its data folder (``DRR_DATA_DIR``, default ``data/``;
``backend/stack/datadir.py``). The first start into an empty folder starts anvil, deploys and
loads the demo city through Brownie (network ``drr-local-<port>``, in a Brownie home of the
run's own); every later start resumes the same chain, deployment and index. While it runs the
chain's state is dumped every ``DRR_STATE_INTERVAL_SECONDS`` (default 2) and at a stop; the
service journals every transaction before sending it and puts back on chain, when it starts,
every journaled one the chain lost (``backend/chain/journal.py``). Ctrl-C stops everything
cleanly. Ports: ``DRR_CHAIN_PORT`` (default 18545) and ``DRR_API_PORT`` (default 8700). What a
clean stop keeps and what a power cut can lose: docs/operations.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

import requests

from backend.stack import anvil, records
from backend.stack.datadir import FOREIGN, INCOMPLETE, NEW, RESTORING, DataDir, DataDirError
from backend.stack.processes import (
    StackError,
    brownie_env,
    require_free,
    stop,
    wait_for_http,
    wait_for_rpc,
)
from backend.stack.settings import StackSettings
from backend.toolchain import networks

ROOT = Path(__file__).resolve().parents[1]
RUN_DIR = ROOT / ".run"


def start_chain(port: int, folder: Path | None = None) -> subprocess.Popen:
    """A fresh anvil of the project's settings on ``port`` (benchmarks); its log and cache in
    ``folder`` (default .run/chain-<port>/), the cache removed when this process exits."""
    return anvil.start(port, folder or RUN_DIR / f"chain-{port}")


def local_network(port: int) -> str:
    """The Brownie network id of the local chain on ``port``."""
    return f"drr-local-{port}"


def seed(port: int, data: DataDir) -> Path:
    """Deploy and load the demo city through Brownie (in a Brownie home of this run's own: it
    reads and writes nothing of the user's ``~/.brownie``); returns the deployment file."""
    network = local_network(port)
    home = data.run / "brownie-home"
    networks.ensure({network: port}, path=networks.brownie_home(home))
    brownie = Path(sys.executable).with_name("brownie")
    env = brownie_env(home)
    env["DRR_DEPLOYMENT_FILE"] = str(data.deployment)
    # Brownie's own chain.sleep/mine/snapshot warn that rpc.* "should not be called directly"
    # (its caller check misfires): noise for whoever watches the demo load
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"),
                                                   "ignore:rpc.:FutureWarning"]))  # fmt: skip
    subprocess.run(
        [str(brownie), "run", "scripts/demo.py", "--network", network],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    return data.deployment


def start_service(
    api_port: int, env_extra: dict[str, str], log: Path, *, indexer_poll: float | None = None
) -> subprocess.Popen:
    env = dict(os.environ, **env_extra)
    # two malloc arenas instead of eight per core: the request threads' allocations reuse
    # freed memory instead of spreading over new arenas (resident memory stays flat)
    env.setdefault("MALLOC_ARENA_MAX", "2")
    if indexer_poll is not None:
        env["DRR_INDEXER_POLL_SECONDS"] = str(indexer_poll)
    cmd = [
        sys.executable, "-m", "uvicorn", "backend.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(api_port),
    ]  # fmt: skip
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


class Dumper:
    """Dumps the chain's state to the data folder every ``interval`` seconds while blocks come
    (``backend/stack/anvil.py``); a failed dump is reported and retried at the next tick."""

    def __init__(self, rpc: anvil.Rpc, data: DataDir, interval: float) -> None:
        self._rpc = rpc
        self._data = data
        self._interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._dumped: tuple[int, int] | None = None  # (head, clock offset) of the last dump
        self._thread = threading.Thread(target=self._run, name="state-dumper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def dump(self, *, force: bool = False) -> anvil.Dump | None:
        with self._lock:
            mark = (int(self._rpc("eth_blockNumber"), 16), int(self._rpc("evm_increaseTime", 0)))
            if mark == self._dumped and not force:
                return None
            done = anvil.dump(self._rpc, self._data.state, self._data.clock)
            self._dumped = (done.clock.head, done.clock.offset)
            return done

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.dump()
            except (requests.RequestException, RuntimeError, OSError) as exc:
                print(f"warning: chain state not dumped: {exc}", file=sys.stderr, flush=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


class Stack:
    """The default stack in one data folder: start (first or resumed), serve, stop cleanly."""

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.data = DataDir(settings.data_dir.resolve())
        self.rpc_url = f"http://127.0.0.1:{settings.chain_port}"
        self.rpc = anvil.Rpc(self.rpc_url)
        self.chain: subprocess.Popen | None = None
        self.service: subprocess.Popen | None = None
        self.dumper: Dumper | None = None
        self.chain_verified = False  # a resumed chain is dumped again only once it was checked

    def start_chain(self, resume: bool) -> int:
        record = self.data.record() if resume else {}
        self.chain = anvil.start(
            self.settings.chain_port, self.data.run, log_name="../logs/anvil.log",
            load_state=self.data.state if resume else None,
            genesis_timestamp=record.get("genesis_timestamp"),
        )  # fmt: skip
        return wait_for_rpc(self.rpc_url, self.chain, timeout=120, log=self.data.logs)

    def first_start(self) -> None:
        self.data.write_record(created_at=time.time(), ready=False)
        print(f"[1/4] starting a new chain (anvil) on {self.rpc_url}", flush=True)
        chain_id = self.start_chain(resume=False)
        genesis, genesis_time = self.rpc.genesis()
        self.data.write_record(chain_id=chain_id, genesis=genesis, genesis_timestamp=genesis_time)
        print(f"      chain id {chain_id}; data folder {self.data.root} (new)", flush=True)
        print("[2/4] deploying the contracts and loading the demo city", flush=True)
        seed(self.settings.chain_port, self.data)
        done = anvil.dump(self.rpc, self.data.state, self.data.clock)
        self.data.write_record(ready=True, seeded_at=time.time(), seeded_block=done.clock.head)
        self.chain_verified = True
        print(f"      demo city loaded (block {done.clock.head}, chain state "
              f"{done.size / 1e6:.1f} MB on disk)", flush=True)  # fmt: skip

    def resume(self) -> None:
        record = self.data.record()
        print(f"[1/4] resuming the chain (anvil) of {self.data.root} on {self.rpc_url}",
              flush=True)  # fmt: skip
        self.start_chain(resume=True)
        genesis, _ = self.rpc.genesis()
        if record.get("genesis") != genesis:
            raise StackError(
                f"the chain state in {self.data.state} is not the chain this folder was created "
                f"with (genesis {genesis}, recorded {record['genesis']}); restore a backup "
                "(make restore) or start over (make run FRESH=1)"
            )
        self.chain_verified = True
        clock = anvil.Clock.load(self.data.clock)
        if clock is not None:
            clock.restore(self.rpc)
        head = int(self.rpc("eth_blockNumber"), 16)
        print(f"[2/4] same chain, deployment and index: block {head}; the demo is not loaded "
              "again (make run FRESH=1 starts over)", flush=True)  # fmt: skip

    def run(self, *, fresh: bool) -> int:
        s = self.settings
        require_free(s.chain_port, "local chain", "LOCAL_PORT")
        require_free(s.api_port, "API and explorer", "API_PORT")
        if self.data.status() == FOREIGN:  # nothing is written into it, not even the lock
            raise StackError(
                f"{self.data.root} is not empty and not a data folder of this product; "
                "choose another folder: make run DATA_DIR=<folder>"
            )
        with self.data.lock():
            status = self.data.status()
            if status == RESTORING:
                raise StackError(
                    f"the restore into {self.data.root} did not pass its check (see its output); "
                    "remove the folder and restore again, or choose another folder"
                )
            if fresh or status == INCOMPLETE:
                why = (
                    "starting over (FRESH)"
                    if fresh
                    else "the demo load of an earlier first start did not finish: starting over"
                )
                removed = self.data.reset()
                print(f"{why}: removed {', '.join(removed) or 'nothing'} from {self.data.root}",
                      flush=True)  # fmt: skip
            new = self.data.status() == NEW
            self.data.prepare()
            return self._serve(new)

    def _serve(self, new: bool) -> int:
        def on_signal(signum: int, _frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        # Installed explicitly: a shell that starts us in the background may have ignored SIGINT.
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        api_port = self.settings.api_port
        try:
            if new:
                self.first_start()
            else:
                self.resume()
            self.dumper = Dumper(self.rpc, self.data, self.settings.state_interval_seconds)
            self.dumper.start()
            print(f"[3/4] starting the API and explorer on port {api_port} (the index catches "
                  "up with the chain)", flush=True)  # fmt: skip
            records.release_dead_claims(self.data.relay_db)  # this folder's only service is down
            self.service = start_service(
                api_port, self.data.service_env(self.rpc_url), self.data.logs / "service.log"
            )
            self.data.write_running(
                chain_pid=self.chain.pid if self.chain else None, service_pid=self.service.pid,
                chain_port=self.settings.chain_port, api_port=api_port,
            )  # fmt: skip
            url = f"http://127.0.0.1:{api_port}"
            wait_for_http(f"{url}/api/v1/deployment", self.service, timeout=300,
                          log=self.data.logs / "service.log")  # fmt: skip
            print(
                f"[4/4] ready\n\n  Explorer:  {url}/\n  API docs:  {url}/docs\n"
                f"  Chain RPC: {self.rpc_url}\n  Data:      {self.data.root}/ (logs in logs/)\n\n"
                "Press Ctrl-C to stop (everything is kept; make run resumes).",
                flush=True,
            )
            procs = [p for p in (self.chain, self.service) if p is not None]
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            dead = next(p for p in procs if p.poll() is not None)
            print(f"error: {dead.args[0]} exited with code {dead.returncode}; see "
                  f"{self.data.logs}/", file=sys.stderr)  # fmt: skip
            return 1
        except KeyboardInterrupt:
            print("\nstopping…", flush=True)
            return 0
        except (StackError, DataDirError, subprocess.CalledProcessError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the stop is not interrupted
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            self._stop(self.chain_verified)

    def _stop(self, keep_state: bool) -> None:
        """Service first (nothing new reaches the chain), then a last dump, then the chain."""
        if self.service is not None:
            stop([self.service])
        if self.dumper is not None:
            self.dumper.stop()
        if keep_state and self.chain is not None and self.chain.poll() is None:
            try:
                done = anvil.dump(self.rpc, self.data.state, self.data.clock)
                print(f"chain state kept at block {done.clock.head} in {self.data.state}",
                      flush=True)  # fmt: skip
            except (requests.RequestException, RuntimeError, OSError) as exc:
                print(f"warning: last chain state not dumped ({exc}); the previous dump and "
                      "the service's journal are kept", file=sys.stderr)  # fmt: skip
        if self.chain is not None:
            stop([self.chain])
        anvil.remove_cache(self.data.run)
        shutil.rmtree(self.data.run, ignore_errors=True)


def main(argv: list[str]) -> int:
    """``run`` (default), ``backup``, ``restore``, ``check``, or ``check-port PORT WHAT
    VARIABLE`` for the Makefile."""
    if argv[:1] == ["check-port"] and len(argv) == 4:
        try:
            require_free(int(argv[1]), argv[2], argv[3])
        except StackError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m backend.devstack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="start or resume the stack (make run)")
    run.add_argument("--fresh", action="store_true", help="start over: a new chain and demo")
    backup = sub.add_parser("backup", help="back the data folder up into one file (make backup)")
    backup.add_argument("file", nargs="?", type=Path, help="default: backups/<time>.tar.gz")
    restore = sub.add_parser("restore", help="restore a backup into an empty data folder")
    restore.add_argument("file", type=Path)
    sub.add_parser("check", help="the index against the chain (a running stack)")
    args = parser.parse_args(argv or ["run"])
    settings = StackSettings()
    try:
        if args.command in (None, "run"):
            return Stack(settings).run(fresh=getattr(args, "fresh", False))
        from backend.stack import backup as backups

        if args.command == "backup":
            return backups.backup(settings, args.file)
        if args.command == "restore":
            return backups.restore(settings, args.file)
        return backups.check_running(settings)
    except (StackError, DataDirError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
