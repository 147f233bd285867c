"""The relayer: nonces under concurrency, resync, decoded reverts, idempotency, raw transactions."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from brownie import accounts, web3
from eth_account import Account
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import TransactionNotFound

from backend.chain.devkeys import authority_key
from backend.chain.errors import ContractError, ErrorDecoder, ServiceError
from backend.chain.relayer import Relayer, metadata, relayed, relayer_account
from backend.chain.typed_data import sign
from backend.indexer.store import open_database
from tests.backend.flows import error_of, prepare

POLLUTANT = 3


@pytest.fixture
def relay_db(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'relay.db'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def relayer(rpc_url, relay_db, service_deployment):
    engine = relay_db
    decoder = ErrorDecoder.from_abis({n: c.abi for n, c in service_deployment.contracts.items()})
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    return Relayer(
        w3=w3,
        account=relayer_account(chain_id=w3.eth.chain_id),
        engine=engine,
        decoder=decoder,
        receipt_timeout=5,
        priority_fee_wei=0,
    )


def noop_call(probe) -> bytes:
    """Calldata that any sender may send and that changes nothing (a view, sent as a tx)."""
    zero = "0x" + "00" * 20
    return bytes(HexBytes(probe.canTransfer.encode_input(zero, zero, 1, 1)))


def test_dev_relayer_key_only_on_the_dev_chain():
    """The well-known dev key must never sign on a real network."""
    assert relayer_account(chain_id=31337).address == authority_key("relayer").address
    assert relayer_account(chain_id=8888) is None
    own = Account.create()
    assert relayer_account(chain_id=8888, private_key=own.key.hex()).address == own.address


def test_concurrent_relays_get_distinct_consecutive_nonces(relayer, probe):
    start = web3.eth.get_transaction_count(relayer.address)
    data = noop_call(probe)

    def one(i):
        return relayer.relay(to=probe.address, data=data, key=f"c{i}", fingerprint=f"f{i}")

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(one, range(30)))
    assert len({r.tx_hash for r in results}) == 30
    nonces = sorted(web3.eth.get_transaction(r.tx_hash)["nonce"] for r in results)
    assert nonces == list(range(start, start + 30))
    assert all(r.receipt["status"] == 1 for r in results)


def test_resyncs_when_the_key_was_used_elsewhere(relayer, probe):
    relayer.relay(to=probe.address, data=noop_call(probe), key="a", fingerprint="a")
    accounts[9].transfer(accounts[0], 1)  # the same key, outside the relayer
    second = relayer.relay(to=probe.address, data=noop_call(probe), key="b", fingerprint="b")
    assert second.receipt["status"] == 1


def test_resyncs_after_the_node_forgot_sent_transactions(relayer, probe):
    """A gap (dropped transactions, chain reset): the local nonce is ahead of the node."""
    snapshot = web3.provider.make_request("evm_snapshot", [])["result"]
    relayer.relay(to=probe.address, data=noop_call(probe), key="a", fingerprint="a")
    web3.provider.make_request("evm_revert", [snapshot])
    second = relayer.relay(to=probe.address, data=noop_call(probe), key="b", fingerprint="b")
    assert second.receipt["status"] == 1


def test_reverting_call_is_decoded_and_not_sent(relayer, probe, regulator):
    """The estimate reverts: the custom error comes back decoded, nothing is sent, and the
    key is free again for a retry once the cause is fixed."""
    start = web3.eth.get_transaction_count(relayer.address)
    data = bytes(HexBytes(probe.openAccount.encode_input(accounts[15].address)))
    with pytest.raises(ContractError) as refused:
        relayer.relay(to=probe.address, data=data, key="open-15", fingerprint="x")
    assert refused.value.name == "AccessControlUnauthorizedAccount"
    assert refused.value.error_args == {
        "account": relayer.address,
        "neededRole": "0x" + bytes(probe.OPERATOR_ROLE()).hex(),
    }
    assert web3.eth.get_transaction_count(relayer.address) == start
    assert relayer.find("open-15") is None
    probe.grantRole(probe.OPERATOR_ROLE(), relayer.address, {"from": regulator})
    assert relayer.relay(to=probe.address, data=data, key="open-15", fingerprint="x").receipt
    assert probe.isOpen(accounts[15].address)


def test_transaction_reverted_in_its_block_is_decoded(relayer, api, probe, regulator, company_keys):
    """Two actions race: the pre-check passed, but the block ordered a freeze first. The
    mined revert is decoded by replaying the call at its block, and reported with its tx."""
    acme, beta = company_keys[0], company_keys[1]
    for key in (acme, beta):
        probe.openAccount(key.address, {"from": regulator})
    probe.credit(acme.address, POLLUTANT, 100, {"from": regulator})
    typed = prepare(
        api,
        "probe-transfer",
        {"from": acme.address, "to": beta.address, "pollutant": POLLUTANT, "kg": 10},
    )["typed_data"]
    signature = sign(typed, acme.private_key)
    bound = api.app.state.actions.bind(api.app.state.chain, "probe-transfer")
    data = bound.call_data(typed["message"], signature)
    outcome = {}
    web3.provider.make_request("evm_setAutomine", [False])
    try:

        def relay():
            try:
                relayer.relay(to=probe.address, data=data, key="race", fingerprint="race")
            except ServiceError as exc:
                outcome["error"] = exc

        worker = threading.Thread(target=relay)
        worker.start()
        while web3.eth.get_transaction_count(
            relayer.address, "pending"
        ) == web3.eth.get_transaction_count(relayer.address):
            pass
        web3.eth.send_transaction(
            {
                "from": regulator.address,
                "to": probe.address,
                "data": probe.freeze.encode_input(beta.address),
                "maxPriorityFeePerGas": 10**9,
                "maxFeePerGas": 10**9,
                "gas": 200_000,
            }
        )
        web3.provider.make_request("evm_mine", [])
        worker.join()
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
    error = outcome["error"]
    assert error.name == "ProbeFrozenAccount" and error.error_args == {"holder": beta.address}
    assert web3.eth.get_transaction_receipt(error.extra["tx_hash"])["status"] == 0
    assert relayer.find("race")["state"] == "failed"
    assert probe.balanceOf(beta.address, POLLUTANT) == 0


def claim_left_by_a_crashed_request(engine, key, age_seconds):
    """The row a request leaves when its process dies after claiming, before sending."""
    moment = datetime.now(UTC) - timedelta(seconds=age_seconds)
    with engine.begin() as conn:
        conn.execute(
            relayed.insert().values(
                key=key,
                fingerprint="f",
                state="claimed",
                meta={},
                created_at=moment,
                updated_at=moment,
            )
        )


def test_stale_claim_is_taken_over(relayer, relay_db, probe):
    claim_left_by_a_crashed_request(relay_db, "crashed", age_seconds=3600)
    result = relayer.relay(to=probe.address, data=noop_call(probe), key="crashed", fingerprint="f")
    assert result.receipt["status"] == 1 and result.replayed is True
    assert relayer.find("crashed")["state"] == "mined"


def test_fresh_claim_of_a_running_request_is_409(relayer, relay_db, probe):
    start = web3.eth.get_transaction_count(relayer.address)
    claim_left_by_a_crashed_request(relay_db, "busy", age_seconds=0)
    with pytest.raises(ServiceError) as busy:
        relayer.relay(
            to=probe.address, data=noop_call(probe), key="busy", fingerprint="f", timeout=0.3
        )
    assert busy.value.name == "RequestInProgress"
    assert web3.eth.get_transaction_count(relayer.address) == start


def test_relayer_key_from_a_keystore_file(tmp_path):
    own = Account.create()
    keyfile = tmp_path / "relayer.json"
    keyfile.write_text(json.dumps(Account.encrypt(own.key, "pw", kdf="pbkdf2", iterations=1000)))
    found = relayer_account(chain_id=8888, keystore=keyfile, password="pw")
    assert found.address == own.address
    with pytest.raises(ServiceError):
        relayer_account(chain_id=8888, keystore=keyfile)


# -- raw signed transactions -------------------------------------------------------------------


def raw_tx(key, to, data, *, chain_id=31337, nonce=None, legacy=False):
    tx = {
        "to": to,
        "data": data,
        "value": 0,
        "gas": 300_000,
        "nonce": web3.eth.get_transaction_count(key.address) if nonce is None else nonce,
    }
    if chain_id is not None:
        tx["chainId"] = chain_id
    tx.update(
        {"gasPrice": 10**9} if legacy else {"maxFeePerGas": 10**9, "maxPriorityFeePerGas": 10**9}
    )
    return "0x" + bytes(Account.sign_transaction(tx, key.private_key).raw_transaction).hex()


def test_raw_transaction_is_forwarded_once(api, probe, company_keys):
    """An operator's own signed transaction (here: the regulator opening an account)."""
    regulator_key = authority_key("city_regulator")
    raw = raw_tx(regulator_key, probe.address, probe.openAccount.encode_input(accounts[16].address))
    response = api.post("/api/v1/tx/raw", json={"raw": raw})
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["sender"] == regulator_key.address and out["status"] == 1
    assert [e["event"] for e in out["events"]] == ["ProbeAccountOpened"]
    assert probe.isOpen(accounts[16].address)
    again = api.post("/api/v1/tx/raw", json={"raw": raw})
    assert again.status_code == 200 and again.json()["tx_hash"] == out["tx_hash"]
    assert again.json()["replayed"] is True
    assert api.get(f"/api/v1/tx/{out['tx_hash']}").json()["events"] == out["events"]


