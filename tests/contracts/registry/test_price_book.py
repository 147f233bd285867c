"""Benchmark prices per pollutant and region with effective times and history (R-15)."""

from brownie import chain

from backend.chain.domain import PollutantClass
from tests.helpers import now, plain, reverts


def _cod(registry, regulator):
    registry.addPollutant("COD", "化学需氧量", int(PollutantClass.WATER), {"from": regulator})
    return 1


def test_benchmark_takes_effect_at_its_time_and_history_is_kept_R15(
    prices, registry, regulator, price_bureau
):
    """R-15: a publication is in force from its effective time; the previous one until then."""
    cod = _cod(registry, regulator)
    t0 = now() + 10
    tx = prices.publish(cod, 0, 400_000, t0, {"from": price_bureau})
    assert tx.events["BenchmarkPublished"]["fenPerTonne"] == 400_000
    assert prices.currentBenchmark(cod, 0) == 0
    chain.sleep(11)
    chain.mine()
    assert prices.currentBenchmark(cod, 0) == 400_000
    t1 = now() + 1_000
    prices.publish(cod, 0, 450_000, t1, {"from": price_bureau})
    assert prices.currentBenchmark(cod, 0) == 400_000
    chain.sleep(1_001)
    chain.mine()
    assert prices.currentBenchmark(cod, 0) == 450_000
    assert prices.benchmarkAt(cod, 0, t0 + 1) == 400_000
    assert prices.benchmarkAt(cod, 0, t0 - 1) == 0
    assert [h[:2] for h in plain(prices.history(cod, 0))] == [(400_000, t0), (450_000, t1)]
    assert prices.quote(cod, 0, 1_001) == (1_001 * 450_000 + 999) // 1000


def test_regional_benchmark_falls_back_to_city_wide_R15(prices, registry, regulator, price_bureau):
    """R-15: a region without its own benchmark uses the city-wide one."""
    cod = _cod(registry, regulator)
    t0 = now()
    prices.publish(cod, 0, 400_000, t0 + 60, {"from": price_bureau})
    prices.publish(cod, 8, 520_000, t0 + 60, {"from": price_bureau})
    chain.sleep(61)
    chain.mine()
    assert prices.currentBenchmark(cod, 8) == 520_000
    assert prices.currentBenchmark(cod, 3) == 400_000


def test_one_pending_publication_may_be_corrected_not_overtaken_R15(
    prices, registry, regulator, price_bureau
):
    """R-15: a waiting publication is corrected at the same time; another time waits its turn."""
    cod = _cod(registry, regulator)
    t = now() + 100
    prices.publish(cod, 0, 400_000, t, {"from": price_bureau})
    prices.publish(cod, 0, 410_000, t, {"from": price_bureau})
    assert len(prices.history(cod, 0)) == 1
    with reverts("PriceBookPending", t + 5, t):
        prices.publish(cod, 0, 420_000, t + 5, {"from": price_bureau})
    chain.sleep(101)
    chain.mine()
    assert prices.currentBenchmark(cod, 0) == 410_000


def test_bad_publications_refused_R15(prices, registry, regulator, price_bureau):
    """R-15: only the price bureau publishes; positive price, known pollutant, not backdated."""
    cod = _cod(registry, regulator)
    t0 = now()
    with reverts("AccessControlUnauthorizedAccount"):
        prices.publish(cod, 0, 1, t0 + 10, {"from": regulator})
    with reverts("PriceBookUnknownPollutant", 2):
        prices.publish(2, 0, 1, t0 + 10, {"from": price_bureau})
    with reverts("PriceBookZeroPrice"):
        prices.publish(cod, 0, 0, t0 + 10, {"from": price_bureau})
    with reverts("PriceBookEffectiveInPast"):
        prices.publish(cod, 0, 1, t0 - 100, {"from": price_bureau})
    with reverts("PriceBookNoBenchmark", cod, 0):
        prices.quote(cod, 0, 1)
