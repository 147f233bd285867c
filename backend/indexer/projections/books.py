"""Pledges (R-34), compliance periods and records (R-23 – R-26), the reserve (R-27 – R-29) and
each unit's history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.chain.domain import PledgeStatus
from backend.indexer.projections import tables as t
from backend.indexer.projections.writes import Change, address


def pledged(c: Change) -> None:
    a = c.args
    c.put(
        t.pledges,
        {"id": a["id"]},
        holder=address(a["holder"]),
        bank=address(a["bank"]),
        pollutant=a["pollutant"],
        kg=a["kg"],
        status=PledgeStatus.ACTIVE,
        claim_fen=a["claimFen"],
        maturity=a["maturity"],
        created_pos=c.pos,
        created_tx=c.event.tx_hash,
    )


def pledge_released(c: Change) -> None:
    c.put(t.pledges, {"id": c.args["id"]}, status=PledgeStatus.RELEASED)


def pledge_enforcement_started(c: Change) -> None:
    c.put(
        t.pledges,
        {"id": c.args["id"]},
        status=PledgeStatus.ENFORCING,
        claim_fen=c.args["claimFen"],
    )


def pledge_enforced(c: Change) -> None:
    c.put(
        t.pledges, {"id": c.args["id"]}, status=PledgeStatus.ENFORCED, price_fen=c.args["priceFen"]
    )


def pledges_succeeded(c: Change) -> None:
    """R-30: the merged unit's open pledges (active, being enforced) pass to the successor; the
    banks keep them. One event per merger: the book records the successor, not each pledge."""
    merged = address(c.args["from"])
    open_ids = c.conn.execute(
        select(t.pledges.c.id).where(
            t.pledges.c.holder == merged,
            t.pledges.c.status.in_((PledgeStatus.ACTIVE, PledgeStatus.ENFORCING)),
        )
    ).scalars()
    for pledge_id in list(open_ids):
        c.put(t.pledges, {"id": pledge_id}, holder=address(c.args["to"]))


def period_defined(c: Change) -> None:
    a = c.args
    c.append(
        t.periods,
        id=a["period"],
        start=a["start"],
        end=a["end"],
        surrender_deadline=a["surrenderDeadline"],
        carry_over_deadline=a["carryOverDeadline"],
    )


def _record(c: Change, **values: Any) -> None:  # noqa: ANN401
    a = c.args
    key = {"unit": address(a["unit"]), "pollutant": a["pollutant"], "period": a["period"]}
    if c.get(t.compliance, **key) is None:
        c.put(t.compliance, key)
    c.put(t.compliance, key, **values)


def usage_attested(c: Change) -> None:
    """R-23: a verifier's figure; the record exists from the first attestation."""
    _record(c)


def usage_agreed(c: Change) -> None:
    _record(
        c,
        usage_kg=c.args["kg"],
        final_at=c.args["finalAt"],
        corrected=False,
        usage_tx=c.event.tx_hash,
    )


def usage_corrected(c: Change) -> None:
    """R-23: the regulator's correction is final at once."""
    _record(
        c,
        usage_kg=c.args["kg"],
        final_at=c.event.block_timestamp,
        corrected=True,
        usage_tx=c.event.tx_hash,
    )


def surrendered(c: Change) -> None:
    """R-24."""
    a = c.args
    key = {"unit": address(a["unit"]), "pollutant": a["pollutant"], "period": a["period"]}
    before = c.get(t.compliance, **key)
    _record(c, surrendered=(before["surrendered"] if before else 0) + a["kg"])


def surrender_closed(c: Change) -> None:
    """R-25: closed after the deadline; a shortfall is owed."""
    _record(c, closed=True, shortfall=c.args["shortfall"])


def carried_over(c: Change) -> None:
    """R-26."""
    _record(c, carried_over=True, carried_kg=c.args["kg"])


def reserve_inflow(c: Change) -> None:
    """R-27: rights into the reserve, tagged by source."""
    a = c.args
    c.append(
        t.reserve_flows,
        direction="in",
        source=a["source"],
        use=None,
        party=address(a["from"]),
        pollutant=a["pollutant"],
        origin=a["origin"],
        kg=a["kg"],
        fen=a["paidFen"],
        reason=a["reason"],
        offer=None,
    )
    c.add(t.reserve_stock, {"source": a["source"], "pollutant": a["pollutant"]}, inflow=a["kg"])


def reserve_outflow(c: Change) -> None:
    """R-28, R-29: reserve rights released, tagged by use; proceeds to the treasury."""
    a = c.args
    c.append(
        t.reserve_flows,
        direction="out",
        source=a["source"],
        use=a["use"],
        party=address(a["to"]),
        pollutant=a["pollutant"],
        origin=None,
        kg=a["kg"],
        fen=a["priceFen"],
        reason="",
        offer=a["offer"],
    )
    c.add(t.reserve_stock, {"source": a["source"], "pollutant": a["pollutant"]}, outflow=a["kg"])


# Arguments that name an address whose history the event belongs to: the parties it concerns
# (a unit's page lists what happened to it) and the actor (an authority's or a bank's page lists
# what it did: ``by``, ``verifier``, ``member`` …).
PARTY_ARGS = (
    "holder",
    "unit",
    "from",
    "to",
    "seller",
    "buyer",
    "lessor",
    "lessee",
    "applicant",
    "bidder",
    "winner",
    "successor",
    "successors",
    "obligor",
    "bank",
    "by",
    "verifier",
    "regulator",
    "member",
    "proposer",
    "account",
    "sender",
)


def _addresses(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, str) and v.startswith("0x") and len(v) == 42]


def unit_history(c: Change) -> None:
    """Every event goes to the history of each address it names (one row per address)."""
    parties = {address(v) for k in PARTY_ARGS for v in _addresses(c.args.get(k))}
    parties.discard("0x0000000000000000000000000000000000000000")
    for party in sorted(parties):
        c.append(
            t.unit_events,
            holder=party,
            contract=c.event.contract,
            event=c.event.event,
            args=c.args,
        )


HANDLERS = {
    "Pledged": pledged,
    "PledgeReleased": pledge_released,
    "PledgeEnforcementStarted": pledge_enforcement_started,
    "PledgeEnforced": pledge_enforced,
    "PledgesSucceeded": pledges_succeeded,
    "PeriodDefined": period_defined,
    "UsageAttested": usage_attested,
    "UsageAgreed": usage_agreed,
    "UsageCorrected": usage_corrected,
    "Surrendered": surrendered,
    "SurrenderClosed": surrender_closed,
    "CarriedOver": carried_over,
    "ReserveInflow": reserve_inflow,
    "ReserveOutflow": reserve_outflow,
}
