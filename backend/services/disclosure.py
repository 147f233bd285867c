"""Public figures (信息公开, R-36), read from the explorer's read model.

Plain keyword-only functions over a SQLAlchemy connection; the read endpoints
(``backend/api/routes/public.py``) and the explorer pages (``backend/explorer/pages.py``) call
the same functions. Lists are newest first and paged by keyset on an indexed position
(``before`` / ``after``), never by OFFSET and never over the raw ``events`` table, so a page
costs the same on the first day and after millions of events.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Connection, Table, func, or_, select, union

from backend.chain.domain import ComplianceStatus, TradeMode
from backend.indexer import store
from backend.indexer.projections import tables as t

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class Page:
    """One page of a list, newest first, with the keys of the neighbouring pages."""

    rows: list[dict[str, Any]]
    before: int | None = None  # pass as ``before`` for the next (older) page
    after: int | None = None  # pass as ``after`` for the previous (newer) page
    extra: dict[str, Any] = field(default_factory=dict)


def clamp(limit: int | None) -> int:
    return max(1, min(limit or DEFAULT_LIMIT, MAX_LIMIT))


def keyset(
    conn: Connection,
    table: Table,
    key: Column,
    *,
    where: Sequence[Any] = (),
    any_of: Sequence[Any] = (),
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    """Rows of ``table`` by ``key`` descending, one page, located by ``before``/``after``.

    ``any_of``: alternatives of which a row must match one (``a OR b``), each with an index of
    its own on (column, ``key``): read as one ordered, limited query per alternative, merged,
    so a page reads a page's rows from each index instead of every matching row sorted.
    """
    n = clamp(limit)

    def ordered(bound: Any, direction: str) -> list[dict]:  # noqa: ANN401
        conditions = [*where, *([bound] if bound is not None else [])]
        sort = key.asc() if direction == "asc" else key.desc()
        if not any_of:
            query = select(table).where(*conditions).order_by(sort).limit(n + 1)
            return [dict(r) for r in conn.execute(query).mappings()]
        parts = [
            select(select(table).where(*conditions, alt).order_by(sort).limit(n + 1).subquery())
            for alt in any_of
        ]
        merged = union(*parts).subquery()
        column = merged.c[key.name]
        query = select(merged).order_by(column.asc() if direction == "asc" else column.desc())
        return [dict(r) for r in conn.execute(query.limit(n + 1)).mappings()]

    if after is not None:
        found = ordered(key > after, "asc")
        more_newer = len(found) > n
        found = list(reversed(found[:n]))
        return Page(
            found,
            before=found[-1][key.name] if found else None,
            after=found[0][key.name] if found and more_newer else None,
        )
    found = ordered(key < before if before is not None else None, "desc")
    more_older = len(found) > n
    found = found[:n]
    return Page(
        found,
        before=found[-1][key.name] if found and more_older else None,
        after=found[0][key.name] if found and before is not None else None,
    )


def every(
    conn: Connection,
    table: Table,
    key: Column,
    where: Sequence[Any] = (),
    any_of: Sequence[Any] = (),
) -> Iterator[dict]:
    """Every row, newest first, read in keyset chunks (CSV downloads of a whole table)."""
    before = None
    while True:
        page = keyset(conn, table, key, where=where, any_of=any_of, before=before, limit=MAX_LIMIT)
        yield from page.rows
        if page.before is None:
            return
        before = page.before


# -- names ---------------------------------------------------------------------------------


def pollutants(conn: Connection) -> dict[int, dict[str, Any]]:
    """Pollutant kinds by id (R-01)."""
    return {r["id"]: dict(r) for r in conn.execute(select(t.pollutants)).mappings()}


def unit_names(conn: Connection, holders: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Name and credit code of each registered holder among ``holders``."""
    wanted = sorted({h for h in holders if h})
    if not wanted:
        return {}
    rows = conn.execute(
        select(t.units.c.holder, t.units.c.name, t.units.c.credit_code, t.units.c.sector).where(
            t.units.c.holder.in_(wanted)
        )
    ).mappings()
    return {r["holder"]: dict(r) for r in rows}


def with_names(conn: Connection, rows: list[dict], *columns: str) -> list[dict]:
    """Add ``<column>_name`` for the address columns given."""
    names = unit_names(conn, (r[c] for r in rows for c in columns))
    for r in rows:
        for c in columns:
            unit = names.get(r[c])
            r[f"{c}_name"] = unit["name"] if unit else None
    return rows


# -- the market ----------------------------------------------------------------------------


