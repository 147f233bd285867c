"""The explorer's read model against a real chain: every figure equals the contract's own view
(R-36, R-37), every row names its transaction, and a reorg leaves exactly what a fresh index of
the new chain builds."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.chain import domain
from backend.chain.client import Chain
from backend.chain.domain import Origin, TradeMode
from backend.indexer.decode import EventDecoder
from backend.indexer.projections import tables as t
from backend.services import disclosure, verify
from tests.backend.disclosure_city import TRADE_FEN, TRADE_KG, USAGE_KG, index


@pytest.fixture(scope="module")
def compliance(deployment):
    """The deployment's own compliance manager, on the verification oracle (R-23)."""
    import brownie

    return brownie.ComplianceManager.at(deployment.contracts["ComplianceManager"].address)


@pytest.fixture(scope="module")
def chain_reader(full_deployment):
    from brownie import web3

    return Chain.connect(web3.provider.endpoint_uri, full_deployment)


@pytest.fixture
def indexed(full_deployment, any_database_url):
    engine, _ = index(full_deployment, any_database_url)
    yield engine
    engine.dispose()


def _rows(engine, table):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings()]


def test_every_state_figure_equals_the_chain_R36_R37(indexed, chain_reader, city):
    """Holdings, caps, pledges, permits, units, compliance and reserve stock: each row of the
    read model matches the contract's view at the indexed block."""
    checked = 0
    with indexed.connect() as conn:
        for r in _rows(indexed, t.holdings):
            checked += _match(verify.holding(conn, chain_reader, holder=r["holder"],
                                             pollutant=r["pollutant"]))  # fmt: skip
        for r in _rows(indexed, t.caps):
            checked += _match(verify.cap(conn, chain_reader, region=r["region"],
                                         pollutant=r["pollutant"]))  # fmt: skip
        for r in _rows(indexed, t.pledges):
            checked += _match(verify.pledge(conn, chain_reader, pledge_id=r["id"]))
        for r in _rows(indexed, t.permits):
            checked += _match(verify.permit(conn, chain_reader, holder=r["holder"]))
        for r in _rows(indexed, t.units):
            checked += _match(verify.unit(conn, chain_reader, holder=r["holder"]))
        for r in _rows(indexed, t.compliance):
            key = {"unit": r["unit"], "pollutant": r["pollutant"], "period": r["period"]}
            checked += _match(verify.compliance(conn, chain_reader, **key))
        for r in _rows(indexed, t.reserve_stock):
            checked += _match(verify.reserve_stock(conn, chain_reader, source=r["source"],
                                                   pollutant=r["pollutant"]))  # fmt: skip
    assert checked > 40


def _match(answer) -> int:
    assert answer["match"], answer
    return 1


def test_a_changed_figure_is_reported_as_a_mismatch_R37(indexed, chain_reader, city):
    """The check is real: a row altered in the database no longer matches the chain."""
    with indexed.begin() as conn:
        conn.execute(
            t.holdings.update()
            .where(t.holdings.c.holder == city.chem.address, t.holdings.c.pollutant == 1)
            .values(paid=t.holdings.c.paid + 1)
        )
    with indexed.connect() as conn:
        answer = verify.holding(conn, chain_reader, holder=city.chem.address, pollutant=1)
    assert not answer["match"]
    assert answer["chain"]["paid"] + 1 == answer["indexed"]["paid"]


