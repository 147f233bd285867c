"""Batched relaying (backend/chain/batching.py): the signed orders that arrive together are
simulated once and settled in one RelayBatch transaction; a refused order is answered with its
own named error and never fails the others; every idempotency key settles exactly once, also
when the service dies between the send and the receipt.

Against the test chain and the test probe (contracts/testing/SignedActionProbe.sol).
"""

from __future__ import annotations

import threading
import time

import pytest
from brownie import web3
from fastapi.testclient import TestClient
from hexbytes import HexBytes
from web3 import Web3

from backend.chain.batching import BATCH_INDEX
from backend.chain.devkeys import FIRST_COMPANY_INDEX, dev_key
from backend.chain.errors import ContractError, ErrorDecoder, ServiceError
from backend.chain.relayer import MINED, SENT, Relayer, metadata, relayer_account
from backend.indexer.store import open_database
from backend.main import create_app
from tests.backend.flows import prepare, signed, submit
from tests.backend.rpc_counter import RpcCounter
from tests.helpers import signed as sign_action

POLLUTANT = 3
TRANSFER = [
    ("from", "address"),
    ("to", "address"),
    ("pollutant", "uint32"),
    ("kg", "uint64"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]


@pytest.fixture
def relay_db(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'relay.db'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def make_relayer(rpc_url, engine, service_deployment, *, linger=0.3, timeout=10.0) -> Relayer:
    """A batching relayer on ``rpc_url`` (the test chain, or a proxy in front of it)."""
    decoder = ErrorDecoder.from_abis({n: c.abi for n, c in service_deployment.contracts.items()})
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    relayer = Relayer(
        w3=w3,
        account=relayer_account(chain_id=w3.eth.chain_id),
        engine=engine,
        decoder=decoder,
        receipt_timeout=timeout,
        priority_fee_wei=0,
    )
    batch = service_deployment.contracts["RelayBatch"]
    relayer.enable_batching(address=batch.address, abi=batch.abi, max_calls=16, linger=linger)
    return relayer


@pytest.fixture
def holders(probe, regulator):
    """Six companies have open probe accounts, each holding 100 kg of pollutant 3."""
    keys = [dev_key(FIRST_COMPANY_INDEX + i) for i in range(6)]
    for key in keys:
        probe.openAccount(key.address, {"from": regulator})
    probe.creditMany([k.address for k in keys], POLLUTANT, 100, {"from": regulator})
    return keys


def transfer_call(probe, key, to, kg, *, signer_key=None) -> bytes:
    """``transferBySig`` of ``key``'s next nonce, signed by ``signer_key`` (default: ``key``)."""
    deadline = web3.eth.get_block("latest")["timestamp"] + 3600
    message = {
        "from": key.address,
        "to": to,
        "pollutant": POLLUTANT,
        "kg": kg,
        "nonce": probe.nonces(key.address),
        "deadline": deadline,
    }
    signature = sign_action(probe, "Transfer", TRANSFER, message, (signer_key or key).private_key)
    data = probe.transferBySig.encode_input(key.address, to, POLLUTANT, kg, deadline, signature)
    return bytes(HexBytes(data))


def relay_together(relayer, calls):
    """Relay ``(key, to, data)`` from one thread each, at once; returns each result or error."""
    results: dict[str, object] = {}

    def one(key, to, data):
        try:
            results[key] = relayer.relay(to=to, data=data, key=key, fingerprint=key)
        except (ContractError, ServiceError) as exc:
            results[key] = exc

    threads = [threading.Thread(target=one, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def relaying_in_background(relayer, calls, into: dict) -> threading.Thread:
    """:func:`relay_together` in a thread of its own (its answers into ``into``), returned once
    the batch of the first call is sent (its key has a transaction hash), for the caller to join."""
    worker = threading.Thread(target=lambda: into.update(relay_together(relayer, calls)))
    worker.start()
    deadline = time.monotonic() + 10
    while not (relayer.find(calls[0][0]) or {}).get("tx_hash") and time.monotonic() < deadline:
        time.sleep(0.05)
    return worker


def test_orders_arriving_together_settle_in_one_transaction(
    rpc_url, relay_db, service_deployment, probe, holders
):
    relayer = make_relayer(rpc_url, relay_db, service_deployment)
    sink = holders[5].address
    calls = [(f"k{i}", probe.address, transfer_call(probe, k, sink, 10 + i))
             for i, k in enumerate(holders[:4])]  # fmt: skip
    results = relay_together(relayer, calls)
    hashes = {r.tx_hash for r in results.values()}
    assert len(hashes) == 1  # four orders, one transaction
    (tx_hash,) = hashes
    tx = web3.eth.get_transaction(tx_hash)
    assert tx["to"] == service_deployment.contracts["RelayBatch"].address
    for i, key in enumerate(holders[:4]):
        answer = results[f"k{i}"]
        assert not answer.replayed
        # the order's answer carries its own event only, with its own gas
        (log,) = answer.receipt["logs"]
        assert log["address"] == probe.address
        assert 0 < answer.receipt["gasUsed"] < web3.eth.get_transaction_receipt(tx_hash)["gasUsed"]
        assert probe.balanceOf(key.address, POLLUTANT) == 100 - (10 + i)
        row = relayer.find(f"k{i}")
        assert (row["state"], row["tx_hash"]) == (MINED, tx_hash)
    assert probe.balanceOf(sink, POLLUTANT) == 100 + 10 + 11 + 12 + 13
    assert relayer.batcher.sent_batches == 1
    relayer.close()


def test_a_refused_order_is_named_and_never_fails_the_others(
    rpc_url, relay_db, service_deployment, probe, holders
):
    relayer = make_relayer(rpc_url, relay_db, service_deployment)
    sink = holders[5].address
    good = [(f"ok{i}", probe.address, transfer_call(probe, k, sink, 5))
            for i, k in enumerate(holders[:2])]  # fmt: skip
    forged = transfer_call(probe, holders[2], sink, 5, signer_key=holders[3])
    too_much = transfer_call(probe, holders[4], sink, 101)
    results = relay_together(
        relayer,
        [*good, ("forged", probe.address, forged), ("too-much", probe.address, too_much)],
    )
    refused = results["forged"]
    assert isinstance(refused, ContractError)
    assert refused.name == "SignedActionInvalidSignature"
    assert refused.decoded.args == {"signer": holders[2].address}
    assert "tx_hash" not in refused.extra  # refused by the batch's simulation: nothing was sent
    over = results["too-much"]
    assert isinstance(over, ContractError) and over.name == "ProbeInsufficientBalance"
    assert "tx_hash" not in over.extra
    assert relayer.find("forged") is None and relayer.find("too-much") is None  # free to retry
    assert probe.nonces(holders[2].address) == 0 and probe.nonces(holders[4].address) == 0
    assert probe.balanceOf(holders[4].address, POLLUTANT) == 100
    assert len({results[k].tx_hash for k, _, _ in good}) == 1
    assert all(relayer.find(k)["state"] == MINED for k, _, _ in good)
    assert probe.balanceOf(sink, POLLUTANT) == 110
    relayer.close()


def test_a_call_reverting_in_the_mined_batch_fails_alone(
    rpc_url, relay_db, service_deployment, probe, holders, regulator
):
    """The chain changed between the batch's simulation and its block: that order's own error,
    with the batch's hash; the other order of the batch is settled."""
    relayer = make_relayer(rpc_url, relay_db, service_deployment, linger=0.5)
    sink = holders[5].address
    calls = [("a", probe.address, transfer_call(probe, holders[0], sink, 5)),
             ("b", probe.address, transfer_call(probe, holders[1], sink, 5))]  # fmt: skip
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        results: dict = {}
        worker = relaying_in_background(relayer, calls, results)
        # holder 1's account is frozen in the same block, before the batch (a higher tip)
        probe.freeze(holders[1].address, {"from": regulator, "priority_fee": "2 gwei",
                                          "required_confs": 0})  # fmt: skip
        web3.provider.make_request("evm_mine", [])
        worker.join()
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
    assert results["a"].receipt["status"] == 1
    failed = results["b"]
    assert isinstance(failed, ContractError) and failed.name == "ProbeFrozenAccount"
    assert failed.extra["tx_hash"] == results["a"].tx_hash
    assert relayer.find("b")["state"] == "failed"
    assert probe.balanceOf(holders[1].address, POLLUTANT) == 100
    assert probe.balanceOf(sink, POLLUTANT) == 105
    relayer.close()


def test_a_retry_after_a_crash_between_send_and_receipt_settles_each_key_once(
    rpc_url, relay_db, service_deployment, probe, holders
):
    sink = holders[5].address
    calls = [(f"c{i}", probe.address, transfer_call(probe, k, sink, 7))
             for i, k in enumerate(holders[:3])]  # fmt: skip
    first = make_relayer(rpc_url, relay_db, service_deployment, timeout=1.0)
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        answers = relay_together(first, calls)  # the batch is sent, no block comes
        assert all(
            isinstance(a, ServiceError) and a.name == "RelayTimeout" for a in answers.values()
        )
        rows = [first.find(k) for k, _, _ in calls]
        assert {r["state"] for r in rows} == {SENT}
        assert len({r["tx_hash"] for r in rows}) == 1
        assert sorted(r["meta"][BATCH_INDEX] for r in rows) == [0, 1, 2]
        first.close()  # the process dies; a new one takes the same store
        second = make_relayer(rpc_url, relay_db, service_deployment)
        web3.provider.make_request("evm_mine", [])
        retried = relay_together(second, calls)
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
    assert all(r.replayed and r.tx_hash == rows[0]["tx_hash"] for r in retried.values())
    assert all(BATCH_INDEX not in r.meta for r in retried.values())
    assert all(len(r.receipt["logs"]) == 1 for r in retried.values())
    assert probe.balanceOf(sink, POLLUTANT) == 100 + 3 * 7  # each order once
    assert [probe.nonces(k.address) for k in holders[:3]] == [1, 1, 1]
    second.close()


def test_the_batch_is_simulated_once_and_its_gas_limit_comes_from_that_simulation(
    rpc_url, relay_db, service_deployment, probe, holders
):
    """One debug_traceCall gives each call's outcome and the gas the batch uses: no
    eth_call and no eth_estimateGas (which runs the batch several times) for the batch."""
    sink = holders[5].address
    calls = [(f"t{i}", probe.address, transfer_call(probe, k, sink, 3))
             for i, k in enumerate(holders[:4])]  # fmt: skip
    with RpcCounter(rpc_url) as counter:
        relayer = make_relayer(counter.url, relay_db, service_deployment)
        results = relay_together(relayer, calls)
        relayer.close()
        trips = counter.take()
    (tx_hash,) = {r.tx_hash for r in results.values()}
    (simulation,) = [t for t in trips if "debug_traceCall" in t]
    assert "eth_estimateGas" not in simulation and "eth_call" not in simulation
    assert not [t for t in trips if "eth_estimateGas" in t]
    receipt = web3.eth.get_transaction_receipt(tx_hash)
    # the traced figure is the gas the mined batch used: its limit is that with the margins
    assert web3.eth.get_transaction(tx_hash)["gas"] == relayer.gas_limit(receipt["gasUsed"])
    assert probe.balanceOf(sink, POLLUTANT) == 100 + 4 * 3


def test_a_node_without_the_debug_api_has_the_batch_estimated(
    rpc_url, relay_db, service_deployment, probe, holders
):
    """A node that does not answer debug_traceCall: the batch is simulated with eth_call and
    estimated with eth_estimateGas, and the node is not asked to trace again."""
    sink = holders[5].address
    with RpcCounter(rpc_url, without=frozenset({"debug_traceCall"})) as counter:
        relayer = make_relayer(counter.url, relay_db, service_deployment)
        for round_ in range(2):
            calls = [(f"n{round_}-{i}", probe.address, transfer_call(probe, k, sink, 2))
                     for i, k in enumerate(holders[:3])]  # fmt: skip
            counter.take()
            results = relay_together(relayer, calls)
            assert len({r.tx_hash for r in results.values()}) == 1, results
            trips = counter.take()
            estimated = [t for t in trips if "eth_estimateGas" in t]
            assert len(estimated) == 1 and "eth_call" in estimated[0]
            assert len([t for t in trips if "debug_traceCall" in t]) == (1 if round_ == 0 else 0)
        relayer.close()
    assert probe.balanceOf(sink, POLLUTANT) == 100 + 2 * 3 * 2


def test_two_batches_in_flight_the_first_dropped_each_order_settles_once(
    rpc_url, relay_db, service_deployment, probe, holders
):
    """Batch 2 is sent while batch 1 waits for its block; the node then loses batch 1, so
    batch 2 cannot be mined either (its relayer nonce comes after). Every order times out
    with its transaction named; the retries with the same keys put batch 1 back byte for byte
    and each order of both batches settles exactly once, in its own batch."""
    sink = holders[5].address
    first = [(f"p{i}", probe.address, transfer_call(probe, k, sink, 6))
             for i, k in enumerate(holders[:2])]  # fmt: skip
    second = [(f"q{i}", probe.address, transfer_call(probe, k, sink, 8))
              for i, k in enumerate(holders[2:4])]  # fmt: skip
    relayer = make_relayer(rpc_url, relay_db, service_deployment, timeout=2.0)
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        answers: dict = {}
        worker = relaying_in_background(relayer, first, answers)
        answers.update(relay_together(relayer, second))  # sent behind batch 1, times out
        worker.join()
        rows = {k: relayer.find(k) for k, _, _ in first + second}
        batch_1, batch_2 = rows["p0"]["tx_hash"], rows["q0"]["tx_hash"]
        assert batch_1 != batch_2 and {r["state"] for r in rows.values()} == {SENT}
        assert web3.eth.get_transaction(batch_2)["nonce"] == (
            web3.eth.get_transaction(batch_1)["nonce"] + 1
        )
        for key, answer in answers.items():
            assert isinstance(answer, ServiceError) and answer.name == "RelayTimeout", answer
            assert answer.extra["tx_hash"] == rows[key]["tx_hash"]
        web3.provider.make_request("anvil_dropTransaction", [batch_1])
        web3.provider.make_request("evm_mine", [])
        assert probe.balanceOf(sink, POLLUTANT) == 100  # nothing of either batch mined
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
    retried = relay_together(relayer, first + second)
    relayer.close()
    for key, answer in retried.items():
        assert not isinstance(answer, Exception), (key, answer)
        assert answer.replayed and answer.tx_hash == rows[key]["tx_hash"], key
        assert len(answer.receipt["logs"]) == 1
        assert relayer.find(key)["state"] == MINED
    assert probe.balanceOf(sink, POLLUTANT) == 100 + 2 * 6 + 2 * 8  # each order once
    assert [probe.nonces(k.address) for k in holders[:4]] == [1, 1, 1, 1]


def test_signed_actions_through_the_api_share_a_batch(service_settings, probe, holders):
    """Clients submitting at the same time through the service: one transaction for several
    orders, each answer with its own event and its own nonce."""
    settings = service_settings.model_copy(update={"relay_batch_linger_ms": 300})
    sink = holders[5].address
    with TestClient(create_app(settings)) as api:
        assert api.app.state.relayer.batcher is not None
        envelopes = []
        for key in holders[:4]:
            body = {"from": key.address, "to": sink, "pollutant": POLLUTANT, "kg": 9}
            envelopes.append(signed(prepare(api, "probe-transfer", body)["typed_data"],
                                    key.private_key))  # fmt: skip
        answers: list = [None] * 4

        def one(i):
            answers[i] = submit(api, "probe-transfer", envelopes[i])

        threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert len({b["tx_hash"] for b in bodies}) < 4  # at least two orders shared a transaction
    for key, body in zip(holders[:4], bodies, strict=True):
        (event,) = body["events"]
        assert event["event"] == "ProbeTransferred"
        assert event["args"]["from"] == key.address
    assert probe.balanceOf(sink, POLLUTANT) == 100 + 4 * 9


def test_batching_is_off_when_the_relayer_lacks_the_role(
    service_settings, service_deployment, regulator, parties
):
    from brownie import RelayBatch

    batch = RelayBatch.at(service_deployment.contracts["RelayBatch"].address)
    batch.revokeRole(batch.RELAYER_ROLE(), parties["relayer"], {"from": regulator})
    with TestClient(create_app(service_settings)) as api:
        assert api.app.state.relayer.batcher is None


def test_shared_queue_leader_sends_for_another_process_and_returns_its_refusals(
    rpc_url, service_deployment, probe, holders, postgres_server
):
    """Two relayers on one PostgreSQL store (as two service processes): one leads and sends the
    other's queued orders; an order its batch simulation refuses reaches the other's request
    with its contract's error, and its key is free again."""
    url = postgres_server.create_database()
    engines = [open_database(url), open_database(url)]
    metadata.create_all(engines[0])
    decoder = ErrorDecoder.from_abis({n: c.abi for n, c in service_deployment.contracts.items()})
    batch = service_deployment.contracts["RelayBatch"]
    relayers = []
    for engine in engines:
        w3 = Web3(Web3.HTTPProvider(rpc_url))
        r = Relayer(w3=w3, account=relayer_account(chain_id=w3.eth.chain_id), engine=engine,
                    decoder=decoder, receipt_timeout=10, priority_fee_wei=0)  # fmt: skip
        r.enable_batching(address=batch.address, abi=batch.abi, max_calls=16, linger=0.3,
                          shared=True)  # fmt: skip
        relayers.append(r)
    try:
        deadline = time.monotonic() + 10
        while sum(r.batcher.leading for r in relayers) != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sum(r.batcher.leading for r in relayers) == 1  # exactly one leader
        follower = next(r for r in relayers if not r.batcher.leading)
        sink = holders[5].address
        good = transfer_call(probe, holders[0], sink, 4)
        forged = transfer_call(probe, holders[1], sink, 4, signer_key=holders[2])
        results = relay_together(
            follower, [("good", probe.address, good), ("forged", probe.address, forged)]
        )
        assert results["good"].receipt["status"] == 1 and len(results["good"].receipt["logs"]) == 1
        refused = results["forged"]
        assert isinstance(refused, ContractError)
        assert refused.name == "SignedActionInvalidSignature"
        assert refused.decoded.args == {"signer": holders[1].address}
        assert follower.find("forged") is None  # free for a new attempt
        assert follower.find("good")["state"] == MINED
        assert probe.balanceOf(sink, POLLUTANT) == 104
        assert probe.nonces(holders[1].address) == 0
    finally:
        for r in relayers:
            r.close()
        for engine in engines:
            engine.dispose()
        postgres_server.drop_database(url)
