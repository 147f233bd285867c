"""Leasing of paid rights for a term (R-35)."""

from brownie import chain

from backend.chain.domain import Origin
from tests.conftest import DAY, YEAR
from tests.helpers import loan, now, plain, reverts

RENT = 400_000  # above the floor of 4 t COD for a year (4 t × 4 000 元/t × 1/5 = 3 200 元)


def offer(leases, city, kg=4_000, rent=RENT, term=YEAR, lessee=None):
    lessee = lessee or city.steel
    return leases.offerLease(
        lessee, city.pollutant["COD"], kg, now() + term, rent, {"from": city.chem.account}
    ).return_value


def test_lease_lends_paid_rights_against_rent_R35(leases, ledger, money, regulator, lessor):
    """R-35, R-16: the lessee accepts and pays the rent in the same transaction as the rights
    move."""
    cod = lessor.pollutant["COD"]
    lease_id = offer(leases, lessor)
    tx = leases.acceptLease(lease_id, {"from": lessor.steel.account})
    assert tx.events["RightsLeased"]["kg"] == 4_000
    assert money.balanceOf(lessor.chem) == RENT
    assert ledger.balanceOf(lessor.chem, cod)["paid"] == 6_000
    assert ledger.positionOf(lessor.chem, cod)["leasedOut"] == 4_000
    assert ledger.positionOf(lessor.steel, cod)["leasedIn"] == 4_000
    assert ledger.totalSupply(cod) == 10_000


def test_leased_rights_count_for_the_lessees_surrender_and_the_rest_returns_R35(
    leases, ledger, compliance, usage, regulator, lessor
):
    """R-35: during the term the lessee surrenders with them; at the end what is left returns and
    the rest is recorded as owed to the lessor."""
    cod = lessor.pollutant["COD"]
    lease_id = offer(leases, lessor, term=30 * DAY)
    before = ledger.usable(lessor.steel, cod)
    leases.acceptLease(lease_id, {"from": lessor.steel.account})
    assert ledger.usable(lessor.steel, cod) == before + 4_000  # what a surrender can burn
    t0 = now()
    compliance.definePeriod(t0 - YEAR, t0 - 1, t0 + YEAR, t0 + 2 * YEAR, {"from": regulator})
    usage.post(lessor.steel, cod, 1, 1_500, True)
    holdings = ledger.holdings(lessor.steel, cod)
    tx = compliance.surrender(lessor.steel, cod, 1, {"from": lessor.steel.account})
    assert tx.events["RightsSurrendered"][0]["leased"] is True
    # the surplus is what the unit holds itself; the leased-in rights burned first are no
    # part of it, so all of its holdings are surplus
    assert tx.events["SurplusRecorded"]["kg"] == holdings
    with reverts("LeaseNotOver"):
        leases.endLease(lease_id, {"from": lessor.hotel.account})
    chain.sleep(30 * DAY + 1)
    tx = leases.endLease(lease_id, {"from": lessor.hotel.account})  # anyone ends it
    assert (tx.events["LeaseEnded"]["returned"], tx.events["LeaseEnded"]["unreturned"]) == (
        2_500,
        1_500,
    )
    assert ledger.balanceOf(lessor.chem, cod)["paid"] == 8_500
    assert plain(ledger.positionOf(lessor.steel, cod))[1:3] == (0, 0)
    assert ledger.positionOf(lessor.chem, cod)["leasedOut"] == 0
    assert leases.lease(lease_id)["unreturned"] == 1_500
    assert leases.activeLease(lessor.steel, cod) == 0


