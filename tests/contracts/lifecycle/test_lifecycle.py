"""Merger, split, closure and fraud (R-30 … R-33): one transaction each, all or nothing."""

import pytest

from backend.chain.domain import Origin, TradeMode
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.helpers import (
    company_key,
    contract_domain,
    fen_at_benchmark,
    loan,
    now,
    plain,
    reverts,
    sign_document,
)

FRAUD_SOURCE = 4


@pytest.fixture(scope="module")
def unit(city, ledger, exchange, regulator, permits, pledges, bank, compliance):
    """chem: COD 10 t paid (4 t pledged), 2 t free, 1 t waived; SO2 5 t paid; permit COD 6 t;
    owes 300 kg COD; certified 1 t COD tradable."""
    cod, so2 = city.pollutant["COD"], city.pollutant["SO2"]
    ledger.allocate(city.chem, cod, int(Origin.PAID), 10_000, {"from": exchange})
    ledger.allocateFree(city.chem, cod, 2_000, {"from": regulator})
    ledger.allocate(city.chem, cod, int(Origin.WAIVED), 1_000, {"from": exchange})
    ledger.allocate(city.chem, so2, int(Origin.PAID), 5_000, {"from": exchange})
    t0 = now()
    permits.issuePermit(city.chem, [cod], [6_000], t0 - DAY, t0 + YEAR, {"from": regulator})
    pledges.pledge(bank, cod, 4_000, *loan(), {"from": city.chem.account})
    ledger.certifyTradable(city.chem, cod, 1_000, {"from": regulator})
    ledger.grantRole(ledger.COMPLIANCE_ROLE(), regulator, {"from": regulator})
    ledger.setOwed(city.chem, cod, 300, {"from": regulator})
    return city


def test_merger_passes_everything_to_the_successor_R30(
    lifecycle, ledger, registry, pledges, compliance, bank, regulator, exchange, unit
):
    """R-30: rights by origin, pledges (kept by the bank), permitted and certified quantities and
    the owed shortfall pass in one transaction; the merged account closes."""
    cod, so2 = unit.pollutant["COD"], unit.pollutant["SO2"]
    tx = lifecycle.merge(unit.chem, unit.steel, "吸收合并", 0, [], {"from": regulator})
    assert tx.events["UnitsMerged"]["to"] == unit.steel.address
    assert plain(ledger.balanceOf(unit.steel, cod)) == (10_000, 2_000, 1_000, 4_000)
    assert ledger.balanceOf(unit.steel, so2)["paid"] == 5_000
    assert plain(ledger.balanceOf(unit.chem, cod)) == (0, 0, 0, 0)
    pos = ledger.positionOf(unit.steel, cod)
    assert (pos["permitted"], pos["tradable"]) == (6_000, 1_000)
    assert (ledger.owed(unit.steel, cod), ledger.owed(unit.chem, cod)) == (300, 0)
    assert pledges.pledgeOf(1)["holder"] == unit.steel.address
    succeeded = tx.events["PledgesSucceeded"]
    assert (succeeded["from"], succeeded["to"]) == (unit.chem.address, unit.steel.address)
    assert pledges.hasActivePledges(unit.steel)
    assert not pledges.hasActivePledges(unit.chem)
    assert compliance.obligor(unit.chem) == unit.steel.address
    assert registry.profile(unit.chem)["closed"]
    pledges.release(1, {"from": bank})  # the bank still holds the pledge
    assert ledger.balanceOf(unit.steel, cod)["pledged"] == 0
    assert not pledges.hasActivePledges(unit.steel)
    with reverts("LedgerAccountClosed", unit.chem):
        ledger.allocate(unit.chem, cod, 0, 1, {"from": exchange})


def test_merged_units_surrender_is_met_by_the_successor_R30_R24(
    lifecycle, compliance, usage, ledger, regulator, unit
):
    """R-30: obligations pass — the merged unit's period is surrendered from the successor's
    rights."""
    cod = unit.pollutant["COD"]
    t0 = now()
    compliance.definePeriod(t0 - YEAR, t0 - 1, t0 + YEAR, t0 + 2 * YEAR, {"from": regulator})
    usage.post(unit.chem, cod, 1, 2_500, True)
    lifecycle.merge(unit.chem, unit.steel, "合并", 0, [], {"from": regulator})
    tx = compliance.surrender(unit.chem, cod, 1, {"from": unit.steel.account})
    assert tx.events["RightsSurrendered"][0]["holder"] == unit.steel.address
    assert compliance.status(unit.chem, cod, 1)[0] == 5  # Compliant


