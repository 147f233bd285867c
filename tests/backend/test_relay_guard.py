"""The relayer under attack (issue 25, findings 5 and 6): one request in flight per signer and
nonce (the same signature under another Idempotency-Key, or another signature with the same
nonce, is a named 409 and no second transaction), Idempotency-Keys scoped to the signer, a
request's status showing nothing beyond the chain, and per-signer rate limits."""

from __future__ import annotations

import threading
import time

import pytest
from brownie import web3
from fastapi.testclient import TestClient

from backend.chain.devkeys import authority_key
from backend.main import create_app
from tests.backend.flows import error_of, prepare, signed, submit

POLLUTANT = 3


def transfer(api, sender, receiver, kg: int = 10) -> dict:
    body = {"from": sender.address, "to": receiver.address, "pollutant": POLLUTANT, "kg": kg}
    return prepare(api, "probe-transfer", body)["typed_data"]


def relayer_nonce() -> int:
    return web3.eth.get_transaction_count(authority_key("relayer").address, "pending")


class Paused:
    """The node stops mining (automine off) so a relayed transaction stays in flight."""

    def __enter__(self) -> Paused:
        web3.provider.make_request("evm_setAutomine", [False])
        return self

    def __exit__(self, *_exc: object) -> None:
        web3.provider.make_request("evm_setAutomine", [True])
        web3.provider.make_request("evm_mine", [])


def _in_background(fn) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    return thread, out


def _wait_in_flight(before: int) -> None:
    deadline = time.monotonic() + 10
    while relayer_nonce() == before:
        assert time.monotonic() < deadline, "the first request sent nothing"
        time.sleep(0.05)


@pytest.mark.parametrize("other", ["same signature", "same nonce"])
def test_second_request_for_a_nonce_in_flight_is_409_without_a_transaction(
    api, funded, probe, other
):
    """Finding 5: one signature under 8 Idempotency-Keys, or two signatures with the same
    nonce, put reverted transactions on chain; now the second request is refused by name
    while the first is in flight, and only one transaction is ever sent."""
    acme, beta = funded[0], funded[1]
    typed = transfer(api, acme, beta, 10)
    first = signed(typed, acme.private_key)
    if other == "same signature":
        second, code = first, "SignatureAlreadySubmitted"
    else:  # the same nonce, other terms
        again = {**typed, "message": {**typed["message"], "kg": 20}}
        second, code = signed(again, acme.private_key), "NonceInFlight"
    before = relayer_nonce()
    with Paused():
        thread, out = _in_background(lambda: submit(api, "probe-transfer", first, "key-1"))
        _wait_in_flight(before)
        refused = [submit(api, "probe-transfer", second, f"key-{i}") for i in range(2, 9)]
    thread.join(15)
    assert {r.status_code for r in refused} == {409}
    assert {error_of(r)["code"] for r in refused} == {code}
    assert error_of(refused[0])["args"] == {"signer": acme.address, "nonce": 0}
    assert out[0].status_code == 200, out[0].text
    assert relayer_nonce() == before + 1  # one transaction in all
    assert probe.balanceOf(beta.address, POLLUTANT) == 10


def test_a_signers_key_still_refuses_another_request_of_its_own(api, funded):
    """The key still protects its signer: the same signer's key with other terms is refused."""
    acme, beta, gamma = funded[0], funded[1], funded[2]
    a = submit(api, "probe-transfer", signed(transfer(api, acme, gamma, 5), acme.private_key),
               "order-1")  # fmt: skip
    assert a.status_code == 200, a.text
    b = submit(api, "probe-transfer", signed(transfer(api, acme, beta, 7), acme.private_key),
               "order-1")  # fmt: skip
    assert (b.status_code, error_of(b)["code"]) == (422, "IdempotencyKeyReused")


def test_two_parties_may_use_the_same_key(api, funded, probe, regulator):
    """Finding 6: keys were stored without the signer, so one party's key blocked another's
    (IdempotencyKeyReused); two parties now use the same key for their own requests."""
    acme, beta, gamma = funded[0], funded[1], funded[2]
    probe.credit(beta.address, POLLUTANT, 100, {"from": regulator})
    a = submit(api, "probe-transfer", signed(transfer(api, acme, gamma, 5), acme.private_key),
               "order-1")  # fmt: skip
    b = submit(api, "probe-transfer", signed(transfer(api, beta, gamma, 6), beta.private_key),
               "order-1")  # fmt: skip
    assert (a.status_code, b.status_code) == (200, 200), b.text
    assert a.json()["tx_hash"] != b.json()["tx_hash"]
    assert probe.balanceOf(gamma.address, POLLUTANT) == 11


def test_request_status_shows_nothing_beyond_the_chain(api, funded):
    """Finding 6: anyone read the state, transaction and nonce of a key; now a lookup names the
    signer, and shows a transaction only once it is mined (public then)."""
    acme, beta = funded[0], funded[1]
    envelope = signed(transfer(api, acme, beta, 10), acme.private_key)
    path = f"/api/v1/actions/probe-transfer/requests/{acme.address}/mine"
    before = relayer_nonce()
    with Paused():
        thread, out = _in_background(lambda: submit(api, "probe-transfer", envelope, "mine"))
        _wait_in_flight(before)
        pending = api.get(path).json()
        assert (pending["state"], pending["tx_hash"], pending["nonce"]) == ("pending", None, None)
    thread.join(15)
    mined = api.get(path).json()
    assert (mined["state"], mined["tx_hash"], mined["nonce"]) == (
        "mined", out[0].json()["tx_hash"], 0)  # fmt: skip
    other = api.get(f"/api/v1/actions/probe-transfer/requests/{beta.address}/mine")
    assert (other.status_code, error_of(other)["code"]) == (404, "RequestNotFound")


def test_prepare_and_submit_are_rate_limited_per_signer(service_settings, funded, probe, regulator):
    """Finding 5: 200 prepares and 20 useless relays in two seconds were all accepted; each
    signer has its own budget (429 with Retry-After), another signer is not affected."""
    tight = service_settings.model_copy(update={"rate_limit_signer_burst": 3,
                                                "rate_limit_signer_per_second": 0.01})  # fmt: skip
    acme, beta = funded[0], funded[1]
    probe.credit(beta.address, POLLUTANT, 10, {"from": regulator})
    with TestClient(create_app(tight)) as api:
        body = {"from": acme.address, "to": beta.address, "pollutant": POLLUTANT, "kg": 1}
        codes = [api.post("/api/v1/actions/probe-transfer/prepare", json=body).status_code
                 for _ in range(4)]  # fmt: skip
        assert codes == [200, 200, 200, 429]
        limited = api.post("/api/v1/actions/probe-transfer/prepare", json=body)
        assert error_of(limited)["code"] == "RateLimited"
        assert int(limited.headers["Retry-After"]) >= 1
        assert acme.address in error_of(limited)["message"]
        other = {**body, "from": beta.address, "to": acme.address}
        assert api.post("/api/v1/actions/probe-transfer/prepare", json=other).status_code == 200
