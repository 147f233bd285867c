"""Benchmark prices per pollutant and region with effective times and history (R-15): the price
bureau's publications wait out the notice period and stay within the band of the benchmark they
replace; the council (here: the test regulator holding the time lock's role) decides outside them;
the reserve pays at the settled benchmark."""

from brownie import chain

from backend.chain.domain import PollutantClass
from scripts.deploy import DEV_COUNCIL
from tests.helpers import NOTICE, earliest_effect, now, plain, reverts

BAND = DEV_COUNCIL.price_band_bps  # ±50 %


def _cod(registry, regulator):
    registry.addPollutant("COD", "化学需氧量", int(PollutantClass.WATER), {"from": regulator})
    return 1


def _sleep_until(t):
    chain.sleep(max(t - now(), 0) + 1)
    chain.mine()


def test_benchmark_takes_effect_at_its_time_and_history_is_kept_R15(
    prices, registry, regulator, price_bureau
):
    """R-15: a publication is in force from its effective time; the previous one until then."""
    cod = _cod(registry, regulator)
    assert (prices.notice(), prices.bandBps()) == (NOTICE, BAND)
    t0 = earliest_effect()
    tx = prices.publish(cod, 0, 400_000, t0, {"from": price_bureau})
    assert tx.events["BenchmarkPublished"]["fenPerTonne"] == 400_000
    assert prices.currentBenchmark(cod, 0) == 0
    _sleep_until(t0)
    assert prices.currentBenchmark(cod, 0) == 400_000
    t1 = earliest_effect() + 1_000
    prices.publish(cod, 0, 450_000, t1, {"from": price_bureau})
    assert prices.currentBenchmark(cod, 0) == 400_000
    _sleep_until(t1)
    assert prices.currentBenchmark(cod, 0) == 450_000
    assert prices.benchmarkAt(cod, 0, t0 + 1) == 400_000
    assert prices.benchmarkAt(cod, 0, t0 - 1) == 0
    assert [h[:2] for h in plain(prices.history(cod, 0))] == [(400_000, t0), (450_000, t1)]
    assert prices.quote(cod, 0, 1_001) == (1_001 * 450_000 + 999) // 1000


def test_regional_benchmark_falls_back_to_city_wide_R15(prices, registry, regulator, price_bureau):
    """R-15: a region without its own benchmark uses the city-wide one; a region's first
    benchmark stays within the band of the city-wide one it replaces there."""
    cod = _cod(registry, regulator)
    t = earliest_effect()
    prices.publish(cod, 0, 400_000, t, {"from": price_bureau})
    _sleep_until(t)
    with reverts("PriceBookOutsideBand", 800_000, 200_000, 600_000):
        prices.publish(cod, 8, 800_000, earliest_effect(), {"from": price_bureau})
    t = earliest_effect()
    prices.publish(cod, 8, 520_000, t, {"from": price_bureau})
    _sleep_until(t)
    assert prices.currentBenchmark(cod, 8) == 520_000
    assert prices.currentBenchmark(cod, 3) == 400_000


def test_one_pending_publication_may_be_corrected_not_overtaken_R15(
    prices, registry, regulator, price_bureau
):
    """R-15: a waiting publication is corrected at the same time; another time waits its turn."""
    cod = _cod(registry, regulator)
    t = earliest_effect() + 100
    prices.publish(cod, 0, 400_000, t, {"from": price_bureau})
    prices.publish(cod, 0, 410_000, t, {"from": price_bureau})
    assert len(prices.history(cod, 0)) == 1
    with reverts("PriceBookPending", t + 5, t):
        prices.publish(cod, 0, 420_000, t + 5, {"from": price_bureau})
    _sleep_until(t)
    assert prices.currentBenchmark(cod, 0) == 410_000


def test_a_benchmark_takes_effect_only_after_the_notice_period_R15(
    prices, registry, regulator, price_bureau
):
    """R-15: the public learns of every new benchmark a notice period before it binds (dev chain:
    168 s for a week); sooner is refused, and a correction must itself give the full notice."""
    cod = _cod(registry, regulator)
    t = now() + NOTICE // 2
    with reverts("PriceBookNoticeTooShort", t, ...):
        prices.publish(cod, 0, 400_000, t, {"from": price_bureau})
    t = earliest_effect()
    prices.publish(cod, 0, 400_000, t, {"from": price_bureau})
    chain.sleep(20)
    chain.mine()
    with reverts("PriceBookNoticeTooShort", t, ...):  # the notice of `t` has partly run
        prices.publish(cod, 0, 390_000, t, {"from": price_bureau})


