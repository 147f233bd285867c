"""Signed actions through the API: prepare → sign in the actor's wallet → submit.

Against the real test chain and the deployed test probe (contracts/testing/SignedActionProbe.sol),
whose one action is generic; every check here holds for every registered action. Each refusal
leaves the chain as it was: no transaction is sent.
"""

import threading
import time

import pytest
from brownie import web3
from eth_account import Account
from fastapi.testclient import TestClient

from backend.chain.typed_data import recover_signer, sign
from backend.main import create_app
from tests.backend.conftest import PROBE_POLLUTANT
from tests.backend.flows import act, error_of, prepare, signed, submit

ACTION = "probe-transfer"
POLLUTANT = PROBE_POLLUTANT


def body(sender, receiver, kg=250, pollutant=POLLUTANT):
    return {"from": sender.address, "to": receiver.address, "pollutant": pollutant, "kg": kg}


def chain_state(probe, keys):
    """What a refused request must leave untouched."""
    return (
        web3.eth.block_number,
        [probe.balanceOf(k.address, POLLUTANT) for k in keys],
        [probe.nonces(k.address) for k in keys],
    )


# -- the allowed path --------------------------------------------------------------------------


def test_list_actions_describes_the_signed_struct(api):
    actions = {a["name"]: a for a in api.get("/api/v1/actions").json()}
    probe_action = actions[ACTION]  # listed: this service's deployment has the probe
    assert probe_action["primary_type"] == "Transfer"
    assert [(f["name"], f["type"]) for f in probe_action["fields"]] == [
        ("from", "address"),
        ("to", "address"),
        ("pollutant", "uint32"),
        ("kg", "uint64"),
        ("nonce", "uint256"),
        ("deadline", "uint256"),
    ]
    assert probe_action["reasons"][5] == "ProbeInsufficientBalance"


def test_prepare_reads_domain_nonce_and_time_from_chain(api, probe, funded):
    acme, beta = funded[0], funded[1]
    before = int(time.time())
    data = prepare(api, ACTION, body(acme, beta))
    _fields, name, version, chain_id, contract, _salt, _ext = probe.eip712Domain()
    assert data["typed_data"]["domain"] == {
        "name": name,
        "version": version,
        "chainId": chain_id,
        "verifyingContract": contract,
    }
    assert data["typed_data"]["primaryType"] == "Transfer"
    assert data["typed_data"]["message"] == {
        **body(acme, beta),
        "nonce": 0,
        "deadline": data["deadline"],
    }
    assert data["signer"] == acme.address
    assert before + 3600 <= data["deadline"] <= int(time.time()) + 3600 + 5
    # the digest is what a hash-signing remote signer signs: it recovers to the signer too
    signature = Account.unsafe_sign_hash(data["digest"], acme.private_key).signature
    assert recover_signer(data["typed_data"], signature) == acme.address


def test_prepare_sign_submit_moves_rights(api, probe, funded):
    """A company signs a transfer in its own wallet; the service relays it once."""
    acme, beta = funded[0], funded[1]
    response = act(api, ACTION, body(acme, beta), acme.private_key)
    assert response.status_code == 200, response.text
    out = response.json()
    assert probe.balanceOf(acme.address, POLLUTANT) == 750
    assert probe.balanceOf(beta.address, POLLUTANT) == 250
    assert probe.nonces(acme.address) == 1
    assert out["events"] == [
        {
            "contract": "SignedActionProbe",
            "event": "ProbeTransferred",
            "args": {
                "from": acme.address,
                "to": beta.address,
                "pollutant": POLLUTANT,
                "kg": 250,
                "nonce": 0,
            },
            "log_index": 0,
        }
    ]
    receipt = web3.eth.get_transaction_receipt(out["tx_hash"])
    assert receipt["blockNumber"] == out["block_number"]
    assert receipt["from"] != acme.address  # the relayer paid the gas, the company signed
    assert out["replayed"] is False and out["signer"] == acme.address and out["nonce"] == 0