def test_merger_with_an_active_lease_changes_nothing_R30(
    lifecycle, leases, ledger, money, regulator, unit
):
    """R-30: leases must end first; a refused merger leaves every balance as it was."""
    so2 = unit.pollutant["SO2"]
    with reverts("LedgerThermalPowerAirPollutant"):  # the lease itself obeys R-19, from its offer
        _lease(leases, unit.chem, unit.power, so2, 1_000)
    lease_id = _lease(leases, unit.chem, unit.hotel, so2, 1_000)
    leases.acceptLease(lease_id, {"from": unit.hotel.account})
    before = plain(ledger.balanceOf(unit.chem, unit.pollutant["COD"]))
    with reverts("LifecycleActiveLease", unit.chem, so2):
        lifecycle.merge(unit.chem, unit.steel, "合并", 0, [], {"from": regulator})
    assert plain(ledger.balanceOf(unit.chem, unit.pollutant["COD"])) == before


def _lease(leases, lessor, lessee, pollutant, kg, days=30):
    """A lease offer at its rent floor (R-35) for ``days``, the lessee funded to pay it; returns
    its id."""
    from brownie import TestMoney

    ends = now() + days * DAY
    rent = leases.rentFloor(lessee, pollutant, kg, ends)
    money = TestMoney.at(leases.money())
    money.mint(lessee, rent, {"from": lessee.account})
    money.approve(leases, rent, {"from": lessee.account})
    return leases.offerLease(
        lessee, pollutant, kg, ends, rent, {"from": lessor.account}
    ).return_value


def test_a_lease_blocks_merger_and_split_whatever_the_other_balances_R30_R35(
    lifecycle, leases, ledger, regulator, exchange, unit
):
    """R-30, R-31, R-35: a unit that lent out all it held of a pollutant (no other balance of it
    left) still has a lease running: merger and split are refused, so the lease can end."""
    nh3 = unit.pollutant["NH3-N"]
    ledger.allocate(unit.chem, nh3, int(Origin.PAID), 2_000, {"from": exchange})
    lease_id = _lease(leases, unit.chem, unit.hotel, nh3, 2_000)
    leases.acceptLease(lease_id, {"from": unit.hotel.account})
    assert plain(ledger.balanceOf(unit.chem, nh3)) == (0, 0, 0, 0)
    with reverts("LifecycleActiveLease", unit.chem, nh3):
        lifecycle.merge(unit.chem, unit.steel, "合并", 0, [], {"from": regulator})


def test_merger_needs_authority_over_both_units_R30(lifecycle, district_regulator, unit):
    """SPEC §1: a district regulator merges only units of its own district."""
    with reverts("LifecycleNotAuthority", district_regulator, unit.steel):
        lifecycle.merge(unit.chem, unit.steel, "合并", 0, [], {"from": district_regulator})
    with reverts("LifecycleSameUnit", unit.chem):
        lifecycle.merge(unit.chem, unit.chem, "合并", 0, [], {"from": district_regulator})


def _plan(unit, cod, so2, first_paid=7_000, first_permitted=4_000, first_owed=300):
    """chem → steel and hotel; COD paid 10 t, free 2 t, waived 1 t, permit 6 t, owed 300; SO2 5
    t."""
    return [
        (unit.steel, cod, first_paid, 2_000, 0, first_permitted, first_owed),
        (unit.hotel, cod, 10_000 - 7_000, 0, 1_000, 2_000, 0),
        (unit.steel, so2, 5_000, 0, 0, 0, 0),
    ]


def test_split_distributes_by_the_approved_plan_R31(
    lifecycle, ledger, pledges, registry, bank, regulator, unit
):
    """R-31: a plan that adds up per pollutant and field moves everything and closes the unit."""
    cod, so2 = unit.pollutant["COD"], unit.pollutant["SO2"]
    pledges.release(1, {"from": bank})
    tx = lifecycle.split(
        unit.chem, _plan(unit, cod, so2), unit.steel, "分立", 0, [], {"from": regulator}
    )
    assert tx.events["UnitSplit"]["obligor"] == unit.steel.address
    assert plain(ledger.balanceOf(unit.steel, cod)) == (7_000, 2_000, 0, 0)
    assert plain(ledger.balanceOf(unit.hotel, cod)) == (3_000, 0, 1_000, 0)
    assert ledger.positionOf(unit.hotel, cod)["permitted"] == 2_000
    assert ledger.owed(unit.steel, cod) == 300
    assert registry.profile(unit.chem)["closed"]