def test_raw_transaction_that_would_revert_is_not_broadcast(api, probe, company_keys):
    acme = company_keys[0]
    start = web3.eth.get_transaction_count(acme.address)
    raw = raw_tx(acme, probe.address, probe.openAccount.encode_input(acme.address))
    response = api.post("/api/v1/tx/raw", json={"raw": raw})
    assert response.status_code == 403
    assert error_of(response)["code"] == "AccessControlUnauthorizedAccount"
    assert web3.eth.get_transaction_count(acme.address) == start


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (lambda p, k: raw_tx(k, p.address, "0x", chain_id=1), 400, "ChainIdMismatch"),
        (
            lambda p, k: raw_tx(k, p.address, "0x", chain_id=None, legacy=True),
            400,
            "ChainIdMismatch",
        ),
        (lambda p, k: raw_tx(k, "0x" + "12" * 20, "0x"), 422, "TargetNotInDeployment"),
        (lambda p, k: "0x02f8", 422, "TransactionMalformed"),
        (lambda p, k: "hello", 422, "TransactionMalformed"),
    ],
    ids=["other-chain", "no-replay-protection", "foreign-target", "truncated", "not-hex"],
)
def test_bad_raw_transaction_is_refused(api, probe, company_keys, make, status, code):
    acme = company_keys[0]
    start = web3.eth.get_transaction_count(acme.address)
    response = api.post("/api/v1/tx/raw", json={"raw": make(probe, acme)})
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code
    assert web3.eth.get_transaction_count(acme.address) == start


