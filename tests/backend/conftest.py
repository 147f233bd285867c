"""Service fixtures: the FastAPI app wired to the chain Brownie started, no mocks."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient

from backend.chain.deployment import DeployedContract
from backend.chain.devkeys import FIRST_COMPANY_INDEX, dev_key
from backend.core.config import Settings
from backend.main import create_app
from tests.backend.pgserver import PgServer


@pytest.fixture(scope="module")
def rpc_url():
    from brownie import web3

    return web3.provider.endpoint_uri


@pytest.fixture(scope="module")
def settings(deployment, rpc_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("service")
    deployment_file = folder / "deployment.json"
    deployment.save(deployment_file)
    return Settings(
        rpc_url=rpc_url,
        deployment_file=deployment_file,
        database_url=f"sqlite:///{folder / 'index.db'}",
    )


@pytest.fixture(scope="module")
def scenario(city, regulator, exchange, bank, parties, ledger, registry, permits, pledges,
             deployment, reserve):  # fmt: skip
    """The disclosure city (tests/backend/disclosure_city.py) driven on the test chain."""
    from tests.backend.disclosure_city import run_city

    return run_city(city, regulator, exchange, bank, parties, ledger, registry, permits, pledges,
                    deployment, reserve)  # fmt: skip


@pytest.fixture(scope="module")
def full_deployment(deployment, reserve, scenario):
    """The deployment record with the reserve, after the scenario."""
    from tests.backend.disclosure_city import with_reserve

    return with_reserve(deployment, reserve)


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as test_client:
        yield test_client


# -- signed actions, relayer and indexer: the test probe contract exercises the machinery --

# each parallel test process (pytest-xdist worker gwN) runs its own server, 1000 × N ports higher
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
PG_PORT = int(os.environ.get("DRR_TEST_PG_PORT", "18548")) + 1000 * _WORKER


@pytest.fixture(scope="module")
def probe(regulator):
    """The test-only signed-action contract (contracts/testing/SignedActionProbe.sol)."""
    from brownie import SignedActionProbe

    return SignedActionProbe.deploy(regulator, {"from": regulator}, silent=True)


PROBE_POLLUTANT = 3


@pytest.fixture
def funded(probe, regulator, company_keys):
    """Companies 0, 1 and 2 have open probe accounts; company 0 holds 1 000 kg of pollutant 3."""
    for key in company_keys[:3]:
        probe.openAccount(key.address, {"from": regulator})
    probe.credit(company_keys[0].address, PROBE_POLLUTANT, 1_000, {"from": regulator})
    return company_keys


@pytest.fixture(scope="module")
def service_deployment(deployment, probe):
    """The deployment record plus the probe."""
    record = DeployedContract(
        address=probe.address, abi=probe.abi, block=probe.tx.block_number, tx_hash=probe.tx.txid
    )
    return deployment.model_copy(
        update={"contracts": {**deployment.contracts, "SignedActionProbe": record}}
    )


@pytest.fixture(scope="module")
def company_keys():
    """Private keys of the demo companies: each signs in its own wallet (here: a local key)."""
    return [dev_key(FIRST_COMPANY_INDEX + i) for i in range(5)]


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for this test session (Debian's binaries, temp folder)."""
    server = PgServer(PG_PORT).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database_url(request, tmp_path):
    """A fresh, empty database of each supported kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'index.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'index.db'}"


@pytest.fixture
def service_settings(service_deployment, rpc_url, tmp_path, database_url):
    """Settings of a service that knows the probe; the indexer is off unless a test wants it."""
    deployment_file = tmp_path / "deployment.json"
    service_deployment.save(deployment_file)
    return Settings(
        rpc_url=rpc_url,
        deployment_file=deployment_file,
        database_url=database_url,
        indexer_enabled=False,
        indexer_poll_seconds=0.1,
        receipt_timeout_seconds=10,
        wallet_dir=tmp_path / "wallets",
    )


@pytest.fixture
def api(service_settings):
    """The service (no mocks: wired to the test chain), as an HTTP client."""
    with TestClient(create_app(service_settings)) as test_client:
        yield test_client
