"""Explorer read latency on a large read model (issue 10's target: p95 < 100 ms per page).

    python -m benchmarks.explorer_pages [rows] [database_url | sqlite | postgresql[:port]]

Fills the read-model tables directly (rows trades, rows unit-history entries, 10 000 units with
their holdings, primary applications, pledges, compliance records and the authorities' roles)
in a fresh SQLite file by default (``postgresql`` starts a throwaway server, port 18581 unless
given, as tests/backend/pgserver.py does), then times the service functions the pages and read
endpoints call: first page, a deep page by keyset, filtered pages, a unit page, a search; and
whole pages as a browser gets them (the app in process, no chain node needed): the accounts list
(``/units``, filtered, paged), a unit's page with its history in sentences, an authority's
address page, the console with its work lists.
Results: benchmarks/results/explorer_pages.json, one entry per database (a run replaces only
its own database's entry).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from eth_utils import keccak, to_checksum_address
from sqlalchemy import insert

from backend.indexer.projections import tables as t
from backend.indexer.projections.roles import DISTRICT_REGULATOR_ROLE
from backend.indexer.store import create_schema, open_database
from backend.services import disclosure
from benchmarks.common import RESULTS, ROOT, environment

UNITS = 10_000
CHUNK = 50_000
REGULATOR = to_checksum_address("0x" + "f" * 39 + "1")  # the city regulator in the filled index
BANK = to_checksum_address("0x" + "f" * 39 + "2")
MEMBER = to_checksum_address("0x" + "f" * 39 + "4")  # a council member
APPLICATIONS, PLEDGES, PROPOSALS = 100_000, 20_000, 10_000
LEDGER = to_checksum_address(f"0x{3:040x}")  # RightsLedger's made-up address (CONTRACTS order)


def fill(engine, rows: int) -> list[str]:
    rng = random.Random(7)
    holders = [to_checksum_address(f"0x{i:040x}") for i in range(1, UNITS + 1)]
    with engine.begin() as conn:
        conn.execute(insert(t.units), [
            {"holder": h, "credit_code": f"91500000MA{i:08d}", "name": f"单位{i}", "sector": 1,
             "district": i % 8 + 1, "basin": 1, "restrictions": 0, "policy_restricted": False,
             "qualified_seller": True, "closed": False, "registered_pos": i, "registered_tx": "0x",
             "pos": i, "block_number": 1, "block_timestamp": 0, "tx_hash": "0x"}
            for i, h in enumerate(holders, 1)
        ])  # fmt: skip
    for start in range(0, rows, CHUNK):
        trades, history = [], []
        for n in range(start, min(start + CHUNK, rows)):
            pos = (n + UNITS + 1) << 20
            seller, buyer = rng.sample(holders, 2)
            common = {"pos": pos, "block_number": n, "block_timestamp": n, "tx_hash": f"0x{n:064x}"}
            trade = {"seller": seller, "buyer": buyer, "pollutant": n % 7 + 1,
                     "kg": 1_000 + n % 5_000, "price_fen": 400_000 + n, "mode": 1}  # fmt: skip
            trades.append({**common, **trade})
            args = {"from": seller, "to": buyer, "pollutant": trade["pollutant"],
                    "kg": trade["kg"], "priceFen": trade["price_fen"], "mode": 1}  # fmt: skip
            history.append({**common, "holder": seller, "contract": "RightsLedger",
                            "event": "RightsTraded", "args": args})  # fmt: skip
        with engine.begin() as conn:
            conn.execute(insert(t.trades), trades)
            conn.execute(insert(t.unit_events), history)
        print(f"  {min(start + CHUNK, rows):,} / {rows:,} rows", flush=True)
    fill_books(engine, holders)
    return holders


def fill_books(engine, holders: list[str]) -> None:
    """What the console's work lists and a unit's page read: holdings, applications (a few
    awaiting approval among many settled), pledges of one bank (a few active), a period's
    compliance records, the pollutants, the authorities' roles and the regulator's acts."""
    origin = {"block_number": 1, "block_timestamp": 0, "tx_hash": "0x" + "0" * 64}
    with engine.begin() as conn:
        conn.execute(insert(t.pollutants), [
            {"id": i, "code": f"P{i}", "name": f"污染物{i}", "class": 1, "pos": i, **origin}
            for i in range(1, 8)
        ])  # fmt: skip
        conn.execute(insert(t.holdings), [
            {"holder": h, "pollutant": p, "paid": 90_000, "free": 10_000, "waived": 0,
             "pledged": 0, "permitted": 50_000, "leased_in": 0, "leased_out": 0, "tradable": 0,
             "owed": 0, "pos": 1, **origin}
            for h in holders for p in (1, 3, 4)
        ])  # fmt: skip
        conn.execute(insert(t.applications), [
            {"id": i, "applicant": holders[i % UNITS], "pollutant": i % 7 + 1, "kind": 0,
             "requested_kg": 10_000, "status": 1 if i % 500 == 0 else 5, "status_tx": "0x",
             "waived": False, "acquired_kg": 0, "fee_fen": 0, "waived_fen": 0,
             "submitted_pos": i, "submitted_tx": "0x", "submitted_at": 0, "pos": i, **origin}
            for i in range(1, APPLICATIONS + 1)
        ])  # fmt: skip
        conn.execute(insert(t.pledges), [
            {"id": i, "holder": holders[i % UNITS], "bank": BANK, "pollutant": 1, "kg": 5_000,
             "status": 1 if i % 200 == 0 else 2, "claim_fen": 30_000_000, "maturity": 1_900_000_000,
             "created_pos": i,
             "created_tx": "0x", "pos": i, **origin}
            for i in range(1, PLEDGES + 1)
        ])  # fmt: skip
        period = {"id": 1, "start": 0, "end": 1, "surrender_deadline": 2**40,
                  "carry_over_deadline": 2**41, "pos": 1, **origin}  # fmt: skip
        conn.execute(insert(t.periods), [period])
        conn.execute(insert(t.compliance), [
            {"unit": h, "pollutant": 1, "period": 1, "usage_kg": 80_000, "final_at": 1,
             "corrected": False, "surrendered": 80_000 if n % 50 else 0, "shortfall": 0,
             "closed": False, "carried_over": False, "carried_kg": 0, "pos": n, **origin}
            for n, h in enumerate(holders, 1)
        ])  # fmt: skip
        district_regulator = to_checksum_address("0x" + "f" * 39 + "3")
        member = "0x" + keccak(text="MEMBER_ROLE").hex()
        roles = [("AccountRegistry", "0x" + keccak(text="REGULATOR_ROLE").hex(), REGULATOR, None),
                 ("AccountRegistry", DISTRICT_REGULATOR_ROLE, district_regulator, 1),
                 ("PledgeBook", "0x" + keccak(text="PLEDGEE_ROLE").hex(), BANK, None),
                 ("RegulatorCouncil", member, MEMBER, None)]  # fmt: skip
        conn.execute(insert(t.roles), [
            {"contract": c, "role": r, "account": a, "active": True, "scope": s,
             "granted_tx": "0x", "pos": 1, **origin} for c, r, a, s in roles
        ])  # fmt: skip
        fill_council(conn, origin)
        conn.execute(insert(t.unit_events), [
            {"holder": REGULATOR, "pos": i, "contract": "AccountRegistry",
             "event": "AccountRegistered", **origin,
             "args": {"holder": h, "creditCode": f"91500000MA{i:08d}", "name": f"单位{i}",
                      "sector": 1, "district": i % 8 + 1, "basin": 1, "by": REGULATOR}}
            for i, h in enumerate(holders, 1)
        ])  # fmt: skip


def timed(engine, fn, runs: int = 200) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        with engine.connect() as conn:
            began = time.perf_counter()
            fn(conn)
            samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2)}  # fmt: skip


def fill_council(conn, origin: dict) -> None:
    """The council's proposals: each one to three cap changes, mostly executed, a few open."""
    from eth_abi import encode

    selector = keccak(text="setCap(uint16,uint32,uint64)")[:4]
    statuses = ("executed", "executed", "executed", "cancelled", "pending", "scheduled")
    rows = []
    for i in range(1, PROPOSALS + 1):
        calls = [{"target": LEDGER,
                  "data": "0x" + (selector + encode(["uint16", "uint32", "uint64"],
                                                    [i % 8 + 1, k + 1, 1_000_000 + i])).hex()}
                 for k in range(i % 3 + 1)]  # fmt: skip
        step = {"event": "ProposalApproved", "tx_hash": "0x" + "0" * 64, "block_timestamp": 0,
                "args": {"id": i, "member": MEMBER, "approvals": 1}}  # fmt: skip
        rows.append({"id": i, "proposer": MEMBER, "description": f"核定总量 {i}", "calls": calls,
                     "approvals": 2, "approved_by": [MEMBER, REGULATOR], "eta": 1_800_000_000,
                     "operation_id": "0x" + "0" * 64, "status": statuses[i % len(statuses)],
                     "created_tx": "0x" + "0" * 64, "steps": [step, step], "pos": i,
                     **origin})  # fmt: skip
    conn.execute(insert(t.council_proposals), rows)
    conn.execute(insert(t.council_settings), [{"id": 1, "threshold": 2, "pos": 1, **origin}])


