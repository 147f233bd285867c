"""Accounts and the regulator-maintained data the rules read (AccountRegistry)."""

import pytest
from brownie import chain

from backend.chain.domain import PollutantClass, Sector
from backend.services.registration import with_check
from tests.helpers import reverts

CODE = "91500000MA5U99999U"
CODE2 = with_check("91500000MA5U88888")
ZERO_ADDRESS = "0x" + "00" * 20


def test_add_pollutant_as_data_R01(registry, regulator):
    """R-01: a regulator adds a pollutant kind; ids count up from 1; the code is unique."""
    tx = registry.addPollutant("VOC", "挥发性有机物", int(PollutantClass.AIR), {"from": regulator})
    assert tx.return_value == 1
    assert tx.events["PollutantAdded"]["code"] == "VOC"
    code, kind, exists = registry.pollutant(1)
    assert bytes(code).rstrip(b"\0") == b"VOC"
    assert (kind, exists) == (int(PollutantClass.AIR), True)
    assert registry.pollutantCount() == 1
    with reverts("RegistryPollutantCodeTaken", "VOC", 1):
        registry.addPollutant("VOC", "重复", 0, {"from": regulator})
    with reverts("RegistryInvalidCode", ""):
        registry.addPollutant("", "空", 0, {"from": regulator})
    with reverts("RegistryInvalidCode"):
        registry.addPollutant("X" * 17, "太长", 0, {"from": regulator})
    assert registry.pollutantCount() == 1


def test_add_pollutant_refused_to_others_R01(registry, district_regulator, stranger):
    """R-01: only the city regulator adds kinds."""
    for actor in (district_regulator, stranger):
        with reverts("AccessControlUnauthorizedAccount"):
            registry.addPollutant("VOC", "挥发性有机物", 2, {"from": actor})


def test_one_account_per_credit_code_R02(registry, regulator, companies):
    """R-02: one real-name account per unified social credit code, and one per address."""
    before = registry.accountCount()  # the deployment registers the government reserve
    tx = registry.registerAccount(
        companies[0], CODE, "长江化工", int(Sector.INDUSTRY), 1, 1, {"from": regulator}
    )
    assert tx.events["AccountRegistered"]["creditCode"] == CODE
    assert registry.holderOf(CODE) == companies[0]
    with reverts("RegistryCreditCodeTaken", CODE, companies[0]):
        registry.registerAccount(
            companies[1], CODE, "别名", int(Sector.INDUSTRY), 1, 1, {"from": regulator}
        )
    with reverts("RegistryAccountExists", companies[0]):
        registry.registerAccount(
            companies[0],
            "91500000MA5U888883",
            "二号",
            int(Sector.INDUSTRY),
            1,
            1,
            {"from": regulator},
        )
    assert registry.accountCount() == before + 1


@pytest.mark.parametrize("code", ["", "9150000", "91500000MA5U9999999"])
def test_credit_code_must_have_18_characters_R02(registry, regulator, companies, code):
    """R-02: a unified social credit code has 18 characters."""
    with reverts("RegistryInvalidCode"):
        registry.registerAccount(
            companies[0], code, "x", int(Sector.INDUSTRY), 1, 1, {"from": regulator}
        )


def test_sector_none_refused_R03(registry, regulator, companies):
    """R-03: every account has a sector."""
    with reverts("RegistryInvalidSector", 0):
        registry.registerAccount(companies[0], CODE, "x", 0, 1, 1, {"from": regulator})


def test_district_regulator_registers_in_own_district_only_R02(
    registry, district_regulator, companies
):
    """R-02, SPEC §1: a district regulator registers only in its district (district 1 here)."""
    registry.registerAccount(
        companies[0], CODE, "区内企业", int(Sector.INDUSTRY), 1, 1, {"from": district_regulator}
    )
    with reverts("RegistryOutsideDistrict", district_regulator, "0x" + "0" * 40, 2):
        registry.registerAccount(
            companies[1],
            "91500000MA5U888883",
            "区外企业",
            int(Sector.INDUSTRY),
            2,
            1,
            {"from": district_regulator},
        )


def test_stranger_cannot_register_R02(registry, stranger, companies):
    """R-02: registration is a regulator's act."""
    with reverts("RegistryNotAuthority", stranger):
        registry.registerAccount(
            companies[0], CODE, "x", int(Sector.INDUSTRY), 1, 1, {"from": stranger}
        )