def test_a_surrender_beyond_the_leased_in_rights_leaves_the_rest_as_surplus_R24_R26(
    leases, ledger, compliance, usage, regulator, exchange, lessor
):
    """R-24: leased-in rights are burned first, then the unit's own; R-26: what the unit holds
    once its usage is met, after the burn, is the period's surplus."""
    cod = lessor.pollutant["COD"]
    ledger.allocate(lessor.steel, cod, int(Origin.PAID), 3_000, {"from": exchange})
    lease_id = offer(leases, lessor, term=30 * DAY)
    leases.acceptLease(lease_id, {"from": lessor.steel.account})
    t0 = now()
    compliance.definePeriod(t0 - YEAR, t0 - 1, t0 + YEAR, t0 + 2 * YEAR, {"from": regulator})
    usage.post(lessor.steel, cod, 1, 5_000, True)  # the 4 000 leased in and 1 000 of its own
    holdings = ledger.holdings(lessor.steel, cod)
    tx = compliance.surrender(lessor.steel, cod, 1, {"from": lessor.steel.account})
    burned = [(e["leased"], e["kg"]) for e in tx.events["RightsSurrendered"]]
    assert burned[0] == (True, 4_000) and sum(kg for _, kg in burned[1:]) == 1_000
    assert tx.events["SurplusRecorded"]["kg"] == holdings - 1_000
    assert ledger.holdings(lessor.steel, cod) == holdings - 1_000


def test_lease_obeys_the_sellers_rules_R05_R06_R07(
    leases, ledger, permits, pledges, bank, regulator, lessor
):
    """R-05, R-06, R-07: only unpledged paid rights above the permit are lent — refused when
    offered, with the error the acceptance would give; and again at the acceptance when the
    rights were pledged in between."""
    cod = lessor.pollutant["COD"]
    t0 = now()
    permits.issuePermit(lessor.chem, [cod], [8_000], t0 - DAY, t0 + 2 * YEAR, {"from": regulator})
    with reverts("LedgerBelowPermit", lessor.chem, cod, 7_999, 8_000):
        offer(leases, lessor, kg=2_001)
    lease_id = offer(leases, lessor, kg=2_000)
    pledges.pledge(bank, cod, 1, *loan(), {"from": lessor.chem.account})
    with reverts("LedgerBelowPermit", lessor.chem, cod, 7_999, 8_000):
        leases.acceptLease(lease_id, {"from": lessor.steel.account})
    assert leases.lease(lease_id)["status"] == 1
    with reverts("LedgerInsufficientRights", lessor.chem, cod, 10_000, 9_999):
        offer(leases, lessor, kg=10_000, rent=10 * RENT)


def test_blacklisted_lessee_refused_R17(leases, registry, regulator, lessor):
    """R-17: leasing is trading; restricted units take no part — refused at the offer, and at the
    acceptance when the restriction came in between."""
    lease_id = offer(leases, lessor)
    registry.setRestriction(lessor.steel, 1, True, "环保信用不良", {"from": regulator})
    with reverts("LedgerBlacklisted", lessor.steel, 1):
        offer(leases, lessor)
    with reverts("LedgerBlacklisted", lessor.steel, 1):
        leases.acceptLease(lease_id, {"from": lessor.steel.account})


def test_one_active_lease_per_lessee_and_pollutant_R35(leases, lessor):
    """R-35: a second lease of the same pollutant waits for the first to end; an offer whose term
    ends before the lessee's active lease does could never be accepted, and is refused at once."""
    cod = lessor.pollutant["COD"]
    first = offer(leases, lessor, kg=1_000)
    second = offer(leases, lessor, kg=1_000)
    leases.acceptLease(first, {"from": lessor.steel.account})
    with reverts("LeaseAlreadyActive", lessor.steel, cod, first):
        leases.acceptLease(second, {"from": lessor.steel.account})
    with reverts("LeaseAlreadyActive", lessor.steel, cod, first):
        offer(leases, lessor, kg=1_000, term=YEAR - DAY)
    later = offer(leases, lessor, kg=1_000, term=2 * YEAR)  # can follow the first
    chain.sleep(YEAR + 1)
    leases.endLease(first, {"from": lessor.chem.account})
    leases.acceptLease(later, {"from": lessor.steel.account})