def test_a_benchmark_moves_within_the_band_of_the_one_it_replaces_R15(
    prices, registry, regulator, price_bureau
):
    """R-15: ±50 % of the benchmark in force, whether it rises or falls; 1 000 000× is refused
    (finding 6 of the review: one key would otherwise price the reserve fund away)."""
    cod = _cod(registry, regulator)
    t = earliest_effect()
    prices.publish(cod, 0, 400_000, t, {"from": price_bureau})
    _sleep_until(t)
    for price in (400_000 * 1_000_000, 600_001, 199_999):
        with reverts("PriceBookOutsideBand", price, 200_000, 600_000):
            prices.publish(cod, 0, price, earliest_effect(), {"from": price_bureau})
    t = earliest_effect()
    prices.publish(cod, 0, 600_000, t, {"from": price_bureau})
    _sleep_until(t)
    assert prices.currentBenchmark(cod, 0) == 600_000


def test_the_council_decides_outside_notice_and_band_R15(prices, registry, regulator, price_bureau):
    """R-15: the council (its time lock) may publish at once and outside the band, replacing a
    publication still waiting for its time; the price bureau may not."""
    cod = _cod(registry, regulator)
    t = earliest_effect()
    prices.publish(cod, 0, 400_000, t, {"from": price_bureau})
    _sleep_until(t)
    pending = earliest_effect() + 500
    prices.publish(cod, 0, 590_000, pending, {"from": price_bureau})
    with reverts("AccessControlUnauthorizedAccount", price_bureau, prices.TIMELOCK_ROLE()):
        prices.publishByCouncil(cod, 0, 1_000_000, now() + 5, {"from": price_bureau})
    decided = now() + 5
    tx = prices.publishByCouncil(cod, 0, 1_000_000, decided, {"from": regulator})
    assert tx.events["BenchmarkPublished"]["by"] == regulator
    assert [h[:2] for h in plain(prices.history(cod, 0))] == [(400_000, t), (1_000_000, decided)]
    _sleep_until(pending)
    assert prices.currentBenchmark(cod, 0) == 1_000_000


def test_the_reserve_pays_at_the_settled_benchmark_R15_R26(
    prices, registry, regulator, price_bureau
):
    """A raise reaches the reserve's payments only after it has been in force for a notice
    period (the lower of now and a notice period ago); a cut applies at once."""
    cod = _cod(registry, regulator)
    t = earliest_effect()
    prices.publish(cod, 0, 400_000, t, {"from": price_bureau})
    _sleep_until(t)
    with reverts("PriceBookNoSettledBenchmark", cod, 0):
        prices.settledQuote(cod, 0, 1_000)
    _sleep_until(t + NOTICE)
    assert prices.settledQuote(cod, 0, 1_000) == 400_000
    raised = earliest_effect()
    prices.publish(cod, 0, 600_000, raised, {"from": price_bureau})
    _sleep_until(raised)
    assert prices.quote(cod, 0, 1_000) == 600_000
    assert prices.settledBenchmark(cod, 0) == 400_000
    _sleep_until(raised + NOTICE)
    assert prices.settledBenchmark(cod, 0) == 600_000
    cut = earliest_effect()
    prices.publish(cod, 0, 300_000, cut, {"from": price_bureau})
    _sleep_until(cut)
    assert prices.settledBenchmark(cod, 0) == 300_000


def test_bad_publications_refused_R15(prices, registry, regulator, price_bureau):
    """R-15: only the price bureau publishes; positive price, known pollutant, not backdated."""
    cod = _cod(registry, regulator)
    t = earliest_effect()
    with reverts("AccessControlUnauthorizedAccount"):
        prices.publish(cod, 0, 1, t, {"from": regulator})
    with reverts("PriceBookUnknownPollutant", 2):
        prices.publish(2, 0, 1, t, {"from": price_bureau})
    with reverts("PriceBookZeroPrice"):
        prices.publish(cod, 0, 0, t, {"from": price_bureau})
    with reverts("PriceBookEffectiveInPast"):
        prices.publishByCouncil(cod, 0, 1, now() - 100, {"from": regulator})
    with reverts("PriceBookNoBenchmark", cod, 0):
        prices.quote(cod, 0, 1)
