"""The validator network under test: three geth Clique validators and an RPC node on loopback.

geth is built from source (``backend/network/geth.py``); ``make test`` starts that build first,
in the background, and the fixture below waits for it. If geth cannot be built the tests
**fail** (the fixture raises): a missing validator network is a broken product, not a skip.

Ports: ``DRR_GETH_TEST_BASE_PORT`` (default 18625) … +24; the fixture refuses ports in use,
so it never attaches to a node it did not start.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web3 import Web3

from backend.chain.client import connect_web3
from backend.chain.devkeys import authority_key
from backend.core.config import Settings
from backend.main import create_app
from backend.network import geth
from backend.network.market import deploy_market, list_lots
from backend.network.nodes import RPC_NODE, Network
from backend.stack import processes

ROOT = Path(__file__).resolve().parents[2]
BASE_PORT = int(os.environ.get("DRR_GETH_TEST_BASE_PORT", "18625"))
LOT_KG = 2_000


@pytest.fixture(scope="session")
def geth_binary() -> Path:
    started = time.monotonic()
    binary = geth.ensure()
    waited = time.monotonic() - started
    if waited > 1:
        print(f"\n[network tests] waited {waited:.0f} s for the geth build")
    return binary


@pytest.fixture(scope="module")
def net(geth_binary, tmp_path_factory):
    root = ROOT / ".run" / f"test-network-{BASE_PORT}"
    network = Network(root, base_port=BASE_PORT, geth=geth_binary)
    for spec in network.specs.values():
        for port in (spec.http_port, spec.p2p_port, spec.auth_port):
            if processes.port_taken(port):
                pytest.fail(f"port {port} (geth test node {spec.name}) is in use; "
                            "set GETH_TEST_BASE_PORT=<port> (25 free ports)")  # fmt: skip
    network.init()
    try:
        network.up()
        yield network
    finally:
        network.stop_all()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def w3(net) -> Web3:
    return connect_web3(net.url(RPC_NODE), timeout=10)


@pytest.fixture(scope="module")
def market(net, w3):
    """Registry, prices, ledger, money and exchange; one seller with certified paid COD, two
    buyers with money at the exchange; three open listings of 2 t COD."""
    m = deploy_market(w3, sellers=1, buyers=2)
    m.listings = list_lots(m, 3, LOT_KG)
    return m


@pytest.fixture(scope="module")
def service_settings(net, market, tmp_path_factory):
    folder = tmp_path_factory.mktemp("network-service")
    deployment_file = folder / "deployment.json"
    market.deployment("drr-test-network").save(deployment_file)
    nodes = {authority_key(n).address: net.url(n) for n in ("city_regulator", "exchange_operator")}
    return Settings(
        # the exchange's validator first: the outage tests stop it while the service uses it
        rpc_urls=[net.url("exchange_operator"), net.url(RPC_NODE), net.url("city_regulator")],
        deployment_file=deployment_file,
        database_url=f"sqlite:///{folder / 'index.db'}",
        oracle_database_url=f"sqlite:///{folder / 'oracle.db'}",
        indexer_enabled=False,
        receipt_timeout_seconds=20,
        # the district regulator's node is left out: its votes are refused (409)
        validator_nodes=nodes,
    )


@pytest.fixture(scope="module")
def api(service_settings):
    with TestClient(create_app(service_settings)) as client:
        yield client


@pytest.fixture(scope="module")
def service_url(service_settings, tmp_path_factory):
    """The service as its own process (uvicorn), as in production, for clients the project did
    not write (tests/clients/)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("ethers-service")
    env = {
        **os.environ,
        "DRR_RPC_URLS": ",".join(service_settings.rpc_urls),
        "DRR_DEPLOYMENT_FILE": str(service_settings.deployment_file),
        "DRR_DATABASE_URL": f"sqlite:///{folder / 'index.db'}",
        "DRR_ORACLE_DATABASE_URL": f"sqlite:///{folder / 'oracle.db'}",
        "DRR_INDEXER_ENABLED": "false",
        "DRR_RECEIPT_TIMEOUT_SECONDS": "30",
    }
    service = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.main:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=(folder / "service.log").open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        processes.wait_for_http(f"{url}/api/v1/deployment", service)
        yield url
    finally:
        processes.stop([service])