def test_lease_offer_and_acceptance_refusals_R35(leases, lessor):
    """R-35: only the named lessee accepts, only the lessor cancels, no term in the past, no
    zero."""
    lease_id = offer(leases, lessor)
    with reverts("LeaseNotParty", lease_id, lessor.hotel.account):
        leases.acceptLease(lease_id, {"from": lessor.hotel.account})
    with reverts("LeaseNotParty", lease_id, lessor.steel.account):
        leases.cancelLease(lease_id, {"from": lessor.steel.account})
    leases.cancelLease(lease_id, {"from": lessor.chem.account})
    with reverts("LeaseWrongStatus", lease_id, 4):
        leases.acceptLease(lease_id, {"from": lessor.steel.account})
    with reverts("LeaseInvalidTerm"):
        leases.offerLease(lessor.steel, 1, 1, now() - 1, 0, {"from": lessor.chem.account})
    with reverts("LeaseZeroQuantity"):
        leases.offerLease(lessor.steel, 1, 0, now() + DAY, 0, {"from": lessor.chem.account})
    with reverts("LeaseUnknown", 99):
        leases.endLease(99, {"from": lessor.chem.account})


def test_a_lease_is_a_terms_use_at_a_rent_floor_never_a_sale_R35_R15(leases, lessor):
    """R-35, R-13, R-15 (finding 8 of the review): no rent below the benchmark value of the rights
    pro rata of the term, no term beyond 5 years (a 100-year or 2⁶⁴−1 lease is a sale in
    disguise); both checked at the offer and again at the acceptance."""
    cod, steel = lessor.pollutant["COD"], lessor.steel
    ends = now() + YEAR
    floor = leases.rentFloor(steel, cod, 4_000, ends)
    assert abs(floor - 4_000 * 400_000 // 1000 // 5) <= 1  # a fifth of the benchmark value
    with reverts("LeaseRentBelowFloor", 0, ...):
        leases.offerLease(steel, cod, 4_000, ends, 0, {"from": lessor.chem.account})
    latest = leases.latestEnd(lessor.chem)
    for far in (now() + 100 * YEAR, 2**64 - 1):
        with reverts("LeaseTermTooLong", far, ...):
            leases.offerLease(steel, cod, 4_000, far, 10**15, {"from": lessor.chem.account})
    assert latest >= now() + 5 * 365 * DAY - 60
    lease_id = offer(leases, lessor, rent=floor + 1_000, term=YEAR)
    chain.sleep(DAY)  # a shorter rest of the term: the floor falls with it, the offer stands
    leases.acceptLease(lease_id, {"from": steel.account})


def test_a_lease_ends_with_the_lessors_permit_R35_R22(leases, permits, regulator, lessor):
    """R-35, R-22: rights are confirmed with the permit; a lessor with a valid permit lends them
    no longer than it runs."""
    cod, steel = lessor.pollutant["COD"], lessor.steel
    t0 = now()
    permits.issuePermit(lessor.chem, [cod], [1_000], t0 - DAY, t0 + 90 * DAY, {"from": regulator})
    assert leases.latestEnd(lessor.chem) == t0 + 90 * DAY
    with reverts("LeaseTermTooLong", t0 + 91 * DAY, t0 + 90 * DAY):
        leases.offerLease(steel, cod, 1_000, t0 + 91 * DAY, 10**12, {"from": lessor.chem.account})
    leases.offerLease(steel, cod, 1_000, t0 + 90 * DAY, 10**12, {"from": lessor.chem.account})


def test_only_the_lease_book_lends_rights_R13(ledger, regulator, lessor):
    """R-13: the ledger's lease entry points are the lease book's alone."""
    with reverts("AccessControlUnauthorizedAccount"):
        ledger.lease(lessor.chem, lessor.steel, 1, 1, {"from": regulator})
