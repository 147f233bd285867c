"""The exchange's own books (R-08 – R-16, R-34, R-36): primary-market applications with their
approved quantities and the fees actually charged or waived, listings with their bids, and
auction lots with their bidders, bids and outcome.

The ledger's events already give every trade and allocation; these give what led to them, from
the market contracts' own events (``PrimaryMarket``, ``Exchange``, ``AuctionHouse``; each event
name is unique across the deployment). Each row keeps the transaction of every figure it shows
(``submitted_tx``, ``decided_tx``, ``best_bid_tx``, …) besides the last change (R-37).
"""

from __future__ import annotations

from typing import Any

from backend.chain.domain import ApplicationStatus, ListingStatus, LotStatus, Origin
from backend.indexer.projections import tables as t
from backend.indexer.projections.rights import benchmark_at, fee_fen
from backend.indexer.projections.writes import Change, address


def _party(value: str | None) -> str | None:
    return None if value is None or int(value, 16) == 0 else address(value)


# -- primary market (R-08 – R-12) -----------------------------------------------------------


def _application(c: Change, **values: Any) -> dict:  # noqa: ANN401
    return c.put(t.applications, {"id": c.args["id"]}, **values)


def application_submitted(c: Change) -> None:
    """申报: a unit applies for a quantity of a pollutant."""
    a = c.args
    _application(
        c,
        applicant=address(a["applicant"]),
        pollutant=a["pollutant"],
        kind=a["kind"],
        requested_kg=a["requestedKg"],
        status=ApplicationStatus.APPLIED,
        status_tx=c.event.tx_hash,
        submitted_pos=c.pos,
        submitted_tx=c.event.tx_hash,
        submitted_at=c.event.block_timestamp,
    )


def application_approved(c: Change) -> None:
    """核定: the regulator approves a quantity up to the one requested (R-08)."""
    _application(
        c,
        approved_kg=c.args["approvedKg"],
        decided_by=address(c.args["by"]),
        decided_tx=c.event.tx_hash,
        status=ApplicationStatus.APPROVED,
        status_tx=c.event.tx_hash,
    )


def application_rejected(c: Change) -> None:
    _application(
        c,
        reason=c.args["reason"],
        decided_by=address(c.args["by"]),
        decided_tx=c.event.tx_hash,
        status=ApplicationStatus.REJECTED,
        status_tx=c.event.tx_hash,
    )


def application_withdrawn(c: Change) -> None:
    _application(c, status=ApplicationStatus.WITHDRAWN, status_tx=c.event.tx_hash)


def fee_waived(c: Change) -> None:
    """R-12: the treasury waives the paid-use fee."""
    _application(c, waived=True, waived_by=address(c.args["by"]), waived_tx=c.event.tx_hash)


def _acquired(c: Change, kg: int, fee: int, waived: int | None, origin: int, via: str) -> None:
    a = c.args
    before = c.get(t.applications, id=a["id"]) or {}
    acquired = (before.get("acquired_kg") or 0) + kg
    approved = before.get("approved_kg")
    done = via == "purchase" or approved is None or acquired >= approved
    _application(
        c,
        acquired_kg=acquired,
        fee_fen=(before.get("fee_fen") or 0) + fee,
        waived_fen=(before.get("waived_fen") or 0) + (waived or 0),
        settled_tx=c.event.tx_hash,
        **({"status": ApplicationStatus.SETTLED, "status_tx": c.event.tx_hash} if done else {}),
    )
    c.append(
        t.primary_acquisitions,
        application=a["id"],
        applicant=address(a["applicant"]),
        pollutant=a["pollutant"],
        kg=kg,
        origin=origin,
        via=via,
        fee_fen=fee,
        waived_fen=waived,
    )


