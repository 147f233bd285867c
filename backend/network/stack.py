"""`make network`: the product on the local validator network instead of anvil.

Builds geth if needed, starts the three validators (city regulator, exchange, district
regulator) and the RPC node, deploys the contracts and loads part of the demo city through
Brownie (live network ``drr-geth-<port>``), then serves the API and explorer with failover
across the RPC node and the validators' endpoints, and with validator governance wired to each
authority's node. Ctrl-C stops everything. Patterns and helpers of ``backend/devstack.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from backend.chain.devkeys import authority_key
from backend.network import geth
from backend.network.nodes import RPC_NODE, Network, NetworkError, network
from backend.stack import processes
from backend.toolchain import networks

ROOT = geth.ROOT
DEPLOYMENT_FILE = ROOT / "deployments" / "network.json"


def brownie_network(net: Network, config: Path) -> str:
    """The Brownie live network of the RPC node, registered in the network file ``config``."""
    network_id = f"drr-geth-{net.specs[RPC_NODE].http_port}"
    networks.ensure_live(network_id, net.url(RPC_NODE), net.chain_id, path=config)
    return network_id


def record_path() -> Path:
    """Where the deployment record goes: ``DRR_DEPLOYMENT_FILE``, else deployments/network.json."""
    override = os.environ.get("DRR_DEPLOYMENT_FILE")
    return Path(override) if override else DEPLOYMENT_FILE


def seed(net: Network) -> Path:
    """Deploy and load part of the demo through Brownie; returns the deployment file.

    Brownie runs with a home of this run's own (inside the network's folder, which ``init``
    recreated): it reads nothing an earlier run left in the user's ``~/.brownie`` and writes
    nothing there; scripts/deployment_records.py keeps it from recording deployments itself."""
    # artifacts an older checkout's Brownie recorded for this chain id would be reloaded
    shutil.rmtree(ROOT / "build" / "deployments" / str(net.chain_id), ignore_errors=True)
    home = net.root / "brownie-home"
    network_id = brownie_network(net, networks.brownie_home(home))
    record = record_path()
    env = processes.brownie_env(home)
    env["DRR_DEPLOYMENT_FILE"] = str(record)
    brownie = Path(sys.executable).with_name("brownie")
    subprocess.run(
        [str(brownie), "run", "scripts/network_demo.py", "--network", network_id],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    return record


def validator_nodes(net: Network) -> dict[str, str]:
    """Authority account → the admin RPC URL of the validator node it runs."""
    return {authority_key(name).address: net.url(name) for name in net.genesis_validators}


def service_env(net: Network, deployment_file: Path) -> dict[str, str]:
    return {
        "DRR_RPC_URLS": ",".join(net.rpc_urls()),
        "DRR_VALIDATOR_NODES": json.dumps(validator_nodes(net)),
        "DRR_DEPLOYMENT_FILE": str(deployment_file),
        "DRR_DATABASE_URL": f"sqlite:///{net.root / 'index.db'}",
        "DRR_ORACLE_DATABASE_URL": f"sqlite:///{net.root / 'oracle.db'}",
    }


def start_service(api_port: int, env_extra: dict[str, str], log: Path) -> subprocess.Popen:
    env = dict(os.environ, **env_extra)
    cmd = [
        sys.executable, "-m", "uvicorn", "backend.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(api_port),
    ]  # fmt: skip
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def run() -> int:
    api_port = int(os.environ.get("DRR_API_PORT", "8700"))
    net = network()
    service: subprocess.Popen | None = None

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for spec in net.specs.values():
            for port in (spec.http_port, spec.p2p_port, spec.auth_port):
                processes.require_free(port, f"geth node {spec.name}", "GETH_BASE_PORT")
        processes.require_free(api_port, "API and explorer", "API_PORT")
        print("[1/4] geth v1.13.15", flush=True)
        geth.build()
        print(f"[2/4] starting 3 validators and the RPC node (chain id {net.chain_id})", flush=True)
        net.init()
        net.up()
        for name in net.default_nodes():
            print(f"      {name:20} {net.url(name)}", flush=True)
        print("[3/4] deploying the contracts and loading part of the demo (1 block/s)", flush=True)
        deployment_file = seed(net)
        print(f"[4/4] starting the API and explorer on port {api_port}", flush=True)
        service = start_service(
            api_port, service_env(net, deployment_file), net.root / "service.log"
        )
        url = f"http://127.0.0.1:{api_port}"
        processes.wait_for_http(f"{url}/api/v1/deployment", service)
        print(
            f"\n  Explorer:   {url}/\n  API docs:   {url}/docs"
            f"\n  Validators: {url}/api/v1/validators"
            f"\n  RPC nodes:  {', '.join(net.rpc_urls())}\n  Logs:       {net.root}/"
            "\n\nStop a node: .venv/bin/python -m backend.network stop exchange_operator"
            "\nPress Ctrl-C to stop everything.",
            flush=True,
        )
        while service.poll() is None:
            time.sleep(0.5)
        print(f"error: the service exited with code {service.returncode}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    except (
        processes.StackError,
        geth.GethUnavailableError,
        NetworkError,
        subprocess.CalledProcessError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        # the stop is not interrupted: Ctrl-C reaches make and this process both, and a second
        # signal in the middle of stopping would leave nodes running
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if service is not None:
            processes.stop([service])
        net.stop_all()
