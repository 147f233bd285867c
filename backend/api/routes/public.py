"""Read endpoints for every public figure (信息公开, R-36), with their transactions (R-37).

``GET /api/v1/public/...``: no login. Lists are newest first and paged by keyset: a response's
``before`` is the ``before`` of the next (older) page, its ``after`` the ``after`` of the
previous one. ``GET /api/v1/public/verify/...`` re-reads a figure from the chain node.
Quantities are kg, money fen, times unix seconds (see docs/explorer.md).
"""

# No ``from __future__ import annotations``: FastAPI reads the generated row models.

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from eth_utils import to_checksum_address
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, create_model
from sqlalchemy import Boolean, Connection, Integer, String, Table
from sqlalchemy.types import JSON, BigInteger

from backend.api.deps import ChainDep, EngineDep, EventsDep
from backend.api.errors import ERROR_RESPONSES
from backend.chain.domain import ListingStatus
from backend.chain.errors import ServiceError
from backend.indexer.projections import tables as t
from backend.services import disclosure, money, verify
from backend.services.fields import Address

router = APIRouter(prefix="/public", tags=["public"], responses=ERROR_RESPONSES)

# widest values a filter can hold: the contracts' ids (uint16 regions, uint32 pollutants and
# periods, uint8 enums) and the index's 64-bit integers (cursors, row ids); anything wider is a
# 422, never a query the database or the ABI encoder cannot take
U8, U16, U32, I64 = 2**8 - 1, 2**16 - 1, 2**32 - 1, 2**63 - 1
Before = Annotated[
    int | None, Query(ge=0, le=I64, description="next (older) page: the `before` of a page")
]
After = Annotated[
    int | None, Query(ge=0, le=I64, description="previous (newer) page: a page's `after`")
]
Limit = Annotated[int, Query(ge=1, le=disclosure.MAX_LIMIT, description="rows per page")]
PollutantQ = Annotated[int | None, Query(ge=1, le=U32, description="pollutant id (R-01)")]
TxHash = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$")]


def _python_type(column: Any) -> Any:  # noqa: ANN401
    kind = column.type
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, t.Uint):
        return int
    if isinstance(kind, Integer | BigInteger):
        return int
    if isinstance(kind, String):
        return str
    if isinstance(kind, JSON):
        return dict[str, Any]
    return Any


def row_model(name: str, table: Table, **extra: Any) -> type[BaseModel]:  # noqa: ANN401
    """The response model of a read-model row (column types from the table)."""
    fields: dict[str, Any] = {}
    for c in table.columns:
        kind = _python_type(c)
        fields[c.name] = (kind | None, None) if c.nullable else (kind, ...)
    for key, kind in extra.items():
        fields[key] = (kind, None)
    return create_model(name, **fields)


TradeOut = row_model("TradeOut", t.trades, seller_name=str | None, buyer_name=str | None,
                     fen_per_t=int | None)  # fmt: skip
AllocationOut = row_model("AllocationOut", t.allocations, holder_name=str | None)
FeeTotalOut = row_model("FeeTotalOut", t.fee_totals)
BenchmarkOut = row_model("BenchmarkOut", t.benchmarks)
MarketDayOut = row_model("MarketDayOut", t.market_daily)
CapOut = row_model("CapOut", t.caps)
UnitOut = row_model("UnitOut", t.units)
HoldingOut = row_model("HoldingOut", t.holdings)
PledgeOut = row_model("PledgeOut", t.pledges, holder_name=str | None, bank_name=str | None)
PermitOut = row_model("PermitOut", t.permits)
PeriodOut = row_model("PeriodOut", t.periods)
ComplianceOut = row_model("ComplianceOut", t.compliance, status=int, unit_name=str | None)
RestrictionOut = row_model("RestrictionOut", t.restrictions, holder_name=str | None)
StockOut = row_model("StockOut", t.reserve_stock, stock=int)
FlowOut = row_model("FlowOut", t.reserve_flows, party_name=str | None)
ReclaimOut = row_model("ReclaimOut", t.reclaims, unit_name=str | None)
HistoryOut = row_model("HistoryOut", t.unit_events)
PollutantOut = row_model("PollutantOut", t.pollutants)
ApplicationOut = row_model("ApplicationOut", t.applications, applicant_name=str | None)
ListingOut = row_model("ListingOut", t.listings, seller_name=str | None, buyer_name=str | None,
                       best_bidder_name=str | None)  # fmt: skip