@pytest.mark.parametrize(
    ("chain_id", "legacy", "args", "says"),
    [
        (1, False, {"chain_id": 1, "tx_type": 2}, "typed (EIP-2718 type 2) transaction is signed "
         "for chain id 1; this chain's id is 31337"),
        (1, True, {"chain_id": 1, "tx_type": 0}, "legacy (EIP-155) transaction is signed for "
         "chain id 1; this chain's id is 31337"),
        (None, True, {"chain_id": None, "tx_type": 0}, "legacy transaction has no chain id "
         "(signed without EIP-155 replay protection, so valid on every chain)"),
    ],
    ids=["typed", "legacy", "legacy-without-chain-id"],
)  # fmt: skip
def test_a_transaction_for_another_chain_is_told_what_it_carries(
    api, probe, company_keys, chain_id, legacy, args, says
):
    """The refusal says what the transaction carries: a typed transaction always has a chain id
    (never "none, no replay protection"); only a legacy one can have none."""
    raw = raw_tx(company_keys[0], probe.address, "0x", chain_id=chain_id, legacy=legacy)
    error = error_of(api.post("/api/v1/tx/raw", json={"raw": raw}))
    assert (error["code"], error["status"]) == ("ChainIdMismatch", 400)
    assert error["args"] == {**args, "expected": 31337}
    assert says in error["message"]
    assert error["message"].startswith("The transaction is not signed for this chain")
    if chain_id is not None:
        assert "None" not in error["message"] and "replay protection" not in error["message"]


