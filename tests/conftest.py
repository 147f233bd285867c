"""Shared fixtures: the deployment under test and the parties, named after their roles.

Run through Brownie (``make test``), which starts the project's own anvil (network ``drr-test``)
and reverts the chain after every test (``fn_isolation``).
"""

from __future__ import annotations

import pytest

from scripts.deploy import deploy, dev_parties


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    """Every test starts from the state its module fixtures built."""


@pytest.fixture(scope="module")
def parties():
    return dev_parties()


@pytest.fixture(scope="module")
def regulator(parties):
    return parties["city_regulator"]


@pytest.fixture(scope="module")
def deployment(parties):
    return deploy(parties)


@pytest.fixture(scope="module")
def registry(deployment):
    from brownie import DischargeRegistry

    return DischargeRegistry.at(deployment.contracts["DischargeRegistry"].address)


@pytest.fixture(scope="module")
def companies():
    from brownie import accounts

    from backend.chain.devkeys import FIRST_COMPANY_INDEX

    return accounts[FIRST_COMPANY_INDEX : FIRST_COMPANY_INDEX + 5]
