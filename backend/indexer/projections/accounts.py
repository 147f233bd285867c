"""Accounts, pollutant kinds, the blacklist and benchmark prices (R-01 – R-03, R-15, R-17)."""

from __future__ import annotations

from backend.indexer.projections import tables as t
from backend.indexer.projections.writes import Change, address


def pollutant_added(c: Change) -> None:
    a = c.args
    c.append(
        t.pollutants, id=a["pollutant"], code=a["code"], name=a["name"], **{"class": a["class"]}
    )


def account_registered(c: Change) -> None:
    a = c.args
    c.put(
        t.units,
        {"holder": address(a["holder"])},
        credit_code=a["creditCode"],
        name=a["name"],
        sector=a["sector"],
        district=a["district"],
        basin=a["basin"],
        registered_pos=c.pos,
        registered_tx=c.event.tx_hash,
    )


def attributes_changed(c: Change) -> None:
    a = c.args
    c.put(
        t.units,
        {"holder": address(a["holder"])},
        sector=a["sector"],
        district=a["district"],
        basin=a["basin"],
    )


def restriction_changed(c: Change) -> None:
    """R-17: one reason bit per event; the unit is blacklisted while any bit is set."""
    a = c.args
    holder = address(a["holder"])
    bit = int(a["restriction"])
    c.put(
        t.restrictions,
        {"holder": holder, "restriction": bit},
        active=bool(a["active"]),
        reason=a["reason"],
        by=address(a["by"]),
    )
    unit = c.get(t.units, holder=holder)
    if unit is not None:
        mask = unit["restrictions"] | bit if a["active"] else unit["restrictions"] & ~bit
        c.put(t.units, {"holder": holder}, restrictions=mask)


def policy_restriction_changed(c: Change) -> None:
    c.put(
        t.units,
        {"holder": address(c.args["holder"])},
        policy_restricted=bool(c.args["restricted"]),
    )


def seller_qualification_changed(c: Change) -> None:
    c.put(
        t.units, {"holder": address(c.args["holder"])}, qualified_seller=bool(c.args["qualified"])
    )


def account_closed(c: Change) -> None:
    c.put(t.units, {"holder": address(c.args["holder"])}, closed=True)


def benchmark_published(c: Change) -> None:
    a = c.args
    c.append(
        t.benchmarks,
        pollutant=a["pollutant"],
        region=a["region"],
        fen_per_tonne=a["fenPerTonne"],
        effective_from=a["effectiveFrom"],
        by=address(a["by"]),
    )


HANDLERS = {
    "PollutantAdded": pollutant_added,
    "AccountRegistered": account_registered,
    "AttributesChanged": attributes_changed,
    "RestrictionChanged": restriction_changed,
    "PolicyRestrictionChanged": policy_restriction_changed,
    "SellerQualificationChanged": seller_qualification_changed,
    "AccountClosed": account_closed,
    "BenchmarkPublished": benchmark_published,
}