@pytest.mark.parametrize(
    ("off", "error"),
    [
        ({"first_paid": 6_999}, ("paid", 9_999, 10_000)),
        ({"first_permitted": 4_001}, ("permitted", 6_001, 6_000)),
        ({"first_owed": 299}, ("owed", 299, 300)),
    ],
    ids=["paid", "permitted", "owed"],
)
def test_split_that_does_not_add_up_changes_nothing_R31(
    lifecycle, ledger, pledges, bank, regulator, unit, off, error
):
    """R-31: one kilogram off in any field and nothing moves; the refusal names the field."""
    cod, so2 = unit.pollutant["COD"], unit.pollutant["SO2"]
    pledges.release(1, {"from": bank})
    before = plain(ledger.balanceOf(unit.chem, cod))
    with reverts("LifecyclePlanMismatch", cod, *error):
        lifecycle.split(
            unit.chem,
            _plan(unit, cod, so2, **off),
            unit.steel,
            "分立",
            0,
            [],
            {"from": regulator},
        )
    assert plain(ledger.balanceOf(unit.chem, cod)) == before
    assert plain(ledger.balanceOf(unit.steel, cod)) == (0, 0, 0, 0)


def test_split_waits_for_pledges_to_be_released_R31_R07(lifecycle, regulator, unit):
    """R-07, R-31: pledged rights cannot be divided; the bank releases first."""
    cod, so2 = unit.pollutant["COD"], unit.pollutant["SO2"]
    with reverts("LifecycleActivePledges", unit.chem):
        lifecycle.split(
            unit.chem, _plan(unit, cod, so2), unit.steel, "分立", 0, [], {"from": regulator}
        )


def test_closure_after_surplus_is_disposed_R32(
    lifecycle, reserve, ledger, permits, pledges, registry, bank, regulator, exchange, unit
):
    """R-32: closure is refused while anything is held, owed, pledged or permitted; afterwards the
    account refuses all movement."""
    cod, so2 = unit.pollutant["COD"], unit.pollutant["SO2"]
    with reverts("LifecycleActivePledges", unit.chem):
        lifecycle.close(unit.chem, "注销", {"from": regulator})
    pledges.release(1, {"from": bank})
    with reverts("LifecyclePermitValid", unit.chem):
        lifecycle.close(unit.chem, "注销", {"from": regulator})
    permits.revokePermit(unit.chem, {"from": regulator})
    with reverts("LifecycleHoldsRights", unit.chem, cod):
        lifecycle.close(unit.chem, "注销", {"from": regulator})
    # the surplus goes to the reserve: free reclaimed, paid bought back
    for origin, kg in ((Origin.FREE, 2_000), (Origin.WAIVED, 1_000), (Origin.PAID, 10_000)):
        reserve.reclaim(unit.chem, cod, int(origin), kg, 0, "关闭", {"from": regulator})
    reserve.reclaim(unit.chem, so2, int(Origin.PAID), 5_000, 0, "关闭", {"from": regulator})
    with reverts("LifecycleHoldsRights", unit.chem, cod):  # still owes 300 kg
        lifecycle.close(unit.chem, "注销", {"from": regulator})
    ledger.setOwed(unit.chem, cod, 0, {"from": regulator})
    tx = lifecycle.close(unit.chem, "注销", {"from": regulator})
    assert tx.events["AccountClosed"]["holder"] == unit.chem.address
    price = fen_at_benchmark(100, BENCHMARKS["COD"])
    with reverts("LedgerAccountClosed", unit.chem):
        ledger.trade(
            unit.steel, unit.chem, cod, 100, price, int(TradeMode.NEGOTIATED), {"from": exchange}
        )


