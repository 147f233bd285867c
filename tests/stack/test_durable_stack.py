"""Nothing acknowledged is lost on restart: ``make run``'s stack keeps its chain, deployment and
index in its data folder (docs/operations.md, "The default stack's data").

Each test runs ``python -m backend.devstack`` itself (what ``make run`` runs) on a copy of a data
folder into which the demo city was loaded once for the session (tests/stack/stack.py).
"""

from __future__ import annotations

import json
import re
import time

from sqlalchemy import select

from backend.chain.client import Chain
from backend.chain.deployment import Deployment
from backend.indexer import projections, store
from backend.indexer.audit import audit
from backend.indexer.hooks import Hooks
from backend.indexer.scanner import Indexer
from backend.indexer.store import open_database
from tests.stack.load import BANK, KINDS, PHARMA, REGULATOR, SEWAGE, STEEL, Load
from tests.stack.stack import RunningStack

NOT_COMPARED = ("id", "updated_at")  # an event's row id, the time the cursor moved
PROVENANCE = re.compile(r"(^|_)(pos|tx|tx_hash|block_number|block_timestamp|now)$")


def chain_of(stack: RunningStack) -> Chain:
    return Chain.connect(stack.rpc_url, Deployment.load(stack.data / "deployment.json"))


def effects(chain: Chain, since: int) -> dict[str, list[str]]:
    """Transaction hashes of the load's effects on chain after block ``since``, per kind: a
    pledge of the sewage plant to the bank, a COD trade steel → pharma, a certification of
    steel's COD by the city regulator."""
    ledger, pledges = chain.contract("RightsLedger"), chain.contract("PledgeBook")
    logs = {
        "pledge": pledges.events.Pledged().get_logs(
            from_block=since + 1, argument_filters={"holder": SEWAGE.address, "bank": BANK.address}
        ),
        "trade": ledger.events.RightsTraded().get_logs(
            from_block=since + 1,
            argument_filters={"from": STEEL.address, "to": PHARMA.address, "pollutant": 1},
        ),
        "certify": ledger.events.TradableCertified().get_logs(
            from_block=since + 1,
            argument_filters={"holder": STEEL.address, "by": REGULATOR.address},
        ),
    }
    return {kind: ["0x" + bytes(e["transactionHash"]).hex() for e in found]
            for kind, found in logs.items()}  # fmt: skip


def assert_each_acknowledged_once(load: Load, chain: Chain, since: int) -> None:
    """Every acknowledged action is on chain exactly once (mined, status 1, one effect); besides
    them at most the one in flight when the stack died."""
    found = effects(chain, since)
    for kind in KINDS:
        acked = [a.tx_hash for a in load.acknowledged if a.kind == kind]
        assert len(found[kind]) == len(set(found[kind])), f"a {kind} took effect twice"
        for tx_hash in acked:
            assert found[kind].count(tx_hash) == 1, f"acknowledged {kind} {tx_hash} not on chain"
            assert chain.w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
        in_flight = 1 if load.attempted is not None and load.attempted.kind == kind else 0
        assert len(acked) <= len(found[kind]) <= len(acked) + in_flight


def index_contents(url: str) -> dict[str, list]:
    """Every row of the index and the read model (row ids and the cursor's time aside)."""
    engine = open_database(url)
    contents = {}
    with engine.connect() as conn:
        for table in (*store.metadata.sorted_tables, *projections.metadata.sorted_tables):
            rows = [
                tuple(sorted((k, v) for k, v in r._mapping.items() if k not in NOT_COMPARED))
                for r in conn.execute(select(table))
            ]
            contents[table.name] = sorted(rows, key=repr)
    engine.dispose()
    return contents


def rebuilt_index(stack: RunningStack, where) -> str:
    """A new index of the stack's chain, read from the deployment's first block."""
    url = f"sqlite:///{where / 'rebuilt.db'}"
    engine = open_database(url)
    indexer = Indexer(
        w3=chain_of(stack).w3,
        engine=engine,
        deployment=Deployment.load(stack.data / "deployment.json"),
        hooks=Hooks([projections.read_model()]),
    )
    indexer.create_schema()
    indexer.catch_up()
    engine.dispose()
    return url


