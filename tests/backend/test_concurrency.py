"""Companies trade concurrently through the API while the service's indexer runs.

Two pairs of units make negotiated trades (协议转让, R-14) at the same time, each trade signed by
both parties and relayed by the service; the final index must equal the chain: the same events,
and the read model's holdings equal the balances the ledger holds.
"""

import threading
import time

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import select
from web3 import Web3

from backend.chain.typed_data import sign
from backend.indexer import store
from backend.indexer.decode import EventDecoder
from backend.indexer.projections import tables
from backend.main import create_app
from tests.helpers import STOCK_KG, company_key

TRADES_EACH = 12
COD = 1
# companies[i] of tests/conftest.py CITY_UNITS: chem, steel (industry), power, power2 (thermal)
PAIRS = ((0, 1), (2, 3))


def address_of(index: int) -> str:
    return Account.from_key(company_key(index)).address


def trade(api, seller: int, buyer: int, kg: int):
    """Both parties sign the prepared trade in their own wallets; the service relays it."""
    terms = {
        "seller": address_of(seller),
        "buyer": address_of(buyer),
        "pollutant": COD,
        "quantityKg": kg,
        "priceFen": kg * 400,  # the COD benchmark: 400 000 fen per tonne
    }
    prepared = api.post("/api/v1/trades/prepare", json=terms)
    if prepared.status_code != 200:
        return prepared
    parts = prepared.json()
    body = {
        party: {
            "typed_data": parts[party]["typed_data"],
            "signature": "0x" + sign(parts[party]["typed_data"], company_key(index)).hex(),
        }
        for party, index in (("seller", seller), ("buyer", buyer))
    }
    return api.post("/api/v1/trades/submit", json=body)


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
    running_service, traders, ledger, service_deployment, rpc_url
):
    hashes, failures = [], []

    def trader(a: int, b: int) -> None:
        for i in range(TRADES_EACH):
            seller, buyer = (a, b) if i % 2 == 0 else (b, a)
            response = trade(running_service, seller, buyer, 100 + 7 * i)
            if response.status_code != 200:
                failures.append(response.text)
                return
            hashes.append(response.json()["tx_hash"])

    threads = [threading.Thread(target=trader, args=pair) for pair in PAIRS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(hashes) == 2 * TRADES_EACH  # trades arriving together may share a transaction

    w3 = Web3(Web3.HTTPProvider(rpc_url))
    wait_until_indexed(running_service.app, w3.eth.block_number)
    chain_id = service_deployment.chain_id
    with running_service.app.state.engine.connect() as conn:
        indexed = store.all_events(conn, chain_id)
        held = {
            r.holder: r.paid
            for r in conn.execute(
                select(tables.holdings.c.holder, tables.holdings.c.paid).where(
                    tables.holdings.c.pollutant == COD
                )
            )
        }
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
    traded = [e.tx_hash for e in indexed if e.event == "RightsTraded" and e.tx_hash in hashes]
    assert len(traded) == 2 * TRADES_EACH  # each trade settled once
    units = [address_of(i) for pair in PAIRS for i in pair]
    on_ledger = {u: ledger.balanceOf(u, COD)[0] for u in units}
    assert {u: held[u] for u in units} == on_ledger
    assert sum(on_ledger.values()) == len(units) * STOCK_KG
    assert on_ledger != dict.fromkeys(units, STOCK_KG)  # the trades moved rights