LotOut = row_model("LotOut", t.lots, seller_name=str | None, leader_name=str | None,
                   winner_name=str | None, bank_name=str | None)  # fmt: skip


def page_model(name: str, row: type[BaseModel]) -> type[BaseModel]:
    return create_model(
        name,
        rows=(list[row], ...),
        before=(int | None, Field(None, description="`before` of the next (older) page")),
        after=(int | None, Field(None, description="`after` of the previous (newer) page")),
    )


TradePage = page_model("TradePage", TradeOut)
AllocationPage = page_model("AllocationPage", AllocationOut)
UnitPage = page_model("UnitPage", UnitOut)
PledgePage = page_model("PledgePage", PledgeOut)
CompliancePage = page_model("CompliancePage", ComplianceOut)
FlowPage = page_model("FlowPage", FlowOut)
ReclaimPage = page_model("ReclaimPage", ReclaimOut)
HistoryPage = page_model("HistoryPage", HistoryOut)
ApplicationPage = page_model("ApplicationPage", ApplicationOut)
ListingPage = page_model("ListingPage", ListingOut)
LotPage = page_model("LotPage", LotOut)


class UnitDetailOut(UnitOut):  # type: ignore[misc, valid-type]
    holdings: list[HoldingOut]  # type: ignore[valid-type]
    pledges: list[PledgeOut]  # type: ignore[valid-type]
    permit: PermitOut | None  # type: ignore[valid-type]
    compliance: list[ComplianceOut]  # type: ignore[valid-type]
    restrictions_log: list[RestrictionOut]  # type: ignore[valid-type]


class OverviewOut(BaseModel):
    now: int = Field(description="time the figures are evaluated at (unix seconds)")
    benchmarks: list[BenchmarkOut]  # type: ignore[valid-type]
    totals: list[dict[str, int]] = Field(description="per pollutant: trades, kg, fen")
    days: list[MarketDayOut]  # type: ignore[valid-type]
    fees: list[FeeTotalOut]  # type: ignore[valid-type]


class ReserveOut(BaseModel):
    stock: list[StockOut]  # type: ignore[valid-type]


class StatusOut(BaseModel):
    chain_id: int
    block: int | None = Field(description="last block the index has read")
    block_hash: str | None


class FigureOut(BaseModel):
    figure: str
    key: dict[str, Any]
    block: int = Field(description="block both sides were read at")
    indexed: dict[str, Any] = Field(description="the figure as the explorer shows it")
    chain: dict[str, Any] = Field(description="the same figure read from the chain node")
    match: bool
    calls: list[dict[str, Any]] = Field(description="the eth_call(s) made: repeat them on any node")
    tx_hash: str | None = Field(description="the transaction that last changed the figure")


@contextmanager
def _read(engine: Any) -> Iterator[Connection]:  # noqa: ANN401
    with engine.connect() as conn:
        yield conn


def _page(page: disclosure.Page) -> dict[str, Any]:
    return {"rows": page.rows, "before": page.before, "after": page.after}


@router.get("/status", response_model=StatusOut, summary="How far the index has read")
def status(engine: EngineDep, chain: ChainDep) -> dict:
    with _read(engine) as conn:
        return disclosure.index_status(conn, chain.deployment.chain_id)


@router.get("/pollutants", response_model=list[PollutantOut], summary="Pollutant kinds (R-01)")
def pollutants(engine: EngineDep) -> list:
    with _read(engine) as conn:
        return list(disclosure.pollutants(conn).values())


class MoneyOut(BaseModel):
    issued_fen: int = Field(description="settlement money ever issued against bank transfers")
    redeemed_fen: int = Field(description="ever redeemed (paid out to bank accounts, burned)")
    pending_fen: int = Field(description="redemptions waiting for the bank's payout")
    supply_fen: int = Field(description="in circulation: issued − redeemed")
    booked_fen: int = Field(description="held in the members' trading accounts at the exchange")


