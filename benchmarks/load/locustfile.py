"""Locust users of the load test (benchmarks/load_test.py): the public reading and companies
signing orders at the same time, against `make run`'s stack.

Runs in the load test's own environment (.venv-load: Locust and eth-account, pinned in
requirements-load.lock); the driver writes what the users need to ``DRR_LOAD_CONFIG``: the bank,
the companies' dev keys (DEV ONLY: the local chain's well-known keys), each with the
pollutant it pledges.

* ``Reader`` (4 of 5 users): the explorer's and the public API's reads, paged as a person pages.
* ``Company`` (1 of 5): reads its own unit and signs a 1 kg pledge to the bank in its own wallet
  (prepare → EIP-712 signature → submit), each user with a company of its own.

A request counts as failed only on a server error (5xx) or no answer; the rules' refusals (4xx
with a named error) are answers, counted per status in ``DRR_LOAD_STATUS``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from collections import Counter
from pathlib import Path

from eth_account import Account
from locust import HttpUser, between, events, task

CONFIG = json.loads(Path(os.environ["DRR_LOAD_CONFIG"]).read_text(encoding="utf-8"))
STATUS: Counter[str] = Counter()
_lock = threading.Lock()
_companies = itertools.count()


@events.request.add_listener
def _count(name: str, response, exception, **_kw) -> None:
    status = getattr(response, "status_code", 0) if exception is None or response else 0
    with _lock:
        STATUS[f"{name} {status}"] += 1


@events.quitting.add_listener
def _dump(**_kw) -> None:
    path = os.environ.get("DRR_LOAD_STATUS")
    if path:
        Path(path).write_text(json.dumps(dict(STATUS), indent=1), encoding="utf-8")


def _get(user: HttpUser, path: str, name: str) -> dict | None:
    with user.client.get(path, name=name, catch_response=True) as response:
        if response.status_code >= 500 or response.status_code == 0:
            response.failure(f"{response.status_code}")
            return None
        response.success()
        return response.json() if "json" in response.headers.get("content-type", "") else None


def _post(user: HttpUser, path: str, body: dict):
    """POST ``body``; a 5xx counts as failed; returns the response (``None`` on a 5xx)."""
    with user.client.post(path, json=body, name=f"POST {path[7:]}", catch_response=True) as r:
        if r.status_code >= 500 or r.status_code == 0:
            r.failure(str(r.status_code))
            return None
        r.success()
        return r


class Reader(HttpUser):
    weight = 4
    wait_time = between(0.5, 2.0)

    @task(3)
    def status(self) -> None:
        _get(self, "/api/v1/public/status", "GET /public/status")

    @task(3)
    def overview(self) -> None:
        _get(self, "/api/v1/public/overview", "GET /public/overview")

    @task(3)
    def trades(self) -> None:
        _get(self, "/api/v1/public/trades?limit=20", "GET /public/trades")

    @task(2)
    def accounts(self) -> None:
        _get(self, "/api/v1/accounts?limit=20", "GET /accounts")

    @task(2)
    def units(self) -> None:
        page = _get(self, "/api/v1/public/units?limit=20", "GET /public/units")
        items = (page or {}).get("items") or []
        if items:
            holder = random.choice(items).get("holder") or random.choice(items).get("address")
            if holder:
                _get(self, f"/api/v1/public/units/{holder}", "GET /public/units/{holder}")

    @task(1)
    def pledges(self) -> None:
        _get(self, "/api/v1/public/pledges?limit=20", "GET /public/pledges")

    @task(2)
    def explorer(self) -> None:
        _get(self, "/", "GET / (explorer)")

    @task(1)
    def explorer_trades(self) -> None:
        _get(self, "/trades", "GET /trades (explorer)")


class Company(HttpUser):
    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        index = next(_companies)
        companies = CONFIG["companies"]
        self.company = companies[index] if index < len(companies) else None

    @task(2)
    def own_unit(self) -> None:
        if self.company is not None:
            address = self.company["address"]
            _get(self, f"/api/v1/public/units/{address}", "GET /public/units/{holder}")

    @task(1)
    def pledge(self) -> None:
        if self.company is None:
            return
        body = {
            "holder": self.company["address"],
            "bank": CONFIG["bank"],
            "pollutant": self.company["pollutant"],
            "quantityKg": 1,
            "claimFen": 100,
            "maturity": CONFIG["maturity"],
        }
        prepared = _post(self, "/api/v1/actions/pledge/prepare", body)
        if prepared is None or prepared.status_code != 200:
            return  # a refusal of the rules (named, 4xx) is an answer, not a failure
        typed = prepared.json()["typed_data"]
        signed = Account.sign_typed_data(self.company["key"], full_message=typed)
        envelope = {"typed_data": typed, "signature": "0x" + bytes(signed.signature).hex()}
        _post(self, "/api/v1/actions/pledge/submit", envelope)
