"""The exchange's own books in the read model and on the explorer (R-36, R-37): primary
applications with approved quantities and the fees actually charged or waived, listings with
their bids, auction lots with bidders, prices and an enforcement sale's division; every figure
with its transaction; a reorg leaves what a fresh index builds."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from backend.chain.domain import ApplicationStatus, ListingStatus, LotStatus, Origin
from backend.indexer.projections import tables as t
from backend.services import disclosure
from tests.backend.disclosure_city import index, served
from tests.conftest import BENCHMARKS
from tests.contracts.market.conftest import ascending, sealed
from tests.contracts.market.orders import commitment
from tests.helpers import fen_at_benchmark, now

EXISTING, NEW_UNIT, EXPANSION = range(3)
SALE, ENFORCEMENT, PRIMARY = range(3)
COD_FEE = fen_at_benchmark(8_000, BENCHMARKS["COD"])  # 8 t approved of 10 t applied
NH3_WAIVED = fen_at_benchmark(5_000, BENCHMARKS["NH3-N"])
NOX_RESERVE = fen_at_benchmark(3_000, BENCHMARKS["NOx"])
NOX_PRICE = NOX_RESERVE + 1_000
ASK = fen_at_benchmark(2_000, BENCHMARKS["COD"])
SEALED_RESERVE = fen_at_benchmark(2_000, BENCHMARKS["COD"])
CLAIM = 100_000
ENFORCED_RESERVE = fen_at_benchmark(5_000, BENCHMARKS["COD"])


def _until(timestamp: int) -> None:
    from brownie import chain

    chain.sleep(max(timestamp - now(), 0) + 1)
    chain.mine()


@pytest.fixture(scope="module")
def market(traders, primary, secondary, auctions, pledges, regulator, district_regulator,
           exchange, bank, treasury):  # fmt: skip
    """Every kind of application, listing and lot the exchange has, driven on the test chain."""
    u, p = traders, traders.pollutant
    cod, nh3, so2, nox = p["COD"], p["NH3-N"], p["SO2"], p["NOx"]
    reg, ops = {"from": regulator}, {"from": exchange}
    txs = SimpleNamespace()

    def submit(unit, pollutant, kg, kind=EXISTING):
        return primary.submitApplication(pollutant, kg, kind, {"from": unit.account}).return_value

    # 10 t applied, 8 t approved by the district regulator, bought at the benchmark
    bought = submit(u.chem, cod, 10_000)
    txs.approved = primary.approve(bought, 8_000, {"from": district_regulator}).txid
    txs.purchase = primary.purchase(bought, {"from": u.chem.account}).txid
    # the finance bureau waives steel's fee
    waived = submit(u.steel, nh3, 5_000)
    primary.approve(waived, 5_000, reg)
    primary.waive(waived, {"from": treasury})
    txs.waived = primary.purchase(waived, {"from": u.steel.account}).txid
    rejected = submit(u.fund, so2, 1_000)
    primary.reject(rejected, "不符合产业政策", reg)
    withdrawn = submit(u.power2, nox, 2_000)
    primary.withdrawApplication(withdrawn, {"from": u.power2.account})
    # an expansion wins 3 t of new NOx rights of district 1 at auction
    expansion = submit(u.chem, nox, 3_000, EXPANSION)
    primary.approve(expansion, 3_000, reg)
    new_lot = auctions.offerPrimary(nox, 1, 3_000, ascending(NOX_RESERVE, NOX_RESERVE // 10),
                                    ops).return_value  # fmt: skip
    auctions.join(new_lot, expansion, {"from": u.chem.account})
    auctions.bid(new_lot, NOX_PRICE, {"from": u.chem.account})
    _until(auctions.lot(new_lot)["closesAt"])
    txs.new_rights = auctions.settle(new_lot, ops).txid

    # a listing taken at the ask, one settled to the best of two bids, one cancelled
    end = now() + 3_600
    taken = secondary.list(cod, 2_000, ASK, 10_000, end, {"from": u.steel.account}).return_value
    txs.taken = secondary.take(taken, {"from": u.fund.account}).txid
    bidding = secondary.list(cod, 2_000, ASK, 10_000, end, {"from": u.chem.account}).return_value
    secondary.bid(bidding, ASK, {"from": u.steel.account})
    txs.best_bid = secondary.bid(bidding, ASK + 10_000, {"from": u.fund.account}).txid
    cancelled = secondary.list(so2, 1_000, 500_000, 1_000, end, {"from": u.power2.account})
    secondary.cancelListing(cancelled.return_value, {"from": u.power2.account})
    _until(end)
    txs.listing_settled = secondary.settleListing(bidding, ops).txid

    # a sealed-bid sale; one bidder never reveals and forfeits its deposit
    lot = auctions.offer(cod, 2_000, sealed(SEALED_RESERVE, 50_000),
                         {"from": u.power.account}).return_value  # fmt: skip
    offers = {u.chem: SEALED_RESERVE + 20_000, u.steel: SEALED_RESERVE + 40_000, u.fund: None}
    salt = b"\x07" * 32
    for bidder, price in offers.items():
        auctions.join(lot, 0, {"from": bidder.account})
        auctions.commit(lot, commitment(lot, bidder, price or SEALED_RESERVE, salt),
                        {"from": bidder.account})  # fmt: skip
    _until(auctions.lot(lot)["commitsEnd"])
    for bidder, price in offers.items():
        if price:
            auctions.reveal(lot, price, salt, {"from": bidder.account})
    _until(auctions.lot(lot)["closesAt"])
    txs.sealed = auctions.settle(lot, ops).txid
    auctions.refund(lot, u.fund, ops)

    # chem defaults on a loan; the bank sells the pledged rights, and is paid first
    pledge = pledges.pledge(bank, cod, 5_000, CLAIM, now() + 86_400,
                            {"from": u.chem.account}).return_value  # fmt: skip
    _until(pledges.pledgeOf(pledge)["maturity"])  # the loan falls due unpaid
    pledges.enforce(pledge, CLAIM, {"from": bank})
    enforced = auctions.offerEnforcement(pledge, ascending(ENFORCED_RESERVE, 100_000),
                                         {"from": bank}).return_value  # fmt: skip
    auctions.join(enforced, 0, {"from": u.steel.account})
    auctions.bid(enforced, ENFORCED_RESERVE, {"from": u.steel.account})
    _until(auctions.lot(enforced)["closesAt"])
    txs.enforced = auctions.settle(enforced, ops).txid
    return SimpleNamespace(
        units=u, txs=txs, bought=bought, waived=waived, rejected=rejected, withdrawn=withdrawn,
        expansion=expansion, taken=taken, bidding=bidding, cancelled=cancelled.return_value,
        new_lot=new_lot, sealed_lot=lot, enforced=enforced, pledge=pledge,
    )  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def indexed(request, deployment, market, tmp_path_factory):
    """The market indexed once per kind of database (the tests only read it)."""
    server = request.getfixturevalue("postgres_server") if request.param != "sqlite" else None
    if server is None:
        url = f"sqlite:///{tmp_path_factory.mktemp('market') / 'index.db'}"
    else:
        url = server.create_database()
    engine, _ = index(deployment, url)
    yield engine
    engine.dispose()
    if server is not None:
        server.drop_database(url)


def test_applications_show_approved_quantities_and_fees_charged_or_waived_R08_R12_R36(
    indexed, market
):
    """R-08, R-09, R-12: each application with requested and approved quantity, who decided,
    status, and the fee actually paid (benchmark purchase, primary-auction price) or waived;
    every figure names its transaction (R-37)."""
    u, txs = market.units, market.txs
    with indexed.connect() as conn:
        rows = {r["id"]: r for r in disclosure.applications(conn).rows}
    bought = rows[market.bought]
    assert (bought["applicant"], bought["applicant_name"], bought["requested_kg"]) == (
        u.chem.address, "chem", 10_000,
    )  # fmt: skip
    assert (bought["approved_kg"], bought["decided_tx"]) == (8_000, txs.approved)
    assert (bought["status"], bought["fee_fen"], bought["settled_tx"]) == (
        ApplicationStatus.SETTLED, COD_FEE, txs.purchase,
    )  # fmt: skip
    waived = rows[market.waived]
    assert waived["waived"] and (waived["fee_fen"], waived["waived_fen"]) == (0, NH3_WAIVED)
    assert waived["settled_tx"] == txs.waived
    assert (rows[market.rejected]["status"], rows[market.rejected]["reason"]) == (
        ApplicationStatus.REJECTED, "不符合产业政策",
    )  # fmt: skip
    assert rows[market.withdrawn]["status"] == ApplicationStatus.WITHDRAWN
    won = rows[market.expansion]
    assert (won["kind"], won["status"], won["acquired_kg"], won["fee_fen"]) == (
        EXPANSION, ApplicationStatus.SETTLED, 3_000, NOX_PRICE,
    )  # fmt: skip
    assert won["settled_tx"] == txs.new_rights
    assert list(rows) == sorted(rows, reverse=True)  # newest first


def test_the_fee_table_holds_the_amounts_actually_charged_and_waived_R08_R12(indexed, market):
    """The fees disclosed are the primary market's own figures: the fee paid at the benchmark,
    the price of new rights won at auction, the fee waived; rights the primary market did not
    allocate (here the traders' stock) carry none."""
    u, p = market.units, market.units.pollutant
    with indexed.connect() as conn:
        allocations = disclosure.allocations(conn, limit=500).rows
        totals = {(r["pollutant"], r["origin"]): r for r in disclosure.fee_totals(conn)}
    by_application = {r["application"]: r for r in allocations if r["application"]}
    assert (by_application[market.bought]["fee_fen"], by_application[market.bought]["kg"]) == (
        COD_FEE, 8_000,
    )  # fmt: skip
    assert by_application[market.bought]["tx_hash"] == market.txs.purchase
    assert by_application[market.waived]["origin"] == Origin.WAIVED
    assert by_application[market.waived]["fee_fen"] == NH3_WAIVED
    assert by_application[market.expansion]["fee_fen"] == NOX_PRICE
    stock = [r for r in allocations if r["application"] is None]
    assert stock and all(r["fee_fen"] is None for r in stock)
    assert totals[(p["COD"], Origin.PAID)]["fee_fen"] == COD_FEE
    assert totals[(p["NOx"], Origin.PAID)]["fee_fen"] == NOX_PRICE
    assert totals[(p["NH3-N"], Origin.WAIVED)]["fee_fen"] == NH3_WAIVED
    assert totals[(p["NH3-N"], Origin.WAIVED)]["allocations"] == 1
    assert by_application[market.bought]["holder"] == u.chem.address


def test_listings_show_ask_best_bid_and_outcome_R14(indexed, market):
    u, txs = market.units, market.txs
    with indexed.connect() as conn:
        rows = {r["id"]: r for r in disclosure.listings(conn).rows}
    taken = rows[market.taken]
    assert (taken["status"], taken["buyer"], taken["price_fen"], taken["status_tx"]) == (
        ListingStatus.TAKEN, u.fund.address, ASK, txs.taken,
    )  # fmt: skip
    bidding = rows[market.bidding]
    assert (bidding["bids"], bidding["best_bidder_name"], bidding["best_bid_fen"]) == (
        2, "fund", ASK + 10_000,
    )  # fmt: skip
    assert bidding["best_bid_tx"] == txs.best_bid
    assert (bidding["status"], bidding["price_fen"], bidding["status_tx"]) == (
        ListingStatus.SETTLED, ASK + 10_000, txs.listing_settled,
    )  # fmt: skip
    assert (bidding["seller_name"], bidding["kg"], bidding["ask_fen"]) == ("chem", 2_000, ASK)
    cancelled = rows[market.cancelled]
    assert (cancelled["status"], cancelled["closed_by"]) == (
        ListingStatus.CANCELLED, u.power2.address,
    )  # fmt: skip


def test_lots_show_bidders_prices_and_the_banks_share_R09_R14_R34(indexed, market):
    u, txs = market.units, market.txs
    with indexed.connect() as conn:
        rows = {r["id"]: r for r in disclosure.lots(conn).rows}
        enforced_only = disclosure.lots(conn, kind=ENFORCEMENT).rows
    new = rows[market.new_lot]
    assert (new["kind"], new["seller"], new["region"], new["reserve_fen"]) == (
        PRIMARY, None, 1, NOX_RESERVE,
    )  # fmt: skip
    assert (new["winner"], new["price_fen"], new["status"]) == (
        u.chem.address, NOX_PRICE, LotStatus.SOLD,
    )  # fmt: skip
    sealed_lot = rows[market.sealed_lot]
    assert (sealed_lot["format"], sealed_lot["bidders"], sealed_lot["commitments"]) == (1, 3, 3)
    assert (sealed_lot["bids"], sealed_lot["leader"], sealed_lot["price_fen"]) == (
        2, u.steel.address, SEALED_RESERVE + 40_000,
    )  # fmt: skip
    assert (sealed_lot["deposit_fen"], sealed_lot["forfeited_fen"]) == (50_000, 50_000)
    assert sealed_lot["status_tx"] == txs.sealed
    enforced = rows[market.enforced]
    assert (enforced["kind"], enforced["seller_name"], enforced["ref"]) == (
        ENFORCEMENT, "chem", market.pledge,
    )  # fmt: skip
    assert (enforced["bank_fen"], enforced["holder_fen"]) == (CLAIM, ENFORCED_RESERVE - CLAIM)
    assert enforced["status_tx"] == txs.enforced
    assert [r["id"] for r in enforced_only] == [market.enforced]


def test_a_reorg_of_market_events_leaves_what_a_fresh_index_builds(
    deployment, market, any_database_url, tmp_path, primary, secondary, regulator
):
    """Index, revert the chain, build different blocks at the same heights, index again: the
    market's tables equal a fresh index of the final chain (each write undone exactly)."""
    from brownie import chain

    u, cod = market.units, market.units.pollutant["COD"]
    engine, indexer = index(deployment, any_database_url)
    chain.snapshot()
    app = primary.submitApplication(cod, 4_000, EXISTING, {"from": u.hotel.account}).return_value
    primary.approve(app, 4_000, {"from": regulator})
    primary.purchase(app, {"from": u.hotel.account})
    listing = secondary.list(cod, 1_000, 400_000, 1_000, now() + 3_600, {"from": u.steel.account})
    secondary.bid(listing.return_value, 400_000, {"from": u.chem.account})
    indexer.catch_up()
    with engine.connect() as conn:
        assert disclosure.applications(conn, limit=1).rows[0]["status"] == ApplicationStatus.SETTLED
        assert disclosure.listings(conn, limit=1).rows[0]["status"] == ListingStatus.BIDDING
    chain.revert()
    chain.mine(2)
    primary.submitApplication(cod, 9_000, EXISTING, {"from": u.fund.account})
    indexer.catch_up()
    fresh, _ = index(deployment, f"sqlite:///{tmp_path / 'fresh.db'}")
    for table in (t.applications, t.primary_acquisitions, t.listings, t.lots, t.allocations,
                  t.fee_totals, t.holdings, t.caps):  # fmt: skip
        assert _rows(engine, table) == _rows(fresh, table), table.name
    with engine.connect() as conn:
        newest = disclosure.applications(conn, limit=1).rows[0]
    assert (newest["applicant"], newest["requested_kg"]) == (u.fund.address, 9_000)
    engine.dispose()
    fresh.dispose()


def _rows(engine, table):
    with engine.connect() as conn:
        return sorted((dict(r) for r in conn.execute(select(table)).mappings()), key=repr)


@pytest.fixture
def public_api(deployment, market, tmp_path, rpc_url):
    """The service over the indexed market (its own indexer off: the index is already built)."""
    with served(deployment, rpc_url, tmp_path) as client:
        yield client


def test_market_page_shows_each_figure_linked_to_its_transaction_R36_R37(public_api, market):
    """/market in Chinese and English: the three sections with the figures, each linked to the
    transaction that made it; paging per section; CSV/JSON downloads; the JSON endpoints."""
    txs = market.txs
    page = public_api.get("/market")
    assert page.status_code == 200 and "初始排污权申报与核定" in page.text
    html = page.text
    for tx_hash in (txs.approved, txs.purchase, txs.best_bid, txs.listing_settled, txs.sealed,
                    txs.enforced, txs.new_rights):  # fmt: skip
        assert f'href="/tx/{tx_hash}"' in html, tx_hash
    assert "32,000.00 元" in html  # the fee charged for 8 t COD at 400 元/t
    assert "40,000.00 元" in html  # the fee waived for 5 t NH3-N at 8 000 元/t
    assert "不符合产业政策" in html and "质押处置" in html and "密封竞价" in html
    assert 'href="/market"' in public_api.get("/").text  # in the navigation
    english = public_api.get("/market", params={"lang": "en"}).text
    assert "Applications and approved quantities" in english and "sealed bid" in english
    first = public_api.get("/market", params={"pollutant": market.units.pollutant["COD"]}).text
    assert "不符合产业政策" not in first  # the SO2 application is filtered out
    paged = public_api.get("/market", params={"a_before": _first_key(public_api)}).text
    assert "a_after=" in paged  # a later page of applications links back to the newest
    rows = public_api.get("/download/lots.json").json()
    assert {r["id"] for r in rows} == {market.new_lot, market.sealed_lot, market.enforced}
    csv_text = public_api.get("/download/applications.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("id,applicant,pollutant,kind,requested_kg")
    api = public_api.get("/api/v1/public/listings", params={"limit": 1}).json()
    assert len(api["rows"]) == 1 and api["before"] is not None
    older = public_api.get("/api/v1/public/listings", params={"before": api["before"]}).json()
    assert {r["id"] for r in older["rows"]} == {market.taken, market.bidding}
    assert public_api.get("/api/v1/public/lots", params={"kind": 9}).status_code == 422
    apps = public_api.get("/api/v1/public/applications", params={"status": 3}).json()["rows"]
    assert [a["id"] for a in apps] == [market.rejected]


def _first_key(client) -> int:
    rows = client.get("/api/v1/public/applications", params={"limit": 1}).json()["rows"]
    return rows[0]["submitted_pos"]