def test_second_action_uses_next_nonce(api, probe, funded):
    acme, beta = funded[0], funded[1]
    assert act(api, ACTION, body(acme, beta, 100), acme.private_key).status_code == 200
    second = act(api, ACTION, body(acme, beta, 200), acme.private_key)
    assert second.json()["nonce"] == 1
    assert probe.balanceOf(beta.address, POLLUTANT) == 300


def test_explicit_deadline_is_signed(api, funded):
    acme, beta = funded[0], funded[1]
    deadline = int(time.time()) + 600
    data = prepare(api, ACTION, {**body(acme, beta), "deadline": deadline})
    assert data["deadline"] == deadline
    assert data["typed_data"]["message"]["deadline"] == deadline


def test_wallet_v_of_0_or_1_is_accepted(api, probe, funded):
    """Some wallets return v as 0/1 instead of 27/28."""
    acme, beta = funded[0], funded[1]
    data = prepare(api, ACTION, body(acme, beta))
    raw = bytearray(sign(data["typed_data"], acme.private_key))
    raw[64] -= 27
    response = submit(
        api, ACTION, {"typed_data": data["typed_data"], "signature": "0x" + raw.hex()}
    )
    assert response.status_code == 200, response.text
    assert probe.balanceOf(beta.address, POLLUTANT) == 250


