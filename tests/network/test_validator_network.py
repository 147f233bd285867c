"""The authorities' validator network keeps the register running when nodes fail (issue 9).

Three validators — city regulator, exchange, district regulator (SPEC §1: regulators and the
exchange run the chain's validator nodes) — seal one block per second with Clique; the service
reads and writes through a list of RPC endpoints with failover. The tests run in file order on
one network: the relayer's traced simulation, outage, trade during the outage, restart, the
service's node dying, then votes.
"""

from __future__ import annotations

import time

import pytest
from eth_account import Account
from sqlalchemy import create_engine
from web3 import Web3

from backend.chain.batching import TRACE_TOP_CALL
from backend.chain.client import connect_web3
from backend.chain.devkeys import authority_key
from backend.chain.domain import Origin
from backend.chain.errors import ErrorDecoder
from backend.chain.failover import FailoverProvider
from backend.chain.relayer import Relayer
from backend.chain.typed_data import sign
from backend.network.batch import Batch, wait_receipt
from backend.network.market import COD, LISTING_TAKEN, fen_at_benchmark, listing_status, party
from backend.network.nodes import RPC_NODE
from tests.clients.node import run_ethers_client
from tests.network.conftest import LOT_KG

DOWN = "exchange_operator"


def sealed_by(net, first: int, last: int) -> set[str]:
    return {net.block_signer(RPC_NODE, n).lower() for n in range(first, last + 1)}


def test_a_relay_batch_gas_limit_from_its_traced_simulation_holds_on_geth(net, w3, market):
    """The relayer takes a batch's gas limit from one ``debug_traceCall`` (call tracer, top call)
    on the network's RPC node instead of ``eth_estimateGas`` (backend/chain/batching.py). On geth
    the traced figure is what the mined transaction uses — through the proxies of the ledger,
    the policy book and the registry — and the limit derived from it is enough."""
    operator, seller = party("exchange_operator"), market.sellers[0]
    data = market.ledger.encode_abi("allocate", args=[seller.address, COD, int(Origin.PAID), 1_000])
    call = {"from": operator.address, "to": market.ledger.address, "data": data}
    traced = w3.provider.make_request("debug_traceCall", [call, "latest", TRACE_TOP_CALL])
    assert "error" not in traced and not traced["result"].get("error"), traced
    used = int(traced["result"]["gasUsed"], 16)
    relayer = Relayer(
        w3=w3, account=None, engine=create_engine("sqlite://"), decoder=ErrorDecoder.from_abis({})
    )
    limit = relayer.gas_limit(used)
    assert used < limit < 2 * used
    tx_hash = Batch(w3).sign_and_send(
        operator, {"to": market.ledger.address, "data": data, "gas": limit}, "allocate"
    )
    receipt = wait_receipt(w3, tx_hash, timeout=30)
    assert receipt["status"] == 1
    assert receipt["gasUsed"] == used


@pytest.fixture(scope="module")
def outage(net, market):
    """The exchange's validator stops (SIGTERM) once the market is open; returns the head then."""
    net.stop(DOWN)
    return net.block_number(RPC_NODE)


def test_blocks_keep_coming_with_one_of_three_validators_stopped(net, outage):
    net.wait_block(RPC_NODE, outage + 5, timeout=15)
    head = net.block_number(RPC_NODE)
    signers = sealed_by(net, outage + 1, head)
    assert net.signer(DOWN).lower() not in signers
    assert signers <= {net.signer(n).lower() for n in ("city_regulator", "district_regulator")}
    assert not net.running(DOWN)


