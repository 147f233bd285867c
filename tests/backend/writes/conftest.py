"""The service over the whole registry: reserve, lifecycle, leasing and settlement money too.

The deployment record the service reads holds every registry contract (scripts/deploy.py)
with the reserve, unit lifecycle and lease book replaced by ones deployed here on the test
money (anyone mints it, which keeps these tests short), with the compliance manager of the
tests' posted usage. The market's own tests use the record as deployed (test_market.py).
No mocks: the service talks to the chain Brownie started.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from backend.chain.deployment import DeployedContract
from backend.chain.devkeys import authority_key
from backend.chain.wallet_formats import for_signing
from backend.core.config import Settings
from backend.main import create_app
from tests.helpers import company_key


def record(contract) -> DeployedContract:
    return DeployedContract(
        address=contract.address,
        abi=contract.abi,
        block=contract.tx.block_number,
        tx_hash=contract.tx.txid,
    )


@pytest.fixture(scope="module")
def full_deployment(deployment, compliance, reserve, lifecycle, leases, money):
    extra = {
        "ComplianceManager": record(compliance),
        "GovernmentReserve": record(reserve),
        "UnitLifecycle": record(lifecycle),
        "LeaseBook": record(leases),
        "SettlementToken": record(money),
    }
    return deployment.model_copy(update={"contracts": {**deployment.contracts, **extra}})


def settings_for(deployment, rpc_url: str, tmp_path) -> Settings:
    """A service on ``deployment`` with its own database and wallets in ``tmp_path``."""
    deployment_file = tmp_path / "deployment.json"
    deployment.save(deployment_file)
    return Settings(
        rpc_url=rpc_url,
        deployment_file=deployment_file,
        database_url=f"sqlite:///{tmp_path / 'service.db'}",
        indexer_enabled=False,
        receipt_timeout_seconds=10,
        relayer_priority_fee_wei=0,
        wallet_dir=tmp_path / "wallets",
    )


@pytest.fixture
def writes_settings(full_deployment, rpc_url, tmp_path):
    return settings_for(full_deployment, rpc_url, tmp_path)


@pytest.fixture
def api(writes_settings):
    """The service wired to the test chain (no mocks), as an HTTP client."""
    with TestClient(create_app(writes_settings)) as client:
        yield client


AUTHORITY_KEYS = {
    "regulator": authority_key("city_regulator").private_key,
    "district_regulator": authority_key("district_regulator").private_key,
    "exchange": authority_key("exchange_operator").private_key,
    "price_bureau": authority_key("price_bureau").private_key,
    "treasury": authority_key("finance_bureau").private_key,
    "verifier_a": authority_key("verifier_a").private_key,
    "verifier_b": authority_key("verifier_b").private_key,
    "bank": authority_key("bank").private_key,
    "settlement_bank": authority_key("settlement_bank").private_key,
    **{
        name: authority_key(name).private_key
        for name in ("council_director", "council_deputy_a", "council_deputy_b")
    },
    "guardian": authority_key("provincial_authority").private_key,
}


def key_of(party: str | int) -> str:
    """An authority's dev key by name, or ``companies[i]``'s (tests/conftest.py)."""
    return company_key(party) if isinstance(party, int) else AUTHORITY_KEYS[party]


def address_of(party: str | int) -> str:
    return Account.from_key(key_of(party)).address


def build(api, path: str, body: dict[str, Any]):
    """POST an operation; the response (200: the unsigned transaction)."""
    return api.post(f"/api/v1/{path}", json=body)


def sign_and_send(api, built: dict[str, Any], party: str | int):
    """What the authority's wallet does: sign the transaction, post the raw bytes."""
    signed = Account.sign_transaction(for_signing(built["transaction"]), key_of(party))
    return api.post("/api/v1/tx/raw", json={"raw": "0x" + bytes(signed.raw_transaction).hex()})


def operate(api, path: str, body: dict[str, Any], party: str | int) -> dict[str, Any]:
    """Build, sign as ``party`` and send; asserts success, returns the mined transaction."""
    response = build(api, path, {"sender": address_of(party), **body})
    assert response.status_code == 200, response.text
    sent = sign_and_send(api, response.json(), party)
    assert sent.status_code == 200, sent.text
    return sent.json()


def events(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Decoded events of an answer by name (the last of each name)."""
    return {e["event"]: e["args"] for e in answer["events"]}