# -- bad input: a 4xx with a clear message, and nothing changes --------------------------------


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("kg", "250", "valid integer"),
        ("kg", 12.5, "valid integer"),
        ("kg", True, "valid integer"),
        ("kg", -1, "greater than or equal to 0"),
        ("kg", 2**64, "less than or equal to 18446744073709551615"),
        ("pollutant", 2**32, "less than or equal to 4294967295"),
        ("to", "0xnot-an-address", "not an address"),
        ("to", None, "valid string"),
    ],
)
def test_bad_field_is_422_and_changes_nothing(api, probe, funded, field, value, problem):
    acme, beta = funded[0], funded[1]
    before = chain_state(probe, funded)
    response = api.post(
        f"/api/v1/actions/{ACTION}/prepare", json={**body(acme, beta), field: value}
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "RequestInvalid"
    assert f"body.{field}" in error["message"] and problem in error["message"]
    assert error["message_zh"]
    assert chain_state(probe, funded) == before


def test_address_in_any_case_is_taken_and_answered_checksummed(api, funded):
    """Browser wallets hand out lower-case accounts: taken, and answered in EIP-55 form."""
    acme, beta = funded[0], funded[1]
    for spelling in (beta.address.lower(), "0x" + beta.address[2:].upper()):
        response = api.post(
            f"/api/v1/actions/{ACTION}/prepare",
            json={**body(acme, beta), "from": acme.address.lower(), "to": spelling},
        )
        assert response.status_code == 200, response.text
        message = response.json()["typed_data"]["message"]
        assert (message["from"], message["to"]) == (acme.address, beta.address)
        assert response.json()["signer"] == acme.address


def test_mixed_case_address_with_a_wrong_checksum_is_a_typo(api, funded):
    acme, beta = funded[0], funded[1]
    first = next(i for i, c in enumerate(beta.address) if i > 1 and c.isalpha())
    typo = beta.address[:first] + beta.address[first].swapcase() + beta.address[first + 1 :]
    response = api.post(f"/api/v1/actions/{ACTION}/prepare", json={**body(acme, beta), "to": typo})
    assert response.status_code == 422
    assert f"did you mean {beta.address}" in error_of(response)["message"]


def test_unknown_and_missing_fields_are_refused(api, funded):
    acme, beta = funded[0], funded[1]
    extra = api.post(f"/api/v1/actions/{ACTION}/prepare", json={**body(acme, beta), "price": 1})
    assert extra.status_code == 422 and "body.price" in error_of(extra)["message"]
    missing = {k: v for k, v in body(acme, beta).items() if k != "kg"}
    response = api.post(f"/api/v1/actions/{ACTION}/prepare", json=missing)
    assert (
        response.status_code == 422 and "body.kg: Field required" in error_of(response)["message"]
    )


@pytest.mark.parametrize(
    ("setup", "kg", "status", "code", "reason"),
    [
        ("none", 0, 422, "ProbeZeroQuantity", 1),
        ("self", 10, 422, "ProbeSelfTransfer", 2),
        ("unknown-unit", 10, 404, "ProbeUnknownAccount", 3),
        ("frozen", 10, 409, "ProbeFrozenAccount", 4),
        ("none", 5_000, 409, "ProbeInsufficientBalance", 5),
    ],
)
def test_precheck_refusal_names_the_rule(
    api, probe, regulator, funded, setup, kg, status, code, reason
):
    """The contract's pre-check reason code comes back as the rule's error name (zh + en)."""
    acme, beta, gamma = funded[0], funded[1], funded[2]
    receiver = {"self": acme, "unknown-unit": funded[4]}.get(setup, beta)
    if setup == "frozen":
        probe.freeze(beta.address, {"from": regulator})
    before = chain_state(probe, funded)
    response = api.post(f"/api/v1/actions/{ACTION}/prepare", json=body(acme, receiver, kg))
    assert response.status_code == status, response.text
    error = error_of(response)
    assert (error["code"], error["reason_code"]) == (code, reason)
    assert error["message"] and error["message_zh"]
    assert chain_state(probe, funded) == before
    assert gamma  # a third open account exists, untouched


def test_precheck_at_submit_carries_the_contracts_arguments(api, probe, regulator, funded):
    """State changed between signing and submitting: refused with the revert's arguments."""
    acme, beta = funded[0], funded[1]
    envelope = signed(prepare(api, ACTION, body(acme, beta, 900))["typed_data"], acme.private_key)
    assert act(api, ACTION, body(acme, beta, 500), acme.private_key, key="first").status_code == 200
    # the signed envelope now carries a used nonce; re-sign the same intent with the next one
    envelope = signed(prepare(api, ACTION, body(acme, beta, 100))["typed_data"], acme.private_key)
    envelope["typed_data"]["message"]["kg"] = 900
    envelope = signed(envelope["typed_data"], acme.private_key)
    before = chain_state(probe, funded)
    response = submit(api, ACTION, envelope)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "ProbeInsufficientBalance"
    assert error["args"] == {
        "holder": acme.address,
        "pollutant": POLLUTANT,
        "needed": 900,
        "available": 500,
    }
    assert chain_state(probe, funded) == before


def test_signature_of_another_account_is_401(api, probe, funded):
    acme, beta = funded[0], funded[1]
    data = prepare(api, ACTION, body(acme, beta))
    before = chain_state(probe, funded)
    response = submit(api, ACTION, signed(data["typed_data"], beta.private_key))
    assert response.status_code == 401
    assert error_of(response)["code"] == "SignerMismatch"
    assert error_of(response)["args"] == {"expected": acme.address}
    assert chain_state(probe, funded) == before


def test_message_changed_after_signing_is_401(api, probe, funded):
    """Terms altered after signing: the refusal names the account that must sign and says the
    signature does not match the terms; the meaningless address recovered from the altered
    terms is named nowhere, as signer or otherwise."""
    acme, beta = funded[0], funded[1]
    envelope = signed(prepare(api, ACTION, body(acme, beta, 10))["typed_data"], acme.private_key)
    envelope["typed_data"]["message"]["kg"] = 999
    recovered = recover_signer(envelope["typed_data"], bytes.fromhex(envelope["signature"][2:]))
    assert recovered not in (acme.address, beta.address)
    before = chain_state(probe, funded)
    response = submit(api, ACTION, envelope)
    error = error_of(response)
    assert (response.status_code, error["code"], error["args"]) == (
        401,
        "SignerMismatch",
        {"expected": acme.address},
    )
    assert error["message"].startswith("The signature does not match these terms")
    assert f"is not that of {acme.address} (the action's from) over these terms" in error["message"]
    assert recovered.lower() not in response.text.lower()
    assert "签名与这些条款" in error["message_zh"]
    assert chain_state(probe, funded) == before


@pytest.mark.parametrize(
    "signature",
    ["0x1234", "0x" + "zz" * 65, "0x" + "11" * 64 + "1d", "0x" + "11" * 32 + "ff" * 32 + "1b"],
    ids=["short", "not-hex", "bad-v", "high-s"],
)
def test_malformed_signature_is_401(api, probe, funded, signature):
    acme, beta = funded[0], funded[1]
    data = prepare(api, ACTION, body(acme, beta))
    before = chain_state(probe, funded)
    response = submit(api, ACTION, {"typed_data": data["typed_data"], "signature": signature})
    assert response.status_code == 401 and error_of(response)["code"] == "SignatureMalformed"
    assert chain_state(probe, funded) == before


def test_expired_signature_is_400(api, probe, funded):
    acme, beta = funded[0], funded[1]
    data = prepare(api, ACTION, body(acme, beta))
    data["typed_data"]["message"]["deadline"] = int(time.time()) - 1
    before = chain_state(probe, funded)
    response = submit(api, ACTION, signed(data["typed_data"], acme.private_key))
    assert response.status_code == 400 and error_of(response)["code"] == "SignatureExpired"
    assert chain_state(probe, funded) == before


@pytest.mark.parametrize("offset", [-10, 10 * 365 * 86400])
def test_deadline_out_of_range_at_prepare_is_422(api, funded, offset):
    acme, beta = funded[0], funded[1]
    response = api.post(
        f"/api/v1/actions/{ACTION}/prepare",
        json={**body(acme, beta), "deadline": int(time.time()) + offset},
    )
    assert response.status_code == 422 and error_of(response)["code"] == "DeadlineOutOfRange"


def test_used_nonce_is_409(api, probe, funded):
    """A second, different action signed with an already used nonce is refused."""
    acme, beta = funded[0], funded[1]
    data = prepare(api, ACTION, body(acme, beta, 10))
    assert act(api, ACTION, body(acme, beta, 20), acme.private_key).status_code == 200
    before = chain_state(probe, funded)
    response = submit(api, ACTION, signed(data["typed_data"], acme.private_key))
    assert response.status_code == 409
    assert error_of(response)["code"] == "NonceAlreadyUsed"
    assert error_of(response)["args"] == {"nonce": 0, "current": 1}
    assert chain_state(probe, funded) == before


def test_nonce_ahead_is_409(api, probe, funded):
    acme, beta = funded[0], funded[1]
    data = prepare(api, ACTION, body(acme, beta))
    data["typed_data"]["message"]["nonce"] = 1
    response = submit(api, ACTION, signed(data["typed_data"], acme.private_key))
    assert response.status_code == 409 and error_of(response)["code"] == "NonceNotNext"
    assert probe.nonces(acme.address) == 0


@pytest.mark.parametrize(
    ("part", "change"),
    [
        ("domain", lambda td: td["domain"].update(chainId=1)),
        ("domain", lambda td: td["domain"].update(verifyingContract="0x" + "12" * 20)),
        ("domain", lambda td: td["domain"].update(version="2")),
        ("primaryType", lambda td: td.update(primaryType="Order")),
        ("types", lambda td: td["types"]["Transfer"].pop()),
        ("message fields", lambda td: td["message"].pop("kg")),
    ],
)
def test_typed_data_of_another_action_is_422(api, probe, funded, part, change):
    acme, beta = funded[0], funded[1]
    typed = prepare(api, ACTION, body(acme, beta))["typed_data"]
    change(typed)
    response = submit(api, ACTION, {"typed_data": typed, "signature": "0x" + "11" * 65})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "TypedDataMismatch" and part in error["message"]
    assert probe.nonces(acme.address) == 0


def test_message_values_are_validated_at_submit(api, funded):
    acme, beta = funded[0], funded[1]
    typed = prepare(api, ACTION, body(acme, beta))["typed_data"]
    typed["message"]["kg"] = -5  # no wallet signs this; the service refuses before looking
    response = submit(api, ACTION, {"typed_data": typed, "signature": "0x" + "11" * 65})
    assert response.status_code == 422
    assert "message.kg" in error_of(response)["message"]


def test_unknown_action_is_404(api):
    response = api.post("/api/v1/actions/teleport/prepare", json={})
    assert response.status_code == 404 and error_of(response)["code"] == "ActionUnknown"


def test_a_production_service_neither_lists_nor_serves_the_test_probe(client, company_keys):
    """The production deployment has no probe: its action is not listed, not in the OpenAPI,
    and its routes do not exist (404 ActionUnknown). Every action listed can be prepared: its
    route answers (here 422 for an empty body), never 404."""
    listed = [a["name"] for a in client.get("/api/v1/actions").json()]
    deployed = client.app.state.chain.deployment.contracts
    assert listed == [s.name for s in client.app.state.actions if s.contract in deployed]
    assert ACTION not in listed and {"pledge", "surrender", "carry-over"} <= set(listed)
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if ACTION in p]
    acme, beta = company_keys[0], company_keys[1]
    response = client.post(f"/api/v1/actions/{ACTION}/prepare", json=body(acme, beta))
    assert response.status_code == 404 and error_of(response)["code"] == "ActionUnknown"
    for name in listed:
        answer = client.post(f"/api/v1/actions/{name}/prepare", json={})
        assert (answer.status_code, error_of(answer)["code"]) == (422, "RequestInvalid"), name


