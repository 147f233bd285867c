"""Contract errors decoded to names, and the one table from names to HTTP statuses."""

import json
from pathlib import Path

import pytest
from brownie import web3
from eth_abi import encode
from eth_utils import keccak
from pydantic import Field

from backend.api.errors import ERROR_TABLE, error_body, rule_for
from backend.chain.client import Chain
from backend.chain.errors import (
    OPENZEPPELIN_ERRORS,
    ContractError,
    ErrorDecoder,
    ErrorSignature,
    ServiceError,
    revert_data,
)
from backend.services.actions.catalogue import PROBE_TRANSFER, default_actions
from backend.services.actions.spec import ActionBody, ActionRegistry, ActionSpec
from backend.services.fields import Address, Kg, Uint32

OZ_ARTIFACTS = Path(__file__).resolve().parents[2] / "node_modules/@openzeppelin/contracts/build"


@pytest.fixture(scope="module")
def decoder(service_deployment):
    return ErrorDecoder.from_abis({n: c.abi for n, c in service_deployment.contracts.items()})


def test_standard_errors_match_openzeppelin_artifacts():
    """Each hard-coded OpenZeppelin error has exactly that signature in OpenZeppelin 5.4."""
    shipped = set()
    for artifact in (OZ_ARTIFACTS / "contracts").glob("*.json"):
        for item in json.loads(artifact.read_text()).get("abi", []):
            if item.get("type") == "error":
                shipped.add(ErrorSignature.from_abi(item).signature)
    for text in OPENZEPPELIN_ERRORS:
        assert ErrorSignature.parse(text).signature in shipped, text


def eth_call_revert(call) -> str:
    """The revert data of a call against the test chain."""
    with pytest.raises(Exception) as raised:
        call()
    data = revert_data(raised.value)
    assert data is not None
    return data


def test_decodes_custom_errors_from_the_chain(decoder, deployment, probe, companies):
    """A role refusal of every deployed contract with roles decodes to its name and account."""
    guarded = [
        (name, c)
        for name, c in deployment.contracts.items()
        if any(i.get("name") == "grantRole" for i in c.abi)
    ]
    assert guarded
    for _name, record in guarded:
        contract = web3.eth.contract(address=record.address, abi=record.abi)
        data = eth_call_revert(
            lambda c=contract: web3.eth.call(
                {
                    "to": c.address,
                    "from": companies[0].address,
                    "data": c.encode_abi("grantRole", args=[b"\x00" * 32, companies[0].address]),
                }
            )
        )
        decoded = decoder.decode(data)
        assert decoded.name == "AccessControlUnauthorizedAccount"
        assert decoded.args["account"] == companies[0].address
    data = eth_call_revert(
        lambda: web3.eth.call(
            {"to": probe.address, "data": probe.credit.encode_input(companies[1], 1, 5)}
        )
    )
    assert decoder.decode(data).name == "AccessControlUnauthorizedAccount"


def test_decodes_arguments_with_names(decoder, probe):
    sig = ErrorSignature.parse(
        "ProbeInsufficientBalance(address holder, uint32 pollutant, uint64 needed, "
        "uint64 available)"
    )
    holder = "0x" + "ab" * 20
    data = sig.selector + encode(["address", "uint32", "uint64", "uint64"], [holder, 3, 900, 500])
    decoded = decoder.decode(data)
    assert decoded.name == "ProbeInsufficientBalance"
    assert decoded.contract == "SignedActionProbe"
    assert decoded.args == {
        "holder": "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB",
        "pollutant": 3,
        "needed": 900,
        "available": 500,
    }


def test_decodes_builtin_and_unknown_reverts(decoder):
    error_string = keccak(text="Error(string)")[:4] + encode(["string"], ["no way"])
    assert decoder.decode(error_string).args == {"reason": "no way"}
    panic = keccak(text="Panic(uint256)")[:4] + encode(["uint256"], [0x11])
    assert decoder.decode(panic).args == {
        "code": 0x11,
        "meaning": "arithmetic overflow or underflow",
    }
    assert decoder.decode(b"\xde\xad\xbe\xef").name == "UnknownContractError"
    assert decoder.decode(None).name == "UnknownContractError"
    # a known selector with undecodable arguments is not guessed at
    truncated = ErrorSignature.parse("ProbeSelfTransfer(address holder)").selector + b"\x01"
    assert decoder.decode(truncated).name == "UnknownContractError"


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("AccessControlUnauthorizedAccount", 403),
        ("RegistryUnknownAccount", 404),
        ("RegistryUnknownPollutant", 404),
        ("ExchangeOrderNotFound", 404),
        ("ExchangeOrderExpired", 400),
        ("SignedActionExpired", 400),
        ("SignedActionInvalidSignature", 401),
        ("LedgerNotRegistered", 404),
        ("LedgerInsufficientRights", 409),
        ("PledgeNotPledgee", 422),
        ("ECDSAInvalidSignatureS", 401),
        ("InvalidAccountNonce", 409),
        ("RegistryZeroQuantity", 422),
        ("RegistryCreditCodeTaken", 409),
        ("ComplianceBelowPermittedQuantity", 409),
        ("OracleQuorumNotReached", 409),
        ("ProbeInsufficientBalance", 409),
        ("Panic", 500),
        ("RequestInvalid", 422),
        ("SignerMismatch", 401),
        ("SignatureExpired", 400),
        ("NonceAlreadyUsed", 409),
        ("RelayTimeout", 504),
    ],
)
def test_error_names_map_to_statuses(name, status):
    assert rule_for(name).status == status


def test_every_row_has_both_languages_and_an_error_status():
    for rule in ERROR_TABLE:
        assert 400 <= rule.status < 600 and rule.en and rule.zh, rule


