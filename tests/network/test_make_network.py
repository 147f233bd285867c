"""``make network`` as a newcomer runs it (README; here with ports of the tests' own): it builds
nothing new here (geth is built), starts the three validators and the RPC node, deploys with the
product's ``scripts/deploy.py`` and loads part of the demo through Brownie (``scripts/
network_demo.py``, a live network to Brownie), then serves the API and explorer. Brownie runs in
a home of the run's own: nothing of ``~/.brownie`` is read or written.

Ports: ``DRR_GETH_TEST_BASE_PORT`` + 5: its nodes' ports interleave with those of the validator
tests' network (slots 0–4 of each: base+0…4, +10…14, +20…24), so the two files may run at once.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time

import httpx
import pytest
import requests
from eth_account import Account

from backend.chain.client import connect_web3
from backend.chain.devkeys import FIRST_COMPANY_INDEX, authority_key, dev_key
from backend.cli.actions import sign_envelope
from backend.cli.context import ApiClient
from backend.cli.operations import sign_transaction
from backend.network.nodes import RPC_NODE, Network
from backend.stack import processes
from tests.network.conftest import BASE_PORT, ROOT
from tests.stack.stack import free_port

BASE = BASE_PORT + 5
COD = 1
KG = 1_000
PRICE_FEN = 400_000  # 4 000 元 for 1 t: the benchmark
SELLER, BUYER = dev_key(FIRST_COMPANY_INDEX), dev_key(FIRST_COMPANY_INDEX + 2)
REGULATOR = authority_key("city_regulator")


@pytest.fixture(scope="module")
def make_network(geth_binary):
    folder = ROOT / ".run" / f"test-make-network-{BASE}"
    probe = Network(folder, base_port=BASE, geth=geth_binary)
    for spec in probe.specs.values():
        for port in (spec.http_port, spec.p2p_port, spec.auth_port):
            if processes.port_taken(port):
                pytest.fail(f"port {port} (node {spec.name}) is in use; set GETH_TEST_BASE_PORT")
    api_port = free_port()
    env = {
        **os.environ,
        "DRR_GETH_BASE_PORT": str(BASE),
        "DRR_API_PORT": str(api_port),
        "DRR_NETWORK_DIR": str(folder),
        "DRR_DEPLOYMENT_FILE": str(folder / "network.json"),
    }
    log = ROOT / ".run" / f"test-make-network-{BASE}.log"
    log.parent.mkdir(exist_ok=True)
    started = time.monotonic()
    ports = [f"GETH_BASE_PORT={BASE}", f"API_PORT={api_port}"]
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "network", *ports],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        while "Press Ctrl-C to stop everything" not in log.read_text(errors="replace"):
            assert proc.poll() is None, f"make network failed:\n{log.read_text()[-4000:]}"
            assert time.monotonic() - started < 1500, "make network did not serve in 25 min"
            time.sleep(1)
        print(f"\n[make network] serving after {time.monotonic() - started:.0f} s")
        url = f"http://127.0.0.1:{api_port}"
        wait_indexed_head(url, probe.url(RPC_NODE))
        yield url, log.read_text(), env
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
        Network(folder, base_port=BASE, geth=geth_binary).stop_all()
        shutil.rmtree(folder, ignore_errors=True)
        log.unlink(missing_ok=True)


def get(url: str, path: str) -> requests.Response:
    response = requests.get(f"{url}{path}", timeout=60)
    assert response.status_code == 200, response.text
    return response


def wait_indexed_head(url: str, rpc_url: str, timeout: float = 120) -> None:
    """Until the service's index has read the chain's head as it is now."""
    head = connect_web3(rpc_url).eth.block_number
    deadline = time.monotonic() + timeout
    while requests.get(f"{url}/api/v1/public/status", timeout=30).json()["block"] < head:
        assert time.monotonic() < deadline, f"the index did not reach block {head}"
        time.sleep(1)


def wait_indexed(url: str, tx_hash: str, timeout: float = 60) -> list:
    deadline = time.monotonic() + timeout
    while True:
        events = requests.get(f"{url}/api/v1/public/tx/{tx_hash}", timeout=30)
        if events.status_code == 200 and events.json():
            return events.json()
        assert time.monotonic() < deadline, f"{tx_hash} not indexed in {timeout} s"
        time.sleep(1)


def test_make_network_serves_the_network_demo_on_three_validators(make_network):
    url, printed, _ = make_network
    assert "[3/4] deploying the contracts" in printed and "network demo loaded" in printed
    validators = get(url, "/api/v1/validators").json()
    assert validators["engine"] == "clique" and len(validators["validators"]) == 3
    assert "化学需氧量 (COD)" in get(url, "/").text  # the overview: the listing's trade
    units = get(url, "/units").text
    for name in ("长江化工有限公司", "嘉陵钢铁集团", "西南制药股份"):
        assert name in units
    trades = get(url, "/api/v1/public/trades").json()["rows"]
    assert [(t["pollutant"], t["kg"]) for t in trades] == [(COD, 2_000)]  # the listing taken


def test_a_negotiated_trade_both_parties_sign_settles_on_the_network_R14_R39(make_network):
    """The regulator certifies the seller's rights as tradable (a transaction it signs itself,
    through POST /tx/raw), then seller and buyer each sign the trade; the service relays it
    and the explorer shows it."""
    url, _, _ = make_network
    with httpx.Client(base_url=url, timeout=120) as http:
        api = ApiClient(http)
        built = api.build(
            "/api/v1/allocation/certify-tradable",
            {"sender": REGULATOR.address, "holder": SELLER.address, "pollutant": COD, "kg": KG},
        )
        certified = api.send_raw(
            sign_transaction(built, Account.from_key(REGULATOR.private_key))["raw"]
        )
        assert certified["status"] == 1
        prepared = api.prepare_trade(
            {"seller": SELLER.address, "buyer": BUYER.address, "pollutant": COD,
             "quantityKg": KG, "priceFen": PRICE_FEN},
        )  # fmt: skip
        seller = sign_envelope(prepared["seller"], Account.from_key(SELLER.private_key))
        buyer = sign_envelope(prepared["buyer"], Account.from_key(BUYER.private_key))
        settled = api.submit_trade(seller, buyer, key="make-network-trade-1")
    assert "RightsTraded" in [e["event"] for e in settled["events"]]
    indexed = wait_indexed(url, settled["tx_hash"])
    assert "RightsTraded" in [e["event"] for e in indexed]
    trades = get(url, "/api/v1/public/trades").json()["rows"]
    assert (trades[0]["seller"], trades[0]["buyer"], trades[0]["kg"]) == (
        SELLER.address,
        BUYER.address,
        KG,
    )
    assert trades[0]["tx_hash"] == settled["tx_hash"]


def network_cli(env: dict[str, str], *args: str) -> str:
    """``.venv/bin/python -m backend.network …`` as docs/operations.md shows it."""
    result = subprocess.run(
        [sys.executable, "-m", "backend.network", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_operators_commands_stop_and_start_a_validator(make_network):
    """docs/operations.md: `python -m backend.network status`, `stop exchange_operator` (a
    validator goes down) and `start exchange_operator` (it comes back and catches up)."""
    _, _, env = make_network

    def line(name: str) -> str:
        found = re.search(rf"^{name} .*$", network_cli(env, "status"), re.M)
        assert found, name
        return found.group(0)

    for name in ("city_regulator", "exchange_operator", "district_regulator", "rpc"):
        assert re.search(r"(validator|rpc) .* block \d+ +peers [1-9]", line(name)), line(name)
    network_cli(env, "stop", "exchange_operator")
    assert line("exchange_operator").split()[1] == "stopped"
    network_cli(env, "start", "exchange_operator")
    deadline = time.monotonic() + 60
    while not re.search(r"validator .* peers [1-9]", line("exchange_operator")):
        assert time.monotonic() < deadline, "the validator did not rejoin its peers"
        time.sleep(1)
