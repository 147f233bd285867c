"""A client the project did not write, on the geth validator network (Clique, which refuses
JSON numbers for quantities): ethers v6 signs the typed data and the unsigned transactions the
service returns, and they go through; the service runs as its own process (uvicorn) as in
production."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from backend import devstack
from backend.network.market import COD, fen_at_benchmark
from tests.clients.node import run_ethers_client
from tests.network.conftest import LOT_KG, ROOT


@pytest.fixture(scope="module")
def service_url(service_settings, tmp_path_factory):
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
        devstack.wait_for_http(f"{url}/api/v1/deployment", service)
        yield url
    finally:
        devstack.stop([service])


def test_ethers_v6_signs_what_the_service_returns_on_geth(net, market, service_url):
    seller, buyer = market.sellers[0], market.buyers[-1]
    summary = run_ethers_client({
        "api": service_url, "seller": seller.key.hex(), "buyer": buyer.key.hex(), "pollutant": COD,
        "kg": LOT_KG, "askFen": fen_at_benchmark(LOT_KG), "endsAt": 4_102_444_800,
    })  # fmt: skip
    assert summary["status"] == 1 and summary["buyer"] == buyer.address
    assert int(summary["gasLimitSigned"]) > 21_000
