"""What each authority has to do now, read from the index (the console's work lists).

A regulator decides primary applications and runs the surrender of units whose usage is final;
the treasury waives fees of approved applications; the exchange operator watches open listings
and lots; a bank its pledges; the council its proposals. Each list is one indexed, bounded query
(newest first, at most :data:`LIMIT` rows), so the console costs the same at any size of the
register. A district regulator sees its district only (R-03: it acts for its district's units).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from backend.chain.domain import (
    ApplicationStatus,
    ComplianceStatus,
    ListingStatus,
    LotStatus,
    PledgeStatus,
)
from backend.indexer.projections import tables as t
from backend.services import disclosure

LIMIT = 20  # the newest; each list links to the page with all of them


def _district_filter(query: Any, column: Any, district: int | None) -> Any:  # noqa: ANN401
    """Rows of units of ``district`` only (a district regulator's view)."""
    if district is None:
        return query
    return query.join(t.units, t.units.c.holder == column).where(t.units.c.district == district)


def applications(conn: Connection, *, status: int, district: int | None = None,
                 waived: bool | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Applications in ``status`` (awaiting a decision: APPLIED; awaiting purchase: APPROVED),
    newest first, with the applicant's name."""
    a = t.applications.c
    query = select(t.applications).where(a.status == status)
    if waived is not None:
        query = query.where(a.waived.is_(waived))
    query = _district_filter(query, a.applicant, district)
    rows = conn.execute(query.order_by(a.submitted_pos.desc()).limit(LIMIT)).mappings()
    return disclosure.with_names(conn, [dict(r) for r in rows], "applicant")


def to_decide(conn: Connection, *, district: int | None = None) -> list[dict[str, Any]]:
    """Primary applications awaiting approval (核定, R-08)."""
    return applications(conn, status=ApplicationStatus.APPLIED, district=district)


def to_waive(conn: Connection) -> list[dict[str, Any]]:
    """Approved applications not bought yet whose fee the treasury may still waive (R-12)."""
    return applications(conn, status=ApplicationStatus.APPROVED, waived=False)


def surrenders(conn: Connection, *, now: int, district: int | None = None) -> list[dict]:
    """Units of the latest period whose verified usage is final and not surrendered in full:
    due (run the surrender, R-24) or overdue (close it, recording the shortfall, R-25)."""
    periods = disclosure.periods(conn)
    if not periods:
        return []
    latest = max(periods)
    c = t.compliance.c
    query = select(t.compliance).where(
        c.period == latest, c.closed.is_(False), c.usage_kg.is_not(None)
    )
    query = _district_filter(query, c.unit, district)
    rows = [dict(r) for r in conn.execute(query.order_by(c.pos.desc()).limit(LIMIT)).mappings()]
    due = (ComplianceStatus.DUE, ComplianceStatus.OVERDUE)
    out = []
    for r in rows:
        r["status"] = int(disclosure.compliance_status(r, periods[latest], now))
        if r["status"] in due:
            r["due_kg"] = r["usage_kg"] - r["surrendered"]
            out.append(r)
    return disclosure.with_names(conn, out, "unit")


def open_listings(conn: Connection) -> list[dict[str, Any]]:
    """Listings open or in electronic bidding (the operator may suspend them, R-14)."""
    c = t.listings.c
    rows = conn.execute(
        select(t.listings)
        .where(c.status.in_((ListingStatus.OPEN, ListingStatus.BIDDING)))
        .order_by(c.listed_pos.desc())
        .limit(LIMIT)
    ).mappings()
    return disclosure.with_names(conn, [dict(r) for r in rows], "seller", "best_bidder")


def open_lots(conn: Connection) -> list[dict[str, Any]]:
    """Auction lots still open (the operator may suspend them, anyone settles after the close)."""
    c = t.lots.c
    rows = conn.execute(
        select(t.lots).where(c.status == LotStatus.OPEN).order_by(c.offered_pos.desc()).limit(LIMIT)
    ).mappings()
    return disclosure.with_names(conn, [dict(r) for r in rows], "seller", "leader")


def bank_pledges(conn: Connection, bank: str) -> list[dict[str, Any]]:
    """A bank's pledges still to act on: active (release or enforce) and under enforcement
    (auction them, R-34)."""
    c = t.pledges.c
    rows = conn.execute(
        select(t.pledges)
        .where(
            c.bank == bank,
            c.status.in_((PledgeStatus.ACTIVE, PledgeStatus.ENFORCING)),
        )
        .order_by(c.id.desc())
        .limit(LIMIT)
    ).mappings()
    return disclosure.with_names(conn, [dict(r) for r in rows], "holder")


def batches(due: list[dict[str, Any]]) -> dict[tuple[int, int], list[str]]:
    """Units whose surrender is due, by (pollutant, period): one batch transaction each
    (``run-surrender-batch``, at most 100 units)."""
    out: dict[tuple[int, int], list[str]] = {}
    for r in due:
        if r["status"] == ComplianceStatus.DUE:
            out.setdefault((r["pollutant"], r["period"]), []).append(r["unit"])
    return {k: v[:100] for k, v in out.items() if len(v) > 1}