# -- retries and idempotency -------------------------------------------------------------------


def test_same_signature_twice_relays_once(api, probe, funded):
    """A retried submit (no Idempotency-Key) returns the first transaction, no second effect."""
    acme, beta = funded[0], funded[1]
    envelope = signed(prepare(api, ACTION, body(acme, beta))["typed_data"], acme.private_key)
    first = submit(api, ACTION, envelope).json()
    second = submit(api, ACTION, envelope)
    assert second.status_code == 200
    assert second.json()["tx_hash"] == first["tx_hash"] and second.json()["replayed"] is True
    assert probe.balanceOf(beta.address, POLLUTANT) == 250


def test_idempotency_key_returns_first_tx_for_a_resigned_retry(api, probe, funded):
    """A client that re-prepares and re-signs the same request with the same key gets the
    first transaction back (the business fields match; nonce and deadline may differ)."""
    acme, beta = funded[0], funded[1]
    first = act(api, ACTION, body(acme, beta), acme.private_key, key="order-7781")
    again = act(api, ACTION, body(acme, beta), acme.private_key, key="order-7781")
    assert again.status_code == 200, again.text
    assert again.json()["tx_hash"] == first.json()["tx_hash"]
    assert again.json()["replayed"] is True
    assert again.json()["nonce"] == 0  # the first request's, though the retry signed nonce 1
    assert probe.balanceOf(beta.address, POLLUTANT) == 250
    assert probe.nonces(acme.address) == 1