TARGET_P95_MS = 100
PG_PORT = 18581
# the deployment the pages name contracts from: the compiled ABIs at made-up addresses
CONTRACTS = ("AccountRegistry", "PriceBook", "RightsLedger", "PermitRegistry", "PledgeBook",
             "VerificationOracle", "ComplianceManager", "SettlementToken", "Exchange",
             "PrimaryMarket", "AuctionHouse", "GovernmentReserve", "UnitLifecycle", "LeaseBook",
             "RegulatorCouncil", "CouncilTimelock")  # fmt: skip


def pages(engine, url: str, holders: list[str], folder: Path) -> dict[str, dict[str, float]]:
    """Whole pages as a browser gets them: the app in process over the filled index."""
    from fastapi.testclient import TestClient

    from backend.chain.deployment import DeployedContract, Deployment
    from backend.core.config import Settings
    from backend.main import create_app
    from scripts.demo_city import places

    records = {}
    for i, name in enumerate(CONTRACTS, 1):
        built = json.loads((ROOT / "build" / "contracts" / f"{name}.json").read_text())
        records[name] = DeployedContract(address=f"0x{i:040x}", abi=built["abi"], block=0,
                                         tx_hash="0x" + "0" * 64)  # fmt: skip
    deployment = Deployment(chain_id=31337, network="bench", contracts=records,
                            places=places(), names={REGULATOR: {"zh": "市生态环境局",
                                                                "en": "City bureau"}})  # fmt: skip
    deployment.save(folder / "deployment.json")
    settings = Settings(rpc_url="http://127.0.0.1:9", deployment_file=folder / "deployment.json",
                        database_url=url, indexer_enabled=False, rate_limit_enabled=False,
                        relay_database_url=f"sqlite:///{folder / 'relay.db'}")  # fmt: skip
    rng = random.Random(3)
    cases = {
        "page: accounts list /units": lambda: "/units",
        "page: accounts of a district, next page": lambda: f"/units?district=3&before={UNITS // 2}",
        "page: accounts by name": lambda: "/units?q=单位12",
        "page: a unit with its history in sentences": lambda: f"/units/{rng.choice(holders)}",
        "page: an authority's address page": lambda: f"/address/{REGULATOR}",
        "page: the regulator's console": lambda: f"/console?account={REGULATOR}",
        "page: a bank's console": lambda: f"/console?account={BANK}",
        "page: council proposals /council": lambda: "/council",
        "page: council proposals, a page in the middle": lambda: (
            f"/council?before={PROPOSALS // 2}"
        ),
        "page: a council proposal": lambda: f"/council/{rng.randint(1, PROPOSALS)}",
        "page: a council member's console": lambda: f"/console?account={MEMBER}",
    }
    out = {}
    with TestClient(create_app(settings)) as client:
        for name, path in cases.items():
            assert client.get(path()).status_code == 200, name
            samples = []
            for _ in range(100):
                target = path()
                began = time.perf_counter()
                response = client.get(target)
                samples.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (name, target)
            samples.sort()
            out[name] = {"p50_ms": round(statistics.median(samples), 2),
                         "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2)}  # fmt: skip
    return out


def main(rows: int, url: str | None) -> dict:
    folder = Path(tempfile.mkdtemp())
    pg = None
    if url is not None and url.startswith("postgresql") and "://" not in url:
        from tests.backend.pgserver import PgServer

        port = int(url.partition(":")[2] or PG_PORT)
        pg = PgServer(port).start()
        url = pg.create_database()
    try:
        return _run(rows, None if url == "sqlite" else url, folder)
    finally:
        if pg is not None:
            pg.stop()


def _run(rows: int, url: str | None, folder: Path) -> dict:
    engine = open_database(url or f"sqlite:///{folder / 'bench.db'}")
    create_schema(engine, t.metadata)
    began = time.monotonic()
    holders = fill(engine, rows)
    fill_seconds = time.monotonic() - began
    print(f"filled in {fill_seconds:.0f} s", flush=True)
    deep = ((rows // 2) + UNITS) << 20
    rng = random.Random(1)
    cases = {
        "trades, first page": lambda c: disclosure.trades(c),
        "trades, deep page (keyset)": lambda c: disclosure.trades(c, before=deep),
        "trades of one pollutant": lambda c: disclosure.trades(c, pollutant=3, before=deep),
        "trades of one party": lambda c: disclosure.trades(c, party=rng.choice(holders)),
        "unit page": lambda c: disclosure.unit(c, rng.choice(holders), now=0),
        "unit history": lambda c: disclosure.unit_history(c, rng.choice(holders)),
        "search by credit code": lambda c: disclosure.units(c, q="91500000MA0000123"),
        "market overview days": lambda c: disclosure.market_days(c),
    }
    cases |= {
        "accounts list (units), first page": lambda c: disclosure.units(c),
        "accounts of one district, deep page": lambda c: disclosure.units(c, district=3,
                                                                           before=UNITS // 2),
    }  # fmt: skip
    results = {"rows": rows, "fill_seconds": round(fill_seconds),
               "cases": {name: timed(engine, fn) for name, fn in cases.items()}}  # fmt: skip
    results["cases"] |= pages(engine, url or f"sqlite:///{folder / 'bench.db'}", holders, folder)
    results["worst_p95_ms"] = max(r["p95_ms"] for r in results["cases"].values())
    results["met"] = results["worst_p95_ms"] < TARGET_P95_MS
    engine.dispose()
    out = RESULTS / "explorer_pages.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text()) if out.exists() else {}
    databases = previous.get("databases", {})
    databases[engine.dialect.name] = {**environment(), **results}
    out.write_text(
        json.dumps({"target_p95_ms": TARGET_P95_MS, "databases": databases}, indent=2,
                   ensure_ascii=False) + "\n"
    )  # fmt: skip
    print(f"{engine.dialect.name}: {rows:,} rows")
    for name, r in results["cases"].items():
        print(f"{name:32} p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms")
    return results


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
        sys.argv[2] if len(sys.argv) > 2 else None,
    )