def test_attributes_record_the_block_they_took_effect_R03(registry, regulator, companies):
    """R-03, R-04: attribute changes take effect from their block and are evented."""
    registry.registerAccount(
        companies[0], CODE, "x", int(Sector.INDUSTRY), 1, 1, {"from": regulator}
    )
    chain.mine(3)
    tx = registry.changeAttributes(
        companies[0], int(Sector.THERMAL_POWER), 2, 3, {"from": regulator}
    )
    profile = registry.profile(companies[0])
    assert (profile["sector"], profile["district"], profile["basin"]) == (
        int(Sector.THERMAL_POWER),
        2,
        3,
    )
    assert profile["updatedAtBlock"] == tx.block_number
    assert tx.events["AttributesChanged"]["by"] == regulator


def test_district_regulator_cannot_move_a_unit_out_of_its_district_R03(
    registry, regulator, district_regulator, companies
):
    """R-03, SPEC §1: moving a unit to another district needs the city regulator."""
    registry.registerAccount(
        companies[0], CODE, "x", int(Sector.INDUSTRY), 1, 1, {"from": regulator}
    )
    registry.changeAttributes(
        companies[0], int(Sector.INDUSTRY), 1, 2, {"from": district_regulator}
    )
    with reverts("RegistryOutsideDistrict"):
        registry.changeAttributes(
            companies[0], int(Sector.INDUSTRY), 2, 2, {"from": district_regulator}
        )
    assert registry.profile(companies[0])["district"] == 1
    assert registry.profile(companies[0])["basin"] == 2


def test_a_sector_change_is_the_councils_R03_R19(
    registry, regulator, district_regulator, companies
):
    """R-03, R-19, R-38: a unit's sector decides which trading rules bind it, so one authority's
    key cannot change it (the test deployment's regulator holds the time lock's role, here the
    council's stand-in)."""
    registry.registerAccount(
        companies[0], CODE, "x", int(Sector.THERMAL_POWER), 1, 1, {"from": regulator}
    )
    lock = registry.TIMELOCK_ROLE()
    for sector in (Sector.INDUSTRY, Sector.GOVERNMENT):
        with reverts("AccessControlUnauthorizedAccount", district_regulator, lock):
            registry.changeAttributes(companies[0], int(sector), 1, 1, {"from": district_regulator})
    registry.changeAttributes(companies[0], int(Sector.INDUSTRY), 1, 1, {"from": regulator})
    assert registry.profile(companies[0])["sector"] == int(Sector.INDUSTRY)


def test_only_the_council_registers_a_government_account_R03(
    registry, district_regulator, companies
):
    """SPEC §8: a Government (authority) account is exempt from R-18–R-20 and R-39, so only the
    council registers one; a district regulator is refused in its own district."""
    lock = registry.TIMELOCK_ROLE()
    with reverts("AccessControlUnauthorizedAccount", district_regulator, lock):
        registry.registerAccount(
            companies[0], CODE, "x", int(Sector.GOVERNMENT), 1, 1, {"from": district_regulator}
        )
    assert not registry.profile(companies[0])["registered"]


def test_district_regulator_cannot_touch_other_districts_units_R17(
    registry, regulator, district_regulator, companies
):
    """R-17, SPEC §1: a district regulator freezing a unit of another district is refused; the
    blacklist proper (credit, fraud) is the council's time lock's alone, in any district."""
    registry.registerAccount(
        companies[0], CODE, "x", int(Sector.INDUSTRY), 2, 1, {"from": regulator}
    )
    supervision = registry.RESTRICTION_SUPERVISION()
    with reverts("RegistryOutsideDistrict", district_regulator, companies[0], 2):
        registry.setRestriction(
            companies[0], supervision, True, "挂牌督办", {"from": district_regulator}
        )
    with reverts("AccessControlUnauthorizedAccount", district_regulator, registry.TIMELOCK_ROLE()):
        registry.setRestriction(companies[0], 1, True, "环保信用不良", {"from": district_regulator})
    assert registry.profile(companies[0])["restrictions"] == 0


