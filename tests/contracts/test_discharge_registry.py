"""Accounts and balances of the registry (R-01, R-02)."""

import pytest

from tests.helpers import reverts

CODE = "91500000MA5U000001"


@pytest.fixture(scope="module")
def cod(registry, regulator):
    return registry.addPollutant("COD", "化学需氧量", {"from": regulator}).return_value


def test_register_account_once_per_credit_code_R02(registry, regulator, companies):
    """R-02: one account per unified social credit code."""
    registry.registerAccount(companies[0], CODE, "重庆甲化工", 1, {"from": regulator})
    assert registry.holders() == [companies[0]]
    with reverts("RegistryCreditCodeTaken", CODE, companies[0]):
        registry.registerAccount(companies[1], CODE, "别名", 1, {"from": regulator})
    assert registry.holders() == [companies[0]]


def test_register_refused_to_non_regulator_R02(registry, companies):
    """R-02: only the regulator opens accounts."""
    with reverts("AccessControlUnauthorizedAccount"):
        registry.registerAccount(companies[0], CODE, "重庆甲化工", 1, {"from": companies[0]})


def test_allocate_adds_kg_R01(registry, regulator, companies, cod):
    """R-01: quantities are integer kilograms per pollutant kind."""
    registry.registerAccount(companies[0], CODE, "重庆甲化工", 1, {"from": regulator})
    tx = registry.allocate(companies[0], cod, 12_500, {"from": regulator})
    assert registry.balanceOf(companies[0], cod) == 12_500
    assert tx.events["RightsAllocated"]["kg"] == 12_500


def test_allocate_refuses_unknown_pollutant_R01(registry, regulator, companies):
    """R-01: pollutant kinds are data; an unknown kind is refused."""
    registry.registerAccount(companies[0], CODE, "重庆甲化工", 1, {"from": regulator})
    with reverts("RegistryUnknownPollutant", 99):
        registry.allocate(companies[0], 99, 1, {"from": regulator})
