"""How often the service asks the node per signed order: the round trips bound its throughput.

The service reads what its checks need in one JSON-RPC batch per request (chain time, the
signer's code and nonce, the pre-check, the relayed call's gas and fees, the relayer's pending
nonce); relaying adds the broadcast and the receipt (docs/benchmarks.md). Counted through a
proxy in front of the test chain (tests/backend/rpc_counter.py).
"""

import pytest
from fastapi.testclient import TestClient

from backend.main import create_app
from tests.backend.conftest import PROBE_POLLUTANT
from tests.backend.flows import error_of, prepare, signed, submit
from tests.backend.rpc_counter import RpcCounter

ACTION = "probe-transfer"
POLLUTANT = PROBE_POLLUTANT


@pytest.fixture
def counter(rpc_url):
    with RpcCounter(rpc_url) as proxy:
        yield proxy


@pytest.fixture
def counted_api(service_settings, counter):
    """The service with one transaction per order (``DRR_RELAY_BATCH_MAX_CALLS=0``)."""
    settings = service_settings.model_copy(
        update={"rpc_url": counter.url, "relay_batch_max_calls": 0}
    )
    with TestClient(create_app(settings)) as client:
        counter.take()  # the start-up checks of the deployment
        yield client


def body(sender, receiver, kg=100):
    return {"from": sender.address, "to": receiver.address, "pollutant": POLLUTANT, "kg": kg}


def test_signed_order_takes_four_round_trips(counted_api, counter, probe, funded):
    """prepare: one batch; submit: one batch, the broadcast, the receipt (from the relayer's
    second transaction on: its first reads the relayer's nonce under the lock). The receipt is
    asked for again, alone, while the node has not mined the transaction yet (a busy machine):
    those waits are not round trips of the order's work. The journal records where and when the
    transaction was mined from that receipt (anvil's carries the block's time): no header read."""
    acme, beta = funded[0], funded[1]
    for kg in (10, 100):
        counter.take()
        prepared = prepare(counted_api, ACTION, body(acme, beta, kg))
        at_prepare = counter.take()
        response = submit(counted_api, ACTION, signed(prepared["typed_data"], acme.private_key))
        assert response.status_code == 200, response.text
        at_submit = counter.take()
    assert len(at_prepare) == 1
    assert sorted(at_prepare[0]) == ["eth_call", "eth_call", "eth_getBlockByNumber"]
    methods = [m for trip in at_submit for m in trip]
    if at_submit[-1] == ["eth_getBlockByNumber"]:  # the journal's record of the block
        at_submit = at_submit[:-1]
    batch, broadcast, *receipt_polls = at_submit
    assert {"eth_estimateGas", "eth_getTransactionCount", "eth_call"} <= set(batch), at_submit
    assert broadcast == ["eth_sendRawTransaction"], at_submit
    assert receipt_polls and all(t == ["eth_getTransactionReceipt"] for t in receipt_polls)
    assert len(at_submit) - (len(receipt_polls) - 1) == 3, at_submit  # polls count once
    assert methods.count("eth_estimateGas") == 1  # no second estimate at relay time
    assert methods.count("eth_getTransactionCount") == 1  # the relayer's, in the batch
    assert methods.count("eth_sendRawTransaction") == 1
    assert "eth_chainId" not in methods  # the deployment's
    assert probe.balanceOf(beta.address, POLLUTANT) == 110


@pytest.fixture
def batching_api(service_settings, counter):
    """The service as deployed: orders relayed through RelayBatch."""
    settings = service_settings.model_copy(update={"rpc_url": counter.url})
    with TestClient(create_app(settings)) as client:
        assert client.app.state.relayer.batcher is not None
        counter.take()
        yield client


def test_batched_order_reads_no_estimate_of_its_own(batching_api, counter, probe, funded):
    """With batching the order's checks are one batch without a gas estimate or the relayer's
    nonce: those are read once per relay batch (its simulation, estimate, fees and nonce), then
    the broadcast and the receipt."""
    acme, beta = funded[0], funded[1]
    for kg in (10, 100):
        counter.take()
        prepared = prepare(batching_api, ACTION, body(acme, beta, kg))
        assert len(counter.take()) == 1
        response = submit(batching_api, ACTION, signed(prepared["typed_data"], acme.private_key))
        assert response.status_code == 200, response.text
        at_submit = counter.take()
    checks, relay_batch, broadcast, *rest = at_submit
    assert "eth_estimateGas" not in checks and "eth_getTransactionCount" not in checks
    assert {"eth_estimateGas", "eth_getTransactionCount"} <= set(relay_batch), at_submit
    assert broadcast == ["eth_sendRawTransaction"], at_submit
    assert rest[0] == ["eth_getTransactionReceipt"], at_submit
    methods = [m for trip in at_submit for m in trip]
    assert methods.count("eth_estimateGas") == 1
    assert methods.count("eth_sendRawTransaction") == 1
    assert probe.balanceOf(beta.address, POLLUTANT) == 110


def test_refusal_found_in_the_batch_sends_nothing(counted_api, counter, probe, funded):
    """A pre-check refusal at submit carries the contract's own arguments, read from the same
    batch (the gas estimate of the signed call), and nothing is broadcast."""
    acme, beta = funded[0], funded[1]
    first = signed(
        prepare(counted_api, ACTION, body(acme, beta, 500))["typed_data"], acme.private_key
    )
    # the next order, signed for more than will be left once the first one settles
    envelope = signed(
        prepare(counted_api, ACTION, body(acme, beta, 100))["typed_data"], acme.private_key
    )
    envelope["typed_data"]["message"]["nonce"] += 1
    envelope["typed_data"]["message"]["kg"] = 600
    envelope = signed(envelope["typed_data"], acme.private_key)
    assert submit(counted_api, ACTION, first).status_code == 200
    counter.take()
    response = submit(counted_api, ACTION, envelope)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "ProbeInsufficientBalance"
    assert error["args"]["available"] == 500
    trips = counter.take()
    assert len(trips) == 1
    assert "eth_sendRawTransaction" not in trips[0]


def test_relayer_key_used_elsewhere_between_orders_is_noticed(counted_api, probe, funded):
    """The relayer's nonce read in the batch disagrees with its own count: it asks the node
    again under its lock and the order is still relayed."""
    from brownie import accounts

    acme, beta = funded[0], funded[1]
    relayer = counted_api.app.state.relayer.address
    for kg in (10, 20):
        prepared = prepare(counted_api, ACTION, body(acme, beta, kg))
        response = submit(counted_api, ACTION, signed(prepared["typed_data"], acme.private_key))
        assert response.status_code == 200, response.text
        accounts.at(relayer, force=True).transfer(accounts[0], 1)  # same key, outside the service
    assert probe.balanceOf(beta.address, POLLUTANT) == 30
