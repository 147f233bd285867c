"""Two companies trade concurrently through the API while the service's indexer runs.

The final index must equal the chain: the same events, and the balances the events add up to
equal the balances the contract holds. Trades are the test probe's signed transfers until the
exchange exists; switching means writing another :class:`TradeScenario`.
"""

import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from web3 import Web3

from backend.indexer import store
from backend.indexer.decode import EventDecoder
from backend.main import create_app
from tests.backend.flows import act

TRADES_EACH = 12


@dataclass
class TradeScenario:
    """How the test trades; replace with the exchange's negotiated trade when it lands."""

    action: str = "probe-transfer"
    pollutant: int = 4

    def setup(self, probe, regulator, companies):
        for company in companies:
            probe.openAccount(company.address, {"from": regulator})
            probe.credit(company.address, self.pollutant, 10_000, {"from": regulator})

    def trade(self, seller, buyer, i):
        return {
            "from": seller.address,
            "to": buyer.address,
            "pollutant": self.pollutant,
            "kg": 1 + i % 7,
        }

    def chain_balances(self, probe, companies):
        return {c.address: probe.balanceOf(c.address, self.pollutant) for c in companies}

    def indexed_balances(self, events, companies):
        held = Counter()
        for e in events:
            if e.args.get("pollutant") != self.pollutant:
                continue
            if e.event == "ProbeCredited":
                held[e.args["holder"]] += e.args["kg"]
            elif e.event == "ProbeTransferred":
                held[e.args["from"]] -= e.args["kg"]
                held[e.args["to"]] += e.args["kg"]
        return {c.address: held[c.address] for c in companies}


@pytest.fixture
def running_service(service_settings, any_database_url):
    settings = service_settings.model_copy(
        update={"indexer_enabled": True, "database_url": any_database_url}
    )
    with TestClient(create_app(settings)) as client:
        yield client


def wait_until_indexed(app, head, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.state.indexer.status()["cursor"] >= head:
            return
        time.sleep(0.05)
    raise AssertionError(f"indexer did not reach block {head}: {app.state.indexer.status()}")


def test_concurrent_trading_indexes_to_chain_state(
    running_service, probe, regulator, company_keys, service_deployment, rpc_url
):
    scenario = TradeScenario()
    acme, beta = company_keys[0], company_keys[1]
    scenario.setup(probe, regulator, [acme, beta])
    hashes, failures = {acme.address: [], beta.address: []}, []

    def trader(seller, buyer):
        for i in range(TRADES_EACH):
            response = act(
                running_service,
                scenario.action,
                scenario.trade(seller, buyer, i),
                seller.private_key,
            )
            if response.status_code != 200:
                failures.append(response.text)
                return
            hashes[seller.address].append(response.json()["tx_hash"])

    threads = [threading.Thread(target=trader, args=pair) for pair in ((acme, beta), (beta, acme))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(hashes[acme.address]) == len(hashes[beta.address]) == TRADES_EACH

    w3 = Web3(Web3.HTTPProvider(rpc_url))
    wait_until_indexed(running_service.app, w3.eth.block_number)
    chain_id = service_deployment.chain_id
    with running_service.app.state.engine.connect() as conn:
        indexed = store.all_events(conn, chain_id)
    decoder = EventDecoder.for_deployment(service_deployment)
    on_chain = [
        decoder.decode(entry)
        for entry in w3.eth.get_logs(
            {
                "fromBlock": service_deployment.start_block,
                "toBlock": "latest",
                "address": decoder.addresses,
            }
        )
    ]
    assert [(e.tx_hash, e.log_index, e.event, e.args) for e in indexed] == [
        (e.tx_hash, e.log_index, e.event, e.args) for e in on_chain
    ]
    traded = {e.tx_hash for e in indexed if e.event == "ProbeTransferred"}
    assert traded == set(hashes[acme.address]) | set(hashes[beta.address])
    balances = scenario.chain_balances(probe, [acme, beta])
    assert scenario.indexed_balances(indexed, [acme, beta]) == balances
    assert sum(balances.values()) == 20_000
