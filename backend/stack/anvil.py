"""anvil, the local chain, as the project starts it: its settings, a folder of its own, its state
on disk and its clock.

Every anvil the project starts (``make run``, the browser tests' stack, the benchmarks; the test
chains Brownie starts get the same cache option through ``backend/toolchain/networks.py``) keeps
the states it spills from memory in ``<its folder>/anvil-cache`` (``--cache-path``), removed when
it stops: without the option anvil writes them to ``~/.foundry/anvil/tmp`` and never removes them.

State on disk (``make run``, docs/operations.md): :func:`dump` asks the running node for its
whole state (``anvil_dumpState``: accounts, blocks, transactions and receipts) and writes it
atomically (temporary file, fsync, rename), so a crash mid-write leaves the previous dump whole.
anvil reloads it with ``--load-state`` but not its clock's offset from the wall clock (which
``chain.sleep`` in the demo moved ahead): :class:`Clock` keeps it beside the state and sets it
back after a load, never before the last block's time.
"""

from __future__ import annotations

import atexit
import gzip
import json
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from backend.chain.devkeys import DEV_MNEMONIC
from backend.toolchain.networks import ANVIL_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
ANVIL = ROOT / "node_modules" / ".bin" / "anvil"
CACHE = "anvil-cache"


def command(
    port: int,
    folder: Path,
    *,
    load_state: Path | None = None,
    genesis_timestamp: int | None = None,
    gas_limit: int | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """anvil with the project's settings on ``127.0.0.1:port``, its cache in ``folder``.

    A chain loaded from a dump must be started with its genesis time: anvil creates a genesis
    block of its own before it loads the dump, and only with the same time is it the same block
    (otherwise the chain gains a second block 0, and the next dump carries both)."""
    s = ANVIL_SETTINGS
    cmd = [
        str(ANVIL),
        "--host", "127.0.0.1", "--port", str(port),
        "--mnemonic", DEV_MNEMONIC,
        "--accounts", str(s["accounts"]),
        "--block-base-fee-per-gas", str(s["base_fee"]),
        "--gas-limit", str(gas_limit or s["gas_limit"]),
        "--hardfork", s["evm_version"],
        "--chain-id", str(s["chain_id"]),
        "--cache-path", str(folder / CACHE),
    ]  # fmt: skip
    if genesis_timestamp is not None:
        cmd += ["--timestamp", str(genesis_timestamp)]
    if load_state is not None:
        cmd += ["--load-state", str(load_state)]
    return [*cmd, *extra]


def start(
    port: int,
    folder: Path,
    *,
    log_name: str = "anvil.log",
    load_state: Path | None = None,
    genesis_timestamp: int | None = None,
    gas_limit: int | None = None,
    extra: Sequence[str] = (),
) -> subprocess.Popen:
    """Start anvil (see :func:`command`), its output in ``folder/log_name``. Its cache folder is
    emptied first and removed when this process exits (or by :func:`remove_cache`)."""
    folder.mkdir(parents=True, exist_ok=True)
    remove_cache(folder)
    atexit.register(remove_cache, folder)
    cmd = command(
        port,
        folder,
        load_state=load_state,
        genesis_timestamp=genesis_timestamp,
        gas_limit=gas_limit,
        extra=extra,
    )
    log = (folder / log_name).open("a")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def remove_cache(folder: Path) -> None:
    shutil.rmtree(folder / CACHE, ignore_errors=True)


class Rpc:
    """Plain JSON-RPC to one node."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self._timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False

    def __call__(self, method: str, *params: Any) -> Any:  # noqa: ANN401 - JSON
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        answer = self._session.post(self.url, json=body, timeout=self._timeout).json()
        if answer.get("error") is not None:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def head(self) -> dict[str, Any]:
        return self("eth_getBlockByNumber", "latest", False)

    def genesis(self) -> tuple[str, int]:
        """Block 0's hash and time."""
        block = self("eth_getBlockByNumber", "0x0", False)
        return block["hash"], int(block["timestamp"], 16)


@dataclass(frozen=True)
class Clock:
    """The chain's clock beside a state dump: its offset from the wall clock (seconds) and the
    newest block then."""

    offset: int
    head: int
    head_timestamp: int

    @classmethod
    def read(cls, rpc: Rpc) -> Clock:
        head = rpc.head()
        offset = int(rpc("evm_increaseTime", 0))  # anvil answers the current total offset
        return cls(offset, int(head["number"], 16), int(head["timestamp"], 16))

    def restore(self, rpc: Rpc) -> None:
        """Set a freshly loaded node's clock (offset 0) to wall clock + the offset, never before
        its newest block. Only the offset moves (``evm_increaseTime``): the journal's recovery
        may still put lost transactions back at their original, earlier block times, which
        ``evm_setTime`` would forbid (backend/chain/journal.py)."""
        newest = max(int(rpc.head()["timestamp"], 16), self.head_timestamp)
        rpc("evm_increaseTime", max(self.offset, newest + 1 - int(time.time()), 0))

    def as_json(self) -> dict[str, int]:
        return {"offset": self.offset, "head": self.head, "head_timestamp": self.head_timestamp}

    @classmethod
    def load(cls, path: Path) -> Clock | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return cls(int(data["offset"]), int(data["head"]), int(data["head_timestamp"]))


def write_atomically(path: Path, data: bytes) -> None:
    """``path`` holds either its old content or ``data``, whole, even after a power cut."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@dataclass(frozen=True)
class Dump:
    """One state dump written to disk."""

    clock: Clock
    size: int
    seconds: float


def dump(rpc: Rpc, state: Path, clock_file: Path) -> Dump:
    """Write the node's state to ``state`` and its clock to ``clock_file`` (both atomically).

    The clock is read first: a block mined between the two reads is in the state, and the clock
    is restored to at least the state's newest block time anyway."""
    started = time.monotonic()
    clock = Clock.read(rpc)
    data = gzip.decompress(bytes.fromhex(rpc("anvil_dumpState").removeprefix("0x")))
    state.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(state, data)
    write_atomically(clock_file, json.dumps(clock.as_json()).encode())
    return Dump(clock, len(data), time.monotonic() - started)
