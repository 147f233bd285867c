"""Discharge permits (R-22) and their link to holdings and shortfalls (R-06, R-25)."""

import pytest
from brownie import chain

from backend.chain.domain import Origin
from tests.conftest import DAY, YEAR
from tests.helpers import now, plain, reverts


@pytest.fixture(scope="module")
def held(city, ledger, exchange, regulator):
    """chem holds 10 t COD paid + 2 t free, 5 t SO2 paid."""
    cod, so2 = city.pollutant["COD"], city.pollutant["SO2"]
    ledger.allocate(city.chem, cod, int(Origin.PAID), 10_000, {"from": exchange})
    ledger.allocateFree(city.chem, cod, 2_000, {"from": regulator})
    ledger.allocate(city.chem, so2, int(Origin.PAID), 5_000, {"from": exchange})
    return city


def issue(permits, actor, unit, pollutants, quantities, start_offset=-DAY, length=5 * YEAR - DAY):
    """A permit from ``start_offset`` to ``length`` from now (default: the city's 5 years, R-22)."""
    t0 = now()
    return permits.issuePermit(
        unit, pollutants, quantities, t0 + start_offset, t0 + length, {"from": actor}
    )


def test_issue_permit_when_holdings_cover_it_R22(permits, ledger, regulator, held):
    """R-22: holdings ≥ permitted quantity (free rights count) → permit issued, version 1."""
    cod, so2 = held.pollutant["COD"], held.pollutant["SO2"]
    tx = issue(permits, regulator, held.chem, [cod, so2], [12_000, 5_000])
    assert tx.events["PermitIssued"]["version"] == 1
    assert [e["kg"] for e in tx.events["PermittedQuantitySet"]] == [12_000, 5_000]
    assert ledger.positionOf(held.chem, cod)["permitted"] == 12_000
    assert ledger.permitValid(held.chem)


def test_issue_refused_when_holdings_are_below_R22(permits, ledger, regulator, held):
    """R-22: one pollutant short refuses the whole permit; nothing is recorded."""
    cod, so2 = held.pollutant["COD"], held.pollutant["SO2"]
    with reverts("PermitHoldingsBelowPermit", held.chem, so2, 5_000, 5_001):
        issue(permits, regulator, held.chem, [cod, so2], [12_000, 5_001])
    assert plain(ledger.permitOf(held.chem)) == (0, 0, 0)
    assert ledger.positionOf(held.chem, cod)["permitted"] == 0


def test_issue_refused_while_a_shortfall_is_owed_R25(permits, ledger, compliance, regulator, held):
    """R-25: a unit owing a shortfall gets no permit issued, changed or renewed."""
    cod = held.pollutant["COD"]
    ledger.grantRole(ledger.COMPLIANCE_ROLE(), regulator, {"from": regulator})
    ledger.setOwed(held.chem, cod, 700, {"from": regulator})
    with reverts("PermitOwesShortfall", held.chem, cod, 700):
        issue(permits, regulator, held.chem, [cod], [1_000])
    ledger.setOwed(held.chem, cod, 0, {"from": regulator})
    issue(permits, regulator, held.chem, [cod], [1_000])
    ledger.setOwed(held.chem, cod, 5, {"from": regulator})
    with reverts("PermitOwesShortfall", held.chem, cod, 5):
        permits.changePermit(held.chem, [cod], [900], {"from": regulator})
    with reverts("PermitOwesShortfall", held.chem, cod, 5):
        permits.renewPermit(held.chem, now() + 5 * YEAR, {"from": regulator})


def test_change_replaces_all_quantities_in_a_new_version_R22(permits, ledger, regulator, held):
    """R-22: a change is a new version; pollutants left out are permitted 0 kg."""
    cod, so2 = held.pollutant["COD"], held.pollutant["SO2"]
    issue(permits, regulator, held.chem, [cod, so2], [12_000, 5_000])
    tx = permits.changePermit(held.chem, [cod], [8_000], {"from": regulator})
    assert tx.events["PermitIssued"]["version"] == 2
    assert ledger.positionOf(held.chem, cod)["permitted"] == 8_000
    assert ledger.positionOf(held.chem, so2)["permitted"] == 0
    with reverts("PermitHoldingsBelowPermit", held.chem, cod, 12_000, 12_001):
        permits.changePermit(held.chem, [cod], [12_001], {"from": regulator})


