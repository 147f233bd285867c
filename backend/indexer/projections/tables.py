"""The read model: one table per business concept, derived from events (R-36, R-37).

Every row carries the position (``pos``), block and transaction of the event that produced it
(or last changed it), so every figure the explorer shows links to its transaction. ``pos`` is
``block_number * 2**20 + log_index``: one integer that orders events as the chain does and
serves as the keyset of every list (server-side paging without OFFSET).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

metadata = MetaData()

_Json = JSON().with_variant(postgresql.JSONB(), "postgresql")
Kg = BigInteger  # uint64 kilograms fit a signed 64-bit column below 9.2e18 kg
Fen = (
    BigInteger  # money in fen; the markets' amounts are uint96/uint128 but real ones stay far below
)


class Uint(TypeDecorator):
    """An unsigned chain integer of any size (uint64 … uint256), exact: NUMERIC(78) on
    PostgreSQL, decimal text on SQLite (whose INTEGER stops at 2**63). For figures a caller
    announces without the chain bounding them by holdings or money (a listing's quantity and
    ask, an application's requested quantity, an auction's reserve): one absurd announcement
    must not stop the index."""

    impl = Numeric(78, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(80))
        return dialect.type_descriptor(Numeric(78, 0))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:  # noqa: ANN401
        if value is None:
            return None
        return str(int(value)) if dialect.name == "sqlite" else int(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:  # noqa: ANN401
        return None if value is None else int(value)


def _origin_columns() -> list[Column]:
    """Where a row came from: the event's position, block, time and transaction (R-37)."""
    return [
        Column("block_number", BigInteger, nullable=False),
        Column("block_timestamp", BigInteger, nullable=False),
        Column("tx_hash", String(66), nullable=False),
    ]