def test_idempotency_key_reused_for_another_request_is_422(api, probe, funded):
    acme, beta = funded[0], funded[1]
    assert act(api, ACTION, body(acme, beta, 10), acme.private_key, key="k-1").status_code == 200
    before = chain_state(probe, funded)
    response = act(api, ACTION, body(acme, beta, 11), acme.private_key, key="k-1")
    assert response.status_code == 422 and error_of(response)["code"] == "IdempotencyKeyReused"
    assert chain_state(probe, funded) == before


def test_on_chain_nonce_stops_a_replay_that_bypasses_the_key(api, probe, funded):
    """Second layer: the same signature under a new key is refused by the nonce."""
    acme, beta = funded[0], funded[1]
    envelope = signed(prepare(api, ACTION, body(acme, beta))["typed_data"], acme.private_key)
    assert submit(api, ACTION, envelope, key="a").status_code == 200
    response = submit(api, ACTION, envelope, key="b")
    assert response.status_code == 409 and error_of(response)["code"] == "NonceAlreadyUsed"
    assert probe.balanceOf(beta.address, POLLUTANT) == 250


@pytest.fixture
def slow_chain():
    """Blocks are mined only on request, as on a chain with a block time."""
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        yield lambda: web3.provider.make_request("evm_mine", [])
    finally:
        web3.provider.make_request("evm_setAutomine", [True])


