"""One geth node per authority on loopback, peered statically, plus a non-validator RPC node.

    net = Network(RUN_DIR / "network", base_port=18600)
    net.init()           # genesis, dev keys, static peers, `geth init` per node (wipes data)
    net.start()          # every node; validators seal with their unlocked node key
    net.stop("exchange_operator"); net.start("exchange_operator")   # tests do this

Ports (all on 127.0.0.1): node slot ``s`` serves JSON-RPC on ``base + s``, p2p on
``base + 10 + s`` and geth's engine API (unused by Clique, but always opened) on ``base + 20 + s``.
Slots: 0-2 the genesis validators, 3 the RPC node, 4 the validator candidate (started only when
asked). Discovery is off (``--nodiscover``); each node dials the others from its config file's
``StaticNodes``. Every node keeps every state (``--gcmode archive``): a node that is killed
restarts where it stopped instead of replaying from an older flushed state.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from eth_account import Account

from backend.network import devnet, geth

RPC_NODE = "rpc"
DEV_PASSWORD = "dev-only-not-a-secret"  # noqa: S105 - dev node keystores of the local network


@dataclass(frozen=True)
class NodeSpec:
    """Where one node lives and listens."""

    name: str
    slot: int
    datadir: Path
    http_port: int
    p2p_port: int
    auth_port: int
    key: devnet.DevNodeKey | None  # None: the RPC node, which does not seal

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def validator(self) -> bool:
        return self.key is not None

    @property
    def enode(self) -> str:
        return f"enode://{self.node_key_public}@127.0.0.1:{self.p2p_port}"

    @property
    def node_key_public(self) -> str:
        return devnet.dev_node_key(f"p2p-{self.name}", 100 + self.slot).enode_id

    @property
    def node_key_private(self) -> str:
        return devnet.dev_node_key(f"p2p-{self.name}", 100 + self.slot).node_private_key


class NetworkError(RuntimeError):
    """A node did not start or answer; the message names the node and its log."""


class Network:
    """The local validator network under ``root`` (``.run/network/`` for ``make network``)."""

    def __init__(self, root: Path, *, base_port: int, geth: Path, validators: int = 3) -> None:
        if not 1 <= validators <= len(devnet.GENESIS_VALIDATORS):
            raise ValueError(f"1 to {len(devnet.GENESIS_VALIDATORS)} genesis validators")
        self.root = root
        self.geth = geth
        self.base_port = base_port
        keys = devnet.dev_validator_keys()
        names = list(devnet.GENESIS_VALIDATORS[:validators])
        self.specs: dict[str, NodeSpec] = {}
        for slot, name in enumerate(names):
            self.specs[name] = self._spec(name, slot, keys[slot])
        self.specs[RPC_NODE] = self._spec(RPC_NODE, 3, None)
        for i, name in enumerate(devnet.CANDIDATES):
            key = keys[len(devnet.GENESIS_VALIDATORS) + i]
            self.specs[name] = self._spec(name, 4 + i, key)
        self.genesis_validators = names
        self._procs: dict[str, subprocess.Popen] = {}

    def _spec(self, name: str, slot: int, key: devnet.DevNodeKey | None) -> NodeSpec:
        b = self.base_port
        return NodeSpec(name, slot, self.root / name, b + slot, b + 10 + slot, b + 20 + slot, key)

    # -- facts ---------------------------------------------------------------------------------

    @property
    def chain_id(self) -> int:
        return devnet.DEV_NETWORK_CHAIN_ID

    def signer(self, name: str) -> str:
        """The Clique signer address of validator ``name``."""
        key = self.specs[name].key
        if key is None:
            raise KeyError(f"{name} is not a validator node")
        return key.signer_address

    def url(self, name: str) -> str:
        return self.specs[name].url

    def rpc_urls(self) -> list[str]:
        """The RPC node first, then the genesis validators: the service's failover list."""
        return [self.url(RPC_NODE)] + [self.url(n) for n in self.genesis_validators]

    def default_nodes(self) -> list[str]:
        """The nodes ``start()`` starts: the genesis validators and the RPC node."""
        return [*self.genesis_validators, RPC_NODE]

    # -- setup ---------------------------------------------------------------------------------

    def init(self) -> None:
        """Write genesis, keys and configs and run ``geth init`` for every node (wipes old data)."""
        self.stop_all()
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        validators = [self.signer(n) for n in self.genesis_validators]
        genesis = devnet.clique_genesis(validators, devnet.prefunded_addresses())
        genesis_file = self.root / "genesis.json"
        genesis_file.write_text(json.dumps(genesis, indent=1), encoding="utf-8")
        enodes = [s.enode for s in self.specs.values()]
        for spec in self.specs.values():
            spec.datadir.mkdir(parents=True)
            (spec.datadir / "nodekey").write_text(spec.node_key_private.removeprefix("0x"))
            peers = [e for e in enodes if e != spec.enode]
            (spec.datadir / "config.toml").write_text(
                "[Node.P2P]\n"
                f"StaticNodes = {json.dumps(peers)}\n"
                f"TrustedNodes = {json.dumps(peers)}\n",
                encoding="utf-8",
            )
            if spec.key is not None:
                self._write_keystore(spec)
        inits = {
            name: subprocess.Popen(
                [str(self.geth), "--datadir", str(spec.datadir), "init", str(genesis_file)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for name, spec in self.specs.items()
        }
        for name, proc in inits.items():
            out, _ = proc.communicate()
            if proc.returncode != 0:
                raise NetworkError(f"geth init of {name} failed: {out[-2000:]}")

    def _write_keystore(self, spec: NodeSpec) -> None:
        assert spec.key is not None
        # light scrypt parameters: a dev key, unlocked at every start
        keystore = Account.encrypt(spec.key.signer_private_key, DEV_PASSWORD, iterations=2**12)
        folder = spec.datadir / "keystore"
        folder.mkdir()
        (folder / f"dev-validator-{spec.name}.json").write_text(json.dumps(keystore))
        (spec.datadir / "password").write_text(DEV_PASSWORD)

    def command(self, name: str) -> list[str]:
        """geth's command line for node ``name``."""
        spec = self.specs[name]
        d = spec.datadir
        cmd = [
            str(self.geth),
            "--datadir", str(d),
            "--config", str(d / "config.toml"),
            "--networkid", str(self.chain_id),
            "--syncmode", "full", "--gcmode", "archive",
            "--nodekey", str(d / "nodekey"),
            "--port", str(spec.p2p_port), "--nat", "none", "--nodiscover", "--maxpeers", "8",
            "--http", "--http.addr", "127.0.0.1", "--http.port", str(spec.http_port),
            "--http.api", "eth,net,web3,txpool,clique" + (",debug" if name == RPC_NODE else ""),
            "--http.vhosts", "localhost,127.0.0.1",
            "--authrpc.addr", "127.0.0.1", "--authrpc.port", str(spec.auth_port),
            "--ipcdisable", "--cache", "64", "--verbosity", "3",
            "--txpool.pricelimit", "1",
            "--miner.gaslimit", str(devnet.GAS_LIMIT),
        ]  # fmt: skip
        if spec.key is not None:
            signer = spec.key.signer_address
            cmd += [
                "--mine", "--miner.etherbase", signer,
                "--unlock", signer, "--password", str(d / "password"),
                "--allow-insecure-unlock",  # loopback only; a dev key (docs/operations.md)
            ]  # fmt: skip
        return cmd

    # -- running -------------------------------------------------------------------------------

    def pid_file(self, name: str) -> Path:
        return self.specs[name].datadir / "geth.pid"

    def log_file(self, name: str) -> Path:
        return self.root / f"{name}.log"

    def start(self, *names: str, wait: bool = True) -> None:
        """Start the given nodes (default: the genesis validators and the RPC node)."""
        names = names or tuple(self.default_nodes())
        for name in names:
            if self.running(name):
                continue
            log = self.log_file(name).open("a")
            proc = subprocess.Popen(
                self.command(name), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            self._procs[name] = proc
            self.pid_file(name).write_text(str(proc.pid))
        if wait:
            for name in names:
                self.wait_ready(name)

    def _pid(self, name: str) -> int | None:
        try:
            return int(self.pid_file(name).read_text())
        except (OSError, ValueError):
            return None

    def running(self, name: str) -> bool:
        """Whether node ``name`` runs: started here, or by another process (its pid file)."""
        proc = self._procs.get(name)
        if proc is not None and proc.poll() is None:
            return True
        pid = self._pid(name)
        if pid is None or (proc is not None and pid == proc.pid):
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        cmdline = Path(f"/proc/{pid}/cmdline")
        return cmdline.exists() and str(self.specs[name].datadir) in cmdline.read_text()

    def stop(self, name: str, *, kill: bool = False, timeout: float = 20.0) -> None:
        """Stop node ``name``: SIGTERM (geth shuts down cleanly) or SIGKILL (the node dies)."""
        if not self.running(name):
            self._procs.pop(name, None)
            self.pid_file(name).unlink(missing_ok=True)
            return
        proc = self._procs.pop(name, None)
        if proc is not None and proc.poll() is not None:
            proc = None  # an old process of ours; the node now runs under the pid file's pid
        pid = proc.pid if proc is not None else self._pid(name)
        assert pid is not None
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                break
            if proc is None and not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            if proc is not None:
                proc.wait(5)
        self.pid_file(name).unlink(missing_ok=True)

    def restart(self, name: str) -> None:
        self.stop(name)
        self.start(name)

    def stop_all(self) -> None:
        for name in reversed(list(self.specs)):
            if self.specs[name].datadir.exists():
                self.stop(name)

    # -- asking the nodes ----------------------------------------------------------------------

    def rpc(self, name: str, method: str, *params: object, timeout: float = 5.0) -> object:
        """One JSON-RPC call to node ``name``; raises ``NetworkError`` on an error answer."""
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        answer = requests.post(self.url(name), json=body, timeout=timeout).json()
        if "error" in answer:
            raise NetworkError(f"{name}: {method}: {answer['error']}")
        return answer["result"]

    def block_number(self, name: str) -> int:
        return int(self.rpc(name, "eth_blockNumber"), 16)  # type: ignore[arg-type]

    def wait_ready(self, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self._procs.get(name)
            if proc is not None and proc.poll() is not None:
                log = self.log_file(name)
                raise NetworkError(f"geth node {name} exited ({proc.returncode}); see {log}")
            try:
                self.rpc(name, "eth_chainId", timeout=1)
                return
            except (requests.RequestException, ValueError):
                time.sleep(0.2)
        raise NetworkError(f"geth node {name} did not answer within {timeout:.0f} s")

    def wait_peers(self, name: str, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while int(self.rpc(name, "net_peerCount"), 16) < count:  # type: ignore[arg-type]
            if time.monotonic() > deadline:
                raise NetworkError(f"{name} has fewer than {count} peers after {timeout:.0f} s")
            time.sleep(0.2)

    def wait_block(self, name: str, number: int, timeout: float = 30.0) -> None:
        """Wait until node ``name`` has block ``number``."""
        deadline = time.monotonic() + timeout
        while self.block_number(name) < number:
            if time.monotonic() > deadline:
                raise NetworkError(
                    f"{name} is at block {self.block_number(name)}, not {number}, "
                    f"after {timeout:.0f} s"
                )
            time.sleep(0.2)

    def block_signer(self, name: str, number: int) -> str:
        """Who sealed block ``number`` (``clique_getSigner``)."""
        return str(self.rpc(name, "clique_getSigner", hex(number)))

    def up(self) -> None:
        """Start every default node and wait until blocks are being sealed by a full mesh."""
        self.start()
        others = len(self.default_nodes()) - 1
        for name in self.default_nodes():
            self.wait_peers(name, others)
        self.wait_synced()

    def wait_synced(self, timeout: float = 60.0) -> None:
        """Wait until every running node has the RPC node's head and the chain moves on (a node
        that peers late first sits at its old head until geth's sync cycle picks it up)."""
        head = self.block_number(RPC_NODE) + 1
        for name in self.default_nodes():
            if self.running(name):
                self.wait_block(name, head, timeout)


RUN_ROOT = geth.ROOT / ".run" / "network"


def network() -> Network:
    """The network of ``DRR_GETH_BASE_PORT`` (default 18600) in ``DRR_NETWORK_DIR`` (default
    .run/network/)."""
    base = int(os.environ.get("DRR_GETH_BASE_PORT", "18600"))
    root = Path(os.environ.get("DRR_NETWORK_DIR") or RUN_ROOT)
    return Network(root, base_port=base, geth=geth.GETH_BINARY)
