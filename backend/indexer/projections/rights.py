"""Balances, trades, allocations with their fees, caps and permits (SPEC §4 – §7).

The holdings table follows ``RightsLedger._update`` movement by movement, so it equals the
ledger's ``balanceOf`` and ``positionOf`` at the indexed block (the explorer's verify action
checks exactly that, R-37).
"""

from __future__ import annotations

from sqlalchemy import select

from backend.chain.domain import Origin, TradeMode
from backend.indexer.projections import tables as t
from backend.indexer.projections.writes import Change, address

ORIGIN_COLUMN = {Origin.PAID: "paid", Origin.FREE: "free", Origin.WAIVED: "waived"}
CHINA_OFFSET = 8 * 3600  # market days are calendar days in China time


def _holding(c: Change, holder: str, pollutant: int, **deltas: int) -> dict:
    return c.add(t.holdings, {"holder": address(holder), "pollutant": pollutant}, **deltas)


def benchmark_at(c: Change, pollutant: int, region: int, timestamp: int) -> int | None:
    """The benchmark (fen per tonne) in force at ``timestamp``: the region's, else city-wide."""
    for area in (region, 0) if region else (0,):
        row = c.conn.execute(
            select(t.benchmarks.c.fen_per_tonne)
            .where(
                t.benchmarks.c.pollutant == pollutant,
                t.benchmarks.c.region == area,
                t.benchmarks.c.effective_from <= timestamp,
            )
            .order_by(t.benchmarks.c.effective_from.desc(), t.benchmarks.c.pos.desc())
            .limit(1)
        ).first()
        if row is not None:
            return int(row[0])
    return None


