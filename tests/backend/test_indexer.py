"""The indexer against the real test chain, on SQLite and on a real PostgreSQL server.

Reorgs are made for real: the chain is snapshotted, blocks are indexed, the snapshot is
restored and different blocks are mined at the same heights (``evm_snapshot``/``evm_revert``).
"""

import pytest
from brownie import accounts, history, web3
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, update
from web3 import Web3

from backend.chain.deployment import Deployment
from backend.chain.errors import ConfigurationError
from backend.indexer import store
from backend.indexer.decode import EventDecoder
from backend.indexer.hooks import Hooks, Projection
from backend.indexer.scanner import Indexer
from backend.indexer.store import insert_events, open_database

# -- a projection that counts events per name: kept in step through inserts and rewinds -------

counts_md = MetaData()
counts = Table(
    "event_counts",
    counts_md,
    Column("name", String(128), primary_key=True),
    Column("n", Integer, nullable=False),
)


def _bump(conn, event, by):
    done = conn.execute(
        update(counts).where(counts.c.name == event.event).values(n=counts.c.n + by)
    ).rowcount
    if not done:
        conn.execute(counts.insert().values(name=event.event, n=by))


class CrashError(Exception):
    pass


class CountingProjection:
    """Counts events; can be told to crash in the middle of a chunk."""

    def __init__(self):
        self.crash_on = None

    def apply(self, conn, event):
        if event.event == self.crash_on:
            raise CrashError(event.event)
        _bump(conn, event, 1)

    def undo(self, conn, event):
        _bump(conn, event, -1)

    def projection(self, names):
        return Projection(
            name="counts",
            apply={n: self.apply for n in names},
            undo={n: self.undo for n in names},
            metadata=counts_md,
        )


ALL_EVENTS = ["*"]  # the projection counts every event of every contract


@pytest.fixture
def counter():
    return CountingProjection()


@pytest.fixture
def engine(any_database_url):
    engine = open_database(any_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def w3(rpc_url):
    return Web3(Web3.HTTPProvider(rpc_url))


@pytest.fixture
def make_indexer(w3, engine, service_deployment, counter):
    def make(deployment=service_deployment, **kwargs):
        indexer = Indexer(
            w3=w3,
            engine=engine,
            deployment=deployment,
            hooks=Hooks([counter.projection(ALL_EVENTS)]),
            **kwargs,
        )
        indexer.create_schema()
        return indexer

    return make


def activity(probe, regulator, n=3, kg=10):
    """``n`` transactions with events on the probe."""
    for i in range(n):
        holder = accounts[11 + i % 5]
        if not probe.isOpen(holder):
            probe.openAccount(holder, {"from": regulator})
        probe.credit(holder, 1, kg + i, {"from": regulator})


def chain_events(w3, deployment: Deployment):
    decoder = EventDecoder.for_deployment(deployment)
    logs = w3.eth.get_logs(
        {"fromBlock": deployment.start_block, "toBlock": "latest", "address": decoder.addresses}
    )
    return [_key(decoder.decode(entry)) for entry in logs]


def _key(e):
    return (e.block_number, e.block_hash, e.tx_hash, e.log_index, e.contract, e.event, e.args)


def indexed_events(engine, chain_id):
    with engine.connect() as conn:
        return [_key(e) for e in store.all_events(conn, chain_id)]


def projection_matches_events(engine):
    with engine.connect() as conn:
        counted = {r.name: r.n for r in conn.execute(select(counts)) if r.n}
        stored = dict(
            conn.execute(
                select(store.events.c.event, func.count()).group_by(store.events.c.event)
            ).all()
        )
    return counted == stored


def snapshot():
    return web3.provider.make_request("evm_snapshot", [])["result"]


def revert_to(snapshot_id):
    """Restore a snapshot: the blocks mined since are gone from the chain."""
    assert web3.provider.make_request("evm_revert", [snapshot_id])["result"] is True
    history.clear()  # Brownie's record of the vanished transactions (it picks nonces from it)


# -- following the chain -----------------------------------------------------------------------


def test_catch_up_indexes_every_event_of_every_contract(
    make_indexer, engine, w3, service_deployment, probe, regulator
):
    activity(probe, regulator, 4)
    indexer = make_indexer()
    steps = []
    added = indexer.catch_up(progress=steps.append)
    expected = chain_events(w3, service_deployment)
    assert indexed_events(engine, service_deployment.chain_id) == expected
    assert added == len(expected)
    contracts = {e[4] for e in expected}
    assert "SignedActionProbe" in contracts and len(contracts) > 1  # the product's contracts too
    assert steps[-1].kind == "idle" and steps[-1].cursor == w3.eth.block_number
    assert projection_matches_events(engine)
    with engine.connect() as conn:
        stamps = conn.execute(select(store.events.c.block_number, store.events.c.block_timestamp))
        for number, stamp in stamps:
            assert stamp == w3.eth.get_block(number)["timestamp"]


def test_follows_new_blocks(make_indexer, engine, w3, service_deployment, probe, regulator):
    indexer = make_indexer()
    indexer.catch_up()
    activity(probe, regulator, 2)
    assert indexer.catch_up() == 4  # two accounts opened, two credits
    assert indexed_events(engine, service_deployment.chain_id) == chain_events(
        w3, service_deployment
    )


def test_small_chunks_give_the_same_index(
    make_indexer, engine, w3, service_deployment, probe, regulator
):
    activity(probe, regulator, 3)
    steps = []
    # a first range above the largest one is cut to it (DRR_INDEXER_MAX_CHUNK_BLOCKS)
    make_indexer(chunk_blocks=4, max_chunk_blocks=2).catch_up(progress=steps.append)
    cursors = [s.cursor for s in steps]
    assert cursors == sorted(cursors) and len(steps) > 5
    assert all(s.to_block - s.from_block < 2 for s in steps if s.kind == "indexed")
    assert indexed_events(engine, service_deployment.chain_id) == chain_events(
        w3, service_deployment
    )


def test_confirmation_depth_holds_back_recent_blocks(
    make_indexer, engine, w3, probe, regulator, service_deployment
):
    activity(probe, regulator, 3)
    indexer = make_indexer(confirmations=2)
    indexer.catch_up()
    head = w3.eth.block_number
    assert indexer.status()["cursor"] == head - 2
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(store.events.c.block_number))).scalar_one()
    assert newest <= head - 2