def test_a_trade_submitted_during_the_outage_settles_exactly_once_R14_R16(
    net, w3, market, outage, api
):
    """The buyer signs ``take`` itself and submits it through the service, whose first node is
    the stopped validator; the client, unsure, posts the same bytes again and also hands them to
    another node. One settlement: rights and money move once, one ``ListingTaken``."""
    listing = market.listings[0]
    buyer = market.buyers[0]
    exchange = market.exchange
    paid_before = market.paid_kg(buyer.address)
    funds_before = exchange.functions.fundsOf(buyer.address).call()[0]
    tx = {
        "chainId": net.chain_id,
        "nonce": w3.eth.get_transaction_count(buyer.address),
        "to": exchange.address,
        "data": exchange.encode_abi("take", args=[listing]),
        "gas": 400_000,
        "maxFeePerGas": 100 * 10**9,
        "maxPriorityFeePerGas": 10**9,
        "value": 0,
    }
    signed = Account.sign_transaction(tx, buyer.key)
    raw = "0x" + bytes(signed.raw_transaction).hex()

    first = api.post("/api/v1/tx/raw", json={"raw": raw})
    assert first.status_code == 200, first.text
    again = api.post("/api/v1/tx/raw", json={"raw": raw})
    assert again.status_code == 200, again.text
    assert again.json()["tx_hash"] == first.json()["tx_hash"]
    assert again.json()["replayed"] is True
    # the same signed bytes through a failover provider that starts at the dead node
    direct = connect_web3([net.url(DOWN), net.url("district_regulator")], timeout=5)
    assert isinstance(direct.provider, FailoverProvider)
    assert "0x" + bytes(direct.eth.send_raw_transaction(raw)).hex() == first.json()["tx_hash"]

    assert not net.running(DOWN)
    assert listing_status(market, listing)["status"] == LISTING_TAKEN
    assert market.paid_kg(buyer.address) == paid_before + LOT_KG
    taken = exchange.events.ListingTaken().get_logs(
        from_block=market.blocks["Exchange"], argument_filters={"id": listing}
    )
    assert len(taken) == 1
    ask = taken[0]["args"]["priceFen"]
    assert exchange.functions.fundsOf(buyer.address).call()[0] == funds_before - ask
    assert w3.eth.get_transaction_count(buyer.address) == tx["nonce"] + 1
    assert first.json()["status"] == 1
    assert [e["event"] for e in first.json()["events"]].count("ListingTaken") == 1
    assert market.exchange.functions.listing(listing).call()[1] == COD


def test_the_stopped_validator_restarts_catches_up_and_seals_again(net, outage):
    net.start(DOWN)
    net.wait_peers(DOWN, 2)
    head = net.block_number(RPC_NODE)
    net.wait_block(DOWN, head, timeout=20)
    assert (
        net.rpc(DOWN, "eth_getBlockByNumber", hex(head), False)["hash"]
        == net.rpc(RPC_NODE, "eth_getBlockByNumber", hex(head), False)["hash"]
    )
    # it seals again: in turn every third block, once its miner resumes after the sync
    deadline = time.monotonic() + 20
    while net.signer(DOWN).lower() not in sealed_by(net, head + 1, net.block_number(RPC_NODE)):
        assert time.monotonic() < deadline, "the restarted validator did not seal within 20 s"
        time.sleep(0.5)


def test_the_service_keeps_answering_when_the_node_it_uses_dies(net, api, market):
    """The service is on the RPC node (the exchange's validator it started on came back, but
    the provider stays where failover took it); that node is killed (SIGKILL)."""
    before = api.get("/api/v1/validators")
    assert before.status_code == 200
    net.stop(RPC_NODE, kill=True)
    try:
        time.sleep(1.5)
        after = api.get("/api/v1/validators")
        assert after.status_code == 200, after.text
        assert after.json()["block"] > before.json()["block"]
        assert len(after.json()["validators"]) == 3
        deployment = api.get("/api/v1/deployment")
        assert deployment.status_code == 200
    finally:
        net.start(RPC_NODE)
        net.wait_peers(RPC_NODE, 3)


# -- validator governance through the API (SPEC §1) ---------------------------------------------


def signed_vote(api, key: str, *, validator: str, authorize: bool, action: str = "propose"):
    prepared = api.post(
        "/api/v1/validators/votes/prepare",
        json={"action": action, "validator": validator, "authorize": authorize},
    )
    assert prepared.status_code == 200, prepared.text
    data = prepared.json()
    return {"typed_data": data, "signature": "0x" + sign(data, key).hex()}


def test_validator_set_and_pending_votes_are_public(net, api):
    validators = api.get("/api/v1/validators").json()
    assert validators["engine"] == "clique"
    assert {v["address"] for v in validators["validators"]} == {
        Web3.to_checksum_address(net.signer(n)) for n in net.genesis_validators
    }
    city = authority_key("city_regulator").address
    by_node = {v["address"]: v["node_of"] for v in validators["validators"]}
    assert by_node[Web3.to_checksum_address(net.signer("city_regulator"))] == city
    votes = api.get("/api/v1/validators/proposals").json()
    assert {v["authority"] for v in votes} == {city, authority_key("exchange_operator").address}


@pytest.mark.parametrize("party", ["price_bureau", "bank", "relayer"])
def test_a_party_without_an_authority_role_may_not_vote_403(net, api, party):
    body = signed_vote(
        api, authority_key(party).private_key, validator=net.signer("district_regulator"),
        authorize=False,
    )  # fmt: skip
    answer = api.post("/api/v1/validators/votes", json=body)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "ValidatorVoteForbidden"


def test_a_company_may_not_vote_403(net, api, market):
    body = signed_vote(
        api, market.buyers[1].key, validator=market.buyers[1].address, authorize=True
    )
    answer = api.post("/api/v1/validators/votes", json=body)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "ValidatorVoteForbidden"


