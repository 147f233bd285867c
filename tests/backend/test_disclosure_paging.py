"""Paging of the public trade list by party (R-36): the seller-or-buyer filter reads each side
from its own index and merges them; the pages must hold exactly the rows of the plain filter,
in order, each once, walking older and back newer, on SQLite and on PostgreSQL."""

from __future__ import annotations

import random

from backend.indexer import store
from backend.indexer.projections import tables as t
from backend.services import disclosure

PARTIES = [f"0x{i:040x}" for i in range(1, 6)]


def _trades(n: int) -> list[dict]:
    rng = random.Random(20261206)
    rows = []
    for pos in range(10, 10 + 3 * n, 3):  # gaps between positions, as events of other kinds make
        seller, buyer = rng.sample(PARTIES, 2)
        rows.append({
            "pos": pos, "seller": seller, "buyer": buyer, "pollutant": rng.choice([1, 2]),
            "kg": rng.randint(1, 10_000), "price_fen": rng.randint(1, 10**8),
            "mode": rng.choice([1, 2]), "block_number": pos, "block_timestamp": 1_700_000_000 + pos,
            "tx_hash": "0x" + f"{pos:064x}",
        })  # fmt: skip
    return rows


def test_trades_of_a_party_page_exactly_like_the_seller_or_buyer_filter_R36(any_database_url):
    engine = store.open_database(any_database_url)
    try:
        store.create_schema(engine, t.metadata)
        rows = _trades(240)
        with engine.begin() as conn:
            conn.execute(t.trades.insert(), rows)
        party = PARTIES[0]
        for pollutant in (None, 2):
            expected = [
                r["pos"]
                for r in sorted(rows, key=lambda r: -r["pos"])
                if party in (r["seller"], r["buyer"])
                and (pollutant is None or r["pollutant"] == pollutant)
            ]
            assert 20 < len(expected) < len(rows)  # the party is on both sides, not everywhere
            with engine.connect() as conn:
                seen, before, page = [], None, None
                while True:
                    page = disclosure.trades(
                        conn, party=party, pollutant=pollutant, before=before, limit=7
                    )
                    seen += [r["pos"] for r in page.rows]
                    if page.before is None:
                        break
                    before = page.before
                assert seen == expected
                # back newer from the oldest row: the seven just newer, in the same order
                back = disclosure.trades(
                    conn, party=party, pollutant=pollutant, after=expected[-1], limit=7
                )
                assert [r["pos"] for r in back.rows] == expected[-8:-1]
                assert back.after == expected[-8]  # a newer page exists
                # the CSV download walks the same rows
                every = disclosure.trade_rows(conn, party=party, pollutant=pollutant, mode=None)
                assert [r["pos"] for r in every] == expected
    finally:
        engine.dispose()