def explorer_figures(stack: RunningStack) -> dict:
    """What the explorer shows of the load's parties and the market, without the positions,
    blocks and transactions the figures link to (a restored chain re-mines the last ones)."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not PROVENANCE.search(k)}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    paths = ["/api/v1/public/overview", "/api/v1/public/pledges", "/api/v1/public/trades",
             *(f"/api/v1/public/units/{p.address}" for p in (SEWAGE, STEEL, PHARMA))]  # fmt: skip
    return {path: strip(stack.get(path)) for path in paths}


def test_first_start_loads_the_demo_into_an_empty_folder_only(template, tmp_path):
    """The session's template was a first start into an empty folder: a new chain, the demo
    city loaded, the state kept at the stop. A folder holding anything else is never used."""
    folder, printed = template
    assert "[1/4] starting a new chain" in printed
    assert "demo city loaded" in printed
    record = json.loads((folder / "stack.json").read_text())
    assert record["ready"] is True and record["chain_id"] == 31337
    assert (folder / "chain" / "state.json").stat().st_size > 1_000_000
    assert not (folder / "run").exists()  # anvil's cache and Brownie's home went with the stop

    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "todo.txt").write_text("mine")
    stack = RunningStack(foreign, tmp_path / "foreign.log")
    result = stack.make("run", check=False)
    assert result.returncode != 0
    assert "not a data folder of this product" in result.stderr
    assert [p.name for p in foreign.iterdir()] == ["todo.txt"]
    assert (foreign / "todo.txt").read_text() == "mine"


def test_a_clean_stop_and_restart_reseed_nothing_and_lose_nothing(stack, monkeypatch):
    monkeypatch.setenv("DRR_STATE_INTERVAL_SECONDS", "0.5")
    printed = stack.start()
    assert "resuming" in printed and "deploying" not in printed
    deployment = (stack.data / "deployment.json").read_text()
    chain = chain_of(stack)
    since = chain.w3.eth.block_number
    load = Load(stack.url, prefix="clean")
    load.run(9)
    head = stack.wait_indexed()
    # the state on disk follows the chain while it runs (dumps every 0.5 s here)
    deadline = time.monotonic() + 30
    while json.loads((stack.data / "chain" / "clock.json").read_text())["head"] != head:
        assert time.monotonic() < deadline, "the chain's state was not dumped while running"
        time.sleep(0.2)
    figures, head_hash = explorer_figures(stack), chain.w3.eth.get_block(head)["hash"]
    events = index_contents(f"sqlite:///{stack.data / 'index.db'}")["events"]

    stopping = stack.stop()
    assert f"chain state kept at block {head}" in stopping
    printed = stack.start()
    assert "resuming" in printed and "loading the demo" not in printed
    assert (stack.data / "deployment.json").read_text() == deployment
    chain = chain_of(stack)
    assert chain.w3.eth.block_number == head
    assert chain.w3.eth.get_block(head)["hash"] == head_hash
    assert_each_acknowledged_once(load, chain, since)
    assert stack.wait_indexed() == head
    assert index_contents(f"sqlite:///{stack.data / 'index.db'}")["events"] == events
    assert explorer_figures(stack) == figures
    # the chain goes on where it stopped: the next actions are taken
    load.run(3)
    assert_each_acknowledged_once(load, chain, since)


def test_every_process_killed_mid_load_loses_no_acknowledged_action(stack, tmp_path, monkeypatch):
    """SIGKILL of the stack, its chain and its service while actions come in one after the
    other. The chain's state on disk is the copy's (no dump in between: the interval is an
    hour), so every action of the load is missing from it: the service puts each acknowledged
    one back from its journal, exactly once; the index catches up by itself and equals an index
    built anew from the chain; supply = Σ holdings and pledged ≤ paid."""
    monkeypatch.setenv("DRR_STATE_INTERVAL_SECONDS", "3600")
    stack.start()
    since = chain_of(stack).w3.eth.block_number
    load = Load(stack.url, prefix="crash")
    load.start()
    load.wait_for(12)
    stack.kill()
    load.stop()
    assert load.errors, "the load should have seen the stack die"
    acknowledged = len(load.acknowledged)

    offset = stack.log.stat().st_size
    stack.start()
    assert "resuming" in stack.output(offset)
    service_log = (stack.data / "logs" / "service.log").read_text()
    replayed = re.findall(r"(\d+) put back on chain", service_log)
    assert replayed and int(replayed[-1]) >= acknowledged
    chain = chain_of(stack)
    assert_each_acknowledged_once(load, chain, since)
    stack.wait_indexed()
    index = index_contents(f"sqlite:///{stack.data / 'index.db'}")
    assert index == index_contents(rebuilt_index(stack, tmp_path))
    engine = open_database(f"sqlite:///{stack.data / 'index.db'}")
    result = audit(engine, chain)
    engine.dispose()
    assert result.ok, result.table()
    # and the service takes new actions on the recovered chain
    load.errors.clear()
    load.run(3)
    assert_each_acknowledged_once(load, chain, since)


def test_a_backup_under_load_restores_into_a_new_folder_with_the_same_figures(
    stack, template, tmp_path
):
    """A backup taken while actions come in, restored into an empty folder (checked against the
    chain), served by a new stack. A client then repeats every request it made (same keys, same
    signed data): those made before the backup answer as replays, the rest take effect once,
    and the restored explorer shows the original's figures."""
    stack.start()
    load = Load(stack.url, prefix="backup")
    load.start()
    load.wait_for(6)
    before = len(load.acknowledged)
    backup = tmp_path / "backup.tar.gz"
    printed = stack.make("backup", f"BACKUP={backup}").stdout
    assert "chain state at block" in printed and backup.exists()
    load.wait_for(len(load.acknowledged) + 3)
    load.stop()
    assert not load.errors, load.errors
    stack.wait_indexed()
    original = explorer_figures(stack)

    restored = RunningStack(tmp_path / "restored", tmp_path / "restored.log")
    printed = restored.make("restore", f"BACKUP={backup}").stdout
    assert "index against the chain" in printed and "DIFFERS" not in printed
    try:
        restored.start()
        since = chain_of(restored).w3.eth.block_number
        retry = Load(restored.url, prefix="backup")
        for number, action in enumerate(load.acknowledged):
            answer = retry.submit(action)
            if number < before:
                assert answer["replayed"] is True, action.key
                assert answer["tx_hash"] == action.tx_hash
        restored.wait_indexed()
        assert explorer_figures(restored) == original
        found = effects(chain_of(restored), since)
        assert sum(len(v) for v in found.values()) <= len(load.acknowledged) - before
    finally:
        restored.ensure_stopped()