# -- undo log: what each event changed, so a rewind restores the read model exactly ----------
undo_log = Table(
    "rm_undo",
    metadata,
    Column("pos", BigInteger, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("table_name", String(64), nullable=False),
    Column("key", _Json, nullable=False),
    Column("before", _Json),  # null: the row did not exist
)

pollutants = Table(
    "rm_pollutants",
    metadata,
    Column("id", Integer, primary_key=True),
    # text a transaction chose (any length; cleaned by backend/chain/text.py): unbounded
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("class", Integer, nullable=False),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
)

units = Table(
    "rm_units",
    metadata,
    Column("holder", String(42), primary_key=True),
    # as registered: any length, invalid UTF-8 and U+0000 shown as U+FFFD (backend/chain/text.py)
    Column("credit_code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("sector", Integer, nullable=False),
    Column("district", Integer, nullable=False),
    Column("basin", Integer, nullable=False),
    Column("restrictions", Integer, nullable=False, default=0),
    Column("policy_restricted", Boolean, nullable=False, default=False),
    Column("qualified_seller", Boolean, nullable=False, default=False),
    Column("closed", Boolean, nullable=False, default=False),
    Column("registered_pos", BigInteger, nullable=False),
    Column("registered_tx", String(66), nullable=False),
    Column("pos", BigInteger, nullable=False),  # last change
    *_origin_columns(),
    # not unique: two different registered byte strings may clean to the same text; no index
    # on the name (searched by substring), so no name is too long for a B-tree entry
    Index("ix_rm_units_credit_code", "credit_code"),
    Index("ix_rm_units_registered", "registered_pos"),
)

restrictions = Table(
    "rm_restrictions",
    metadata,
    Column("holder", String(42), primary_key=True),
    Column("restriction", Integer, primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("by", String(42), nullable=False),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
    Index("ix_rm_restrictions_active", "active", "pos"),
)

holdings = Table(
    "rm_holdings",
    metadata,
    Column("holder", String(42), primary_key=True),
    Column("pollutant", Integer, primary_key=True),
    Column("paid", Kg, nullable=False, default=0),
    Column("free", Kg, nullable=False, default=0),
    Column("waived", Kg, nullable=False, default=0),
    Column("pledged", Kg, nullable=False, default=0),
    Column("permitted", Kg, nullable=False, default=0),
    Column("leased_in", Kg, nullable=False, default=0),
    Column("leased_out", Kg, nullable=False, default=0),
    Column("tradable", Kg, nullable=False, default=0),
    Column("owed", Kg, nullable=False, default=0),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
)

trades = Table(
    "rm_trades",
    metadata,
    Column("pos", BigInteger, primary_key=True),
    Column("seller", String(42), nullable=False),
    Column("buyer", String(42), nullable=False),
    Column("pollutant", Integer, nullable=False),
    Column("kg", Kg, nullable=False),
    Column("price_fen", Fen, nullable=False),
    Column("mode", Integer, nullable=False),
    *_origin_columns(),
    Index("ix_rm_trades_pollutant", "pollutant", "pos"),
    Index("ix_rm_trades_seller", "seller", "pos"),
    Index("ix_rm_trades_buyer", "buyer", "pos"),
    Index("ix_rm_trades_mode", "mode", "pos"),
)

market_daily = Table(
    "rm_market_daily",
    metadata,
    Column("pollutant", Integer, primary_key=True),
    Column("day", Integer, primary_key=True),  # days since 1970-01-01 in China time (UTC+8)
    Column("trades", Integer, nullable=False),
    Column("kg", Kg, nullable=False),
    Column("fen", Fen, nullable=False),
    Column("min_fen_per_t", Fen, nullable=False),
    Column("max_fen_per_t", Fen, nullable=False),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
)

allocations = Table(
    "rm_allocations",
    metadata,
    Column("pos", BigInteger, primary_key=True),
    Column("holder", String(42), nullable=False),
    Column("pollutant", Integer, nullable=False),
    Column("origin", Integer, nullable=False),
    Column("kg", Kg, nullable=False),
    Column("region", Integer, nullable=False),
    Column("by", String(42), nullable=False),
    Column("benchmark_fen_per_t", Fen),  # in force at the block; null if none
    # the fee the primary market recorded for it: paid, the fee charged
    # (PrimaryPurchased.feeFen) or the price won at a primary auction (PrimaryAuctionAllocated);
    # waived, the fee waived (approved kg × benchmark, as PrimaryMarket.feeOf before the waiver);
    # null for free rights and for rights not allocated through the primary market
    Column("fee_fen", Fen),
    Column("application", BigInteger),  # the primary-market application, if any
    *_origin_columns(),
    Index("ix_rm_allocations_holder", "holder", "pos"),
    Index("ix_rm_allocations_pollutant", "pollutant", "pos"),
    Index("ix_rm_allocations_origin", "origin", "pos"),
)

fee_totals = Table(
    "rm_fee_totals",
    metadata,
    Column("pollutant", Integer, primary_key=True),
    Column("origin", Integer, primary_key=True),
    Column("allocations", Integer, nullable=False, default=0),
    Column("kg", Kg, nullable=False, default=0),
    Column("fee_fen", Fen, nullable=False, default=0),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
)

benchmarks = Table(
    "rm_benchmarks",
    metadata,
    Column("pos", BigInteger, primary_key=True),
    Column("pollutant", Integer, nullable=False),
    Column("region", Integer, nullable=False),
    Column("fen_per_tonne", Fen, nullable=False),
    Column("effective_from", BigInteger, nullable=False),
    Column("by", String(42), nullable=False),
    *_origin_columns(),
    Index("ix_rm_benchmarks_key", "pollutant", "region", "effective_from"),
)

caps = Table(
    "rm_caps",
    metadata,
    Column("region", Integer, primary_key=True),
    Column("pollutant", Integer, primary_key=True),
    Column("cap", Kg, nullable=False),
    Column("allocated", Kg, nullable=False),
    Column("is_set", Boolean, nullable=False),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
)

permits = Table(
    "rm_permits",
    metadata,
    Column("holder", String(42), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("valid_from", BigInteger, nullable=False),
    Column("valid_to", BigInteger, nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
)

pledges = Table(
    "rm_pledges",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("holder", String(42), nullable=False),
    Column("bank", String(42), nullable=False),
    Column("pollutant", Integer, nullable=False),
    Column("kg", Kg, nullable=False),
    Column("status", Integer, nullable=False),  # IPledgeBook.Status
    # the claim the pledge secures; at enforcement, the part the bank declared due
    Column("claim_fen", Fen, nullable=False),
    Column("maturity", BigInteger, nullable=False),  # unix seconds: default only from then
    Column("price_fen", Fen),
    Column("created_pos", BigInteger, nullable=False),
    Column("created_tx", String(66), nullable=False),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
    Index("ix_rm_pledges_holder", "holder", "id"),
    Index("ix_rm_pledges_created", "created_pos"),
)

periods = Table(
    "rm_periods",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("start", BigInteger, nullable=False),
    Column("end", BigInteger, nullable=False),
    Column("surrender_deadline", BigInteger, nullable=False),
    Column("carry_over_deadline", BigInteger, nullable=False),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
)

compliance = Table(
    "rm_compliance",
    metadata,
    Column("unit", String(42), primary_key=True),
    Column("pollutant", Integer, primary_key=True),
    Column("period", Integer, primary_key=True),
    Column("usage_kg", Kg),  # agreed or corrected verified usage; null before a quorum
    Column("final_at", BigInteger),  # final from then (agreed + dispute window; corrected: at once)
    Column("corrected", Boolean, nullable=False, default=False),
    Column("usage_tx", String(66)),
    Column("surrendered", Kg, nullable=False, default=0),
    Column("shortfall", Kg, nullable=False, default=0),
    Column("closed", Boolean, nullable=False, default=False),
    Column("carried_over", Boolean, nullable=False, default=False),
    Column("carried_kg", Kg, nullable=False, default=0),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
    Index("ix_rm_compliance_period", "period", "pos"),
    Index("ix_rm_compliance_pos", "pos"),
)

reserve_flows = Table(
    "rm_reserve_flows",
    metadata,
    Column("pos", BigInteger, primary_key=True),
    Column("direction", String(3), nullable=False),  # "in" | "out"
    Column("source", Integer, nullable=False),  # IGovernmentReserve.Source
    Column("use", Integer),  # IGovernmentReserve.Use (outflows)
    Column("party", String(42), nullable=False),  # from (inflows) or to (outflows)
    Column("pollutant", Integer, nullable=False),
    Column("origin", Integer),
    Column("kg", Kg, nullable=False),
    Column("fen", Fen, nullable=False),  # paid out (inflows) or received (outflows)
    Column("reason", Text, nullable=False, default=""),
    Column("offer", BigInteger),
    *_origin_columns(),
    Index("ix_rm_reserve_flows_pollutant", "pollutant", "pos"),
    Index("ix_rm_reserve_flows_direction", "direction", "pos"),
)

reserve_stock = Table(
    "rm_reserve_stock",
    metadata,
    Column("source", Integer, primary_key=True),
    Column("pollutant", Integer, primary_key=True),
    Column("inflow", Kg, nullable=False, default=0),
    Column("outflow", Kg, nullable=False, default=0),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
)

reclaims = Table(
    "rm_reclaims",
    metadata,
    Column("pos", BigInteger, primary_key=True),
    Column("unit", String(42), nullable=False),
    Column("reserve", String(42), nullable=False),
    Column("pollutant", Integer, nullable=False),
    Column("origin", Integer, nullable=False),
    Column("kg", Kg, nullable=False),
    *_origin_columns(),
)

unit_events = Table(
    "rm_unit_events",
    metadata,
    Column("holder", String(42), primary_key=True),
    Column("pos", BigInteger, primary_key=True),
    Column("contract", String(64), nullable=False),
    Column("event", String(128), nullable=False),
    Column("args", _Json, nullable=False),
    *_origin_columns(),
)


# -- the exchange's own books: primary market, listings, auctions (R-08 –) --------

applications = Table(
    "rm_applications",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("applicant", String(42), nullable=False),
    Column("pollutant", Integer, nullable=False),
    Column("kind", Integer, nullable=False),  # IPrimaryMarket.Kind
    Column("requested_kg", Uint, nullable=False),
    Column("approved_kg", Uint),  # 核定量; null until approved
    Column("decided_by", String(42)),  # the regulator who approved or rejected it
    Column("decided_tx", String(66)),
    Column("reason", Text),  # why it was rejected
    Column("status", Integer, nullable=False),  # IPrimaryMarket.Status
    Column("status_tx", String(66), nullable=False),
    Column("waived", Boolean, nullable=False, default=False),
    Column("waived_by", String(42)),
    Column("waived_tx", String(66)),
    Column("acquired_kg", Kg, nullable=False, default=0),  # bought or won so far
    Column("fee_fen", Fen, nullable=False, default=0),  # charged: fees and primary-auction prices
    Column("waived_fen", Fen, nullable=False, default=0),  # the fee waived
    Column("settled_tx", String(66)),  # the last purchase or auction allocation
    Column("submitted_pos", BigInteger, nullable=False),
    Column("submitted_tx", String(66), nullable=False),
    Column("submitted_at", BigInteger, nullable=False),  # block time
    Column("pos", BigInteger, nullable=False),  # last change
    *_origin_columns(),
    Index("ix_rm_applications_submitted", "submitted_pos"),
    Index("ix_rm_applications_pollutant", "pollutant", "submitted_pos"),
    Index("ix_rm_applications_applicant", "applicant", "submitted_pos"),
)

primary_acquisitions = Table(
    "rm_primary_acquisitions",
    metadata,
    Column("pos", BigInteger, primary_key=True),  # PrimaryPurchased / PrimaryAuctionAllocated
    Column("application", BigInteger, nullable=False),
    Column("applicant", String(42), nullable=False),
    Column("pollutant", Integer, nullable=False),
    Column("kg", Kg, nullable=False),
    Column("origin", Integer, nullable=False),
    Column("via", String(8), nullable=False),  # "purchase" (at the benchmark) | "auction"
    Column("fee_fen", Fen, nullable=False),  # paid to the treasury
    Column("waived_fen", Fen),  # the fee waived (origin waived, R-12)
    *_origin_columns(),
    Index("ix_rm_primary_acquisitions_tx", "tx_hash"),
)

listings = Table(
    "rm_listings",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("seller", String(42), nullable=False),
    Column("pollutant", Integer, nullable=False),
    Column("kg", Uint, nullable=False),
    Column("ask_fen", Uint, nullable=False),
    Column("step_fen", Uint, nullable=False),
    Column("ends_at", BigInteger, nullable=False),
    Column("status", Integer, nullable=False),  # IExchange.ListingStatus
    Column("status_tx", String(66), nullable=False),
    Column("bids", Integer, nullable=False, default=0),
    Column("best_bidder", String(42)),
    Column("best_bid_fen", Fen),
    Column("best_bid_tx", String(66)),
    Column("buyer", String(42)),  # taken at the ask or settled to the best bid
    Column("price_fen", Fen),
    Column("closed_by", String(42)),
    Column("failed_reason", Integer),  # the rule engine's Reason (ListingFailed)
    Column("listed_pos", BigInteger, nullable=False),
    Column("listed_tx", String(66), nullable=False),
    Column("listed_at", BigInteger, nullable=False),  # block time
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
    Index("ix_rm_listings_listed", "listed_pos"),
    Index("ix_rm_listings_pollutant", "pollutant", "listed_pos"),
)

lots = Table(
    "rm_lots",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("kind", Integer, nullable=False),  # IAuctionHouse.Kind
    Column("format", Integer, nullable=False),  # IAuctionHouse.Format
    Column("seller", String(42)),  # Sale, Reserve: the seller; Enforcement: the pledgor
    Column("pollutant", Integer, nullable=False),
    Column("kg", Uint, nullable=False),
    Column("ref", BigInteger, nullable=False),  # Enforcement: the pledge id
    Column("region", Integer, nullable=False),  # Primary: the district of the cap
    Column("reserve_fen", Uint, nullable=False),  # 起拍价
    Column("deposit_fen", Uint, nullable=False),  # 交易保证金
    Column("step_fen", Uint, nullable=False),
    Column("bidding_ends", BigInteger, nullable=False),
    Column("reveal_ends", BigInteger, nullable=False),
    Column("closes_at", BigInteger, nullable=False),
    Column("status", Integer, nullable=False),  # IAuctionHouse.Status
    Column("status_tx", String(66), nullable=False),
    Column("bidders", Integer, nullable=False, default=0),
    Column("commitments", Integer, nullable=False, default=0),
    Column("bids", Integer, nullable=False, default=0),
    Column("leader", String(42)),
    Column("leading_fen", Fen),
    Column("leading_tx", String(66)),
    Column("winner", String(42)),
    Column("price_fen", Fen),
    Column("failed_reason", Integer),  # MarketReason (LotFailed)
    Column("failed_rule", Integer),  # the rule engine's Reason
    Column("bank", String(42)),  # EnforcementProceeds
    Column("bank_fen", Fen),
    Column("holder_fen", Fen),
    Column("forfeited_fen", Fen, nullable=False, default=0),  # unrevealed deposits to the treasury
    Column("offered_pos", BigInteger, nullable=False),
    Column("offered_tx", String(66), nullable=False),
    Column("offered_at", BigInteger, nullable=False),  # block time
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
    Index("ix_rm_lots_offered", "offered_pos"),
    Index("ix_rm_lots_pollutant", "pollutant", "offered_pos"),
)


# -- the regulator council (contracts/governance, docs/security.md) ----------------------------

council_proposals = Table(
    "rm_council_proposals",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("proposer", String(42), nullable=False),
    Column("description", Text, nullable=False),
    Column("calls", _Json, nullable=False),  # [{"target", "data"}] as proposed
    Column("approvals", Integer, nullable=False, default=0),
    Column("approved_by", _Json, nullable=False),  # members in the order they approved
    Column("eta", BigInteger),  # set when the threshold-th approval scheduled it
    Column("operation_id", String(66), nullable=False),  # the time lock's operation
    # pending | scheduled | executed | cancelled | withdrawn ("ready": scheduled, eta passed)
    Column("status", String(16), nullable=False),
    Column("created_tx", String(66), nullable=False),
    Column("pos", BigInteger, nullable=False),  # last change
    *_origin_columns(),
    Index("ix_rm_council_proposals_status", "status", "id"),
)

council_settings = Table(
    "rm_council",
    metadata,
    Column("id", Integer, primary_key=True),  # one row
    Column("threshold", Integer, nullable=False),
    Column("pos", BigInteger, nullable=False),
    *_origin_columns(),
)