def test_an_authority_without_a_known_node_is_refused_409(net, api):
    key = authority_key("district_regulator").private_key
    body = signed_vote(api, key, validator=net.signer("city_regulator"), authorize=False)
    answer = api.post("/api/v1/validators/votes", json=body)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "ValidatorNodeNotConfigured"


def test_a_vote_changed_after_signing_or_expired_is_refused(net, api):
    key = authority_key("city_regulator").private_key
    body = signed_vote(api, key, validator=net.signer("district_regulator"), authorize=False)
    body["typed_data"]["message"]["authorize"] = True  # the signature no longer matches
    answer = api.post("/api/v1/validators/votes", json=body)
    assert answer.status_code == 403  # recovered signer is some other account
    body["typed_data"]["message"]["action"] = "dismiss"
    assert api.post("/api/v1/validators/votes", json=body).status_code == 422
    body = signed_vote(api, key, validator=net.signer("district_regulator"), authorize=False)
    body["typed_data"]["message"]["deadline"] = int(time.time()) - 1
    body["signature"] = "0x" + sign(body["typed_data"], key).hex()
    expired = api.post("/api/v1/validators/votes", json=body)
    assert expired.status_code == 400
    assert expired.json()["error"]["code"] == "SignatureExpired"


def test_an_authority_proposes_and_discards_a_vote(net, api):
    key = authority_key("city_regulator").private_key
    stranger = Account.create().address
    cast = api.post("/api/v1/validators/votes", json=signed_vote(
        api, key, validator=stranger, authorize=True))  # fmt: skip
    assert cast.status_code == 200, cast.text
    assert cast.json()["proposals"] == {stranger: True}
    assert "AccountRegistry.REGULATOR_ROLE" in cast.json()["roles"]
    withdrawn = api.post("/api/v1/validators/votes", json=signed_vote(
        api, key, validator=stranger, authorize=True, action="discard"))  # fmt: skip
    assert withdrawn.status_code == 200
    assert withdrawn.json()["proposals"] == {}


def test_a_validator_voted_out_by_the_majority_stops_sealing(net, api):
    """The city regulator and the exchange (2 of 3) vote the district regulator's node out."""
    out = Web3.to_checksum_address(net.signer("district_regulator"))
    for authority in ("city_regulator", "exchange_operator"):
        key = authority_key(authority).private_key
        answer = api.post("/api/v1/validators/votes",
                          json=signed_vote(api, key, validator=out, authorize=False))  # fmt: skip
        assert answer.status_code == 200, answer.text
        assert answer.json()["proposals"][out] is False
    deadline = time.monotonic() + 30
    while out in {v["address"] for v in api.get("/api/v1/validators").json()["validators"]}:
        assert time.monotonic() < deadline, "the vote did not pass within 30 s"
        time.sleep(0.5)
    # Clique can fork briefly (out-of-turn blocks sealed at once): judge on the chain the nodes
    # agree on. From the block whose snapshot drops it, the node seals nothing more, for at
    # least six blocks.
    deadline = time.monotonic() + 30
    while True:
        head = net.block_number(RPC_NODE) - 1
        hashes = {
            net.rpc(n, "eth_getBlockByNumber", hex(head), False)["hash"]
            for n in ("rpc", "city_regulator", "exchange_operator")
        }
        removed_at = head
        while out.lower() not in signers_at(net, removed_at - 1):
            removed_at -= 1
        if len(hashes) == 1 and head - removed_at >= 6:
            break
        assert time.monotonic() < deadline, (head, removed_at, hashes)
        time.sleep(1)
    assert out.lower() not in signers_at(net, head)
    assert out.lower() not in sealed_by(net, removed_at + 1, head)
    assert net.running("district_regulator")  # it still follows the chain, as a plain node
    net.wait_block("district_regulator", head, timeout=10)


def signers_at(net, number: int) -> list[str]:
    return [a.lower() for a in net.rpc(RPC_NODE, "clique_getSigners", hex(number))]


# -- last, on the healthy network: a client the project did not write (ethers v6 from npm) --


def test_ethers_v6_signs_what_the_service_returns_on_geth(net, market, service_url):
    """Clique's geth refuses JSON numbers for quantities: the unsigned transaction the service
    returns (hex quantities, gasLimit) is signed by ethers as is and settles; the typed data
    ethers signs (and its own payload form) is taken (docs/api.md)."""
    seller, buyer = market.sellers[0], market.buyers[-1]
    summary = run_ethers_client({
        "api": service_url, "seller": seller.key.hex(), "buyer": buyer.key.hex(), "pollutant": COD,
        "kg": LOT_KG, "askFen": fen_at_benchmark(LOT_KG), "endsAt": 4_102_444_800,
    })  # fmt: skip
    assert summary["status"] == 1 and summary["buyer"] == buyer.address
    assert int(summary["gasLimitSigned"]) > 21_000