def test_writes_are_idempotent(engine, make_indexer, service_deployment):
    make_indexer().catch_up()
    with engine.connect() as conn:
        rows = [
            {k: getattr(e, k) for k in store.IndexedEvent.__dataclass_fields__}
            for e in store.all_events(conn, service_deployment.chain_id)
        ]
    with engine.begin() as conn:
        assert insert_events(conn, rows) == set()
    with engine.connect() as conn:
        assert store.count_events(conn, service_deployment.chain_id) == len(rows)


def test_resumes_from_the_saved_cursor(
    make_indexer, engine, w3, probe, regulator, service_deployment
):
    activity(probe, regulator, 3)
    make_indexer(confirmations=3).catch_up()
    cursor = make_indexer().status()["cursor"]
    steps = []
    make_indexer().catch_up(progress=steps.append)  # a new process: starts at the cursor
    assert steps[0].from_block == cursor + 1
    assert indexed_events(engine, service_deployment.chain_id) == chain_events(
        w3, service_deployment
    )


def test_crash_inside_a_chunk_commits_nothing_and_resumes(
    make_indexer, engine, w3, counter, probe, regulator, service_deployment
):
    activity(probe, regulator, 3)
    counter.crash_on = "ProbeCredited"
    indexer = make_indexer()
    with pytest.raises(CrashError):
        indexer.catch_up()
    with engine.connect() as conn:
        cursor = store.load_cursor(conn, service_deployment.chain_id)
        kinds = {e.event for e in store.all_events(conn, service_deployment.chain_id)}
    assert "ProbeCredited" not in kinds and "ProbeAccountOpened" not in kinds
    assert cursor.block_number < w3.eth.block_number
    counter.crash_on = None
    make_indexer().catch_up()
    assert indexed_events(engine, service_deployment.chain_id) == chain_events(
        w3, service_deployment
    )
    assert projection_matches_events(engine)


def test_long_chunk_is_written_in_short_transactions_at_block_boundaries(
    make_indexer, engine, w3, counter, probe, regulator, service_deployment
):
    """A catch-up chunk above ``events_per_transaction`` commits block by block: a crash
    keeps what was committed, the cursor on the last whole block (on the chain), and the
    resumed run gives the same index (the write lock is never held for the whole chunk)."""
    activity(probe, regulator, 3)
    counter.crash_on = "ProbeCredited"
    with pytest.raises(CrashError):
        make_indexer(events_per_transaction=1).catch_up()
    with engine.connect() as conn:
        cursor = store.load_cursor(conn, service_deployment.chain_id)
        kinds = {e.event for e in store.all_events(conn, service_deployment.chain_id)}
    assert "ProbeAccountOpened" in kinds and "ProbeCredited" not in kinds
    assert cursor.block_hash == "0x" + bytes(w3.eth.get_block(cursor.block_number)["hash"]).hex()
    assert projection_matches_events(engine)
    counter.crash_on = None
    make_indexer(events_per_transaction=1).catch_up()
    assert indexed_events(engine, service_deployment.chain_id) == chain_events(
        w3, service_deployment
    )
    assert projection_matches_events(engine)


def test_rereading_blocks_does_not_rerun_projections(
    make_indexer, engine, probe, regulator, service_deployment
):
    activity(probe, regulator, 2)
    make_indexer().catch_up()
    with engine.begin() as conn:  # as if a crash lost the cursor's last moves
        conn.execute(
            update(store.cursors).values(
                block_number=service_deployment.start_block, block_hash=None
            )
        )
    make_indexer().catch_up()
    assert projection_matches_events(engine)


# -- reorgs ------------------------------------------------------------------------------------