def test_error_of_every_deployed_contract_has_a_4xx(decoder):
    for name in decoder.names() - {"Panic"}:
        assert 400 <= rule_for(name).status < 500, name


def test_error_body_shape():
    status, body = error_body(
        ContractError(
            ErrorDecoder.from_abis({}).decode(
                ErrorSignature.parse("ERC20InvalidSender(address sender)").selector
                + encode(["address"], ["0x" + "00" * 20])
            ),
            tx_hash="0x12",
        )
    )
    assert status == 422
    assert body["error"]["code"] == "ERC20InvalidSender"
    assert body["error"]["args"] == {"sender": "0x" + "00" * 20}
    assert body["error"]["tx_hash"] == "0x12"
    assert body["error"]["message"].endswith("ERC20InvalidSender(sender=0x" + "00" * 20 + ")")


# -- the action registry against the contracts ------------------------------------------------


def test_probe_reasons_name_errors_of_its_abi(probe):
    errors = {i["name"] for i in probe.abi if i["type"] == "error"}
    assert set(PROBE_TRANSFER.reasons[1:]) <= errors


def test_registry_check_confirms_every_default_action(service_deployment, rpc_url):
    """Every action the service offers fits its deployed contract (struct, pre-check)."""
    chain = Chain.connect(rpc_url, service_deployment)
    registry = default_actions(service_deployment.contracts)
    assert PROBE_TRANSFER.name in [spec.name for spec in registry]  # its contract is deployed
    assert PROBE_TRANSFER.name not in [spec.name for spec in default_actions()]
    assert registry.check(chain) == []
    # the reserve's and the lease book's actions wait for the settlement token's deployment
    # (tests/backend/writes/ checks them against a deployment that has them)
    missing = {spec.contract for spec in registry} - set(service_deployment.contracts)
    assert missing <= {"GovernmentReserve", "LeaseBook"}


class MisnamedBody(ActionBody):
    sender: Address = Field(alias="from")
    receiver: Address = Field(alias="receiver")
    pollutant: Uint32
    kg: Kg


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"primary_type": "Transfers"}, "TRANSFER_TYPEHASH on chain is not"),
        ({"body": MisnamedBody}, "differ from transferBySig parameters"),
        ({"function": "canTransfer"}, "must end with (uint256 deadline, bytes signature)"),
        ({"function": "nothing"}, "is not one function"),
        ({"signer": "kg"}, "signer field 'kg' not an address"),
        (
            {
                "struct": "Transfer(address from,address to,uint32 pollutant,uint32 kg,"
                "uint256 nonce,uint256 deadline)"
            },
            "field types differ",
        ),
    ],
)
def test_registry_check_finds_a_spec_that_does_not_fit(
    service_deployment, rpc_url, change, problem
):
    chain = Chain.connect(rpc_url, service_deployment)
    fields = {**vars(PROBE_TRANSFER), **change}
    problems = ActionRegistry([ActionSpec(**fields)]).check(chain)
    assert len(problems) == 1 and problem in problems[0]


def test_service_error_is_the_root():
    assert issubclass(ContractError, ServiceError)


def test_service_starts_without_its_node_and_answers_503(tmp_path):
    """The node may come up after the service: requests meanwhile get 503 NodeUnavailable."""
    from fastapi.testclient import TestClient

    from backend.chain.deployment import Deployment
    from backend.core.config import Settings
    from backend.main import create_app

    Deployment(chain_id=31337, network="offline", contracts={}).save(tmp_path / "d.json")
    settings = Settings(
        rpc_url="http://127.0.0.1:9",  # discard port: nothing answers
        deployment_file=tmp_path / "d.json",
        database_url=f"sqlite:///{tmp_path / 'i.db'}",
        indexer_poll_seconds=0.05,
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/deployment")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "NodeUnavailable"


# -- values no contract or index can hold, and a node without validators (found by API fuzzing:
# each was a 5xx) ---------------------------------------------------------------------------

HOLDER = "0xBcd4042DE499D14e55001CcbB24a551F3b954096"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/public/lots", {"before": 2708071437093193646080}, "before"),
        ("/api/v1/public/reclaims", {"after": 134921095530590699520}, "after"),
        ("/api/v1/public/reserve/flows", {"pollutant": 25481334905484511337775104}, "pollutant"),
        ("/api/v1/public/trades", {"pollutant": 2**32}, "pollutant"),
        ("/api/v1/public/caps", {"region": 2**16}, "region"),
        ("/api/v1/public/compliance", {"period": 2**32}, "period"),
        ("/api/v1/public/verify/holding", {"holder": HOLDER, "pollutant": 2**32}, "pollutant"),
        ("/api/v1/public/verify/pledge", {"id": 2**63}, "id"),
        ("/api/v1/council/proposals/-1", {}, "pid"),
    ],
)
def test_values_wider_than_their_ids_are_422_R01(client, path, params, field):
    """R-01: a filter or id wider than the contract's integer (uint16 region, uint32 pollutant
    and period) or the index's 64-bit cursor is a request error naming the field, not a 500."""
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "RequestInvalid"
    assert any(p["field"].endswith(field) for p in error["problems"]), error


def test_validator_set_of_a_node_without_consensus_engine_is_409(client):
    """A development node (anvil) runs no Clique: the validator set is not the node's fault (was
    502 NodeRejected) but a clear 409 naming the missing engine method."""
    block = web3.eth.block_number
    response = client.get("/api/v1/validators")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "ValidatorEngineUnavailable"
    assert "clique_getSigners" in error["message"]
    assert web3.eth.block_number == block