def test_fraud_reclaims_free_of_charge_and_blacklists_R33(
    lifecycle, reserve, ledger, registry, money, regulator, unit
):
    """R-33: rights obtained by deception go to the reserve without pay and the unit is
    blacklisted; pledged rights stay with the bank's lien."""
    cod, so2 = unit.pollutant["COD"], unit.pollutant["SO2"]
    tx = lifecycle.sanctionFraud(unit.chem, "虚报排放数据", {"from": regulator})
    assert {e["paidFen"] for e in tx.events["ReserveInflow"]} == {0}
    assert plain(ledger.balanceOf(unit.chem, cod)) == (4_000, 0, 0, 4_000)
    assert ledger.balanceOf(unit.chem, so2)["paid"] == 0
    assert reserve.stock(FRAUD_SOURCE, cod) == 9_000
    assert registry.profile(unit.chem)["restrictions"] == registry.RESTRICTION_FRAUD()
    assert money.balanceOf(unit.chem) == 0


# ------------------------------------------------------------ consent of the units
# chem (companies[0]), hotel (companies[5]) and fund (companies[6]) are in district 1, the
# district regulator's; it holds no time-lock role, so it needs the units' signatures.
CHEM, HOTEL, FUND = 0, 5, 6


def _merge_sigs(lifecycle, a, b, keys, deadline):
    from backend.chain.consent import merge_document

    domain = contract_domain(lifecycle)
    return [
        sign_document(
            merge_document(domain, a.address, b.address, lifecycle.nonces(u), deadline), k
        )
        for u, k in zip((a, b), keys, strict=True)
    ]


def _split_sigs(lifecycle, unit_from, plan, obligor, parties, keys, deadline):
    from backend.chain.consent import SPLIT_LINE_FIELDS, split_document

    names = [n for n, _ in SPLIT_LINE_FIELDS]
    lines = [dict(zip(names, (str(line[0]), *line[1:]), strict=True)) for line in plan]
    domain = contract_domain(lifecycle)
    return [
        sign_document(
            split_document(
                domain, unit_from.address, lines, obligor.address, lifecycle.nonces(u), deadline
            ),
            k,
        )
        for u, k in zip(parties, keys, strict=True)
    ]


def test_a_merger_both_units_signed_is_submitted_by_their_regulator_R30(
    lifecycle, ledger, registry, pledges, district_regulator, unit, stranger
):
    """R-30: the units consent in their own wallets (EIP-712 `Merge`, each its own nonce); the
    district regulator over both submits; each signature works once."""
    cod = unit.pollutant["COD"]
    deadline = now() + 3_600
    sigs = _merge_sigs(
        lifecycle, unit.chem, unit.hotel, [company_key(CHEM), company_key(HOTEL)], deadline
    )
    with reverts("LifecycleNotAuthority", stranger, unit.chem):
        lifecycle.merge(unit.chem, unit.hotel, "吸收合并", deadline, sigs, {"from": stranger})
    tx = lifecycle.merge(
        unit.chem, unit.hotel, "吸收合并", deadline, sigs, {"from": district_regulator}
    )
    assert tx.events["UnitsMerged"]["by"] == district_regulator
    assert ledger.balanceOf(unit.hotel, cod)["paid"] == 10_000
    assert registry.profile(unit.chem)["closed"]
    assert (lifecycle.nonces(unit.chem), lifecycle.nonces(unit.hotel)) == (1, 1)


def test_a_regulator_alone_cannot_merge_or_split_R30_R31(
    lifecycle, pledges, bank, district_regulator, unit
):
    """R-30, R-31: without the units' signatures a regulator is refused (only the council may
    decide without them); a missing, forged or other unit's signature is refused by name."""
    cod, so2 = unit.pollutant["COD"], unit.pollutant["SO2"]
    deadline = now() + 3_600
    with reverts("LifecycleConsentMissing", unit.chem):
        lifecycle.merge(unit.chem, unit.hotel, "合并", deadline, [], {"from": district_regulator})
    good = _merge_sigs(
        lifecycle, unit.chem, unit.hotel, [company_key(CHEM), company_key(HOTEL)], deadline
    )
    with reverts("LifecycleConsentMissing", unit.hotel):
        lifecycle.merge(
            unit.chem, unit.hotel, "合并", deadline, good[:1], {"from": district_regulator}
        )
    forged = _merge_sigs(
        lifecycle, unit.chem, unit.hotel, [company_key(CHEM), company_key(FUND)], deadline
    )
    with reverts("SignedActionInvalidSignature", unit.hotel):
        lifecycle.merge(
            unit.chem, unit.hotel, "合并", deadline, forged, {"from": district_regulator}
        )
    with reverts("LifecycleConsentCount", 2, 3):
        lifecycle.merge(
            unit.chem, unit.hotel, "合并", deadline, [*good, good[0]], {"from": district_regulator}
        )
    pledges.release(1, {"from": bank})
    plan = [
        (unit.hotel, cod, 10_000, 2_000, 1_000, 6_000, 300),
        (unit.hotel, so2, 5_000, 0, 0, 0, 0),
    ]
    with reverts("LifecycleConsentMissing", unit.chem):
        lifecycle.split(
            unit.chem, plan, unit.hotel, "分立", deadline, [], {"from": district_regulator}
        )