@router.get("/money", response_model=MoneyOut, summary="Settlement money in and out (R-16, R-29)")
def money_totals(chain: ChainDep) -> dict:
    """Read from the contracts at the head: what the settlement bank issued and redeemed."""
    found = money.totals(chain)
    if found is None:
        raise ServiceError("OperationUnavailable", "no settlement token in the deployment")
    return found


@router.get("/overview", response_model=OverviewOut, summary="Market overview (R-36)")
def overview(engine: EngineDep) -> dict:
    """Benchmarks in force, totals and daily prices and volumes per pollutant, fees."""
    with _read(engine) as conn:
        now = disclosure.chain_now(conn)
        return {
            "now": now,
            "benchmarks": disclosure.current_benchmarks(conn, now),
            "totals": disclosure.market_totals(conn),
            "days": disclosure.market_days(conn),
            "fees": disclosure.fee_totals(conn),
        }


@router.get("/trades", response_model=TradePage, summary="Every trade (R-36)")
def trades(
    engine: EngineDep,
    pollutant: PollutantQ = None,
    mode: Annotated[int | None, Query(ge=0, le=255, description="TradeMode")] = None,
    party: Address | None = None,
    before: Before = None,
    after: After = None,
    limit: Limit = disclosure.DEFAULT_LIMIT,
) -> dict:
    with _read(engine) as conn:
        return _page(disclosure.trades(conn, pollutant=pollutant, mode=mode, party=party,
                                       before=before, after=after, limit=limit))  # fmt: skip


@router.get("/allocations", response_model=AllocationPage, summary="Primary allocations (R-08)")
def allocations(
    engine: EngineDep,
    pollutant: PollutantQ = None,
    origin: Annotated[int | None, Query(ge=0, le=2, description="0 paid, 1 free, 2 waived")] = None,
    holder: Address | None = None,
    before: Before = None,
    after: After = None,
    limit: Limit = disclosure.DEFAULT_LIMIT,
) -> dict:
    """Each allocation with the benchmark in force and the fee it carries (paid: charged,
    waived: waived, R-12)."""
    with _read(engine) as conn:
        return _page(disclosure.allocations(conn, pollutant=pollutant, origin=origin,
                                            holder=holder, before=before, after=after,
                                            limit=limit))  # fmt: skip


@router.get("/fees", response_model=list[FeeTotalOut], summary="Fees charged and waived (R-12)")
def fees(engine: EngineDep) -> list:
    with _read(engine) as conn:
        return disclosure.fee_totals(conn)


@router.get(
    "/applications", response_model=ApplicationPage, summary="Primary applications (R-08 – R-12)"
)
def applications(
    engine: EngineDep,
    pollutant: PollutantQ = None,
    applicant: Address | None = None,
    status: Annotated[int | None, Query(ge=1, le=5, description="IPrimaryMarket.Status")] = None,
    before: Before = None,
    after: After = None,
    limit: Limit = disclosure.DEFAULT_LIMIT,
) -> dict:
    """Applications (申报) with the requested and approved (核定) quantity, the regulator who
    decided, the status (1 applied, 2 approved, 3 rejected, 4 withdrawn, 5 settled) and the fee
    actually charged (``fee_fen``: benchmark purchases and primary-auction prices) or waived
    (``waived_fen``, R-12); each figure with its transaction (``*_tx``)."""
    with _read(engine) as conn:
        return _page(disclosure.applications(conn, pollutant=pollutant, applicant=applicant,
                                             status=status, before=before, after=after,
                                             limit=limit))  # fmt: skip


@router.get("/listings", response_model=ListingPage, summary="Listings and bidding (R-14)")
def listings(
    engine: EngineDep,
    pollutant: PollutantQ = None,
    seller: Address | None = None,
    status: Annotated[
        int | None, Query(ge=1, le=max(ListingStatus), description="IExchange.ListingStatus")
    ] = None,
    before: Before = None,
    after: After = None,
    limit: Limit = disclosure.DEFAULT_LIMIT,
) -> dict:
    """Listings (挂牌) with ask, best bid, buyer and price (status 1 open, 2 bidding, 3 taken,
    4 settled, 5 expired, 6 cancelled, 7 failed)."""
    with _read(engine) as conn:
        return _page(disclosure.listings(conn, pollutant=pollutant, seller=seller, status=status,
                                         before=before, after=after, limit=limit))  # fmt: skip


