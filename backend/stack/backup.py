"""Backup and restore of the default stack's data folder, running or stopped.

    make backup [BACKUP=file.tar.gz] [DATA_DIR=…]     python -m backend.devstack backup [FILE]
    make restore BACKUP=file.tar.gz DATA_DIR=<empty>  python -m backend.devstack restore FILE

A backup is one ``.tar.gz``: the chain's state, the deployment record, the index, the relayer's
idempotency records and journal, the oracle's records and evidence, and a manifest with each
file's SHA-256. Taken from a running stack, in this order:

1. the index and the oracle's records (SQLite's online backup: a consistent copy while the
   service writes);
2. the chain: its state as the node has it now (``anvil_dumpState``) and its clock;
3. the relayer's records and journal, last: they hold every transaction the service sent up to
   this moment, so every one it acknowledged after the chain's dump as well.

A restore unpacks into an empty data folder, checks every file against the manifest, starts the
chain from the backup's state, puts back on chain the journaled transactions the dump lacks
(``backend/chain/journal.py``), lets the index catch up and audits it against the chain
(``backend/indexer/audit.py``: supply and balances per pollutant, pledged ≤ held), then keeps
the chain's state and stops. ``make run DATA_DIR=…`` then serves it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from backend.stack import anvil, records
from backend.stack.datadir import NEW, READY, DataDir, DataDirError

if TYPE_CHECKING:
    from backend.stack.settings import StackSettings

ROOT = Path(__file__).resolve().parents[2]
BACKUPS = ROOT / "backups"
FORMAT = 1
DATABASES = ("index.db", "oracle.db", "relay.db")


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database that may be written meanwhile."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _say(message: str) -> None:
    print(message, flush=True)


def backup(settings: StackSettings, file: Path | None) -> int:
    """Back the data folder up into ``file`` (default backups/<folder>-<UTC time>.tar.gz)."""
    data = DataDir(settings.data_dir.resolve())
    if data.status() != READY:
        raise DataDirError(f"{data.root} holds no stack to back up (make run creates one)")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    file = (file or BACKUPS / f"{data.root.name}-{stamp}.tar.gz").resolve()
    file.parent.mkdir(parents=True, exist_ok=True)
    running = data.running() if data.held() else None
    if data.held() and running is None:
        raise DataDirError(f"the stack of {data.root} is starting; back up once it serves")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=file.parent) as tmp:
        stage = DataDir(Path(tmp))
        (stage.root / "chain").mkdir()
        _say(f"[1/4] index and oracle records of {data.root}"
             f" ({'running stack' if running else 'stopped stack'})")  # fmt: skip
        for name in ("index.db", "oracle.db"):
            if (data.root / name).exists():
                _copy_database(data.root / name, stage.root / name)
        if running:
            rpc = anvil.Rpc(f"http://127.0.0.1:{running['chain_port']}")
            done = anvil.dump(rpc, stage.state, stage.clock)
            _say(f"[2/4] chain state at block {done.clock.head} ({done.size / 1e6:.1f} MB)")
        else:
            shutil.copy2(data.state, stage.state)
            if data.clock.exists():
                shutil.copy2(data.clock, stage.clock)
            size = data.state.stat().st_size / 1e6
            _say(f"[2/4] chain state as kept at the last stop ({size:.1f} MB)")
        _copy_database(data.relay_db, stage.relay_db)
        _say("[3/4] the relayer's idempotency records and transaction journal")
        shutil.copy2(data.deployment, stage.deployment)
        shutil.copy2(data.record_file, stage.record_file)
        if data.evidence.exists():
            shutil.copytree(data.evidence, stage.evidence)
        files = {
            str(p.relative_to(stage.root)): _sha256(p)
            for p in sorted(stage.root.rglob("*"))
            if p.is_file()
        }
        manifest = {
            "format": FORMAT,
            "created_at": time.time(),
            "source": str(data.root),
            "running": bool(running),
            "stack": data.record(),
            "files": files,
        }
        (stage.root / "manifest.json").write_text(json.dumps(manifest, indent=1))
        partial = file.with_name(file.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            for entry in sorted(stage.root.iterdir()):
                tar.add(entry, arcname=entry.name)
        anvil.write_atomically(file, partial.read_bytes())
        partial.unlink()
    _say(f"[4/4] backup written: {file} ({file.stat().st_size / 1e6:.1f} MB, "
         f"{time.monotonic() - started:.1f} s)")  # fmt: skip
    return 0


def _unpack(file: Path, target: Path) -> dict:
    with tarfile.open(file, "r:gz") as tar:
        tar.extractall(target, filter="data")  # refuses absolute paths and ``..``
    manifest = json.loads((target / "manifest.json").read_text())
    if manifest.get("format") != FORMAT:
        raise DataDirError(f"{file} is not a backup of this product")
    for name, digest in manifest["files"].items():
        if _sha256(target / name) != digest:
            raise DataDirError(f"{file}: {name} does not match its checksum (damaged backup)")
    (target / "manifest.json").unlink()
    return manifest


def restore(settings: StackSettings, file: Path) -> int:
    """Restore ``file`` into the (empty) data folder and check it against the chain."""
    from backend.stack import processes

    data = DataDir(settings.data_dir.resolve())
    if data.status() != NEW:
        raise DataDirError(
            f"{data.root} is not empty: a restore goes into a new folder "
            "(make restore BACKUP=… DATA_DIR=<new folder>)"
        )
    processes.require_free(settings.chain_port, "local chain", "LOCAL_PORT")
    started = time.monotonic()
    with data.lock():
        _say(f"[1/4] unpacking {file} into {data.root}")
        manifest = _unpack(file.resolve(), data.root)
        # until the check passes, make run refuses the folder (never reseeds it)
        data.write_record(ready=False, restoring=str(file))
        data.prepare()
        rpc_url = f"http://127.0.0.1:{settings.chain_port}"
        chain = anvil.start(
            settings.chain_port,
            data.run,
            log_name="../logs/anvil.log",
            load_state=data.state,
            genesis_timestamp=manifest["stack"].get("genesis_timestamp"),
        )
        try:
            processes.wait_for_rpc(rpc_url, chain, timeout=120, log=data.logs)
            rpc = anvil.Rpc(rpc_url)
            if rpc.genesis()[0] != manifest["stack"].get("genesis"):
                raise DataDirError("the restored chain state is not the backup's chain")
            clock = anvil.Clock.load(data.clock)
            if clock is not None:
                clock.restore(rpc)
            head = int(rpc("eth_blockNumber"), 16)
            _say(f"[2/4] chain started from the backup's state (block {head})")
            result = check(data, rpc_url, recover=True)
            done = anvil.dump(rpc, data.state, data.clock)
            if result:
                data.write_record(
                    ready=True, restoring=None, restored_from=str(file), restored_at=time.time()
                )
        finally:
            processes.stop([chain])
            shutil.rmtree(data.run, ignore_errors=True)
    if not result:
        print(f"error: the restored index differs from the chain; {data.root} is kept for "
              "inspection and make run refuses it", file=sys.stderr)  # fmt: skip
        return 1
    _say(f"[4/4] restored in {time.monotonic() - started:.1f} s; chain kept at block "
         f"{done.clock.head}. Serve it: make run DATA_DIR={data.root}")  # fmt: skip
    return 0


def check(data: DataDir, rpc_url: str, *, recover: bool) -> bool:
    """Journal recovery (``recover``), index catch-up and audit of ``data`` on ``rpc_url``."""
    from backend.chain.client import Chain
    from backend.chain.deployment import Deployment
    from backend.chain.journal import Journal
    from backend.indexer import projections
    from backend.indexer.audit import audit
    from backend.indexer.hooks import Hooks
    from backend.indexer.scanner import Indexer
    from backend.indexer.store import open_database

    chain = Chain.connect(rpc_url, Deployment.load(data.deployment))
    if recover:
        records.release_dead_claims(data.relay_db)  # requests in flight when the backup was taken
        relay = open_database(f"sqlite:///{data.relay_db}", durable=True)
        recovery = Journal(relay).recover(chain.w3)
        relay.dispose()
        _say(f"      {recovery.summary()}")
    engine = open_database(f"sqlite:///{data.index_db}")
    indexer = Indexer(
        w3=chain.w3,
        engine=engine,
        deployment=chain.deployment,
        hooks=Hooks([projections.read_model()]),
    )
    indexer.create_schema()
    added = indexer.catch_up()
    status = indexer.status()
    _say(f"[3/4] index caught up: block {status['cursor']} ({added} events added, "
         f"{status['events']} in all)")  # fmt: skip
    result = audit(engine, chain)
    engine.dispose()
    _say(result.table())
    return result.ok


def check_running(settings: StackSettings) -> int:
    """Audit the index of the running stack of the data folder against its chain."""
    from backend.chain.client import Chain
    from backend.chain.deployment import Deployment
    from backend.indexer.audit import audit
    from backend.indexer.store import open_database

    data = DataDir(settings.data_dir.resolve())
    running = data.running() if data.held() else None
    if running is None:
        raise DataDirError(f"no stack runs on {data.root} (make run starts it)")
    chain = Chain.connect(
        f"http://127.0.0.1:{running['chain_port']}", Deployment.load(data.deployment)
    )
    engine = open_database(f"sqlite:///{data.index_db}")
    result = audit(engine, chain)
    engine.dispose()
    print(result.table())
    if not result.ok:
        print("the index differs from the chain", file=sys.stderr)
    return 0 if result.ok else 1