def test_unknown_transaction_is_404(api):
    response = api.get("/api/v1/tx/0x" + "ab" * 32)
    assert response.status_code == 404 and error_of(response)["code"] == "TransactionNotFound"


def test_relay_does_not_wait_for_the_indexers_write_lock(
    api, probe, regulator, company_keys, tmp_path
):
    """On SQLite the relayer keeps its idempotency keys in a file of its own: a relay is not
    held up (nor failed with `database is locked`) while the indexer holds the index's write
    lock in a long catch-up transaction."""
    import sqlite3

    acme, beta = company_keys[0], company_keys[1]
    for key in (acme, beta):
        probe.openAccount(key.address, {"from": regulator})
    probe.credit(acme.address, POLLUTANT, 100, {"from": regulator})
    index = sqlite3.connect(tmp_path / "index.db", timeout=0)
    try:
        index.execute("BEGIN IMMEDIATE")  # what a catch-up transaction holds
        body = {"from": acme.address, "to": beta.address, "pollutant": POLLUTANT, "kg": 10}
        typed = prepare(api, "probe-transfer", body)["typed_data"]
        response = api.post(
            "/api/v1/actions/probe-transfer/submit",
            json={"typed_data": typed, "signature": "0x" + sign(typed, acme.private_key).hex()},
            headers={"Idempotency-Key": "during-catch-up"},
        )
        assert response.status_code == 200, response.text
        again = api.get(f"/api/v1/actions/probe-transfer/requests/{acme.address}/during-catch-up")
        assert again.status_code == 200 and again.json()["state"] == "mined"
    finally:
        index.rollback()
        index.close()
    assert probe.balanceOf(beta.address, POLLUTANT) == 10


def test_receipts_the_relayer_reads_are_web3s_own(relayer, probe, regulator):
    """The relayer formats receipts itself (backend/chain/reads.py ``receipt_of``: a relay
    batch's receipt carries every order's logs); each is what web3's
    ``get_transaction_receipt`` gives, field for field: deployments (a created contract's
    address), transactions with logs, and a reverted one (status 0)."""
    w3 = relayer.w3
    failed = w3.eth.send_transaction(
        {"from": regulator.address, "to": probe.address, "data": "0xdeadbeef", "gas": 100_000}
    )
    w3.eth.wait_for_transaction_receipt(failed, timeout=30)  # anvil mines after it answers
    head = w3.eth.block_number
    hashes = [failed.hex()] + [
        tx.hex() for n in range(max(0, head - 120), head + 1)
        for tx in w3.eth.get_block(n)["transactions"]
    ]  # fmt: skip
    kinds = {"created": 0, "logs": 0, "reverted": 0}
    for tx_hash in hashes:
        ours, theirs = relayer._receipt(tx_hash), w3.eth.get_transaction_receipt(tx_hash)
        assert ours == theirs
        assert [dict(log) for log in ours["logs"]] == [dict(log) for log in theirs["logs"]]
        kinds["created"] += ours["contractAddress"] is not None
        kinds["logs"] += bool(ours["logs"])
        kinds["reverted"] += ours["status"] == 0
    assert all(kinds.values()), kinds  # every kind was compared
    with pytest.raises(TransactionNotFound):
        relayer._receipt("0x" + "ab" * 32)
