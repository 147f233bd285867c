"""Several service processes on PostgreSQL, one relay leader (backend/chain/batching.py).

Two service processes share one PostgreSQL store. Exactly one of them (the holder of the
advisory lock) sends; the other queues its orders in the store. The leader is killed (SIGKILL)
with a batch sent and not yet mined; the other process takes the leadership over; the clients of
the killed process retry with their Idempotency-Keys: every order settles exactly once, none is
lost, doubled or left queued.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from brownie import web3
from sqlalchemy import select

from backend.chain.devkeys import FIRST_COMPANY_INDEX, dev_key
from backend.chain.relayer import MINED, relayed
from backend.indexer.store import open_database
from tests.backend.flows import signed
from tests.backend.test_faults import _env, _free_port, _kill, _start_service

POLLUTANT = 6
WAVE = 8


@pytest.fixture
def pg_url(postgres_server):
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


def leader_of(apis: dict[str, httpx.Client], timeout: float = 30) -> str:
    """The one process that says it leads (waits for the election)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leading = [n for n, api in apis.items() if api.get("/api/v1/relayer").json()["leader"]]
        if len(leading) == 1:
            return leading[0]
        assert len(leading) < 2, "two processes lead at once"
        time.sleep(0.2)
    raise AssertionError("no relay leader was elected")


def test_relay_leader_killed_mid_batch_every_order_settles_once(
    service_deployment, probe, regulator, rpc_url, tmp_path, pg_url
):
    keys = [dev_key(FIRST_COMPANY_INDEX + 20 + i) for i in range(2 * WAVE)]
    sink = dev_key(FIRST_COMPANY_INDEX + 40).address
    for key in [*keys]:
        probe.openAccount(key.address, {"from": regulator})
    probe.openAccount(sink, {"from": regulator})
    probe.creditMany([k.address for k in keys], POLLUTANT, 100, {"from": regulator})
    service_deployment.save(tmp_path / "deployment.json")
    env = _env(tmp_path, rpc_url, pg_url)
    env.update(DRR_RELAY_BATCH_LINGER_MS="100", DRR_RECEIPT_TIMEOUT_SECONDS="60")
    ports = {"a": _free_port(), "b": _free_port()}
    procs = {name: _start_service(env, port) for name, port in ports.items()}
    apis = {n: httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=90) for n, p in ports.items()}
    engine = open_database(pg_url)
    try:
        assert all(api.get("/api/v1/relayer").json()["shared_queue"] for api in apis.values())
        leader = leader_of(apis)
        follower = next(n for n in apis if n != leader)
        envelopes = {}
        for i, key in enumerate(keys):
            body = {"from": key.address, "to": sink, "pollutant": POLLUTANT, "kg": 1 + i}
            prepared = apis[follower].post("/api/v1/actions/probe-transfer/prepare", json=body)
            assert prepared.status_code == 200, prepared.text
            envelopes[f"order-{i}"] = signed(prepared.json()["typed_data"], key.private_key)
        answers: dict[str, httpx.Response] = {}

        def client(key: str, first: str) -> None:
            """Submit to ``first``; if that process dies, retry on the survivor, same key."""
            target = first
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    response = apis[target].post(
                        "/api/v1/actions/probe-transfer/submit",
                        json=envelopes[key],
                        headers={"Idempotency-Key": key},
                    )
                except httpx.TransportError:
                    target = follower
                    time.sleep(0.2)
                    continue
                if response.status_code == 503 or (
                    response.status_code >= 400 and "RequestInProgress" in response.text
                ):
                    time.sleep(0.2)
                    continue
                answers[key] = response
                return

        web3.provider.make_request("evm_setAutomine", [False])
        first_wave = [
            threading.Thread(target=client, args=(f"order-{i}", leader if i % 2 else follower))
            for i in range(WAVE)
        ]
        for t in first_wave:
            t.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                states = [r.state for r in conn.execute(select(relayed.c.state))]
            if "sent" in states:
                break
            time.sleep(0.02)
        assert "sent" in states, f"no batch was sent: {states}"
        _kill(procs[leader])  # the leader dies with its batch sent and not mined
        second_wave = [
            threading.Thread(target=client, args=(f"order-{i}", follower))
            for i in range(WAVE, 2 * WAVE)
        ]
        for t in second_wave:
            t.start()
        time.sleep(1)
        web3.provider.make_request("evm_setAutomine", [True])
        web3.provider.make_request("evm_mine", [])
        for t in first_wave + second_wave:
            t.join()
        assert apis[follower].get("/api/v1/relayer").json()["leader"]
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
        for proc in procs.values():
            _kill(proc)
        for api in apis.values():
            api.close()
    assert sorted(answers) == sorted(envelopes)
    assert {k: r.status_code for k, r in answers.items()} == dict.fromkeys(envelopes, 200)
    for i, key in enumerate(keys):
        (event,) = answers[f"order-{i}"].json()["events"]
        assert event["event"] == "ProbeTransferred"
        assert event["args"]["from"] == key.address and event["args"]["kg"] == 1 + i
        assert probe.nonces(key.address) == 1  # its one signed order, once
        assert probe.balanceOf(key.address, POLLUTANT) == 100 - (1 + i)
    assert probe.balanceOf(sink, POLLUTANT) == sum(1 + i for i in range(2 * WAVE))
    with engine.connect() as conn:
        rows = conn.execute(select(relayed.c.key, relayed.c.state, relayed.c.tx_hash)).all()
    assert {r.key.rsplit(":", 1)[-1]: r.state for r in rows} == dict.fromkeys(envelopes, MINED)
    assert len({r.tx_hash for r in rows}) < len(rows)  # orders shared transactions
    engine.dispose()
