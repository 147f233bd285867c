"""Explorer read latency on a large read model (issue 10's target: p95 < 100 ms per page).

    python -m benchmarks.explorer_pages [rows] [database_url | sqlite | postgresql[:port]]

Fills the read-model tables directly (rows trades, rows unit-history entries, 10 000 units)
in a fresh SQLite file by default (``postgresql`` starts a throwaway server, port 18581 unless
given, as tests/backend/pgserver.py does), then times the service functions the pages and read
endpoints call: first page, a deep page by keyset, filtered pages, a unit page, a search.
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

from sqlalchemy import insert

from backend.indexer.projections import tables as t
from backend.indexer.store import create_schema, open_database
from backend.services import disclosure
from benchmarks.common import RESULTS, environment

UNITS = 10_000
CHUNK = 50_000


def fill(engine, rows: int) -> list[str]:
    rng = random.Random(7)
    holders = [f"0x{i:040x}" for i in range(1, UNITS + 1)]
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
            history.append({**common, "holder": seller, "contract": "RightsLedger",
                            "event": "RightsTraded", "args": {"kg": 1}})  # fmt: skip
        with engine.begin() as conn:
            conn.execute(insert(t.trades), trades)
            conn.execute(insert(t.unit_events), history)
        print(f"  {min(start + CHUNK, rows):,} / {rows:,} rows", flush=True)
    return holders


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


TARGET_P95_MS = 100
PG_PORT = 18581


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
    results = {"rows": rows, "fill_seconds": round(fill_seconds),
               "cases": {name: timed(engine, fn) for name, fn in cases.items()}}  # fmt: skip
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