def test_trades_allocations_and_fees_carry_their_transactions_R36_R37(
    indexed, city, scenario, chain_reader
):
    """R-08, R-12, R-14: the trade with price, quantity, parties and mode; allocations with
    the benchmark in force and the fee charged (paid) or waived; each row's event re-read
    from the node's receipt matches."""
    with indexed.connect() as conn:
        trades = disclosure.trades(conn).rows
        assert [(r["seller"], r["buyer"], r["kg"], r["price_fen"], r["mode"]) for r in trades] == [
            (city.chem.address, city.steel.address, TRADE_KG, TRADE_FEN, TradeMode.NEGOTIATED)
        ]
        assert trades[0]["tx_hash"] == scenario.trade_tx
        assert trades[0]["seller_name"] == "chem" and trades[0]["fen_per_t"] == 450_000
        allocations = {(r["holder"], r["origin"]): r for r in disclosure.allocations(conn).rows}
        paid = allocations[(city.chem.address, Origin.PAID)]
        assert paid["benchmark_fen_per_t"] == 400_000 and paid["fee_fen"] == 100_000 * 400
        assert allocations[(city.chem.address, Origin.FREE)]["fee_fen"] is None
        waived = allocations[(city.steel.address, Origin.WAIVED)]
        assert waived["fee_fen"] == 5_000 * 800  # NH3-N at 8 000 元/t, waived
        totals = {(r["pollutant"], r["origin"]): r for r in disclosure.fee_totals(conn)}
        assert totals[(1, Origin.PAID)]["fee_fen"] == 40_000_000
        decoder = EventDecoder.for_deployment(chain_reader.deployment)
        for row in (trades[0], paid, waived):
            _, log_index = divmod(row["pos"], 1 << 20)
            answer = verify.event(conn, chain_reader, decoder, tx_hash=row["tx_hash"],
                                  log_index=log_index)  # fmt: skip
            assert answer["match"], answer


def test_market_days_caps_and_certification_follow_the_trade_R10_R39(indexed, city):
    with indexed.connect() as conn:
        (day,) = disclosure.market_days(conn)
        assert (day["trades"], day["kg"], day["fen"]) == (1, TRADE_KG, TRADE_FEN)
        assert day["min_fen_per_t"] == day["max_fen_per_t"] == 450_000
        cap = disclosure.caps(conn, region=city.chem.district, pollutant=1)[0]
        assert cap["allocated"] == 120_000 and cap["is_set"]
        chem = disclosure.unit(conn, city.chem.address, now=disclosure.chain_now(conn))
    cod = next(h for h in chem["holdings"] if h["pollutant"] == 1)
    assert cod["tradable"] == 30_000 - TRADE_KG  # a sale uses the certification up
    assert cod["free"] == 20_000 - USAGE_KG  # surrender burns free before paid


def test_compliance_blacklist_pledges_and_reserve_R17_R24_R27_R34(indexed, city):
    with indexed.connect() as conn:
        now = disclosure.chain_now(conn)
        (record,) = disclosure.compliance(conn, now=now).rows
        assert (record["unit"], record["usage_kg"], record["surrendered"]) == (
            city.chem.address, USAGE_KG, USAGE_KG,
        )  # fmt: skip
        assert record["status"] == domain.ComplianceStatus.COMPLIANT
        (black,) = disclosure.blacklist(conn)
        assert (black["holder"], black["reason"], black["holder_name"]) == (
            city.farm.address, "环保信用不良", "farm",
        )  # fmt: skip
        statuses = {r["id"]: r["status"] for r in disclosure.pledges(conn).rows}
        assert statuses == {1: domain.PledgeStatus.ACTIVE, 2: domain.PledgeStatus.RELEASED}
        (stock,) = disclosure.reserve_stock(conn)
        assert (stock["source"], stock["stock"]) == (domain.ReserveSource.RECLAIMED, 1_000)
        (reclaim,) = disclosure.reclaims(conn).rows
        assert (reclaim["unit"], reclaim["origin"], reclaim["kg"]) == (
            city.steel.address, Origin.WAIVED, 1_000,
        )  # fmt: skip