@router.get("/lots", response_model=LotPage, summary="Auction lots (R-09, R-14, R-34)")
def lots(
    engine: EngineDep,
    pollutant: PollutantQ = None,
    kind: Annotated[int | None, Query(ge=0, le=3, description="IAuctionHouse.Kind")] = None,
    status: Annotated[int | None, Query(ge=1, le=5, description="IAuctionHouse.Status")] = None,
    before: Before = None,
    after: After = None,
    limit: Limit = disclosure.DEFAULT_LIMIT,
) -> dict:
    """Lots (kind 0 sale, 1 enforcement, 2 primary, 3 reserve; format 0 ascending, 1 sealed) with
    reserve price, deposit, bidders, leading or winning price and status (1 open, 2 sold,
    3 unsold, 4 failed, 5 cancelled); an enforcement sale's proceeds to the bank first (R-34)."""
    with _read(engine) as conn:
        return _page(disclosure.lots(conn, pollutant=pollutant, kind=kind, status=status,
                                     before=before, after=after, limit=limit))  # fmt: skip


@router.get("/benchmarks", response_model=list[BenchmarkOut], summary="Benchmark history (R-15)")
def benchmarks(engine: EngineDep, pollutant: PollutantQ = None) -> list:
    with _read(engine) as conn:
        return disclosure.benchmark_history(conn, pollutant=pollutant)


@router.get("/caps", response_model=list[CapOut], summary="Caps and their use (R-10)")
def caps(
    engine: EngineDep,
    region: Annotated[int | None, Query(ge=0, le=U16)] = None,
    pollutant: PollutantQ = None,
) -> list:
    with _read(engine) as conn:
        return disclosure.caps(conn, region=region, pollutant=pollutant)


@router.get("/reserve", response_model=ReserveOut, summary="Reserve stock by source (R-27)")
def reserve(engine: EngineDep) -> dict:
    with _read(engine) as conn:
        return {"stock": disclosure.reserve_stock(conn)}


@router.get("/reserve/flows", response_model=FlowPage, summary="Reserve flows (R-27 – R-29)")
def reserve_flows(
    engine: EngineDep,
    direction: Annotated[str | None, Query(pattern="^(in|out)$")] = None,
    pollutant: PollutantQ = None,
    before: Before = None,
    after: After = None,
    limit: Limit = disclosure.DEFAULT_LIMIT,
) -> dict:
    with _read(engine) as conn:
        return _page(disclosure.reserve_flows(conn, direction=direction, pollutant=pollutant,
                                              before=before, after=after, limit=limit))  # fmt: skip


@router.get("/reclaims", response_model=ReclaimPage, summary="Rights reclaimed (R-27, R-33)")
def reclaims(
    engine: EngineDep, before: Before = None, after: After = None,
    limit: Limit = disclosure.DEFAULT_LIMIT,
) -> dict:  # fmt: skip
    with _read(engine) as conn:
        return _page(disclosure.reclaims(conn, before=before, after=after, limit=limit))


@router.get("/periods", response_model=list[PeriodOut], summary="Compliance periods (R-23)")
def periods(engine: EngineDep) -> list:
    with _read(engine) as conn:
        return list(disclosure.periods(conn).values())


@router.get("/compliance", response_model=CompliancePage, summary="Compliance status (R-36)")
def compliance(
    engine: EngineDep,
    period: Annotated[int | None, Query(ge=1, le=U32)] = None,
    unit: Address | None = None,
    before: Before = None,
    after: After = None,
    limit: Limit = disclosure.DEFAULT_LIMIT,
) -> dict:
    """Status per unit, pollutant and period (IComplianceManager.Status: 1 open, 2 awaiting
    verification, 3 due, 4 overdue, 5 compliant, 6 non-compliant)."""
    with _read(engine) as conn:
        now = disclosure.chain_now(conn)
        return _page(disclosure.compliance(conn, now=now, period=period, unit=unit,
                                           before=before, after=after, limit=limit))  # fmt: skip


