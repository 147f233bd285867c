"""Register the project's own Brownie networks (idempotent).

Brownie attaches to whatever node already listens on a network's port, so the project never
uses Brownie's default ``development`` network (port 8545): it registers networks with ports of
its own, and ``make`` refuses to start when such a port is taken (see ``backend.devstack``).

    python -m backend.toolchain.networks drr-test-18546=18546 drr-local-18545=18545
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

# anvil settings shared by every project network (names are Brownie's cmd_settings keys)
ANVIL_SETTINGS: dict[str, Any] = {
    "accounts": 60,
    "base_fee": 0,
    "gas_limit": 30_000_000,
    "evm_version": "paris",
    "chain_id": 31337,
}


def network_config_path() -> Path:
    """Brownie's user network file (created by Brownie on first import)."""
    from brownie._config import _get_data_folder

    return _get_data_folder().joinpath("network-config.yaml")


def brownie_home(folder: Path) -> Path:
    """A Brownie home of one run: ``folder`` (emptied) with a data folder holding only a network
    file for the networks the caller registers; returns that file.

    Brownie keeps its data (networks, deployments database, accounts) in ``~/.brownie``, fixed at
    import from the home directory. A Brownie process started with ``HOME=folder``
    (``backend.devstack.brownie_env``) therefore reads and writes nothing of the user's home and
    nothing an earlier run left: ``make run`` and ``make network`` run Brownie that way."""
    if folder.exists():
        shutil.rmtree(folder)
    data = folder / ".brownie"
    data.mkdir(parents=True)
    config = data / "network-config.yaml"
    config.write_text(yaml.safe_dump({"live": [], "development": []}), encoding="utf-8")
    return config


ROOT = Path(__file__).resolve().parents[2]


def chain_folder(port: int) -> Path:
    """The folder of the test or benchmark chain Brownie starts on ``port`` (.run/chains/)."""
    return ROOT / ".run" / "chains" / str(port)


def anvil_cmd(port: int) -> str:
    """Brownie's ``cmd`` of an anvil on ``port``: its spilled states in the chain's folder instead
    of ``~/.foundry/anvil/tmp`` (Brownie splits ``cmd`` on spaces and picks its anvil backend
    because it starts with ``anvil``; a project path with spaces is given relative to the
    project, where Brownie runs)."""
    cache = chain_folder(port) / "anvil-cache"
    path = str(cache) if not any(c.isspace() for c in str(cache)) else os.path.relpath(cache)
    return f"anvil --cache-path {path}"


def dev_network(network_id: str, port: int) -> dict[str, Any]:
    """The Brownie entry of an anvil network on ``port``."""
    return {
        "id": network_id,
        "name": f"anvil ({network_id}, port {port})",
        "cmd": anvil_cmd(port),
        "host": "http://127.0.0.1",
        "timeout": 120,
        "cmd_settings": {"port": port, **ANVIL_SETTINGS},
    }


def own_chain_folder(network_id: str) -> Path | None:
    """For the anvil Brownie is about to start for ``network_id`` in this process (a test
    process of ``make test`` gets the network's port + its worker number): its cache in the
    folder of that port, and that folder removed when the process exits, after Brownie stopped
    the chain. Returns the folder (None for a network Brownie does not start)."""
    from brownie._config import CONFIG

    settings = CONFIG.networks.get(network_id, {})
    if not str(settings.get("cmd", "")).startswith("anvil"):
        return None
    port = int(settings["cmd_settings"]["port"])
    settings["cmd"] = anvil_cmd(port)
    folder = chain_folder(port)

    def remove() -> None:
        from brownie.network import rpc

        rpc.kill(False)
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    return folder


def ensure(networks: dict[str, int], path: Path | None = None) -> bool:
    """Insert or update the given ``id → port`` development networks. Returns True if written."""
    path = path or network_config_path()
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    development: list[dict[str, Any]] = config.setdefault("development", [])
    changed = False
    for network_id, port in networks.items():
        wanted = dev_network(network_id, port)
        current = next((n for n in development if n.get("id") == network_id), None)
        if current == wanted:
            continue
        if current is not None:
            development.remove(current)
        development.append(wanted)
        changed = True
    if changed:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        tmp.replace(path)
    return changed


LIVE_ENVIRONMENT = "Discharge rights validator network"


def live_network(network_id: str, url: str, chain_id: int) -> dict[str, Any]:
    """The Brownie entry of a running node Brownie attaches to (no ``cmd``: Brownie never starts
    or resets it). Used for the local validator network (``make network``); its RPC node."""
    return {
        "id": network_id,
        "name": f"validator network ({network_id}, {url})",
        "chainid": chain_id,
        "host": url,
        "timeout": 120,
    }


def ensure_live(network_id: str, url: str, chain_id: int, path: Path | None = None) -> bool:
    """Insert or update a live network entry (idempotent). Returns True if written.

    Brownie signs locally with keys the script adds (the dev keys on the local network) and
    pays EIP-1559 fees: the network's genesis activates London, so blocks carry a base fee
    (1 gwei at genesis); ``scripts/deploy.py`` sets a 1 gwei priority fee there."""
    path = path or network_config_path()
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    live: list[dict[str, Any]] = config.setdefault("live", [])
    env = next((e for e in live if e.get("name") == LIVE_ENVIRONMENT), None)
    if env is None:
        env = {"name": LIVE_ENVIRONMENT, "networks": []}
        live.append(env)
    wanted = live_network(network_id, url, chain_id)
    current = next((n for n in env["networks"] if n.get("id") == network_id), None)
    if current == wanted:
        return False
    if current is not None:
        env["networks"].remove(current)
    env["networks"].append(wanted)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    tmp.replace(path)
    return True


def main(argv: list[str]) -> int:
    try:
        wanted = {k: int(v) for k, v in (arg.split("=", 1) for arg in argv)}
    except ValueError:
        print("usage: python -m backend.toolchain.networks ID=PORT [ID=PORT ...]", file=sys.stderr)
        return 2
    changed = ensure(wanted)
    for network_id, port in wanted.items():
        print(
            f"brownie network {network_id}: anvil on port {port}{' (updated)' if changed else ''}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