def test_paging_walks_every_row_once_in_both_directions(indexed, city):
    """Keyset pages of one row reach every unit exactly once, older and back newer."""
    with indexed.connect() as conn:
        everyone = [r["holder"] for r in disclosure.units(conn, limit=500).rows]
        seen, before = [], None
        while True:
            page = disclosure.units(conn, limit=3, before=before)
            seen += [r["holder"] for r in page.rows]
            if page.before is None:
                break
            before = page.before
        oldest = page.rows[0]
        back = disclosure.units(conn, limit=3, after=oldest["registered_pos"])
    # seven companies and three reserve accounts: the deployed reserve (scripts/deploy.py), the
    # test city's and the reserve contract of the tests
    assert seen == everyone and len(seen) == 10
    start = everyone.index(oldest["holder"])  # the three rows just newer than the last page's
    assert [r["holder"] for r in back.rows] == everyone[start - 3 : start]


def test_search_by_credit_code_or_name(indexed, city):
    with indexed.connect() as conn:
        by_code = disclosure.units(conn, q=city.steel.code).rows
        by_prefix = disclosure.units(conn, q=city.steel.code[:12].lower()).rows
        by_name = disclosure.units(conn, q="储备").rows
        nothing = disclosure.units(conn, q="%").rows
    assert [r["holder"] for r in by_code] == [city.steel.address]
    assert len(by_prefix) == 7  # the companies share the code prefix 91500000MA5U
    assert sorted(r["name"] for r in by_name) == sorted(
        ["市政府储备", "市排污权储备中心", "重庆市排污权储备中心"]
    )
    positions = [r["registered_pos"] for r in by_name]
    assert positions == sorted(positions, reverse=True)  # newest first
    assert nothing == []


def test_unit_history_lists_every_event_naming_the_unit(indexed, city):
    with indexed.connect() as conn:
        events = [
            r["event"] for r in disclosure.unit_history(conn, city.chem.address, limit=500).rows
        ]
    assert events[-1] == "AccountRegistered"
    for name in ("RightsAllocated", "RightsTraded", "Pledged", "Surrendered", "UsageAgreed",
                 "PermitIssued", "TradableCertified"):  # fmt: skip
        assert name in events


def test_a_reorg_leaves_what_a_fresh_index_builds(full_deployment, any_database_url, tmp_path,
                                                  city, ledger, exchange, regulator):  # fmt: skip
    """Index, revert the chain, build different blocks at the same heights, index again: the
    read model equals a fresh index of the final chain (every projection undone exactly)."""
    from brownie import chain

    engine, indexer = index(full_deployment, any_database_url)
    chain.snapshot()
    ledger.trade(city.chem, city.steel, 1, 2_000, 900_000, int(TradeMode.NEGOTIATED),
                 {"from": exchange})  # fmt: skip
    ledger.allocateFree(city.hotel, 6, 7_000, {"from": regulator})
    indexer.catch_up()
    with engine.connect() as conn:
        assert len(disclosure.trades(conn).rows) == 2
    chain.revert()
    chain.mine(3)
    ledger.allocateFree(city.hotel, 7, 1_000, {"from": regulator})
    indexer.catch_up()
    fresh, _ = index(full_deployment, f"sqlite:///{tmp_path / 'fresh.db'}")
    for table in t.metadata.sorted_tables:
        if table is t.undo_log:
            continue
        assert _sorted(_rows(engine, table)) == _sorted(_rows(fresh, table)), table.name
    with engine.connect() as conn:
        assert len(disclosure.trades(conn).rows) == 1
    engine.dispose()
    fresh.dispose()


def _sorted(rows):
    return sorted(rows, key=repr)


@pytest.fixture
def public_api(full_deployment, tmp_path, indexed_sqlite_url, rpc_url):
    """The service over the indexed city (its own indexer off: the index is already built)."""
    from fastapi.testclient import TestClient

    from backend.core.config import Settings
    from backend.main import create_app

    deployment_file = tmp_path / "deployment.json"
    full_deployment.save(deployment_file)
    settings = Settings(rpc_url=rpc_url, deployment_file=deployment_file,
                        database_url=indexed_sqlite_url, indexer_enabled=False)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def indexed_sqlite_url(full_deployment, tmp_path):
    url = f"sqlite:///{tmp_path / 'index.db'}"
    engine, _ = index(full_deployment, url)
    engine.dispose()
    return url