def test_change_needs_a_valid_permit_R22(permits, regulator, held):
    """R-22: there is nothing to change before issue or after expiry."""
    cod = held.pollutant["COD"]
    with reverts("PermitNoValidPermit", held.chem):
        permits.changePermit(held.chem, [cod], [1], {"from": regulator})
    issue(permits, regulator, held.chem, [cod], [1_000], length=YEAR)
    chain.sleep(YEAR + 1)
    with reverts("PermitNoValidPermit", held.chem):
        permits.changePermit(held.chem, [cod], [1], {"from": regulator})


def test_renewal_re_checks_holdings_R22(permits, ledger, exchange, regulator, held):
    """R-22 (seed 003: re-confirmed every 5 years): renewal needs holdings ≥ permitted again."""
    cod = held.pollutant["COD"]
    issue(permits, regulator, held.chem, [cod], [12_000])
    new_end = now() + 5 * YEAR  # 5 years from today: the longest renewal
    ledger.grantRole(ledger.COMPLIANCE_ROLE(), regulator, {"from": regulator})
    ledger.surrender(held.chem, cod, 1, {"from": regulator})  # usage took 1 kg
    with reverts("PermitHoldingsBelowPermit", held.chem, cod, 11_999, 12_000):
        permits.renewPermit(held.chem, new_end, {"from": regulator})
    ledger.allocate(held.chem, cod, int(Origin.PAID), 1, {"from": exchange})
    tx = permits.renewPermit(held.chem, new_end, {"from": regulator})
    assert tx.events["PermitIssued"]["validTo"] == new_end
    with reverts("PermitInvalidPeriod"):
        permits.renewPermit(held.chem, new_end, {"from": regulator})


def test_revoked_permit_no_longer_binds_R06(permits, ledger, lens, regulator, held):
    """R-06 binds only while a permit is valid; revocation ends it now."""
    cod = held.pollutant["COD"]
    issue(permits, regulator, held.chem, [cod], [12_000])
    assert lens.sellable(held.chem, cod) == 0
    tx = permits.revokePermit(held.chem, {"from": regulator})
    assert tx.events["PermitRevoked"]["version"] == 1
    assert not ledger.permitValid(held.chem)
    assert lens.sellable(held.chem, cod) == 0  # nothing certified tradable yet
    with reverts("PermitNoValidPermit", held.chem):
        permits.revokePermit(held.chem, {"from": regulator})


def test_future_permit_is_not_yet_valid_R06(permits, ledger, regulator, held):
    """R-06: a permit whose validity starts later does not bind yet."""
    cod = held.pollutant["COD"]
    issue(permits, regulator, held.chem, [cod], [12_000], start_offset=YEAR)
    assert not ledger.permitValid(held.chem)


@pytest.mark.parametrize(
    "pollutants, quantities, error, args",
    [
        ([1, 3], [10], "PermitLengthMismatch", (2, 1)),
        ([1, 1], [10, 20], "PermitDuplicatePollutant", (1,)),
        ([0], [10], "PermitUnknownPollutant", (0,)),
        ([8], [10], "PermitUnknownPollutant", (8,)),
    ],
)
def test_malformed_permits_refused_R22(
    permits, ledger, regulator, held, pollutants, quantities, error, args
):
    """R-22: a duplicated pollutant could hide a second quantity; malformed lists are refused."""
    with reverts(error, *args):
        issue(permits, regulator, held.chem, pollutants, quantities)
    assert ledger.permitOf(held.chem)["version"] == 0


def test_invalid_period_refused_R22(permits, regulator, held):
    """R-22: a permit needs a validity period that ends in the future."""
    t0 = now()
    with reverts("PermitInvalidPeriod"):
        permits.issuePermit(held.chem, [1], [1], t0, t0, {"from": regulator})
    with reverts("PermitInvalidPeriod"):
        permits.issuePermit(held.chem, [1], [1], t0 - 2 * YEAR, t0 - YEAR, {"from": regulator})


def test_district_regulator_issues_only_in_its_district_R22(permits, district_regulator, held):
    """SPEC §1: district regulators issue permits for units of their district only."""
    cod = held.pollutant["COD"]
    issue(permits, district_regulator, held.chem, [cod], [1_000])  # chem: district 1
    with reverts("PermitNotAuthority", district_regulator, held.steel):
        issue(permits, district_regulator, held.steel, [cod], [0])


def test_ledger_permit_records_only_through_the_permit_registry_R22(ledger, regulator, held):
    """R-22: nobody but the permit module writes permit figures into the ledger."""
    with reverts("AccessControlUnauthorizedAccount"):
        ledger.recordPermit(held.chem, 0, 2**40, regulator, {"from": regulator})
    with reverts("AccessControlUnauthorizedAccount"):
        ledger.recordPermitted(held.chem, 1, 0, {"from": regulator})