def test_restrictions_are_a_bitmask_of_reasons_R17(registry, regulator, companies):
    """R-17: each restriction reason is set and cleared on its own; any set bit blacklists."""
    registry.registerAccount(
        companies[0], CODE, "x", int(Sector.INDUSTRY), 1, 1, {"from": regulator}
    )
    supervision = registry.RESTRICTION_SUPERVISION()
    rectification = registry.RESTRICTION_RECTIFICATION()
    registry.setRestriction(companies[0], supervision, True, "挂牌督办", {"from": regulator})
    tx = registry.setRestriction(companies[0], rectification, True, "限期治理", {"from": regulator})
    assert tx.events["RestrictionChanged"]["reason"] == "限期治理"
    assert registry.profile(companies[0])["restrictions"] == supervision | rectification
    registry.setRestriction(companies[0], supervision, False, "整治完成", {"from": regulator})
    assert registry.profile(companies[0])["restrictions"] == rectification


@pytest.mark.parametrize("bit", [0, 3, 64, 128])
def test_unknown_or_combined_restriction_refused_R17(registry, regulator, companies, bit):
    """R-17: one known reason per call, so the record says which one changed."""
    registry.registerAccount(
        companies[0], CODE, "x", int(Sector.INDUSTRY), 1, 1, {"from": regulator}
    )
    with reverts("RegistryInvalidRestriction", bit):
        registry.setRestriction(companies[0], bit, True, "?", {"from": regulator})


def test_policy_flag_and_seller_qualification_R11_R39(registry, regulator, companies):
    """R-11 and R-39 flags are regulator data with events."""
    registry.registerAccount(
        companies[0], CODE, "x", int(Sector.INDUSTRY), 1, 1, {"from": regulator}
    )
    tx = registry.setPolicyRestricted(companies[0], True, "淘汰类产能", {"from": regulator})
    assert tx.events["PolicyRestrictionChanged"]["restricted"] is True
    registry.setQualifiedSeller(companies[0], True, {"from": regulator})
    profile = registry.profile(companies[0])
    assert profile["policyRestricted"] and profile["qualifiedSeller"]


def test_unregistered_account_refused(registry, regulator, companies):
    """R-02: attributes exist only for registered accounts."""
    with reverts("RegistryNotRegistered", companies[5]):
        registry.setQualifiedSeller(companies[5], True, {"from": regulator})


def test_non_attainment_and_sector_rollout_are_city_lists_R18_R38(
    registry, regulator, district_regulator
):
    """R-18, R-38: the city regulator keeps the non-attainment list and the sector roll-out."""
    registry.addPollutant("COD", "化学需氧量", int(PollutantClass.WATER), {"from": regulator})
    registry.setNonAttainment(True, 4, 1, True, {"from": regulator})
    assert registry.isNonAttainment(True, 4, 1)
    assert not registry.isNonAttainment(False, 4, 1)
    with reverts("RegistryUnknownPollutant", 9):
        registry.setNonAttainment(True, 4, 9, True, {"from": regulator})
    with reverts("RegistryInvalidDistrict", 128):  # listed areas have ids below 128
        registry.setNonAttainment(False, 128, 1, True, {"from": regulator})
    registry.setNonAttainment(True, 4, 1, False, {"from": regulator})
    assert not registry.isNonAttainment(True, 4, 1)
    registry.setSectorEnabled(int(Sector.INDUSTRY), True, {"from": regulator})
    assert registry.sectorEnabled(int(Sector.INDUSTRY))
    assert not registry.sectorEnabled(int(Sector.LIVESTOCK))
    with reverts("AccessControlUnauthorizedAccount"):
        registry.setSectorEnabled(int(Sector.LIVESTOCK), True, {"from": district_regulator})


def _profile_word(word: int) -> tuple:
    """A profile word of `ruleContext` as `profile()` answers (registry/RuleContext.sol)."""
    byte = lambda i: (word >> (8 * i)) & 0xFF
    return (
        byte(0) != 0, byte(1) != 0, byte(2) != 0, byte(3) != 0, byte(4), byte(5),
        (word >> 48) & 0xFFFF, (word >> 64) & 0xFFFF, (word >> 80) & (2**64 - 1),
    )  # fmt: skip