def primary_purchased(c: Change) -> None:
    """R-08, R-12: bought at the benchmark, the fee paid to the treasury; under a waiver the fee
    is 0 and the fee waived is the quantity at the benchmark of the applicant's district (else
    city-wide) in force at the block, as ``PrimaryMarket.feeOf`` quoted it before the waiver."""
    a = c.args
    origin = int(a["origin"])
    waived = None
    if origin == Origin.WAIVED:
        unit = c.get(t.units, holder=address(a["applicant"]))
        district = unit["district"] if unit else 0
        benchmark = benchmark_at(c, a["pollutant"], district, c.event.block_timestamp)
        waived = fee_fen(a["kg"], benchmark) if benchmark is not None else None
    _acquired(c, a["kg"], int(a["feeFen"]), waived, origin, "purchase")


def primary_auction_allocated(c: Change) -> None:
    """R-09: new rights won at a primary auction; the price went to the treasury."""
    _acquired(c, c.args["kg"], int(c.args["priceFen"]), None, int(Origin.PAID), "auction")


# -- listings (挂牌, 电子竞价, R-14) ----------------------------------------------------------


def _listing(c: Change, **values: Any) -> dict:  # noqa: ANN401
    return c.put(t.listings, {"id": c.args["id"]}, **values)


def listed(c: Change) -> None:
    a = c.args
    _listing(
        c,
        seller=address(a["seller"]),
        pollutant=a["pollutant"],
        kg=a["quantityKg"],
        ask_fen=a["askFen"],
        step_fen=a["stepFen"],
        ends_at=a["endsAt"],
        status=ListingStatus.OPEN,
        status_tx=c.event.tx_hash,
        listed_pos=c.pos,
        listed_tx=c.event.tx_hash,
        listed_at=c.event.block_timestamp,
    )


def listing_taken(c: Change) -> None:
    """摘牌: bought whole at the ask."""
    _listing(
        c,
        buyer=address(c.args["buyer"]),
        price_fen=c.args["priceFen"],
        status=ListingStatus.TAKEN,
        status_tx=c.event.tx_hash,
    )


def listing_bid(c: Change) -> None:
    """电子竞价: the new best bid; a bid near the end extends the bidding."""
    before = c.get(t.listings, id=c.args["id"]) or {}
    _listing(
        c,
        bids=(before.get("bids") or 0) + 1,
        best_bidder=address(c.args["bidder"]),
        best_bid_fen=c.args["priceFen"],
        best_bid_tx=c.event.tx_hash,
        ends_at=c.args["endsAt"],
        status=ListingStatus.BIDDING,
        status_tx=c.event.tx_hash,
    )


def listing_settled(c: Change) -> None:
    _listing(
        c,
        buyer=address(c.args["buyer"]),
        price_fen=c.args["priceFen"],
        status=ListingStatus.SETTLED,
        status_tx=c.event.tx_hash,
    )


def listing_closed(c: Change) -> None:
    """Expired without a buyer, or cancelled (by the seller, or suspended by the operator)."""
    _listing(c, status=c.args["status"], status_tx=c.event.tx_hash, closed_by=address(c.args["by"]))


def listing_failed(c: Change) -> None:
    """The best bid could not settle when bidding ended: the rule engine's reason."""
    _listing(
        c, status=ListingStatus.FAILED, status_tx=c.event.tx_hash, failed_reason=c.args["reason"]
    )


# -- auctions (公开竞价, R-09, R-14, R-16, R-34) ----------------------------------------------


def _lot(c: Change, **values: Any) -> dict:  # noqa: ANN401
    return c.put(t.lots, {"id": c.args["id"]}, **values)


def _terms(terms: Any) -> dict[str, int]:  # noqa: ANN401
    """IAuctionHouse.Terms, decoded as a mapping (or a list in declaration order)."""
    names = ("format", "reserveFen", "depositFen", "stepFen", "biddingEnds", "revealEnds")
    return dict(terms) if isinstance(terms, dict) else dict(zip(names, terms, strict=True))


