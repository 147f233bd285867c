"""The service's transaction journal (backend/chain/journal.py): every transaction it sent is
journaled first; what the chain lost goes back on it once, at its original block time, when the
service starts; until then nothing new is sent."""

from __future__ import annotations

import pytest
from brownie import accounts, web3
from fastapi.testclient import TestClient

from backend.api.errors import ERROR_TABLE
from backend.chain.errors import ServiceError
from backend.chain.journal import Journal, journal_table
from backend.indexer.store import open_database
from backend.main import create_app
from tests.backend.conftest import PROBE_POLLUTANT
from tests.backend.flows import act, prepare, signed, submit
from tests.backend.test_actions import ACTION, body


def forget_from(snapshot: str) -> None:
    """The chain goes back to ``snapshot``: a node restored from an older state."""
    assert web3.provider.make_request("evm_revert", [snapshot])["result"] is True


def block_time(tx_hash: str) -> int:
    return web3.eth.get_block(web3.eth.get_transaction_receipt(tx_hash)["blockNumber"]).timestamp


def journal_rows(settings) -> list[dict]:
    engine = open_database(settings.relay_database)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(journal_table.select())]
    engine.dispose()
    return rows


def test_actions_the_chain_lost_go_back_once_at_their_block_time(service_settings, probe, funded):
    acme, beta = funded[0], funded[1]
    snapshot = web3.provider.make_request("evm_snapshot", [])["result"]
    with TestClient(create_app(service_settings)) as api:
        envelope = signed(prepare(api, ACTION, body(acme, beta))["typed_data"], acme.private_key)
        first = submit(api, ACTION, envelope, key="journal-1").json()
        second = act(api, ACTION, body(acme, beta, kg=100), acme.private_key, key="journal-2")
        second = second.json()
    times = [block_time(first["tx_hash"]), block_time(second["tx_hash"])]
    rows = journal_rows(service_settings)
    assert [r["tx_hash"] for r in rows] == [first["tx_hash"], second["tx_hash"]]
    assert [r["block_number"] for r in rows] == [first["block_number"], second["block_number"]]

    forget_from(snapshot)
    assert probe.balanceOf(acme.address, PROBE_POLLUTANT) == 1_000
    with TestClient(create_app(service_settings)) as api:  # the service starts again
        assert [block_time(first["tx_hash"]), block_time(second["tx_hash"])] == times
        assert probe.balanceOf(acme.address, PROBE_POLLUTANT) == 1_000 - 250 - 100
        assert probe.nonces(acme.address) == 2
        retried = submit(api, ACTION, envelope, key="journal-1")  # a client's retry
        assert retried.status_code == 200, retried.text
        assert retried.json()["tx_hash"] == first["tx_hash"] and retried.json()["replayed"]
        # the chain goes on: the next action is taken
        third = act(api, ACTION, body(acme, beta, kg=1), acme.private_key, key="journal-3")
        assert third.status_code == 200, third.text
    assert probe.nonces(acme.address) == 3


def test_the_journal_syncs_each_commit_and_the_relayers_rows_ride_on_it(service_settings):
    """On SQLite the journal commits with ``synchronous=FULL`` (on disk before the node sees a
    transaction); the relayer's rows use ``NORMAL`` in the same file, so the journal's sync of
    the one write-ahead log carries them to disk before the broadcast too."""
    with TestClient(create_app(service_settings)) as api:
        journal, relay = api.app.state.journal._engine, api.app.state.relayer._engine
        assert journal.url.database == relay.url.database
        with journal.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        with relay.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_a_lost_transaction_whose_nonce_another_took_is_reported_superseded(
    service_settings, probe, funded, caplog
):
    acme, beta = funded[0], funded[1]
    snapshot = web3.provider.make_request("evm_snapshot", [])["result"]
    with TestClient(create_app(service_settings)) as api:
        lost = act(api, ACTION, body(acme, beta), acme.private_key, key="journal-s").json()
    forget_from(snapshot)
    accounts[9].transfer(accounts[0], 1)  # the relayer's key used outside the service: nonce gone
    with TestClient(create_app(service_settings)):
        pass
    (row,) = journal_rows(service_settings)
    assert row["tx_hash"] == lost["tx_hash"] and row["note"].startswith("superseded")
    assert "1 superseded" in caplog.text
    assert probe.nonces(acme.address) == 0  # not on chain; the company may sign it again


def test_sends_wait_for_the_recovery_and_are_refused_503_after_its_time(tmp_path):
    journal = Journal(open_database(f"sqlite:///{tmp_path / 'relay.db'}"), gate_timeout=0.05)
    with pytest.raises(ServiceError) as refused:
        journal.before_send("0x02")
    assert refused.value.name == "ChainRecovering"
    assert [r.status for r in ERROR_TABLE if r.pattern == "ChainRecovering"] == [503]
    assert not list(journal.rows())  # nothing journaled, nothing sent
    journal.open_without_recovery()
    journal.before_send("0x02")
    assert [r["raw_tx"] for r in journal.rows()] == ["0x02"]


@pytest.mark.parametrize(
    ("stamped", "header_reads"),
    [(True, 0), (False, 1)],
    ids=["time-in-receipt-anvil", "time-from-header-geth-1.13"],
)
def test_the_journal_records_each_block_time_reading_the_header_only_when_needed(
    tmp_path, stamped, header_reads
):
    """Where a transaction was mined and when: anvil's receipts carry the block's time
    (``blockTimestamp``), so no round trip is added to an order; a node whose receipts lack it
    (geth 1.13) is asked for the block's header."""
    journal = Journal(open_database(f"sqlite:///{tmp_path / 'relay.db'}"))
    journal.open_without_recovery()
    tx_hash = journal.before_send("0x02")
    receipt = {"transactionHash": tx_hash, "blockNumber": "0x2a", "blockHash": "0x" + "ab" * 32,
               "transactionIndex": "0x3", "logs": []}  # fmt: skip
    if stamped:
        receipt["blockTimestamp"] = "0x6553f100"
    asked = []

    def node(method, params):
        asked.append((method, params))
        return {"result": {"number": "0x2a", "timestamp": "0x6553f100"}}

    journal.on_receipt(receipt, node)
    assert asked == [("eth_getBlockByNumber", ["0x2a", False])] * header_reads
    (row,) = journal.rows()
    assert (row["block_number"], row["tx_index"], row["block_timestamp"]) == (42, 3, 0x6553F100)
    assert row["block_hash"] == "0x" + "ab" * 32
    journal.on_receipt(receipt, node)  # read again: recorded once
    assert len(asked) == header_reads