def fee_fen(kg: int, fen_per_tonne: int) -> int:
    """``kg`` at a benchmark, in fen, rounded up (as ``PriceBook.quote``, R-08)."""
    return -(-kg * fen_per_tonne // 1000)


def acquisition_for(c: Change, holder: str, pollutant: int, kg: int) -> dict | None:
    """The primary-market acquisition a ``RightsAllocated`` of this transaction registers: the
    contract emits it just before it calls the ledger, so it is the latest one before the
    allocation in the transaction for the same holder, pollutant and quantity."""
    p = t.primary_acquisitions.c
    row = (
        c.conn.execute(
            t.primary_acquisitions.select()
            .where(
                p.tx_hash == c.event.tx_hash,
                p.pos < c.pos,
                p.applicant == address(holder),
                p.pollutant == pollutant,
                p.kg == kg,
            )
            .order_by(p.pos.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def rights_allocated(c: Change) -> None:
    """R-08, R-10, R-12: rights created; the cap of the region is charged. The fee is the one
    the primary market recorded in the same transaction (charged, or waived); rights the
    primary market did not allocate carry none."""
    a = c.args
    origin, kg, pollutant, region = Origin(a["origin"]), a["kg"], a["pollutant"], a["region"]
    _holding(c, a["holder"], pollutant, **{ORIGIN_COLUMN[origin]: kg})
    cap = c.get(t.caps, region=region, pollutant=pollutant)
    c.put(
        t.caps,
        {"region": region, "pollutant": pollutant},
        cap=cap["cap"] if cap else 0,
        is_set=cap["is_set"] if cap else False,
        allocated=(cap["allocated"] if cap else 0) + kg,
    )
    benchmark = benchmark_at(c, pollutant, region, c.event.block_timestamp)
    bought = acquisition_for(c, a["holder"], pollutant, kg) if origin != Origin.FREE else None
    fee = None
    if bought is not None:
        fee = bought["waived_fen"] if origin == Origin.WAIVED else bought["fee_fen"]
    c.append(
        t.allocations,
        holder=address(a["holder"]),
        pollutant=pollutant,
        origin=int(origin),
        kg=kg,
        region=region,
        by=address(a["by"]),
        benchmark_fen_per_t=benchmark,
        fee_fen=fee,
        application=bought["application"] if bought is not None else None,
    )
    c.add(
        t.fee_totals,
        {"pollutant": pollutant, "origin": int(origin)},
        allocations=1,
        kg=kg,
        fee_fen=fee or 0,
    )


def _record_trade(c: Change, seller: str, buyer: str, kg: int, price: int, mode: int) -> None:
    pollutant = c.args["pollutant"]
    c.append(
        t.trades,
        seller=address(seller),
        buyer=address(buyer),
        pollutant=pollutant,
        kg=kg,
        price_fen=price,
        mode=mode,
    )
    day = (c.event.block_timestamp + CHINA_OFFSET) // 86400
    per_t = price * 1000 // kg if kg else 0
    before = c.get(t.market_daily, pollutant=pollutant, day=day)
    c.put(
        t.market_daily,
        {"pollutant": pollutant, "day": day},
        trades=(before["trades"] if before else 0) + 1,
        kg=(before["kg"] if before else 0) + kg,
        fen=(before["fen"] if before else 0) + price,
        min_fen_per_t=min(per_t, before["min_fen_per_t"]) if before else per_t,
        max_fen_per_t=max(per_t, before["max_fen_per_t"]) if before else per_t,
    )


def rights_traded(c: Change) -> None:
    """R-13, R-14: paid rights change holder through the exchange; the sale uses up the
    seller's certified tradable quantity (R-39), except a buy-back."""
    a = c.args
    kg, pollutant = a["kg"], a["pollutant"]
    seller = _holding(c, a["from"], pollutant, paid=-kg)
    if a["mode"] != TradeMode.BUY_BACK and seller["tradable"]:
        c.put(
            t.holdings,
            {"holder": address(a["from"]), "pollutant": pollutant},
            tradable=max(seller["tradable"] - kg, 0),
        )
    _holding(c, a["to"], pollutant, paid=kg)
    _record_trade(c, a["from"], a["to"], kg, a["priceFen"], a["mode"])


def rights_enforced(c: Change) -> None:
    """R-34: pledged rights sold on the bank's enforcement."""
    a = c.args
    kg, pollutant = a["kg"], a["pollutant"]
    _holding(c, a["from"], pollutant, paid=-kg, pledged=-kg)
    _holding(c, a["to"], pollutant, paid=kg)
    _record_trade(c, a["from"], a["to"], kg, a["priceFen"], int(TradeMode.ENFORCEMENT))


def rights_surrendered(c: Change) -> None:
    """R-24: burned against verified usage, leased-in rights first."""
    a = c.args
    column = "leased_in" if a["leased"] else ORIGIN_COLUMN[Origin(a["origin"])]
    _holding(c, a["holder"], a["pollutant"], **{column: -a["kg"]})


def rights_pledged(c: Change) -> None:
    _holding(c, c.args["holder"], c.args["pollutant"], pledged=c.args["kg"])


def rights_released(c: Change) -> None:
    _holding(c, c.args["holder"], c.args["pollutant"], pledged=-c.args["kg"])


def rights_reclaimed(c: Change) -> None:
    """R-27, R-33: rights taken into the reserve, where they are paid (tradable) stock."""
    a = c.args
    kg, pollutant, origin = a["kg"], a["pollutant"], Origin(a["origin"])
    _holding(c, a["from"], pollutant, **{ORIGIN_COLUMN[origin]: -kg})
    _holding(c, a["to"], pollutant, paid=kg)
    c.append(
        t.reclaims,
        unit=address(a["from"]),
        reserve=address(a["to"]),
        pollutant=pollutant,
        origin=int(origin),
        kg=kg,
    )


def rights_leased(c: Change) -> None:
    """R-35: paid rights lent for a term."""
    a = c.args
    _holding(c, a["lessor"], a["pollutant"], paid=-a["kg"], leased_out=a["kg"])
    _holding(c, a["lessee"], a["pollutant"], leased_in=a["kg"])


def rights_lease_returned(c: Change) -> None:
    a = c.args
    _holding(c, a["lessee"], a["pollutant"], leased_in=-a["returned"])
    _holding(c, a["lessor"], a["pollutant"], leased_out=-a["kg"], paid=a["returned"])


def rights_succeeded(c: Change) -> None:
    """R-30, R-31: paid rights carry their pledges with them, pledged first."""
    a = c.args
    kg, pollutant, origin = a["kg"], a["pollutant"], Origin(a["origin"])
    column = ORIGIN_COLUMN[origin]
    source = c.get(t.holdings, holder=address(a["from"]), pollutant=pollutant) or {"pledged": 0}
    liens = min(source["pledged"], kg) if origin == Origin.PAID else 0
    _holding(c, a["from"], pollutant, **{column: -kg, "pledged": -liens})
    _holding(c, a["to"], pollutant, **{column: kg, "pledged": liens})


def obligations_succeeded(c: Change) -> None:
    a = c.args
    moved = {"permitted": a["permitted"], "tradable": a["tradable"]}
    _holding(c, a["from"], a["pollutant"], **{k: -v for k, v in moved.items()})
    _holding(c, a["to"], a["pollutant"], **moved)


def _set_position(c: Change, **values: int) -> None:
    a = c.args
    key = {"holder": address(a["holder"]), "pollutant": a["pollutant"]}
    if c.get(t.holdings, **key) is None:
        _holding(c, a["holder"], a["pollutant"])
    c.put(t.holdings, key, **values)


def permitted_quantity_set(c: Change) -> None:
    _set_position(c, permitted=c.args["kg"])


def tradable_certified(c: Change) -> None:
    _set_position(c, tradable=c.args["kg"])


def owed_changed(c: Change) -> None:
    """R-25: the shortfall recorded as owed."""
    _set_position(c, owed=c.args["owed"])


def cap_set(c: Change) -> None:
    """R-10: the total allowed for a region and pollutant."""
    a = c.args
    before = c.get(t.caps, region=a["region"], pollutant=a["pollutant"])
    c.put(
        t.caps,
        {"region": a["region"], "pollutant": a["pollutant"]},
        cap=a["cap"],
        is_set=True,
        allocated=before["allocated"] if before else 0,
    )


def permit_issued(c: Change) -> None:
    """R-22: a new version of the unit's permit."""
    a = c.args
    c.put(
        t.permits,
        {"holder": address(a["holder"])},
        version=a["version"],
        valid_from=a["validFrom"],
        valid_to=a["validTo"],
        revoked=False,
    )


def permit_revoked(c: Change) -> None:
    """The permit ends at the block (closure, revocation)."""
    c.put(
        t.permits,
        {"holder": address(c.args["holder"])},
        valid_to=c.event.block_timestamp,
        revoked=True,
    )


HANDLERS = {
    "RightsAllocated": rights_allocated,
    "RightsTraded": rights_traded,
    "RightsEnforced": rights_enforced,
    "RightsSurrendered": rights_surrendered,
    "RightsPledged": rights_pledged,
    "RightsReleased": rights_released,
    "RightsReclaimed": rights_reclaimed,
    "RightsLeased": rights_leased,
    "RightsLeaseReturned": rights_lease_returned,
    "RightsSucceeded": rights_succeeded,
    "ObligationsSucceeded": obligations_succeeded,
    "PermittedQuantitySet": permitted_quantity_set,
    "TradableCertified": tradable_certified,
    "OwedChanged": owed_changed,
    "CapSet": cap_set,
    "PermitIssued": permit_issued,
    "PermitRevoked": permit_revoked,
}
