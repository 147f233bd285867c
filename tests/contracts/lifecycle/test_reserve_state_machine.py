"""Random inflows and outflows of the government reserve: the stock by source always equals the
inflows minus the outflows of that source, and their sum equals what the reserve holds in the
ledger (R-27, R-28, R-29). Money paid out and taken in is conserved."""

from __future__ import annotations

import os

from brownie import web3
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from backend.chain.domain import Origin, Sector
from tests.conftest import BENCHMARKS
from tests.helpers import fen_at_benchmark, revert_to_snapshot, reverts

EXAMPLES = int(os.environ.get("DRR_STATEFUL_EXAMPLES", "10"))
SOURCES = {"Reclaimed": 0, "Idle": 3}
USES = {"Market": 0, "PriorityProject": 1}


def test_reserve_stock_reconciles_under_random_flows(
    city, reserve, ledger, registry, money, treasury, exchange, regulator, companies
):
    """R-27, R-28, R-29: stock by source = inflows − outflows; Σ stock = reserve holdings; money
    out of the fund = money paid to units; release proceeds = treasury income."""
    from brownie import chain

    cod = city.pollutant["COD"]
    plant = companies[7]
    registry.registerAccount(
        plant,
        "12500000MC0000000H",
        "污水处理厂",
        int(Sector.TREATMENT_FACILITY),
        1,
        1,
        {"from": regulator},
    )
    units = [city.chem, city.steel, city.hotel]
    for u in units:
        ledger.allocate(u, cod, int(Origin.PAID), 50_000, {"from": exchange})
        ledger.allocateFree(u, cod, 20_000, {"from": regulator})
        money.mint(u, 10**10, {"from": regulator})
        money.approve(reserve, 2**255, {"from": u.account})
    chain.snapshot()
    w3_reserve = web3.eth.contract(address=reserve.address, abi=reserve.abi)
    w3_ledger = web3.eth.contract(address=ledger.address, abi=ledger.abi)
    w3_money = web3.eth.contract(address=money.address, abi=money.abi)
    fund0 = money.balanceOf(reserve)
    treasury0 = money.balanceOf(treasury)

    class Reserve(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            revert_to_snapshot()
            self.paid_out = 0
            self.income = 0
            self.offers: list[int] = []

        @rule(
            unit=st.sampled_from(range(3)),
            source=st.sampled_from(sorted(SOURCES)),
            origin=st.sampled_from((Origin.PAID, Origin.FREE)),
            kg=st.integers(1, 6_000),
        )
        def reclaim(self, unit, source, origin, kg):
            u = units[unit]
            held = ledger.balanceOf(u, cod)["paid" if origin == Origin.PAID else "free"]
            send = lambda: reserve.reclaim(
                u, cod, int(origin), kg, SOURCES[source], "", {"from": regulator}
            )
            if held < kg:
                with reverts("LedgerInsufficientRights"):
                    send()
                return
            send()
            if origin == Origin.PAID:
                self.paid_out += fen_at_benchmark(kg, BENCHMARKS["COD"])

        @rule(kg=st.integers(1, 6_000))
        def facility(self, kg):
            reserve.acquireFromFacility(plant, cod, kg, {"from": regulator})
            self.paid_out += fen_at_benchmark(kg, BENCHMARKS["COD"])

        @rule(
            unit=st.sampled_from(range(3)),
            source=st.sampled_from([*sorted(SOURCES), "Facility"]),
            use=st.sampled_from(sorted(USES)),
            kg=st.integers(1, 6_000),
        )
        def release(self, unit, source, use, kg):
            code = SOURCES.get(source, 2)
            price = fen_at_benchmark(kg, BENCHMARKS["COD"])
            if reserve.stock(code, cod) < kg:
                with reverts("ReserveInsufficientStock"):
                    reserve.offerRelease(
                        units[unit], cod, kg, price, code, USES[use], "", {"from": regulator}
                    )
                return
            oid = reserve.offerRelease(
                units[unit], cod, kg, price, code, USES[use], "", {"from": regulator}
            ).return_value
            reserve.acceptRelease(oid, {"from": units[unit].account})
            self.income += price

        @invariant()
        def books_reconcile(self):
            with web3.batch_requests() as batch:
                for s in range(5):
                    batch.add(w3_reserve.functions.inflow(s, cod))
                    batch.add(w3_reserve.functions.outflow(s, cod))
                    batch.add(w3_reserve.functions.stock(s, cod))
                batch.add(w3_ledger.functions.holdings(reserve.address, cod))
                batch.add(w3_money.functions.balanceOf(reserve.address))
                batch.add(w3_money.functions.balanceOf(treasury.address))
                r = batch.execute()
            stocks = []
            for s in range(5):
                inflow, outflow, stock = r[3 * s : 3 * s + 3]
                assert stock == inflow - outflow
                stocks.append(stock)
            holdings, fund, treasury_balance = r[15:]
            assert sum(stocks) == holdings
            assert fund == fund0 - self.paid_out
            assert treasury_balance == treasury0 + self.income

    run_state_machine_as_test(
        Reserve,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=20,
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )
