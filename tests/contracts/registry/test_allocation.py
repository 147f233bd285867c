"""Creating rights: primary and legacy free allocation, caps (R-08, R-10, R-11, R-12, R-38)."""

from backend.chain.domain import Op, Origin, Reason, Sector
from backend.chain.policy import Switch
from tests.conftest import CAP_KG
from tests.helpers import movement, plain, policy_switch_now, reverts


def test_exchange_allocates_paid_and_waived_rights_R08_R12(ledger, exchange, city):
    """R-08: rights appear as paid after settlement; R-12: under a waiver as waived."""
    cod = city.pollutant["COD"]
    tx = ledger.allocate(city.chem, cod, int(Origin.PAID), 5_000, {"from": exchange})
    ledger.allocate(city.chem, cod, int(Origin.WAIVED), 1_000, {"from": exchange})
    assert tx.events["RightsAllocated"]["region"] == city.chem.district
    assert plain(ledger.balanceOf(city.chem, cod)) == (5_000, 0, 1_000, 0)
    assert ledger.totalSupply(cod) == 6_000
    assert plain(ledger.capOf(city.chem.district, cod)) == (CAP_KG, 6_000, True)


def test_exchange_cannot_create_free_rights_R08(ledger, exchange, city):
    """R-08: rights bought through the exchange are never free."""
    with reverts("LedgerInvalidOrigin", int(Origin.FREE)):
        ledger.allocate(city.chem, 1, int(Origin.FREE), 5_000, {"from": exchange})


def test_regulator_records_legacy_free_rights(ledger, regulator, district_regulator, city):
    """SPEC §4: legacy free allocation by the regulator (or the unit's district regulator)."""
    ledger.allocateFree(city.chem, 1, 2_000, {"from": district_regulator})
    ledger.allocateFree(city.steel, 1, 2_000, {"from": regulator})
    assert ledger.balanceOf(city.chem, 1)["free"] == 2_000
    with reverts("LedgerNotAuthority", district_regulator, city.steel):
        ledger.allocateFree(city.steel, 1, 1, {"from": district_regulator})


def test_holders_cannot_allocate_or_move_rights_R13(ledger, city):
    """R-13: only the exchange changes holders; a holder calling the ledger is refused."""
    with reverts("AccessControlUnauthorizedAccount"):
        ledger.allocate(city.chem, 1, 0, 1, {"from": city.chem.account})
    with reverts("AccessControlUnauthorizedAccount"):
        ledger.trade(city.chem, city.steel, 1, 1, 10**9, 1, {"from": city.chem.account})


def test_cap_is_never_exceeded_R10(ledger, exchange, regulator, city):
    """R-10: allocation up to the cap passes, one kilogram more is refused."""
    cod = city.pollutant["COD"]
    ledger.setCap(1, cod, 10_000, {"from": regulator})
    ledger.allocate(city.chem, cod, 0, 9_000, {"from": exchange})
    m = movement(Op.ALLOCATE, "0x" + "0" * 40, city.chem, cod, 1_001, region=1)
    assert plain(ledger.check(m)) == (Reason.CAP_EXCEEDED, 1_000, 1_001)
    with reverts("LedgerCapExceeded", 1, cod, 1_001, 1_000):
        ledger.allocate(city.chem, cod, 0, 1_001, {"from": exchange})
    ledger.allocate(city.hotel, cod, 0, 1_000, {"from": exchange})
    assert ledger.capOf(1, cod)["allocated"] == 10_000


def test_allocation_without_a_cap_is_refused_R10(
    ledger, exchange, regulator, registry, companies, city
):
    """R-10: total control — no cap for the region and pollutant means no allocation."""
    registry.registerAccount(
        companies[7],
        "91500000MA5U77777A",
        "新区企业",
        int(Sector.INDUSTRY),
        9,
        1,
        {"from": regulator},
    )
    with reverts("LedgerNoCap", 9, 1):
        ledger.allocate(companies[7], 1, 0, 1, {"from": exchange})


def test_cap_cannot_be_set_below_what_was_allocated_R10(ledger, exchange, regulator, city):
    """R-10: lowering a cap under the allocated total is refused."""
    ledger.allocate(city.chem, 1, 0, 5_000, {"from": exchange})
    with reverts("LedgerCapBelowAllocated", 1, 1, 4_999, 5_000):
        ledger.setCap(1, 1, 4_999, {"from": regulator})
    tx = ledger.setCap(1, 1, 5_000, {"from": regulator})
    assert tx.events["CapSet"]["cap"] == 5_000


def test_no_rights_for_units_failing_industrial_policy_R11(
    ledger, exchange, registry, regulator, city
):
    """R-11: the regulator's flag refuses allocation."""
    registry.setPolicyRestricted(city.chem, True, "淘汰类", {"from": regulator})
    with reverts("LedgerPolicyRestricted", city.chem):
        ledger.allocate(city.chem, 1, 0, 1_000, {"from": exchange})
    with reverts("LedgerPolicyRestricted", city.chem):
        ledger.allocateFree(city.chem, 1, 1_000, {"from": regulator})


def test_paid_use_only_in_enabled_sectors_R38(ledger, exchange, registry, regulator, city, policy):
    """R-38: paid use follows the sector roll-out (a city whose policy has one); legacy free
    rights do not depend on it."""
    policy_switch_now(policy, regulator, Switch.SECTOR_ROLLOUT)
    registry.setSectorEnabled(int(Sector.SERVICE), False, {"from": regulator})
    with reverts("LedgerSectorNotEnabled", city.hotel, int(Sector.SERVICE)):
        ledger.allocate(city.hotel, 1, 0, 1_000, {"from": exchange})
    ledger.allocateFree(city.hotel, 1, 1_000, {"from": regulator})
    assert ledger.balanceOf(city.hotel, 1)["free"] == 1_000


def test_unknown_pollutant_zero_quantity_and_unregistered_refused(ledger, exchange, city, stranger):
    """R-01, R-02: a pollutant must exist, a quantity be positive, a holder be registered."""
    with reverts("LedgerUnknownPollutant", 99):
        ledger.allocate(city.chem, 99, 0, 1, {"from": exchange})
    with reverts("LedgerZeroQuantity"):
        ledger.allocate(city.chem, 1, 0, 0, {"from": exchange})
    with reverts("LedgerNotRegistered", stranger):
        ledger.allocate(stranger, 1, 0, 1, {"from": exchange})