def test_a_split_every_unit_signed_moves_by_the_plan_R31(
    lifecycle, ledger, pledges, bank, district_regulator, unit
):
    """R-31: the unit and each successor sign the plan (every line shown in the wallet); the
    obligor must be a successor."""
    cod, so2 = unit.pollutant["COD"], unit.pollutant["SO2"]
    pledges.release(1, {"from": bank})
    plan = [
        (unit.hotel, cod, 7_000, 2_000, 0, 4_000, 300),
        (unit.fund, cod, 3_000, 0, 1_000, 2_000, 0),
        (unit.hotel, so2, 5_000, 0, 0, 0, 0),
    ]
    deadline = now() + 3_600
    with reverts("LifecycleObligorNotSuccessor", unit.steel):
        lifecycle.split(
            unit.chem, plan, unit.steel, "分立", deadline, [], {"from": district_regulator}
        )
    parties = (unit.chem, unit.hotel, unit.fund)
    keys = [company_key(CHEM), company_key(HOTEL), company_key(FUND)]
    sigs = _split_sigs(lifecycle, unit.chem, plan, unit.fund, parties, keys, deadline)
    tx = lifecycle.split(
        unit.chem, plan, unit.fund, "分立", deadline, sigs, {"from": district_regulator}
    )
    assert tx.events["UnitSplit"]["obligor"] == unit.fund.address
    assert plain(ledger.balanceOf(unit.fund, cod)) == (3_000, 0, 1_000, 0)
    assert ledger.owed(unit.hotel, cod) == 300


@pytest.mark.parametrize(
    "act",
    [
        lambda lc, reserve, steel, by: lc.close(reserve, "注销", by),
        lambda lc, reserve, steel, by: lc.merge(reserve, steel, "合并", 0, [], by),
        lambda lc, reserve, steel, by: lc.merge(steel, reserve, "合并", 0, [], by),
        lambda lc, reserve, steel, by: lc.sanctionFraud(reserve, "虚报", by),
    ],
    ids=["closed", "merged-away", "merged-into", "sanctioned"],
)
def test_authority_accounts_are_never_a_party_R27_R32(lifecycle, reserve, regulator, unit, act):
    """SPEC §8, R-32: the government reserve (a Government-sector account) is neither closed,
    merged nor split, even by the council."""
    with reverts("LifecycleAuthorityAccount", reserve):
        act(lifecycle, reserve, unit.steel, {"from": regulator})


def test_closure_waits_for_the_periods_its_permit_covers_R32(
    lifecycle, compliance, usage, permits, reserve, ledger, exchange, regulator, city
):
    """R-32: a unit closes only after verification and surrender of every period its last permit
    covers; while its figure is awaited the closure is refused (nothing could collect a shortfall
    recorded on a closed account)."""
    from brownie import chain

    hotel, cod = city.hotel, city.pollutant["COD"]
    t0 = now()
    compliance.definePeriod(t0 - YEAR, t0 + DAY, t0 + 30 * DAY, t0 + 60 * DAY, {"from": regulator})
    ledger.allocate(hotel, cod, int(Origin.PAID), 1_000, {"from": exchange})
    permits.issuePermit(hotel, [cod], [1_000], t0 - YEAR, t0 + 2 * DAY, {"from": regulator})
    chain.sleep(3 * DAY)
    chain.mine()
    reserve.reclaim(hotel, cod, int(Origin.PAID), 1_000, 0, "关停", {"from": regulator})
    assert plain(compliance.pendingObligation(hotel)) == (cod, 1)
    with reverts("LifecyclePeriodPending", hotel, cod, 1):
        lifecycle.close(hotel, "注销", {"from": regulator})
    usage.post(hotel, cod, 1, 0, True)  # verified: nothing emitted in its last months
    assert plain(compliance.pendingObligation(hotel)) == (0, 0)
    lifecycle.close(hotel, "注销", {"from": regulator})
