"""What an account can use and sell now, as wallets and the explorer show it (RightsLens)."""

from backend.chain.domain import Origin
from tests.conftest import DAY, YEAR
from tests.helpers import loan, now


def test_sellable_is_the_least_of_paid_unpledged_excess_and_certified_R05_R06_R07_R39(
    lens, ledger, permits, pledges, registry, exchange, regulator, bank, city
):
    """R-05, R-06, R-07, R-39 in one figure."""
    cod = city.pollutant["COD"]
    ledger.allocate(city.chem, cod, int(Origin.PAID), 10_000, {"from": exchange})
    ledger.allocateFree(city.chem, cod, 4_000, {"from": regulator})
    assert lens.sellable(city.chem, cod) == 0  # not certified
    ledger.certifyTradable(city.chem, cod, 9_000, {"from": regulator})
    assert lens.sellable(city.chem, cod) == 9_000  # certified < paid
    t0 = now()
    permits.issuePermit(city.chem, [cod], [8_000], t0 - DAY, t0 + YEAR, {"from": regulator})
    assert lens.sellable(city.chem, cod) == 6_000  # 14 t held − 8 t permit
    pledges.pledge(bank, cod, 5_000, *loan(), {"from": city.chem.account})
    assert lens.sellable(city.chem, cod) == 1_000  # 14 − 5 pledged − 8
    assert lens.usable(city.chem, cod) == 9_000