@pytest.fixture
def impatient_api(service_settings):
    settings = service_settings.model_copy(update={"receipt_timeout_seconds": 0.5})
    with TestClient(create_app(settings)) as client:
        yield client


def test_timed_out_request_retried_returns_same_tx(impatient_api, probe, funded, slow_chain):
    """The receipt does not come in time: 504 with the tx hash; the retry gets the same tx."""
    acme, beta = funded[0], funded[1]
    envelope = signed(
        prepare(impatient_api, ACTION, body(acme, beta))["typed_data"], acme.private_key
    )
    first = submit(impatient_api, ACTION, envelope, key="slow-1")
    assert first.status_code == 504
    sent = error_of(first)["tx_hash"]
    assert error_of(first)["code"] == "RelayTimeout"
    slow_chain()
    retry = submit(impatient_api, ACTION, envelope, key="slow-1")
    assert retry.status_code == 200, retry.text
    assert retry.json()["tx_hash"] == sent and retry.json()["replayed"] is True
    assert probe.balanceOf(beta.address, POLLUTANT) == 250


def test_retry_rebroadcasts_a_transaction_the_node_lost(impatient_api, probe, funded, slow_chain):
    """The node dropped the relayed transaction (restart, eviction): the retry sends the same
    signed bytes again, so the same tx hash is mined, once."""
    acme, beta = funded[0], funded[1]
    envelope = signed(
        prepare(impatient_api, ACTION, body(acme, beta))["typed_data"], acme.private_key
    )
    sent = error_of(submit(impatient_api, ACTION, envelope))["tx_hash"]
    web3.provider.make_request("anvil_dropTransaction", [sent])
    assert web3.eth.get_transaction_count(
        impatient_api.app.state.relayer.address, "pending"
    ) == web3.eth.get_transaction_count(impatient_api.app.state.relayer.address)

    def mine_soon():
        time.sleep(0.2)
        slow_chain()

    miner = threading.Thread(target=mine_soon)
    miner.start()
    retry = submit(impatient_api, ACTION, envelope)
    miner.join()
    assert retry.status_code == 200, retry.text
    assert retry.json()["tx_hash"] == sent
    assert probe.balanceOf(beta.address, POLLUTANT) == 250


# -- contract wallets (ERC-1271) ---------------------------------------------------------------


@pytest.fixture
def company_wallet(probe, regulator, company_keys, funded):
    """A company whose account is a contract wallet owned by the key of company 3."""
    from brownie import TestContractWallet

    wallet = TestContractWallet.deploy(company_keys[3].address, {"from": regulator})
    probe.openAccount(wallet, {"from": regulator})
    probe.credit(wallet, POLLUTANT, 400, {"from": regulator})
    return wallet


def test_contract_wallet_signs_through_its_owner(api, probe, funded, company_wallet, company_keys):
    """A multi-signature style wallet: the service asks the wallet (ERC-1271) to accept."""
    beta = funded[1]
    data = prepare(api, ACTION, {"from": company_wallet.address, "to": beta.address,
                                 "pollutant": POLLUTANT, "kg": 150})  # fmt: skip
    response = submit(api, ACTION, signed(data["typed_data"], company_keys[3].private_key))
    assert response.status_code == 200, response.text
    assert probe.balanceOf(company_wallet, POLLUTANT) == 250


def test_contract_wallet_refuses_another_key(api, probe, funded, company_wallet, company_keys):
    beta = funded[1]
    data = prepare(api, ACTION, {"from": company_wallet.address, "to": beta.address,
                                 "pollutant": POLLUTANT, "kg": 150})  # fmt: skip
    response = submit(api, ACTION, signed(data["typed_data"], company_keys[0].private_key))
    assert response.status_code == 401 and error_of(response)["code"] == "SignerMismatch"
    assert probe.balanceOf(company_wallet, POLLUTANT) == 400