@router.get("/blacklist", response_model=list[RestrictionOut], summary="Blacklist (R-17)")
def blacklist(engine: EngineDep) -> list:
    with _read(engine) as conn:
        return disclosure.blacklist(conn)


@router.get("/pledges", response_model=PledgePage, summary="Pledges (R-34)")
def pledges(
    engine: EngineDep,
    status: Annotated[int | None, Query(ge=1, le=4)] = None,
    before: Before = None,
    after: After = None,
    limit: Limit = disclosure.DEFAULT_LIMIT,
) -> dict:
    with _read(engine) as conn:
        return _page(disclosure.pledges(conn, status=status, before=before, after=after,
                                        limit=limit))  # fmt: skip


@router.get("/units", response_model=UnitPage, summary="Registered units; search (R-02)")
def units(
    engine: EngineDep,
    q: Annotated[str | None, Query(max_length=128, description="name or credit code")] = None,
    before: Before = None,
    after: After = None,
    limit: Limit = disclosure.DEFAULT_LIMIT,
) -> dict:
    with _read(engine) as conn:
        return _page(disclosure.units(conn, q=q, before=before, after=after, limit=limit))


@router.get("/units/{holder}", response_model=UnitDetailOut, summary="One unit")
def unit(engine: EngineDep, holder: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")]) -> dict:
    """Holdings by pollutant and origin, pledges, permit, compliance, restrictions."""
    with _read(engine) as conn:
        found = disclosure.unit(conn, to_checksum_address(holder), now=disclosure.chain_now(conn))
    if found is None:
        raise ServiceError("UnitNotFound", f"no registered unit {holder}")
    return found


@router.get("/units/{holder}/history", response_model=HistoryPage, summary="A unit's history")
def unit_history(
    engine: EngineDep,
    holder: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")],
    before: Before = None,
    after: After = None,
    limit: Limit = disclosure.DEFAULT_LIMIT,
) -> dict:
    with _read(engine) as conn:
        return _page(disclosure.unit_history(conn, to_checksum_address(holder), before=before,
                                             after=after, limit=limit))  # fmt: skip


@router.get("/tx/{tx_hash}", response_model=list[dict[str, Any]], summary="Indexed events of a tx")
def transaction(engine: EngineDep, tx_hash: TxHash) -> list:
    with _read(engine) as conn:
        rows = disclosure.transaction(conn, tx_hash)
    if not rows:
        raise ServiceError("TransactionNotFound", f"{tx_hash} has no indexed event")
    return rows


@router.get(
    "/verify/event/{tx_hash}/{log_index}",
    response_model=FigureOut,
    summary="Check an event-backed figure against the node (R-37)",
)
def verify_event(
    engine: EngineDep, chain: ChainDep, events: EventsDep, tx_hash: TxHash,
    log_index: Annotated[int, Path(ge=0, le=I64)],
) -> dict:  # fmt: skip
    with _read(engine) as conn:
        return verify.event(conn, chain, events, tx_hash=tx_hash, log_index=log_index)


@router.get(
    "/verify/{figure}",
    response_model=FigureOut,
    summary="Check a state figure against the node (R-37)",
)
def verify_figure(
    engine: EngineDep,
    chain: ChainDep,
    figure: Annotated[str, Path(description=", ".join(verify.FIGURES))],
    holder: Address | None = None,
    unit: Address | None = None,
    pollutant: Annotated[int | None, Query(ge=0, le=U32)] = None,
    region: Annotated[int | None, Query(ge=0, le=U16)] = None,
    period: Annotated[int | None, Query(ge=0, le=U32)] = None,
    source: Annotated[int | None, Query(ge=0, le=U8)] = None,
    id: Annotated[int | None, Query(ge=0, le=I64)] = None,
) -> dict:
    """``holding`` (holder, pollutant), ``cap`` (region, pollutant), ``pledge`` (id), ``permit``
    (holder), ``unit`` (holder), ``compliance`` (unit, pollutant, period), ``reserve-stock``
    (source, pollutant): both sides at the index's block, and the calls made."""
    check = verify.FIGURES.get(figure)
    if check is None:
        raise ServiceError("FigureUnknown", f"no figure {figure!r}; one of {list(verify.FIGURES)}")
    given = {"holder": holder, "unit": unit, "pollutant": pollutant, "region": region,
             "period": period, "source": source, "pledge_id": id}  # fmt: skip
    wanted = _parameters(check)
    missing = [p for p in wanted if given.get(p) is None]
    if missing:
        raise ServiceError("RequestInvalid", f"{figure} needs {', '.join(missing)}")
    with _read(engine) as conn:
        return check(conn, chain, **{p: given[p] for p in wanted})


def _parameters(check: Any) -> list[str]:  # noqa: ANN401
    code = check.__code__
    names = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    return list(names)


class CalldataIn(BaseModel):
    contract: str = Field(description="a contract of the deployment record")
    function: str
    args: list[Any] = Field(description="arguments as text, converted by the ABI's types")


class CalldataOut(BaseModel):
    to: str
    data: str


@router.post("/calldata", response_model=CalldataOut, summary="Encode a call for a wallet")
def calldata(body: CalldataIn, chain: ChainDep) -> dict:
    """The ``to`` and ``data`` of a contract call, for an authority's wallet to sign and send
    itself (``eth_sendTransaction``). Nothing is sent; arguments are converted by the ABI."""
    if body.contract not in chain.deployment.contracts:
        raise ServiceError("ContractUnknown", f"{body.contract} is not in the deployment record")
    contract = chain.contract(body.contract)
    functions = [
        f for f in contract.abi if f.get("type") == "function" and f["name"] == body.function
    ]
    if len(functions) != 1:
        raise ServiceError("FunctionUnknown", f"{body.contract}.{body.function}")
    inputs = functions[0]["inputs"]
    if len(inputs) != len(body.args):
        raise ServiceError("RequestInvalid", f"{body.function} takes {len(inputs)} arguments")
    try:
        args = [_abi_value(i["type"], v) for i, v in zip(inputs, body.args, strict=True)]
        items = _items(args)
        if items > MAX_CALLDATA_ITEMS:
            raise ServiceError(
                "CalldataTooLarge",
                f"{items} values; a call built here takes at most {MAX_CALLDATA_ITEMS}",
                args={"items": items, "max_items": MAX_CALLDATA_ITEMS},
            )
        data = contract.encode_abi(body.function, args=args)
    except (ValueError, TypeError) as exc:
        raise ServiceError("RequestInvalid", f"arguments do not fit the ABI: {exc}") from None
    if len(data) // 2 - 1 > MAX_CALLDATA_BYTES:
        raise ServiceError(
            "CalldataTooLarge",
            f"{len(data) // 2 - 1} bytes; a transaction carries at most {MAX_CALLDATA_BYTES}",
            args={"bytes": len(data) // 2 - 1, "max_bytes": MAX_CALLDATA_BYTES},
        )
    return {"to": contract.address, "data": data}


# a wallet signs what this builds: nothing beyond what one transaction can carry (a node
# refuses transactions over 128 KiB), and no more values than a real batch of the product's
MAX_CALLDATA_BYTES = 128 * 1024
MAX_CALLDATA_ITEMS = 2_000


def _items(value: Any) -> int:  # noqa: ANN401
    """How many values (leaves) an argument holds, counting arrays and tuples through."""
    if isinstance(value, list | tuple):
        return sum(_items(v) for v in value) or 1
    return 1


def _abi_value(kind: str, value: Any) -> Any:  # noqa: ANN401
    if not isinstance(value, str):
        return value
    text = value.strip()
    if kind.endswith("]") or kind.startswith("tuple"):
        import json

        from backend.api.guard import MAX_JSON_DEPTH, json_depth

        if json_depth(text.encode()) > MAX_JSON_DEPTH:
            raise ValueError(f"an argument nests more than {MAX_JSON_DEPTH} levels")
        return json.loads(text)
    if kind.startswith(("uint", "int")):
        return int(text, 0)
    if kind == "bool":
        return text.lower() in ("true", "1", "yes")
    if kind == "address":
        return to_checksum_address(text)
    if kind.startswith("bytes"):
        return bytes.fromhex(text.removeprefix("0x"))
    return text
