"""Random sequences of deposits, withdrawals, primary purchases, negotiated trades, listings taken
or bid on, and ascending or sealed auctions across several units, driving the contracts and a
plain-Python model side by side. After every step: money is conserved (Σ settlement-token
balances, the exchange's holdings and the treasury = issued − redeemed), the exchange's book equals
the money it holds, and rights are conserved (trades never change the ledger's supply).

Runs on hypothesis's own state machine (Brownie's compiled ``state_machine`` fixture is broken in
1.22); the chain is reverted to the set-up snapshot before every example.
``DRR_EXCHANGE_EXAMPLES`` full-length examples of ``DRR_EXCHANGE_STEPS`` steps are explored (CI
keeps them few). Hypothesis first tries about ten deliberately small examples (one or two steps,
capped at ten times the size of the smallest one) before generating full-length ones, so the
budget given to it is those plus the full-length examples asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from brownie import chain, web3
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.conftest import BENCHMARKS
from tests.contracts.market.conftest import ascending, sealed
from tests.contracts.market.orders import HOUR, both_sign, commitment, terms
from tests.helpers import fen_at_benchmark, now, reverts

UNITS = ("chem", "steel", "hotel", "fund")
EXAMPLES = int(os.environ.get("DRR_EXCHANGE_EXAMPLES", "3"))
STEPS = int(os.environ.get("DRR_EXCHANGE_STEPS", "25"))
SMALL_EXAMPLES = 10  # hypothesis's small-example phase (see the module docstring)
VOUCHER = b"\x09" * 32
STEP_FEN = 10_000
START_FEN = 4 * 10**7  # 40 万元 per unit
START_KG = 50_000


def fee(kg: int) -> int:
    return fen_at_benchmark(kg, BENCHMARKS["COD"])


@dataclass
class Model:
    """What every account should hold: wallet money, exchange money, COD rights."""

    wallet: dict[str, int] = field(default_factory=dict)
    available: dict[str, int] = field(default_factory=dict)
    paid: dict[str, int] = field(default_factory=dict)
    supply: int = 0
    treasury: int = 0
    issued: int = 0
    redeemed: int = 0

    def pay(self, payer: str, payee: str, fen: int) -> None:
        self.available[payer] -= fen
        self.available[payee] += fen

    def deliver(self, seller: str, buyer: str, kg: int) -> None:
        self.paid[seller] -= kg
        self.paid[buyer] += kg


def test_money_and_rights_are_conserved_under_random_trading(
    city,
    ledger,
    registry,
    regulator,
    cny,
    secondary,
    primary,
    auctions,
    settlement_bank,
    treasury,
    stranger,
):
    """R-08, R-14, R-16, R-29: after every step Σ money = issued − redeemed, the exchange holds
    exactly its book, nobody's money stays locked once an order closes, and only primary purchases
    change the rights' supply; every account matches the model."""
    cod = city.pollutant["COD"]
    units = {name: getattr(city, name) for name in UNITS}
    addresses = {name: u.address for name, u in units.items()}
    treasury0 = cny.balanceOf(treasury)
    for u in units.values():  # each unit starts with money at the exchange and 50 t bought
        registry.setQualifiedSeller(u, True, {"from": regulator})
        ledger.certifyTradable(u, cod, 10**12, {"from": regulator})
        cny.approve(secondary, 2**256 - 1, {"from": u.account})
        cny.approve(settlement_bank, 2**256 - 1, {"from": u.account})
        cny.issue(u, START_FEN, VOUCHER, {"from": settlement_bank})
        secondary.deposit(u, START_FEN, {"from": u.account})
        app = primary.submitApplication(cod, START_KG, 0, {"from": u.account}).return_value
        primary.approve(app, START_KG, {"from": regulator})
        primary.purchase(app, {"from": u.account})
    chain.snapshot()
    w3_cny = web3.eth.contract(address=cny.address, abi=cny.abi)
    w3_exchange = web3.eth.contract(address=secondary.address, abi=secondary.abi)
    w3_ledger = web3.eth.contract(address=ledger.address, abi=ledger.abi)

    def read() -> dict:
        """Every figure the invariants compare, in one JSON-RPC batch."""
        keys, calls = [], []
        holders = {**addresses, "exchange": secondary.address, "treasury": treasury.address}
        for name, a in holders.items():
            keys.append(("wallet", name))
            calls.append(w3_cny.functions.balanceOf(a))
        for name, a in addresses.items():
            keys.append(("funds", name))
            calls.append(w3_exchange.functions.fundsOf(a))
            keys.append(("rights", name))
            calls.append(w3_ledger.functions.balanceOf(a, cod))
        for key, call in (
            ("issued", w3_cny.functions.totalIssued()),
            ("redeemed", w3_cny.functions.totalRedeemed()),
            ("total", w3_cny.functions.totalSupply()),
            ("booked", w3_exchange.functions.totalBooked()),
            ("supply", w3_ledger.functions.totalSupply(cod)),
        ):
            keys.append(key)
            calls.append(call)
        with web3.batch_requests() as batch:
            for call in calls:
                batch.add(call)
            results = batch.execute()
        return dict(zip(keys, results, strict=True))

    names = st.sampled_from(UNITS)
    kgs = st.integers(min_value=0, max_value=20_000)
    money = st.integers(min_value=0, max_value=2 * 10**7)

    class Exchange(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            chain.revert()
            self.m = Model(
                wallet=dict.fromkeys(UNITS, 0),
                available=dict.fromkeys(UNITS, START_FEN - fee(START_KG)),
                paid=dict.fromkeys(UNITS, START_KG),
                supply=START_KG * len(UNITS),
                treasury=fee(START_KG) * len(UNITS),
                issued=START_FEN * len(UNITS),
            )

        # ---------------------------------------------------------- money in and out

        @rule(name=names, fen=st.integers(min_value=1, max_value=2 * 10**7))
        def pay_in(self, name, fen):
            """The settlement bank issues money against a deposit; the unit pays it in."""
            cny.issue(units[name], fen, VOUCHER, {"from": settlement_bank})
            secondary.deposit(units[name], fen, {"from": units[name].account})
            self.m.issued += fen
            self.m.available[name] += fen

        @rule(name=names, fen=money)
        def pay_out(self, name, fen):
            """The unit withdraws to its wallet and the bank redeems it to a bank account."""
            u = units[name]
            if fen == 0:
                with reverts("ExchangeZeroAmount"):
                    secondary.withdraw(fen, {"from": u.account})
                return
            if fen > self.m.available[name]:
                with reverts("ExchangeInsufficientFunds", u, self.m.available[name], fen):
                    secondary.withdraw(fen, {"from": u.account})
                return
            secondary.withdraw(fen, {"from": u.account})
            cny.redeem(u, fen, VOUCHER, {"from": settlement_bank})
            self.m.available[name] -= fen
            self.m.redeemed += fen

        # ---------------------------------------------------------- primary market

        @rule(name=names, kg=st.integers(min_value=1, max_value=20_000))
        def buy_at_benchmark(self, name, kg):
            """R-08: apply, approve, pay the fee to the treasury, rights registered paid."""
            u = units[name]
            app = primary.submitApplication(cod, kg, 0, {"from": u.account}).return_value
            primary.approve(app, kg, {"from": regulator})
            due = fee(kg)
            if due > self.m.available[name]:
                with reverts("ExchangeInsufficientFunds", u, self.m.available[name], due):
                    primary.purchase(app, {"from": u.account})
                return
            primary.purchase(app, {"from": u.account})
            self.m.available[name] -= due
            self.m.treasury += due
            self.m.paid[name] += kg
            self.m.supply += kg

        # ---------------------------------------------------------- secondary market

        def _sale_refusal(self, seller, buyer, kg, price) -> str | None:
            """The first check a direct sale fails, in the contracts' order."""
            if price > self.m.available[buyer]:
                return "ExchangeInsufficientFunds"
            if kg == 0:
                return "LedgerZeroQuantity"
            if seller == buyer:
                return "LedgerSameAccount"
            if self.m.paid[seller] < kg:
                return "LedgerInsufficientRights"
            return None

        def _listing_refused(self, seller, kg, ask) -> bool:
            """Rights the seller does not hold cannot be offered (refused when listing)."""
            if self.m.paid[seller] >= kg:
                return False
            seller_account = units[seller].account
            with reverts("LedgerInsufficientRights"):  # the settlement's own error, at once
                secondary.list(cod, kg, ask, STEP_FEN, now() + HOUR, {"from": seller_account})
            return True

        @rule(seller=names, buyer=names, kg=kgs, premium=st.integers(0, 10**6))
        def negotiated(self, seller, buyer, kg, premium):
            """R-14: both sign, the relayer submits."""
            price = fee(kg) + premium
            t = terms(units[seller], units[buyer], cod, kg, price)
            sigs = both_sign(secondary, t)
            send = lambda: secondary.settleTrade(t, *sigs, {"from": stranger})
            if seller == buyer:  # one nonce cannot sign both sides
                with reverts("SignedActionInvalidSignature"):
                    send()
                return
            refusal = self._sale_refusal(seller, buyer, kg, price)
            if refusal:
                with reverts(refusal):
                    send()
                return
            send()
            self.m.pay(buyer, seller, price)
            self.m.deliver(seller, buyer, kg)

        @rule(seller=names, buyer=names, kg=st.integers(min_value=1, max_value=20_000))
        def listing_taken(self, seller, buyer, kg):
            """R-14: a listing taken at the ask; a refused take leaves it open to be withdrawn."""
            ask = fee(kg)
            s, b = units[seller], units[buyer]
            if self._listing_refused(seller, kg, ask):
                return
            listing = secondary.list(cod, kg, ask, STEP_FEN, now() + HOUR, {"from": s.account})
            refusal = self._sale_refusal(seller, buyer, kg, ask)
            if refusal:
                with reverts(refusal):
                    secondary.take(listing.return_value, {"from": b.account})
                secondary.cancelListing(listing.return_value, {"from": s.account})
                return
            secondary.take(listing.return_value, {"from": b.account})
            self.m.pay(buyer, seller, ask)
            self.m.deliver(seller, buyer, kg)

        @rule(
            seller=names,
            bidders=st.lists(names, min_size=1, max_size=4),
            kg=st.integers(min_value=1, max_value=20_000),
        )
        def listing_bidding(self, seller, bidders, kg):
            """R-14: electronic bidding; each accepted bid beats the last; the best settles."""
            ask = fee(kg)
            s = units[seller]
            if self._listing_refused(seller, kg, ask):
                return
            listing = secondary.list(cod, kg, ask, STEP_FEN, now() + HOUR, {"from": s.account})
            lid = listing.return_value
            best, best_price, price = None, 0, ask
            available = dict(self.m.available)  # while bids are locked
            for name in bidders:
                free = available[name] + (best_price if best == name else 0)
                can = name != seller and self.m.paid[seller] >= kg and free >= price
                if not can:
                    error = "ExchangeInsufficientFunds" if free < price else "LedgerSameAccount"
                    with reverts(error):
                        secondary.bid(lid, price, {"from": units[name].account})
                    continue
                secondary.bid(lid, price, {"from": units[name].account})
                if best is not None:
                    available[best] += best_price  # the beaten bid is refunded at once
                available[name] -= price
                best, best_price, price = name, price, price + STEP_FEN
            chain.sleep(secondary.listing(lid)["endsAt"] - now() + 1)
            chain.mine()
            secondary.settleListing(lid, {"from": stranger})
            if best is not None:
                self.m.pay(best, seller, best_price)
                self.m.deliver(seller, best, kg)

        @rule(
            seller=names,
            bidders=st.lists(names, min_size=1, max_size=4, unique=True),
            kg=st.integers(min_value=1, max_value=20_000),
            is_sealed=st.booleans(),
            silent=st.booleans(),
        )
        def auction(self, seller, bidders, kg, is_sealed, silent):
            """R-14, R-16: deposits, bids (or sealed commitments and reveals, the last bidder
            possibly never revealing and forfeiting its deposit), settlement and refunds."""
            reserve = fee(kg)
            deposit = max(reserve // 10, 1)
            s = units[seller]
            t = sealed(reserve, deposit) if is_sealed else ascending(reserve, deposit, STEP_FEN)
            if self.m.paid[seller] < kg:  # rights the seller does not hold: refused when offered
                with reverts("LedgerInsufficientRights"):
                    auctions.offer(cod, kg, t, {"from": s.account})
                return
            lot = auctions.offer(cod, kg, t, {"from": s.account}).return_value
            joined = []
            for name in bidders:
                b = units[name]
                if self.m.available[name] < deposit:
                    with reverts("AuctionInsufficientFunds"):
                        auctions.join(lot, 0, {"from": b.account})
                elif name == seller:
                    with reverts("LedgerSameAccount"):
                        auctions.join(lot, 0, {"from": b.account})
                else:
                    auctions.join(lot, 0, {"from": b.account})
                    self.m.available[name] -= deposit
                    joined.append(name)
            locked = dict.fromkeys(joined, deposit)
            revealed: set[str] = set()
            if is_sealed:
                winner, price = self._sealed(
                    lot, joined, reserve, deposit, locked, silent, revealed
                )
            else:
                winner, price = self._ascending(lot, joined, reserve, deposit, locked)
            chain.sleep(auctions.lot(lot)["closesAt"] - now() + 1)
            chain.mine()
            auctions.settle(lot, {"from": stranger})
            if winner is not None:
                self.m.available[seller] += price
                self.m.deliver(seller, winner, kg)
                locked.pop(winner)
            for name, fen in locked.items():
                auctions.refund(lot, units[name], {"from": stranger})
                if is_sealed and name not in revealed:
                    self.m.treasury += fen  # committed, never revealed: forfeited
                else:
                    self.m.available[name] += fen

        def _ascending(self, lot, joined, reserve, deposit, locked):
            winner, price = None, 0
            for i, name in enumerate(joined):
                bid = reserve + i * STEP_FEN
                if self.m.available[name] + locked[name] < bid:
                    with reverts("AuctionInsufficientFunds"):
                        auctions.bid(lot, bid, {"from": units[name].account})
                    continue
                auctions.bid(lot, bid, {"from": units[name].account})
                self.m.available[name] -= bid - locked[name]
                locked[name] = bid
                if winner is not None:
                    self.m.available[winner] += locked[winner] - deposit
                    locked[winner] = deposit
                winner, price = name, bid
            return winner, price

        def _sealed(self, lot, joined, reserve, deposit, locked, silent, revealed):
            salt = b"\x11" * 32
            offers = {name: reserve + 3 * STEP_FEN * ((i * 7) % 4) for i, name in enumerate(joined)}
            for name in joined:
                b = units[name]
                auctions.commit(lot, commitment(lot, b, offers[name], salt), {"from": b.account})
            chain.sleep(auctions.lot(lot)["commitsEnd"] - now() + 1)
            chain.mine()
            winner, price = None, 0
            revealing = joined[:-1] if silent else joined
            for name in revealing:
                offer = offers[name]
                leads = offer > price
                if leads and self.m.available[name] + locked[name] < offer:
                    with reverts("AuctionInsufficientFunds"):
                        auctions.reveal(lot, offer, salt, {"from": units[name].account})
                    continue
                auctions.reveal(lot, offer, salt, {"from": units[name].account})
                revealed.add(name)
                if not leads:
                    continue
                self.m.available[name] -= offer - locked[name]
                locked[name] = offer
                if winner is not None:
                    self.m.available[winner] += locked[winner] - deposit
                    locked[winner] = deposit
                winner, price = name, offer
            return winner, price

        # ---------------------------------------------------------- invariants

        @invariant()
        def money_and_rights_are_conserved(self):
            r = read()
            m = self.m
            wallets = {name: r["wallet", name] for name in UNITS}
            exchange_holds, treasury_holds = r["wallet", "exchange"], r["wallet", "treasury"]
            # all money is somewhere: wallets, the exchange, the treasury
            assert r["issued"] == m.issued and r["redeemed"] == m.redeemed
            assert r["total"] == r["issued"] - r["redeemed"]
            assert sum(wallets.values()) + exchange_holds + (treasury_holds - treasury0) == (
                m.issued - m.redeemed
            )
            # the exchange holds exactly its book; nothing stays locked once orders closed
            funds = {name: tuple(r["funds", name]) for name in UNITS}
            assert exchange_holds == r["booked"] == sum(a + lk for a, lk in funds.values())
            assert funds == {name: (m.available[name], 0) for name in UNITS}
            assert treasury_holds - treasury0 == m.treasury
            # rights: only primary purchases create them; trades move them
            rights = {name: tuple(r["rights", name]) for name in UNITS}
            assert rights == {name: (m.paid[name], 0, 0, 0) for name in UNITS}
            assert r["supply"] == m.supply == sum(m.paid.values())

    run_state_machine_as_test(
        Exchange,
        settings=settings(
            max_examples=SMALL_EXAMPLES + EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking in CI
            suppress_health_check=list(HealthCheck),
        ),
    )