def test_rule_context_is_the_profiles_pollutant_and_lists_in_three_words_R18_R38(
    registry, regulator, companies
):
    """The rule engine's one read of the registry: both profiles as stored, the pollutant, the
    roll-out and the non-attainment lists of the receiving party; without a receiving party
    (surrender, pledge, release) the holder's profile and the pollutant only."""
    registry.addPollutant("SO2", "二氧化硫", int(PollutantClass.AIR), {"from": regulator})
    registry.registerAccount(
        companies[0], CODE, "x", int(Sector.INDUSTRY), 4, 2, {"from": regulator}
    )
    registry.registerAccount(
        companies[1], CODE2, "y", int(Sector.LIVESTOCK), 5, 3, {"from": regulator}
    )
    registry.setQualifiedSeller(companies[0], True, {"from": regulator})
    registry.setNonAttainment(False, 5, 1, True, {"from": regulator})  # district 5
    registry.setNonAttainment(True, 2, 1, True, {"from": regulator})  # basin 2
    registry.setSectorEnabled(int(Sector.INDUSTRY), True, {"from": regulator})
    profiles = [tuple(registry.profile(c)) for c in companies[:2]]

    sender, receiver, facts = registry.ruleContext(companies[0], companies[1], 1, True, True)
    assert (_profile_word(sender), _profile_word(receiver)) == tuple(profiles)
    assert facts & 1 and (facts >> 8) & 0xFF == int(PollutantClass.AIR)
    # sending sector enabled, receiving not; the receiver's district listed, its basin not
    assert (facts >> 16) & 0xF == 0b0101
    _, _, facts = registry.ruleContext(companies[1], companies[0], 1, True, True)
    assert (facts >> 16) & 0xF == 0b1010  # the other way round: the basin 2 receiver
    # a city without the roll-out or the non-attainment ban reads neither
    assert registry.ruleContext(companies[0], companies[1], 1, False, True)[2] >> 16 == 0b0100
    assert registry.ruleContext(companies[0], companies[1], 1, True, False)[2] >> 16 == 0b0001
    assert registry.ruleContext(companies[0], companies[1], 1, False, False)[2] >> 16 == 0

    holder, nobody, facts = registry.ruleContext(companies[0], ZERO_ADDRESS, 1, False, False)
    assert _profile_word(holder) == profiles[0] and nobody == 0
    assert facts == 1 | int(PollutantClass.AIR) << 8  # no roll-out or list read
    # a listing's offer has no buyer yet: the seller's roll-out is read
    assert registry.ruleContext(companies[0], ZERO_ADDRESS, 1, True, False)[2] >> 16 == 0b0001
    allocation_from, _, _ = registry.ruleContext(ZERO_ADDRESS, companies[0], 1, True, True)
    assert allocation_from == 0
    unknown, _, facts = registry.ruleContext(companies[2], ZERO_ADDRESS, 9, True, True)
    assert unknown == 0 and facts == 0  # not registered, no such pollutant


def test_closing_needs_the_account_manager_module_R32(registry, regulator, companies, stranger):
    """R-32: closure is done by the module that checked balances; a closed account stays closed."""
    registry.registerAccount(
        companies[0], CODE, "x", int(Sector.INDUSTRY), 1, 1, {"from": regulator}
    )
    with reverts("AccessControlUnauthorizedAccount"):
        registry.closeAccount(companies[0], "迁出", {"from": regulator})
    registry.grantRole(registry.ACCOUNT_MANAGER_ROLE(), stranger, {"from": regulator})
    registry.closeAccount(companies[0], "迁出", {"from": stranger})
    assert registry.profile(companies[0])["closed"]
    with reverts("RegistryAccountIsClosed", companies[0]):
        registry.setQualifiedSeller(companies[0], True, {"from": regulator})


def test_only_admin_appoints_district_regulators(registry, regulator, district_regulator, stranger):
    """SPEC §1: the registry's admin appoints district regulators and their district."""
    with reverts("AccessControlUnauthorizedAccount"):
        registry.setDistrictRegulator(stranger, 5, {"from": district_regulator})
    tx = registry.setDistrictRegulator(stranger, 5, {"from": regulator})
    assert tx.events["DistrictRegulatorSet"]["district"] == 5
    assert registry.districtOfRegulator(stranger) == 5
    with reverts("RegistryInvalidDistrict", 0):
        registry.setDistrictRegulator(stranger, 0, {"from": regulator})
