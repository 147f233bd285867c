"""Service fixtures: the FastAPI app wired to the chain Brownie started, no mocks."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from backend.core.config import Settings
from backend.main import create_app


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


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as test_client:
        yield test_client
