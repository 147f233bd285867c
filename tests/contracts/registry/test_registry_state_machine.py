"""Random sequences of allocate / trade / permit / pledge / release / surrender / carry-over across
several accounts and pollutants, driving the contracts and the reference model (tests/model.py)
side by side; the invariants are checked after every step.

Runs on hypothesis's own state machine (Brownie's compiled ``state_machine`` fixture is broken in
1.22); the chain is reverted to the set-up snapshot before every example.
"""

from __future__ import annotations

import os

from brownie import chain, web3
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from backend.chain.domain import Origin
from tests.conftest import BENCHMARKS, DAY, YEAR
from tests.helpers import fen_at_benchmark, loan, now, revert_to_snapshot, reverts
from tests.model import LedgerModel

UNITS = ("chem", "steel", "hotel", "fund")
CAP = 30_000
EXAMPLES = int(os.environ.get("DRR_STATEFUL_EXAMPLES", "10"))
STEPS = int(os.environ.get("DRR_STATEFUL_STEPS", "30"))


def test_registry_invariants_hold_under_random_operations(
    city, ledger, permits, pledges, compliance, usage, registry, exchange, regulator, bank
):
    """R-05, R-06, R-07, R-10, R-22, R-24, R-26: supply per pollutant equals the sum of balances;
    pledged ≤ paid; free and waived rights leave only by surrender; surrendered equals burned;
    allocated ≤ cap — after every step, against the reference model."""
    pollutants = (city.pollutant["COD"], city.pollutant["NH3-N"])
    accounts = {name: getattr(city, name) for name in UNITS}
    regions = {a.address: a.district for a in accounts.values()}
    for unit in accounts.values():
        registry.setQualifiedSeller(unit, True, {"from": regulator})
        for p in pollutants:
            ledger.certifyTradable(unit, p, 10**12, {"from": regulator})
    for district in {a.district for a in accounts.values()}:
        for p in pollutants:
            ledger.setCap(district, p, CAP, {"from": regulator})
    t0 = now()
    compliance.definePeriod(t0 - YEAR, t0 - DAY, t0 + YEAR, t0 + 2 * YEAR, {"from": regulator})
    caps = {(d, p): CAP for d in set(regions.values()) for p in pollutants}
    chain.snapshot()
    w3_ledger = web3.eth.contract(address=ledger.address, abi=ledger.abi)

    def read_ledger() -> dict:
        """Every figure the invariants compare, in one JSON-RPC batch."""
        keys, calls = [], []
        for a in regions:
            for p in pollutants:
                keys.append(("balance", a, p))
                calls.append(w3_ledger.functions.balanceOf(a, p))
        for p in pollutants:
            keys.append(("supply", p))
            calls.append(w3_ledger.functions.totalSupply(p))
        for d, p in caps:
            keys.append(("cap", d, p))
            calls.append(w3_ledger.functions.capOf(d, p))
        with web3.batch_requests() as batch:
            for call in calls:
                batch.add(call)
            results = batch.execute()
        return {
            k: tuple(r) if isinstance(r, (list, tuple)) else r
            for k, r in zip(keys, results, strict=True)
        }

    names = st.sampled_from(UNITS)
    pollutant = st.sampled_from(pollutants)
    quantity = st.integers(min_value=0, max_value=8_000)

    class Registry(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            revert_to_snapshot()
            self.model = LedgerModel(caps=caps, regions=regions)

        def addr(self, name):
            return accounts[name].address

        @rule(
            name=names, p=pollutant, kg=quantity, origin=st.sampled_from(("paid", "free", "waived"))
        )
        def allocate(self, name, p, kg, origin):
            a = self.addr(name)
            if origin == "free":
                send = lambda: ledger.allocateFree(a, p, kg, {"from": regulator})
            else:
                code = int(Origin.PAID if origin == "paid" else Origin.WAIVED)
                send = lambda: ledger.allocate(a, p, code, kg, {"from": exchange})
            if self.model.can_allocate(a, p, kg):
                send()
                self.model.allocate(a, p, origin, kg)
            else:
                with reverts("LedgerZeroQuantity" if kg == 0 else "LedgerCapExceeded"):
                    send()

        @rule(seller=names, buyer=names, p=pollutant, kg=quantity)
        def trade(self, seller, buyer, p, kg):
            s, b = self.addr(seller), self.addr(buyer)
            price = fen_at_benchmark(kg, BENCHMARKS["COD" if p == pollutants[0] else "NH3-N"])
            send = lambda: ledger.trade(s, b, p, kg, price, 1, {"from": exchange})
            if self.model.can_sell(s, b, p, kg):
                send()
                self.model.trade(s, b, p, kg)
            else:
                with reverts(self._sale_refusal(s, b, p, kg)):
                    send()

        def _sale_refusal(self, s, b, p, kg):
            if kg == 0:
                return "LedgerZeroQuantity"
            if s == b:
                return "LedgerSameAccount"
            if self.model.movable(s, p) < kg:
                return "LedgerInsufficientRights"
            return "LedgerBelowPermit"

        @rule(name=names, p=pollutant, kg=quantity)
        def issue_permit(self, name, p, kg):
            a = self.addr(name)
            t = now()
            send = lambda: permits.issuePermit(
                a, [p], [kg], t - DAY, t + 5 * YEAR - DAY, {"from": regulator}
            )
            if self.model.can_permit(a, p, kg):
                send()
                self.model.permit(a, p, kg, list(pollutants))
            else:
                with reverts("PermitHoldingsBelowPermit"):
                    send()

        @rule(name=names, p=pollutant, kg=quantity)
        def pledge(self, name, p, kg):
            a = self.addr(name)
            send = lambda: pledges.pledge(bank, p, kg, *loan(), {"from": accounts[name].account})
            if self.model.can_pledge(a, p, kg):
                tx = send()
                assert tx.return_value == self.model.pledge(a, p, kg)
            else:
                with reverts(self._sale_refusal(a, None, p, kg)):
                    send()

        @rule(data=st.data())
        def release(self, data):
            active = [i + 1 for i, pl in enumerate(self.model.pledges) if pl.active]
            if not active:
                return
            pledge_id = data.draw(st.sampled_from(active))
            pledges.release(pledge_id, {"from": bank})
            self.model.release(pledge_id)

        @rule(name=names, p=pollutant, kg=quantity)
        def surrender(self, name, p, kg):
            """Verified usage of the period is posted once (kg), then the unit surrenders."""
            a = self.addr(name)
            if (a, p) not in self.model.usage:
                usage.post(a, p, 1, kg, True)
                self.model.usage[(a, p)] = kg
            send = lambda: compliance.surrender(a, p, 1, {"from": accounts[name].account})
            if self.model.due(a, p) == 0:
                with reverts("ComplianceNothingDue"):
                    send()
            elif self.model.usable(a, p) == 0:
                with reverts("ComplianceNothingToSurrender"):
                    send()
            else:
                tx = send()
                burned = self.model.surrender(a, p)
                assert sum(e["kg"] for e in tx.events["RightsSurrendered"]) == burned
                assert compliance.record(a, p, 1)["surrendered"] == self.model.surrendered[(a, p)]

        @rule(name=names, p=pollutant)
        def carry_over(self, name, p):
            a = self.addr(name)
            send = lambda: compliance.carryOver(a, p, 1, {"from": accounts[name].account})
            if (a, p) in self.model.carried:
                with reverts("ComplianceAlreadyCarriedOver"):
                    send()
            elif not self.model.compliant(a, p):
                with reverts("ComplianceNotCompliant"):
                    send()
            else:
                b = self.model.balance(a, p)
                unpledged = b.owned - b.pledged  # pledged rights are not carried over
                if unpledged == 0:
                    pledged = "ComplianceRightsPledged"
                    with reverts(pledged if b.pledged else "ComplianceNothingToCarryOver"):
                        send()
                    return
                tx = send()
                assert tx.events["CarriedOver"]["kg"] == unpledged
                assert compliance.record(a, p, 1)["carriedKg"] == unpledged
                self.model.carried.add((a, p))

        @invariant()
        def ledger_matches_the_model(self):
            """One batched read of every balance, supply and cap, compared with the model."""
            reads = read_ledger()
            for a in regions:
                for p in pollutants:
                    paid, free, waived, pledged = reads["balance", a, p]
                    assert (paid, free, waived, pledged) == self.model.balance(a, p).as_tuple()
                    assert pledged <= paid
            for p in pollutants:
                supply = reads["supply", p]
                assert supply == self.model.supply(p)
                allocated = sum(reads["cap", d, p][1] for d in set(regions.values()))
                assert supply == allocated - self.model.burned.get(p, 0)  # surrendered = burned
            for (d, p), cap in caps.items():
                on_chain_cap, allocated, _ = reads["cap", d, p]
                assert allocated <= on_chain_cap == cap
                assert allocated == self.model.allocated.get((d, p), 0)
            # free and waived rights leave only by surrender
            unpaid = sum(b.free + b.waived for b in self.model.balances.values())
            assert 0 <= self.model.minted_unpaid - unpaid <= sum(self.model.burned.values())

    run_state_machine_as_test(
        Registry,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking in CI
            suppress_health_check=list(HealthCheck),
        ),
    )
