"""A company-and-authority load on the demo city through the API, one request at a time, as the
CLI sends it (``backend/cli/``): each party signs with its own (dev) key.

Three kinds of action, in turn:

- ``pledge``: the sewage plant pledges 100 kg of COD to the bank for a loan of 420 元 due in 90
  days of the chain's time (a signed action with the claim it secures and its maturity, R-34);
- ``trade``: the steel works sells 100 kg of COD to the pharmaceutical company, both sign the
  negotiated trade (R-14, R-16);
- ``certify``: the city regulator certifies 100 kg more of the steel works' COD as tradable, a
  transaction it signs itself and sends through ``POST /tx/raw`` (R-39).

Every action carries an idempotency key; :attr:`Load.acknowledged` holds what the service
answered with success, in order, and :attr:`Load.attempted` the one in flight when it stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from eth_account import Account

from backend.chain.devkeys import authority_key, dev_key
from backend.cli.actions import sign_envelope
from backend.cli.context import ApiClient
from backend.cli.operations import sign_transaction

COD = 1
LOT_KG = 100
LOT_FEN = 42_000  # 420 元 for 100 kg: 4 200 元/t, above the 4 000 元/t benchmark
LOAN_DAYS = 90  # a pledge's maturity after the chain's time (the demo moved its clock ahead)
SEWAGE, STEEL, PHARMA = dev_key(21), dev_key(11), dev_key(14)
REGULATOR, BANK = authority_key("city_regulator"), authority_key("bank")
KINDS = ("pledge", "trade", "certify")


@dataclass
class Action:
    kind: str
    key: str  # idempotency key
    payload: dict[str, Any]  # what a retry sends again, as is
    answer: dict[str, Any] | None = None

    @property
    def tx_hash(self) -> str:
        assert self.answer is not None
        return self.answer["tx_hash"]


@dataclass
class Load:
    url: str
    prefix: str = "load"
    acknowledged: list[Action] = field(default_factory=list)
    attempted: Action | None = None
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.url, timeout=120)
        self.api = ApiClient(self._http)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- building one action -------------------------------------------------------------------

    def build(self, kind: str, number: int) -> Action:
        key = f"{self.prefix}-{kind}-{number}"
        if kind == "pledge":
            overview = self._http.get("/api/v1/public/overview").raise_for_status()
            now = overview.json()["now"]  # the chain's time, as the index last saw it
            prepared = self.api.prepare(
                "pledge",
                {"holder": SEWAGE.address, "bank": BANK.address, "pollutant": COD,
                 "quantityKg": LOT_KG, "claimFen": LOT_FEN, "maturity": now + LOAN_DAYS * 86_400},
            )  # fmt: skip
            return Action(kind, key, sign_envelope(prepared, Account.from_key(SEWAGE.private_key)))
        if kind == "trade":
            prepared = self.api.prepare_trade(
                {"seller": STEEL.address, "buyer": PHARMA.address, "pollutant": COD,
                 "quantityKg": LOT_KG, "priceFen": LOT_FEN},
            )  # fmt: skip
            seller = sign_envelope(prepared["seller"], Account.from_key(STEEL.private_key))
            buyer = sign_envelope(prepared["buyer"], Account.from_key(PHARMA.private_key))
            return Action(kind, key, {"seller": seller, "buyer": buyer})
        built = self.api.build(
            "/api/v1/allocation/certify-tradable",
            {"sender": REGULATOR.address, "holder": STEEL.address, "pollutant": COD,
             "kg": LOT_KG},
        )  # fmt: skip
        signed = sign_transaction(built, Account.from_key(REGULATOR.private_key))
        return Action(kind, key, {"raw": signed["raw"]})

    def submit(self, action: Action, api: ApiClient | None = None) -> dict[str, Any]:
        """Send (or send again) ``action``; the service's answer."""
        api = api or self.api
        if action.kind == "pledge":
            return api.submit("pledge", action.payload, key=action.key)
        if action.kind == "trade":
            seller, buyer = action.payload["seller"], action.payload["buyer"]
            return api.submit_trade(seller, buyer, key=action.key)
        return api.send_raw(action.payload["raw"])

    def one(self, number: int) -> Action:
        action = self.build(KINDS[number % len(KINDS)], number)
        self.attempted = action
        action.answer = self.submit(action)
        self.acknowledged.append(action)
        self.attempted = None
        return action

    # -- running -------------------------------------------------------------------------------

    def run(self, count: int) -> None:
        if self.attempted is not None:
            # the action the stack died under: sent again with its key and payload, as a client
            # does (a new action would find its key or its signer's nonce still held by it)
            action = self.attempted
            action.answer = self.submit(action)
            self.acknowledged.append(action)
            self.attempted = None
        for number in range(len(self.acknowledged), len(self.acknowledged) + count):
            self.one(number)

    def start(self, on_each: Callable[[int], None] | None = None) -> None:
        """Actions one after the other in a thread until :meth:`stop` (or a failure, such as
        the stack dying under it)."""

        def loop() -> None:
            number = len(self.acknowledged)
            while not self._stop.is_set():
                try:
                    self.one(number)
                except Exception as exc:  # the stack died under it, or refused: reported
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                    return
                number += 1
                if on_each is not None:
                    on_each(len(self.acknowledged))

        self._thread = threading.Thread(target=loop, name="load", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 180) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            assert not self._thread.is_alive(), "the load did not stop"

    def wait_for(self, count: int, timeout: float = 300) -> None:
        """Until ``count`` actions are acknowledged in all (the load runs in its thread)."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count:
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} acknowledged"
            time.sleep(0.05)

    def close(self) -> None:
        self._http.close()
