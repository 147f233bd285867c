"""Batch entry points for a city's yearly cycle: each line under exactly the checks and events
of the single call, all or nothing (R-02, R-08, R-23, R-24)."""

import pytest
from brownie import accounts, chain

from backend.chain.domain import Origin, Sector
from tests.conftest import CAP_KG, DAY, YEAR
from tests.helpers import now, reverts

INDUSTRY = int(Sector.INDUSTRY)
ZERO = "0x" + "00" * 20


def fresh(n, start=30):
    """Addresses no test registered (beyond the city's units)."""
    return [accounts[start + i] for i in range(n)]


def test_batch_registration_registers_each_with_its_event_R02(registry, regulator, city):
    """R-02: every account of the batch is registered exactly as by registerAccount."""
    a, b = fresh(2)
    lines = [
        (a, "91500000MA6B00001W", "甲厂", INDUSTRY, 1, 1),
        (b, "91500000MA6B000020", "乙厂", INDUSTRY, 2, 1),
    ]
    tx = registry.registerAccountBatch(lines, {"from": regulator})
    events = tx.events["AccountRegistered"]
    assert [(e["holder"], e["creditCode"], e["district"]) for e in events] == [
        (a.address, "91500000MA6B00001W", 1),
        (b.address, "91500000MA6B000020", 2),
    ]
    assert registry.profile(b)["registered"] and registry.profile(b)["district"] == 2


def test_batch_registration_is_all_or_nothing_R02(registry, regulator, district_regulator, city):
    """R-02: one refused line (a taken credit code, a district outside the regulator's) refuses
    the whole batch; nothing is registered."""
    a, b = fresh(2, start=40)
    taken = city.chem.code
    with reverts("RegistryCreditCodeTaken", taken, city.chem.address):
        registry.registerAccountBatch(
            [(a, "91500000MA6B00011X", "甲", INDUSTRY, 1, 1), (b, taken, "乙", INDUSTRY, 1, 1)],
            {"from": regulator},
        )
    with reverts("RegistryOutsideDistrict", district_regulator.address, ZERO, 2):
        registry.registerAccountBatch(
            [(a, "91500000MA6B00011X", "甲", INDUSTRY, 1, 1),
             (b, "91500000MA6B000121", "乙", INDUSTRY, 2, 1)],
            {"from": district_regulator},
        )  # fmt: skip
    assert not registry.profile(a)["registered"]


def test_batch_allocation_credits_each_line_under_every_rule_R08(ledger, exchange, city):
    """R-08, R-10: each line is an allocation with its event and cap accounting; a line beyond
    the cap refuses the batch."""
    cod = city.pollutant["COD"]
    lines = [(city.chem, 1_000), (city.steel, 2_000)]
    tx = ledger.allocateBatch(cod, int(Origin.PAID), lines, {"from": exchange})
    assert [(e["holder"], e["kg"]) for e in tx.events["RightsAllocated"]] == [
        (city.chem.address, 1_000),
        (city.steel.address, 2_000),
    ]
    assert ledger.balanceOf(city.steel, cod)["paid"] == 2_000
    supply = ledger.totalSupply(cod)
    with reverts("LedgerCapExceeded"):
        ledger.allocateBatch(
            cod, int(Origin.PAID), [(city.chem, 1), (city.steel, CAP_KG)], {"from": exchange}
        )
    assert ledger.totalSupply(cod) == supply


def test_batch_allocation_refusals_R08(ledger, exchange, regulator, city, stranger):
    """R-08: paid or waived only, by the exchange only; an unregistered holder refuses it."""
    cod = city.pollutant["COD"]
    with reverts("LedgerInvalidOrigin", int(Origin.FREE)):
        ledger.allocateBatch(cod, int(Origin.FREE), [(city.chem, 1)], {"from": exchange})
    with reverts("AccessControlUnauthorizedAccount"):
        ledger.allocateBatch(cod, int(Origin.PAID), [(city.chem, 1)], {"from": regulator})
    with reverts("LedgerNotRegistered", stranger.address):
        ledger.allocateBatch(
            cod, int(Origin.PAID), [(city.chem, 1), (stranger, 1)], {"from": exchange}
        )


@pytest.fixture(scope="module")
def due(city, ledger, exchange, compliance, usage, regulator):
    """chem and steel hold 5 t paid COD; period 1 over, 3 t (chem) and 4 t (steel) used."""
    cod = city.pollutant["COD"]
    ledger.allocateBatch(
        cod, int(Origin.PAID), [(city.chem, 5_000), (city.steel, 5_000)], {"from": exchange}
    )
    t0 = now()
    end = t0 + DAY
    compliance.definePeriod(t0 - YEAR, end, end + 30 * DAY, end + 60 * DAY, {"from": regulator})
    usage.post(city.chem, cod, 1, 3_000, True)
    usage.post(city.steel, cod, 1, 4_000, True)
    chain.sleep(DAY + 1)
    chain.mine()
    return city


def test_batch_surrender_burns_each_units_usage_R24(compliance, ledger, regulator, due):
    """R-24: a regulator surrenders for many units at once; each gets its own events."""
    cod = due.pollutant["COD"]
    before = ledger.balanceOf(due.chem, cod)["paid"], ledger.balanceOf(due.steel, cod)["paid"]
    tx = compliance.surrenderBatch([due.chem, due.steel], cod, 1, {"from": regulator})
    assert [(e["unit"], e["kg"]) for e in tx.events["Surrendered"]] == [
        (due.chem.address, 3_000),
        (due.steel.address, 4_000),
    ]
    assert ledger.balanceOf(due.chem, cod)["paid"] == before[0] - 3_000
    assert ledger.balanceOf(due.steel, cod)["paid"] == before[1] - 4_000


def test_batch_surrender_refusals_R24(compliance, regulator, due):
    """R-24: a unit may surrender only for itself; a unit with nothing due refuses the batch."""
    cod = due.pollutant["COD"]
    with reverts("ComplianceNotAuthorised", due.chem.address, due.steel.address):
        compliance.surrenderBatch([due.chem, due.steel], cod, 1, {"from": due.chem.account})
    compliance.surrender(due.chem, cod, 1, {"from": regulator})
    with reverts("ComplianceNothingDue", due.chem.address, cod, 1):
        compliance.surrenderBatch([due.steel, due.chem], cod, 1, {"from": regulator})