def test_reorg_rewinds_and_reindexes(
    make_indexer, engine, w3, probe, regulator, service_deployment
):
    activity(probe, regulator, 2)
    fork = snapshot()
    activity(probe, regulator, 3, kg=100)  # blocks that will be replaced
    indexer = make_indexer()
    indexer.catch_up()
    replaced = {e[2] for e in indexed_events(engine, service_deployment.chain_id)}
    revert_to(fork)
    probe.freeze(accounts[11], {"from": regulator})
    activity(probe, regulator, 4, kg=7)  # a longer, different branch
    steps = []
    indexer.catch_up(progress=steps.append)
    assert steps[0].kind == "rewound"
    now = indexed_events(engine, service_deployment.chain_id)
    assert now == chain_events(w3, service_deployment)
    assert "ProbeAccountFrozen" in {e[5] for e in now}
    assert replaced - {e[2] for e in now}  # the replaced transactions are gone
    assert projection_matches_events(engine)
    assert indexer.status()["cursor_hash"] == "0x" + bytes(w3.eth.get_block("latest")["hash"]).hex()


def test_reorg_to_a_shorter_chain(make_indexer, engine, w3, probe, regulator, service_deployment):
    fork = snapshot()
    activity(probe, regulator, 4)
    indexer = make_indexer()
    indexer.catch_up()
    revert_to(fork)
    probe.openAccount(accounts[19], {"from": regulator})  # one block: shorter than before
    indexer.catch_up()
    assert indexed_events(engine, service_deployment.chain_id) == chain_events(
        w3, service_deployment
    )
    assert projection_matches_events(engine)


# -- the deployment record ---------------------------------------------------------------------


def test_contract_added_to_the_deployment_is_indexed_from_its_creation(
    make_indexer, engine, w3, deployment, service_deployment, probe, regulator
):
    activity(probe, regulator, 2)
    make_indexer(deployment=deployment).catch_up()  # the product's contracts, not the probe
    assert "SignedActionProbe" not in {e[4] for e in indexed_events(engine, deployment.chain_id)}
    make_indexer().catch_up()  # the record now lists the probe, created before the cursor
    assert indexed_events(engine, deployment.chain_id) == chain_events(w3, service_deployment)
    assert projection_matches_events(engine)


def test_refuses_a_node_of_another_chain(make_indexer, service_deployment):
    other = service_deployment.model_copy(update={"chain_id": 999})
    with pytest.raises(ConfigurationError):
        make_indexer(deployment=other).step()


def test_word_by_word_decoding_equals_the_abi_decoder(service_deployment):
    """The indexer's fast path for static event data gives what the generic ABI decoder gives,
    for every event of the product's contracts, and hands a dirty encoding to it (refused)."""
    import random

    from eth_abi import encode

    from backend.indexer.decode import _EventShape

    rng = random.Random(10)

    def sample(kind):
        if kind == "address":
            return "0x" + rng.randbytes(20).hex()
        if kind == "bool":
            return rng.random() < 0.5
        if kind == "bytes32":
            return rng.randbytes(32)
        bits = int(kind.removeprefix("u").removeprefix("int"))
        if kind.startswith("u"):
            return rng.choice([0, 1, 2**bits - 1, rng.randrange(2**bits)])
        return rng.choice([-(2 ** (bits - 1)), -1, 0, 2 ** (bits - 1) - 1])

    shapes = {
        (item["name"], tuple(i["type"] for i in item["inputs"])): _EventShape.of(item)
        for c in service_deployment.contracts.values()
        for item in c.abi
        if item.get("type") == "event" and not item.get("anonymous")
    }
    fast = [s for s in shapes.values() if s.words and s.data_types]
    assert len(fast) > 20
    for shape in fast:
        generic = _EventShape(**{**vars(shape), "words": False})
        topics = [b"\0" * 32] * (len(shape.topics) + 1)
        for _ in range(5):
            data = encode(list(shape.data_types), [sample(t) for t in shape.data_types])
            assert shape.decode(topics, data) == generic.decode(topics, data)
    narrow = next(s for s in fast if s.data_types[0] in ("uint8", "uint32", "uint64", "address"))
    dirty = b"\xff" * 32 * len(narrow.data_types)
    with pytest.raises(Exception):  # noqa: B017 - whatever the ABI decoder raises
        narrow.decode([b"\0" * 32] * (len(narrow.topics) + 1), dirty)


def test_postgresql_bulk_insert_names_every_column_of_events():
    """The PostgreSQL insert unpacks JSON rows with its own column list: it must stay the
    table's (a column added to `events` fails here, not silently in production)."""
    from backend.indexer.store import _EVENT_COLUMNS, _INSERT_FROM_JSON

    sql = str(_INSERT_FROM_JSON)
    into = sql.split("(", 1)[1].split(")", 1)[0]
    assert [c.strip() for c in into.split(",")] == _EVENT_COLUMNS
    record = sql.split(" AS r(", 1)[1].split(") ON CONFLICT", 1)[0]
    assert [c.split()[0] for c in record.split(",")] == _EVENT_COLUMNS
