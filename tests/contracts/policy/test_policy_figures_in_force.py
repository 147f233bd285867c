"""The city's figures bound what they name from the moment they are in force (docs/registry.md
"Policy"): the longest lease term (R-35) at the lease book, the longest permit validity (R-22) at
the permit registry; and a signed order settles under the policy in force at its settlement,
not the one in force when it was signed. In the test deployment the regulator holds the policy
book's TIMELOCK_ROLE (in production only the council's time lock does:
test_council_policy.py)."""

from __future__ import annotations

from brownie import chain

from backend.chain.domain import MarketReason, Reason
from backend.chain.policy import Figure, Switch
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.contracts.market.orders import both_sign, terms
from tests.helpers import fen_at_benchmark, now, plain, policy_switch_now, reverts

FIVE_YEARS = 5 * 365 * DAY


def schedule(policy, council, figure: Figure, value: int, effective: int = 0):
    """``figure`` set to ``value`` from ``effective`` (0: from this block)."""
    policy.schedule(int(figure), value, effective, {"from": council})


def test_the_longest_lease_term_is_the_policy_in_force_R35(leases, policy, regulator, lessor):
    """5 years under the Shijiazhuang profile; lowered to 1 year from a stated time, an offer of 2
    years passes before it and is refused after it with the new bound; the rent floor stays the
    benchmark value's share of the 5-year confirmation period."""
    cod, steel, chem = lessor.pollutant["COD"], lessor.steel, lessor.chem
    assert policy.figure(int(Figure.LEASE_MAX_TERM_SECONDS)) == FIVE_YEARS
    assert leases.latestEnd(chem) == now() + FIVE_YEARS
    floor_before = leases.rentFloor(steel, cod, 1_000, now() + YEAR)

    effective = now() + DAY
    schedule(policy, regulator, Figure.LEASE_MAX_TERM_SECONDS, YEAR, effective)
    two_years = now() + 2 * YEAR
    leases.offerLease(steel, cod, 1_000, two_years, 10**12, {"from": chem.account})  # not yet

    chain.sleep(DAY)
    chain.mine()
    t0 = now()
    assert leases.latestEnd(chem) == t0 + YEAR
    with reverts("LeaseTermTooLong", t0 + 2 * YEAR, ...):  # a year from the offer's block
        leases.offerLease(steel, cod, 1_000, t0 + 2 * YEAR, 10**12, {"from": chem.account})
    # the offer made before the change is accepted only within the bound in force (R-35 at the
    # acceptance, as of today)
    with reverts("LeaseTermTooLong", two_years, ...):
        leases.acceptLease(1, {"from": steel.account})
    leases.offerLease(steel, cod, 1_000, t0 + YEAR, 10**12, {"from": chem.account})
    assert leases.rentFloor(steel, cod, 1_000, now() + YEAR) == floor_before


def test_leasing_off_leaves_no_term_to_offer_R35(leases, policy, regulator, lessor):
    """A city without leasing (Chongqing 2014: switch off, term 0) refuses an offer by its switch;
    with the switch on but no term set, every term is too long."""
    cod, steel, chem = lessor.pollutant["COD"], lessor.steel, lessor.chem
    schedule(policy, regulator, Figure.LEASE_MAX_TERM_SECONDS, 0)
    t0 = now()
    with reverts("LeaseTermTooLong", t0 + DAY, ...):
        leases.offerLease(steel, cod, 1_000, t0 + DAY, 10**12, {"from": chem.account})
    policy_switch_now(policy, regulator, Switch.LEASING, False)
    with reverts("LedgerNotInPolicy", int(Switch.LEASING)):
        leases.offerLease(steel, cod, 1_000, now() + DAY, 10**12, {"from": chem.account})


def test_a_permit_runs_at_most_the_policys_validity_R22(permits, ledger, policy, regulator, city):
    """5 years in both plans: a permit of 5 years and a second is refused with the figures, one of
    5 years is issued; a renewal counts from today; a lowered figure bounds from its time on."""
    cod = city.pollutant["COD"]
    t0 = now()
    assert policy.figure(int(Figure.PERMIT_VALIDITY_SECONDS)) == FIVE_YEARS
    with reverts("PermitValidityTooLong", t0, t0 + FIVE_YEARS + 1, FIVE_YEARS):
        permits.issuePermit(city.chem, [cod], [0], t0, t0 + FIVE_YEARS + 1, {"from": regulator})
    assert ledger.permitOf(city.chem)["version"] == 0  # nothing recorded
    permits.issuePermit(city.chem, [cod], [0], t0, t0 + FIVE_YEARS, {"from": regulator})

    chain.sleep(YEAR)
    chain.mine()
    with reverts("PermitValidityTooLong"):  # counted from the renewal's block
        permits.renewPermit(city.chem, now() + FIVE_YEARS + DAY, {"from": regulator})
    permits.renewPermit(city.chem, now() + FIVE_YEARS - DAY, {"from": regulator})

    schedule(policy, regulator, Figure.PERMIT_VALIDITY_SECONDS, 3 * YEAR)
    t1 = now()
    with reverts("PermitValidityTooLong", t1, t1 + 4 * YEAR, 3 * YEAR):
        permits.issuePermit(city.steel, [cod], [0], t1, t1 + 4 * YEAR, {"from": regulator})
    permits.issuePermit(city.steel, [cod], [0], t1, t1 + 3 * YEAR, {"from": regulator})
    # the permit issued under the old figure keeps its validity (it is re-confirmed at renewal)
    assert ledger.permitValid(city.chem)


def test_a_signed_order_settles_under_the_policy_in_force_at_settlement_R15(
    secondary, ledger, policy, regulator, traders, stranger
):
    """Both parties sign a trade under the benchmark while the city has no price floor; the floor
    comes back before the relayer settles: the same signatures are refused with the floor's
    figures and nothing moves; lifted again, the same signatures settle (a refusal spends no
    nonce)."""
    cod = traders.pollutant["COD"]
    policy_switch_now(policy, regulator, Switch.PRICE_FLOOR, False)
    minimum = fen_at_benchmark(1_000, BENCHMARKS["COD"])
    t = terms(traders.chem, traders.steel, cod, 1_000, minimum - 1, deadline=now() + 3 * DAY)
    assert plain(secondary.checkTrade(t))[0] == MarketReason.OK
    signatures = both_sign(secondary, t)

    effective = now() + DAY
    policy.scheduleSwitch(int(Switch.PRICE_FLOOR), True, effective, {"from": regulator})
    chain.sleep(DAY)
    chain.mine()
    assert plain(secondary.checkTrade(t))[:2] == (
        MarketReason.RULE_REFUSED,
        Reason.PRICE_BELOW_BENCHMARK,
    )
    before = plain(ledger.balanceOf(traders.steel, cod)), plain(secondary.fundsOf(traders.steel))
    with reverts("LedgerPriceBelowBenchmark", cod, minimum - 1, minimum):
        secondary.settleTrade(t, *signatures, {"from": stranger})
    after = plain(ledger.balanceOf(traders.steel, cod)), plain(secondary.fundsOf(traders.steel))
    assert after == before

    policy_switch_now(policy, regulator, Switch.PRICE_FLOOR, False)
    secondary.settleTrade(t, *signatures, {"from": stranger})
    assert ledger.balanceOf(traders.steel, cod)["paid"] == before[0][0] + 1_000