def test_read_endpoints_answer_every_figure_with_paging_and_errors_R36(public_api, city, scenario):
    """R-36 over HTTP: JSON lists with keyset paging, a unit by address, search, the
    OpenAPI document; bad input answers 422, an unknown unit 404."""
    first = public_api.get("/api/v1/public/trades", params={"limit": 1}).json()
    assert first["rows"][0]["tx_hash"] == scenario.trade_tx and first["before"] is None
    units = public_api.get("/api/v1/public/units", params={"limit": 4}).json()
    older = public_api.get("/api/v1/public/units", params={"limit": 4, "before": units["before"]})
    assert len(units["rows"]) == 4 and len(older.json()["rows"]) == 4
    assert {r["holder"] for r in units["rows"]}.isdisjoint(
        r["holder"] for r in older.json()["rows"]
    )
    chem = public_api.get(f"/api/v1/public/units/{city.chem.address.lower()}").json()
    assert chem["credit_code"] == city.chem.code and chem["permit"]["version"] == 1
    found = public_api.get("/api/v1/public/units", params={"q": city.chem.code}).json()["rows"]
    assert [r["holder"] for r in found] == [city.chem.address]
    assert public_api.get(f"/api/v1/public/units/0x{'1' * 40}").status_code == 404
    assert public_api.get("/api/v1/public/units/0x12").status_code == 422
    assert public_api.get("/api/v1/public/trades", params={"limit": 0}).status_code == 422
    assert public_api.get("/api/v1/public/trades", params={"party": "0xabc"}).status_code == 422
    paths = public_api.get("/openapi.json").json()["paths"]
    assert "/api/v1/public/trades" in paths and "/api/v1/public/verify/{figure}" in paths


def test_verify_endpoints_reread_the_chain_R37(public_api, city, scenario):
    answer = public_api.get(
        "/api/v1/public/verify/holding", params={"holder": city.chem.address, "pollutant": 1}
    ).json()
    assert answer["match"] and answer["calls"][0]["function"] == "balanceOf"
    log_index = public_api.get("/api/v1/public/trades").json()["rows"][0]["pos"] & (2**20 - 1)
    event = public_api.get(f"/api/v1/public/verify/event/{scenario.trade_tx}/{log_index}").json()
    assert event["match"] and event["chain"]["event"] == "RightsTraded"
    missing = public_api.get("/api/v1/public/verify/holding", params={"holder": city.chem.address})
    assert missing.status_code == 422
    assert public_api.get("/api/v1/public/verify/nothing").status_code == 404
    unknown = public_api.get("/api/v1/public/verify/pledge", params={"id": 99})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "FigureNotFound"


def test_pages_in_chinese_by_default_english_on_request_and_downloads_R36(public_api, city):
    home = public_api.get("/")
    assert home.status_code == 200 and "市场概览" in home.text and "<svg" in home.text
    english = public_api.get("/trades", params={"lang": "en"})
    assert "Every trade" in english.text and english.cookies.get("lang") == "en"
    assert "Every trade" in public_api.get("/trades").text  # the cookie keeps the choice
    public_api.get("/", params={"lang": "zh"})
    unit = public_api.get(f"/units/{city.chem.address}")
    assert "chem" in unit.text and "90 t" in unit.text  # 100 t paid, 10 t sold
    csv_text = public_api.get("/download/trades.csv").content.decode("utf-8-sig")
    header, row = csv_text.splitlines()[:2]
    assert header.startswith("pos,seller,buyer") and city.chem.address in row
    rows = public_api.get("/download/allocations.json", params={"origin": 2}).json()
    assert [r["holder"] for r in rows] == [city.steel.address]
    assert public_api.get("/download/secrets.csv").status_code == 404
    search = public_api.get("/units", params={"q": city.farm.code}, follow_redirects=False)
    assert search.status_code == 303 and search.headers["location"] == f"/units/{city.farm.address}"