def lot_offered(c: Change) -> None:
    a = c.args
    terms = _terms(a["terms"])
    sealed = terms["format"] == 1
    _lot(
        c,
        kind=a["kind"],
        format=terms["format"],
        seller=_party(a["seller"]),
        pollutant=a["pollutant"],
        kg=a["quantityKg"],
        ref=a["ref"],
        region=a["region"],
        reserve_fen=terms["reserveFen"],
        deposit_fen=terms["depositFen"],
        step_fen=terms["stepFen"],
        bidding_ends=terms["biddingEnds"],
        reveal_ends=terms["revealEnds"],
        closes_at=terms["revealEnds"] if sealed else terms["biddingEnds"],
        status=LotStatus.OPEN,
        status_tx=c.event.tx_hash,
        offered_pos=c.pos,
        offered_tx=c.event.tx_hash,
        offered_at=c.event.block_timestamp,
    )


def _count(c: Change, column: str) -> int:
    before = c.get(t.lots, id=c.args["id"]) or {}
    return (before.get(column) or 0) + 1


def bidder_joined(c: Change) -> None:
    """A bidder lodged the deposit (交易保证金, R-16)."""
    _lot(c, bidders=_count(c, "bidders"))


def bid_committed(c: Change) -> None:
    _lot(c, commitments=_count(c, "commitments"))


def bid_placed(c: Change) -> None:
    """Ascending: the new leading bid; a late bid extends the bidding."""
    a = c.args
    _lot(
        c,
        bids=_count(c, "bids"),
        leader=address(a["bidder"]),
        leading_fen=a["priceFen"],
        leading_tx=c.event.tx_hash,
        closes_at=a["closesAt"],
    )


def bid_revealed(c: Change) -> None:
    """Sealed: a revealed bid; it leads when it beats the leading one."""
    a = c.args
    lead: dict[str, Any] = {}
    if a["leading"]:
        lead = {"leader": address(a["bidder"]), "leading_fen": a["priceFen"]}
        lead["leading_tx"] = c.event.tx_hash
    _lot(c, bids=_count(c, "bids"), **lead)


def lot_sold(c: Change) -> None:
    _lot(
        c,
        winner=address(c.args["winner"]),
        price_fen=c.args["priceFen"],
        status=LotStatus.SOLD,
        status_tx=c.event.tx_hash,
    )


def lot_closed(c: Change) -> None:
    """Unsold (no valid bid) or cancelled."""
    _lot(c, status=c.args["status"], status_tx=c.event.tx_hash)


def lot_failed(c: Change) -> None:
    _lot(
        c,
        status=LotStatus.FAILED,
        status_tx=c.event.tx_hash,
        failed_reason=c.args["market"],
        failed_rule=c.args["rule"],
    )


def enforcement_proceeds(c: Change) -> None:
    """R-34: the price of an enforcement sale, to the bank first, the rest to the pledgor."""
    a = c.args
    _lot(c, bank=address(a["bank"]), bank_fen=a["bankFen"], holder_fen=a["holderFen"])


def deposit_forfeited(c: Change) -> None:
    """A sealed bid never revealed: its deposit goes to the treasury."""
    before = c.get(t.lots, id=c.args["id"]) or {}
    _lot(c, forfeited_fen=(before.get("forfeited_fen") or 0) + c.args["fen"])


HANDLERS = {
    "ApplicationSubmitted": application_submitted,
    "ApplicationApproved": application_approved,
    "ApplicationRejected": application_rejected,
    "ApplicationWithdrawn": application_withdrawn,
    "FeeWaived": fee_waived,
    "PrimaryPurchased": primary_purchased,
    "PrimaryAuctionAllocated": primary_auction_allocated,
    "Listed": listed,
    "ListingTaken": listing_taken,
    "ListingBid": listing_bid,
    "ListingSettled": listing_settled,
    "ListingClosed": listing_closed,
    "ListingFailed": listing_failed,
    "LotOffered": lot_offered,
    "BidderJoined": bidder_joined,
    "BidCommitted": bid_committed,
    "BidPlaced": bid_placed,
    "BidRevealed": bid_revealed,
    "LotSold": lot_sold,
    "LotClosed": lot_closed,
    "LotFailed": lot_failed,
    "EnforcementProceeds": enforcement_proceeds,
    "DepositForfeited": deposit_forfeited,
}