def trades(
    conn: Connection,
    *,
    pollutant: int | None = None,
    mode: int | None = None,
    party: str | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    """Every trade: price, quantity, parties, mode (R-36); filters use their own index."""
    where, any_of = _trade_filters(pollutant, mode, party)
    page = keyset(
        conn,
        t.trades,
        t.trades.c.pos,
        where=where,
        any_of=any_of,
        before=before,
        after=after,
        limit=limit,
    )
    with_names(conn, page.rows, "seller", "buyer")
    for r in page.rows:
        r["fen_per_t"] = r["price_fen"] * 1000 // r["kg"] if r["kg"] else None
    return page


def _trade_filters(
    pollutant: int | None, mode: int | None, party: str | None
) -> tuple[list[Any], list[Any]]:
    """(conditions every trade must meet, alternatives of which it must meet one)."""
    where: list[Any] = []
    if pollutant is not None:
        where.append(t.trades.c.pollutant == pollutant)
    if mode is not None:
        where.append(t.trades.c.mode == mode)
    any_of: list[Any] = []
    if party is not None:  # seller or buyer: each side by its own index (ix_rm_trades_seller/buyer)
        any_of = [t.trades.c.seller == party, t.trades.c.buyer == party]
    return where, any_of


def trade_rows(conn: Connection, **filters: Any) -> Iterator[dict]:  # noqa: ANN401
    where, any_of = _trade_filters(**filters)
    for chunk in _chunks(every(conn, t.trades, t.trades.c.pos, where, any_of)):
        yield from with_names(conn, chunk, "seller", "buyer")


def _chunks(rows: Iterator[dict], size: int = MAX_LIMIT) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def market_days(conn: Connection, *, since_day: int | None = None) -> list[dict[str, Any]]:
    """Daily volume, value and price range per pollutant (the overview's charts)."""
    query = select(t.market_daily).order_by(t.market_daily.c.day)
    if since_day is not None:
        query = query.where(t.market_daily.c.day >= since_day)
    return [dict(r) for r in conn.execute(query).mappings()]


def benchmark_history(conn: Connection, *, pollutant: int | None = None) -> list[dict]:
    """Every published benchmark (R-15), oldest first."""
    query = select(t.benchmarks).order_by(t.benchmarks.c.pos)
    if pollutant is not None:
        query = query.where(t.benchmarks.c.pollutant == pollutant)
    return [dict(r) for r in conn.execute(query).mappings()]


def current_benchmarks(conn: Connection, now: int) -> list[dict[str, Any]]:
    """The benchmark in force now per pollutant and region (the latest published for the
    newest effective time not after ``now``; PriceBook's fallback to city-wide aside)."""
    current: dict[tuple[int, int], dict] = {}
    for b in benchmark_history(conn):
        if b["effective_from"] > now:
            continue
        key = (b["pollutant"], b["region"])
        held = current.get(key)
        if held is None or (b["effective_from"], b["pos"]) >= (held["effective_from"], held["pos"]):
            current[key] = b
    return sorted(current.values(), key=lambda b: (b["pollutant"], b["region"]))


def market_totals(conn: Connection) -> list[dict[str, Any]]:
    """Trades, quantity and value per pollutant over all days."""
    m = t.market_daily.c
    rows = conn.execute(
        select(
            m.pollutant,
            func.sum(m.trades).label("trades"),
            func.sum(m.kg).label("kg"),
            func.sum(m.fen).label("fen"),
            func.max(m.pos).label("pos"),
        ).group_by(m.pollutant)
    ).mappings()
    return [{k: int(v) for k, v in r.items()} for r in rows]


# -- primary allocations and fees (R-08, R-12) ----------------------------------------------


def _allocation_filters(pollutant: int | None, origin: int | None, holder: str | None) -> list[Any]:
    c = t.allocations.c
    return [
        cond
        for cond in (
            c.pollutant == pollutant if pollutant is not None else None,
            c.origin == origin if origin is not None else None,
            c.holder == holder if holder is not None else None,
        )
        if cond is not None
    ]


def allocations(
    conn: Connection,
    *,
    pollutant: int | None = None,
    origin: int | None = None,
    holder: str | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    where = _allocation_filters(pollutant, origin, holder)
    page = keyset(
        conn, t.allocations, t.allocations.c.pos, where=where, before=before, after=after,
        limit=limit,
    )  # fmt: skip
    with_names(conn, page.rows, "holder")
    return page


def allocation_rows(conn: Connection, **filters: Any) -> Iterator[dict]:  # noqa: ANN401
    rows = every(conn, t.allocations, t.allocations.c.pos, _allocation_filters(**filters))
    for chunk in _chunks(rows):
        yield from with_names(conn, chunk, "holder")


def fee_totals(conn: Connection) -> list[dict[str, Any]]:
    """Per pollutant and origin: allocations, kg, fees charged (paid) or waived (R-12)."""
    query = select(t.fee_totals).order_by(t.fee_totals.c.pollutant, t.fee_totals.c.origin)
    return [dict(r) for r in conn.execute(query).mappings()]


# -- the exchange's books: applications, listings, auction lots (R-08 –) ---------


def _market_filters(table: Table, **wanted: Any) -> list[Any]:  # noqa: ANN401
    return [table.c[k] == v for k, v in wanted.items() if v is not None]


def applications(
    conn: Connection,
    *,
    pollutant: int | None = None,
    applicant: str | None = None,
    status: int | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    """Primary-market applications (申报, 核定, R-08 – R-12), newest first: requested and approved
    quantity, status, the fee charged or waived, each with its transaction."""
    where = _market_filters(t.applications, pollutant=pollutant, applicant=applicant,
                            status=status)  # fmt: skip
    page = keyset(conn, t.applications, t.applications.c.submitted_pos, where=where,
                  before=before, after=after, limit=limit)  # fmt: skip
    with_names(conn, page.rows, "applicant")
    return page


def listings(
    conn: Connection,
    *,
    pollutant: int | None = None,
    seller: str | None = None,
    status: int | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    """Listings (挂牌, 电子竞价, R-14), newest first: ask, best bid, outcome."""
    where = _market_filters(t.listings, pollutant=pollutant, seller=seller, status=status)
    page = keyset(conn, t.listings, t.listings.c.listed_pos, where=where, before=before,
                  after=after, limit=limit)  # fmt: skip
    with_names(conn, page.rows, "seller", "buyer", "best_bidder")
    return page


def lots(
    conn: Connection,
    *,
    pollutant: int | None = None,
    kind: int | None = None,
    status: int | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    """Auction lots (公开竞价, R-09, R-14, R-34), newest first: reserve price, deposit, bidders,
    leading or winning price, and an enforcement sale's division (bank first)."""
    where = _market_filters(t.lots, pollutant=pollutant, kind=kind, status=status)
    page = keyset(conn, t.lots, t.lots.c.offered_pos, where=where, before=before, after=after,
                  limit=limit)  # fmt: skip
    with_names(conn, page.rows, "seller", "leader", "winner", "bank")
    return page


def market_rows(conn: Connection, table: str, **filters: Any) -> Iterator[dict]:  # noqa: ANN401
    """Every row of ``applications``, ``listings`` or ``lots`` (downloads), with names."""
    fetch = {"applications": applications, "listings": listings, "lots": lots}[table]
    before = None
    while True:
        page = fetch(conn, before=before, limit=MAX_LIMIT, **filters)
        yield from page.rows
        if page.before is None:
            return
        before = page.before


# -- caps (R-10) ---------------------------------------------------------------------------


def caps(conn: Connection, *, region: int | None = None, pollutant: int | None = None) -> list:
    query = select(t.caps).order_by(t.caps.c.region, t.caps.c.pollutant)
    if region is not None:
        query = query.where(t.caps.c.region == region)
    if pollutant is not None:
        query = query.where(t.caps.c.pollutant == pollutant)
    return [dict(r) for r in conn.execute(query).mappings()]


# -- reserve, buy-backs and reclaims (R-26 – R-29) -----------------------------------------


def reserve_stock(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(t.reserve_stock).order_by(t.reserve_stock.c.pollutant, t.reserve_stock.c.source)
    ).mappings()
    return [{**r, "stock": r["inflow"] - r["outflow"]} for r in rows]


def reserve_flows(
    conn: Connection,
    *,
    direction: str | None = None,
    pollutant: int | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    c = t.reserve_flows.c
    where = [x for x in (
        c.direction == direction if direction else None,
        c.pollutant == pollutant if pollutant is not None else None,
    ) if x is not None]  # fmt: skip
    page = keyset(
        conn, t.reserve_flows, c.pos, where=where, before=before, after=after, limit=limit
    )
    with_names(conn, page.rows, "party")
    return page


def reclaims(
    conn: Connection,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    page = keyset(conn, t.reclaims, t.reclaims.c.pos, before=before, after=after, limit=limit)
    with_names(conn, page.rows, "unit")
    return page


def buybacks(conn: Connection, **paging: Any) -> Page:  # noqa: ANN401
    """R-26: surplus bought back at the benchmark (trades in mode BuyBack)."""
    return trades(conn, mode=int(TradeMode.BUY_BACK), **paging)


# -- compliance (R-23 – R-26) --------------------------------------------------------------


def compliance_status(record: Mapping[str, Any], period: Mapping[str, Any] | None, now: int) -> int:
    """``ComplianceManager.status`` computed from the record at time ``now``."""
    if period is None:
        return ComplianceStatus.NONE
    if now < period["end"]:
        return ComplianceStatus.OPEN
    final_at = record.get("final_at")
    if record.get("usage_kg") is None or final_at is None or now < final_at:
        return ComplianceStatus.AWAITING_VERIFICATION
    if record["surrendered"] >= record["usage_kg"]:
        return ComplianceStatus.COMPLIANT
    if record["closed"]:
        return ComplianceStatus.NON_COMPLIANT
    if now < period["surrender_deadline"]:
        return ComplianceStatus.DUE
    return ComplianceStatus.OVERDUE


def periods(conn: Connection) -> dict[int, dict[str, Any]]:
    return {r["id"]: dict(r) for r in conn.execute(select(t.periods)).mappings()}


def compliance(
    conn: Connection,
    *,
    now: int,
    period: int | None = None,
    unit: str | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    """Compliance status per unit, pollutant and period (R-36)."""
    c = t.compliance.c
    where = [x for x in (
        c.period == period if period is not None else None,
        c.unit == unit if unit is not None else None,
    ) if x is not None]  # fmt: skip
    page = keyset(conn, t.compliance, c.pos, where=where, before=before, after=after, limit=limit)
    known = periods(conn) if page.rows else {}
    for r in page.rows:
        r["status"] = int(compliance_status(r, known.get(r["period"]), now))
    with_names(conn, page.rows, "unit")
    return page


# -- units, blacklist, pledges, permits ----------------------------------------------------


def units(
    conn: Connection,
    *,
    q: str | None = None,
    district: int | None = None,
    sector: int | None = None,
    restricted: bool | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    """Registered units; ``q`` matches a credit code (exact or prefix) or part of a name;
    ``district``, ``sector`` and ``restricted`` (blacklisted or frozen) filter, each by an index
    of its own with the registration's position."""
    c = t.units.c
    where: list[Any] = []
    if district is not None:
        where.append(c.district == district)
    if sector is not None:
        where.append(c.sector == sector)
    if restricted is not None:
        where.append(c.restrictions != 0 if restricted else c.restrictions == 0)
    if q:
        q = q.strip()
        like = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(
            or_(
                c.credit_code.like(f"{like.upper()}%", escape="\\"),
                c.name.like(f"%{like}%", escape="\\"),
                c.holder == q,
            )
        )
    return keyset(
        conn, t.units, c.registered_pos, where=where, before=before, after=after, limit=limit
    )


def accounts(
    conn: Connection,
    *,
    sector: int | None = None,
    district: int | None = None,
    basin: int | None = None,
    closed: bool | None = None,
    blacklisted: bool | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    """Registered accounts, newest registration first, each with its holdings by origin: two
    queries a page, whatever the number of accounts (``GET /api/v1/accounts``)."""
    c = t.units.c
    filters = ((c.sector, sector), (c.district, district), (c.basin, basin), (c.closed, closed))
    where = [column == value for column, value in filters if value is not None]
    if blacklisted is not None:
        where.append(c.restrictions != 0 if blacklisted else c.restrictions == 0)
    page = keyset(conn, t.units, c.registered_pos, where=where, before=before, after=after,
                  limit=limit)  # fmt: skip
    holders = [r["holder"] for r in page.rows]
    h = t.holdings.c
    held: dict[str, list[dict[str, Any]]] = {holder: [] for holder in holders}
    if holders:
        query = (
            select(h.holder, h.pollutant, h.paid, h.free, h.waived, h.pledged)
            .where(h.holder.in_(holders), (h.paid + h.free + h.waived) > 0)
            .order_by(h.holder, h.pollutant)
        )
        for r in conn.execute(query).mappings():
            held[r["holder"]].append(
                {
                    "pollutant": r["pollutant"],
                    "paid_kg": r["paid"],
                    "free_kg": r["free"],
                    "waived_kg": r["waived"],
                    "pledged_kg": r["pledged"],
                }
            )
    for row in page.rows:
        row["holdings"] = held[row["holder"]]
    return page


def council_proposals(
    conn: Connection,
    *,
    now: int,
    state: str | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    """The regulator council's proposals, newest first (keyset on the id); ``state`` as
    ``RegulatorCouncil.state`` names it ("ready": scheduled and its ETA passed at ``now``)."""
    c = t.council_proposals.c
    where: list[Any] = []
    if state == "ready":
        where = [c.status == "scheduled", c.eta <= now]
    elif state == "scheduled":
        where = [c.status == "scheduled", c.eta > now]
    elif state is not None:
        where = [c.status == state]
    return keyset(conn, t.council_proposals, c.id, where=where, before=before, after=after,
                  limit=limit)  # fmt: skip


def council_proposal(conn: Connection, pid: int) -> dict[str, Any] | None:
    c = t.council_proposals.c
    row = conn.execute(select(t.council_proposals).where(c.id == pid)).mappings().first()
    return dict(row) if row is not None else None


def council_threshold(conn: Connection) -> int | None:
    return conn.execute(select(t.council_settings.c.threshold)).scalar()


def unit(conn: Connection, holder: str, *, now: int) -> dict[str, Any] | None:
    """A unit's page: profile, holdings by pollutant and origin, pledges, permit, compliance,
    restrictions (the history is paged separately). Five queries (profile and permit in one,
    compliance's periods only when it has rows): each is a round trip to the database."""
    permit_columns = [c.label(f"permit__{c.name}") for c in t.permits.c]
    joined = (
        conn.execute(
            select(t.units, *permit_columns)
            .select_from(t.units.outerjoin(t.permits, t.permits.c.holder == t.units.c.holder))
            .where(t.units.c.holder == holder)
        )
        .mappings()
        .first()
    )
    if joined is None:
        return None
    row = {c.name: joined[c.name] for c in t.units.c}
    permit = {c.name: joined[f"permit__{c.name}"] for c in t.permits.c}
    if permit["holder"] is None:
        permit = None
    h = t.holdings.c
    holdings = [
        dict(r)
        for r in conn.execute(
            select(t.holdings).where(h.holder == holder).order_by(h.pollutant)
        ).mappings()
    ]
    pledge_rows = [
        dict(r)
        for r in conn.execute(
            select(t.pledges).where(t.pledges.c.holder == holder).order_by(t.pledges.c.id.desc())
        ).mappings()
    ]
    marks = conn.execute(
        select(t.restrictions)
        .where(t.restrictions.c.holder == holder)
        .order_by(t.restrictions.c.pos)
    ).mappings()
    return {
        **dict(row),
        "holdings": holdings,
        "pledges": with_names(conn, pledge_rows, "bank"),
        "permit": permit,
        "compliance": compliance(conn, now=now, unit=holder, limit=MAX_LIMIT).rows,
        "restrictions_log": [dict(r) for r in marks],
    }


def unit_history(
    conn: Connection,
    holder: str,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    return keyset(
        conn,
        t.unit_events,
        t.unit_events.c.pos,
        where=[t.unit_events.c.holder == holder],
        before=before,
        after=after,
        limit=limit,
    )


def blacklist(conn: Connection) -> list[dict[str, Any]]:
    """R-17: units with an active restriction, each reason with its transaction."""
    r = t.restrictions.c
    rows = conn.execute(
        select(t.restrictions).where(r.active.is_(True)).order_by(r.pos.desc())
    ).mappings()
    return with_names(conn, [dict(x) for x in rows], "holder")


def pledges(
    conn: Connection,
    *,
    status: int | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> Page:
    c = t.pledges.c
    where = [c.status == status] if status is not None else []
    page = keyset(
        conn, t.pledges, c.created_pos, where=where, before=before, after=after, limit=limit
    )
    return Page(with_names(conn, page.rows, "holder", "bank"), page.before, page.after)


# -- transactions and the index ------------------------------------------------------------


def transaction(conn: Connection, tx_hash: str) -> list[dict[str, Any]]:
    """The indexed events of one transaction, in log order (uses the (tx_hash, log_index) key)."""
    e = store.events.c
    rows = conn.execute(
        select(store.events).where(e.tx_hash == tx_hash.lower()).order_by(e.log_index)
    ).mappings()
    return [dict(r) for r in rows]


def index_status(conn: Connection, chain_id: int) -> dict[str, Any]:
    cursor = store.load_cursor(conn, chain_id)
    return {
        "chain_id": chain_id,
        "block": cursor.block_number if cursor else None,
        "block_hash": cursor.block_hash if cursor else None,
    }


def index_time(conn: Connection) -> int:
    """The block time of the newest indexed event (0 before any): what a contract's view would
    see at the index's block, e.g. whether a time lock's delay has passed."""
    e = store.events.c
    stamp = conn.execute(
        select(e.block_timestamp).order_by(e.block_number.desc()).limit(1)
    ).scalar()
    return int(stamp or 0)


def chain_now(conn: Connection) -> int:
    """The time figures are evaluated at: the wall clock, or the newest indexed block if later
    (a local chain's clock may run ahead)."""
    return max(int(time.time()), index_time(conn))
