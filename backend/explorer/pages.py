"""The public explorer (信息公开, R-36): server-rendered pages, no login, Chinese by default with
an English switch, every figure linked to its transaction and verifiable against a node (R-37).
Plus the company portal and the authority console, whose small script signs in the visitor's
own wallet (EIP-1193) and calls the service's signed-action endpoints.

URL shapes live in ``urls.py``; figures come from ``backend/services/disclosure.py``, the same
functions the read endpoints call.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

from eth_utils import is_address, to_checksum_address
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from sqlalchemy import Connection

from backend.api.deps import ChainDep, EngineDep, SettingsDep
from backend.chain.errors import ServiceError
from backend.chain.text import REPLACEMENT
from backend.explorer import charts, i18n, urls
from backend.explorer import portal as company
from backend.services import council_ops, disclosure, money

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(
    kg=i18n.kg, yuan=i18n.yuan, per_t=i18n.per_tonne, when=i18n.when, num=i18n.number,
    short=i18n.short, t=i18n.tonnes, day=i18n.day_of,
)  # fmt: skip
templates.env.globals.update(urls=urls)


def _mark_replaced(value: Any) -> Any:  # noqa: ANN401 - any template value
    """Text from the chain that held bytes which are not text (invalid UTF-8, U+0000) shows
    them as U+FFFD (backend/chain/text.py); every page marks each one, so a reader knows the
    registered bytes differ from what is shown."""
    if isinstance(value, str) and not isinstance(value, Markup) and REPLACEMENT in value:
        mark = Markup('<mark class="replaced" title="{}">\ufffd</mark>').format(REPLACED_TITLE)
        return escape(value).replace(REPLACEMENT, mark)
    return value


REPLACED_TITLE = "登记内容在此处含有无法显示为文字的字节 · the registered bytes here are not text"
templates.env.finalize = _mark_replaced
router = APIRouter(include_in_schema=False)

# the index's integers are 64-bit (SQLite INTEGER): a wider filter is a 422, not a 500
Before = Annotated[int | None, Query(ge=0, le=2**63 - 1)]
After = Annotated[int | None, Query(ge=0, le=2**63 - 1)]
OptInt = Annotated[int | None, Query(ge=0, le=2**63 - 1)]
LANG_COOKIE = "lang"


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    return asked if asked in i18n.LANGS else request.cookies.get(LANG_COOKIE, "zh")


def _render(request: Request, template: str, conn: Connection, chain: Any, settings: Any,  # noqa: ANN401
            **context: Any) -> HTMLResponse:  # noqa: ANN401  # fmt: skip
    lang = i18n.Lang(_lang(request))
    response = templates.TemplateResponse(
        request,
        template,
        {
            "L": lang,
            "title": lang("site"),
            "pollutants": disclosure.pollutants(conn),
            "index": disclosure.index_status(conn, chain.deployment.chain_id),
            "deployment": chain.deployment,
            "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        },
    )
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(LANG_COOKIE, lang.code, max_age=365 * 86400, samesite="lax")
    response.headers["Content-Language"] = "zh-CN" if lang.code == "zh" else "en"
    return response


def _address(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not is_address(value):
        raise ServiceError("RequestInvalid", f"not an address: {value!r}")
    return to_checksum_address(value)


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep
) -> Response:
    """Market overview: benchmarks in force, price and volume charts, totals, latest trades."""
    with engine.connect() as conn:
        lang = i18n.Lang(_lang(request))
        pollutants = disclosure.pollutants(conn)
        now = disclosure.chain_now(conn)
        days = disclosure.market_days(conn)
        prices, volumes = _day_series(days, pollutants, lang)
        return _render(
            request, "overview.html", conn, chain, settings,
            benchmarks=disclosure.current_benchmarks(conn, now),
            price_chart=charts.lines(prices, lang("overview.prices"), lambda d: i18n.day(int(d))),
            volume_chart=charts.bars(volumes, lang("overview.volumes"), lambda d: i18n.day(int(d))),
            totals=disclosure.market_totals(conn),
            fees=disclosure.fee_totals(conn),
            latest=disclosure.trades(conn, limit=10).rows,
            money=money.totals(chain),
        )  # fmt: skip


def _day_series(days: list[dict], pollutants: dict, lang: i18n.Lang) -> tuple[list, list]:
    by_pollutant: dict[int, list[dict]] = {}
    for d in days:
        by_pollutant.setdefault(d["pollutant"], []).append(d)
    prices = [
        charts.Series(
            lang.pollutant(pollutants, p), [(d["day"], d["fen"] * 10 / d["kg"]) for d in ds]
        )
        for p, ds in sorted(by_pollutant.items())
    ]  # 元/t = fen × 1000 / kg / 100
    volumes = [
        charts.Series(lang.pollutant(pollutants, p), [(d["day"], d["kg"] / 1000) for d in ds])
        for p, ds in sorted(by_pollutant.items())
    ]
    return prices, volumes


@router.get("/trades", response_class=HTMLResponse)
def trades(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
           pollutant: OptInt = None, mode: OptInt = None, party: str | None = None,
           before: Before = None, after: After = None) -> Response:  # fmt: skip
    filters = {"pollutant": pollutant, "mode": mode, "party": _address(party)}
    with engine.connect() as conn:
        page = disclosure.trades(conn, before=before, after=after, **filters)
        return _render(request, "trades.html", conn, chain, settings, page=page, filters=filters)


@router.get("/allocations", response_class=HTMLResponse)
def allocations(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
                pollutant: OptInt = None, origin: OptInt = None, holder: str | None = None,
                before: Before = None, after: After = None) -> Response:  # fmt: skip
    filters = {"pollutant": pollutant, "origin": origin, "holder": _address(holder)}
    with engine.connect() as conn:
        page = disclosure.allocations(conn, before=before, after=after, **filters)
        return _render(request, "allocations.html", conn, chain, settings, page=page,
                       filters=filters, fees=disclosure.fee_totals(conn))  # fmt: skip


MARKET_SECTIONS = ("applications", "listings", "lots")


@router.get("/market", response_class=HTMLResponse)
def market(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
           pollutant: OptInt = None,
           a_before: Before = None, a_after: After = None, l_before: Before = None,
           l_after: After = None, o_before: Before = None,
           o_after: After = None) -> Response:  # fmt: skip
    """The exchange's books (R-36): primary applications with approved quantities and fees
    charged or waived, listings with their bids, auction lots; each section paged by keyset."""
    keys = {"a": (a_before, a_after), "l": (l_before, l_after), "o": (o_before, o_after)}
    with engine.connect() as conn:
        pages = {
            name: fetch(conn, pollutant=pollutant, before=keys[k][0], after=keys[k][1], limit=20)
            for name, k, fetch in (
                ("applications", "a", disclosure.applications),
                ("listings", "l", disclosure.listings),
                ("lots", "o", disclosure.lots),
            )
        }
        pagers = {
            name: _section_pager(page, k, pollutant)
            for (name, page), k in zip(pages.items(), "alo", strict=True)
        }
        return _render(request, "market.html", conn, chain, settings, pagers=pagers,
                       filters={"pollutant": pollutant}, **pages)  # fmt: skip


def _section_pager(page: disclosure.Page, key: str, pollutant: int | None) -> dict[str, str]:
    """Newer/older links of one section of /market (the other sections start at their top)."""
    links = {}
    if page.after is not None:
        links["newer"] = urls.market(pollutant=pollutant, **{f"{key}_after": page.after})
    if page.before is not None:
        links["older"] = urls.market(pollutant=pollutant, **{f"{key}_before": page.before})
    return links


@router.get("/reserve", response_class=HTMLResponse)
def reserve(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
            before: Before = None, after: After = None) -> Response:  # fmt: skip
    with engine.connect() as conn:
        return _render(
            request, "reserve.html", conn, chain, settings,
            stock=disclosure.reserve_stock(conn),
            flows=disclosure.reserve_flows(conn, before=before, after=after),
            buybacks=disclosure.buybacks(conn, limit=20).rows,
            reclaims=disclosure.reclaims(conn, limit=20).rows,
        )  # fmt: skip


@router.get("/caps", response_class=HTMLResponse)
def caps(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep) -> Response:
    with engine.connect() as conn:
        rows = disclosure.caps(conn)
        for r in rows:
            r["meter"] = charts.meter(r["allocated"], r["cap"])
        return _render(request, "caps.html", conn, chain, settings, rows=rows)


@router.get("/compliance", response_class=HTMLResponse)
def compliance(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
               period: OptInt = None, before: Before = None,
               after: After = None) -> Response:  # fmt: skip
    with engine.connect() as conn:
        page = disclosure.compliance(conn, now=disclosure.chain_now(conn), period=period,
                                     before=before, after=after)  # fmt: skip
        return _render(request, "compliance.html", conn, chain, settings, page=page,
                       periods=disclosure.periods(conn), filters={"period": period})  # fmt: skip


@router.get("/blacklist", response_class=HTMLResponse)
def blacklist(
    request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep
) -> Response:
    with engine.connect() as conn:
        return _render(request, "blacklist.html", conn, chain, settings,
                       rows=disclosure.blacklist(conn))  # fmt: skip


@router.get("/council", response_class=HTMLResponse)
def council(
    request: Request,
    engine: EngineDep,
    chain: ChainDep,
    settings: SettingsDep,
    before: Before = None,
    after: After = None,
) -> Response:
    """The regulator council's proposals, from the event index: a high-impact action is public
    from its proposal on, with its approvals and the time it may take effect (R-36)."""
    with engine.connect() as conn:
        page = council_ops.proposals(conn, chain, before=before, after=after)
        holders = [v for p in page.rows for c in p["calls"] for v in (c.get("args") or {}).values()
                   if isinstance(v, str) and is_address(v)]  # fmt: skip
        return _render(request, "council.html", conn, chain, settings, rows=page.rows, page=page,
                       names=disclosure.unit_names(conn, holders))  # fmt: skip


@router.get("/units", response_class=HTMLResponse)
def units(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
          q: Annotated[str | None, Query(max_length=128)] = None, before: Before = None,
          after: After = None) -> Response:  # fmt: skip
    with engine.connect() as conn:
        page = disclosure.units(conn, q=q, before=before, after=after)
        if q and len(page.rows) == 1 and before is None and after is None:
            return Response(
                status_code=303, headers={"Location": urls.unit(page.rows[0]["holder"])}
            )
        return _render(request, "units.html", conn, chain, settings, page=page,
                       filters={"q": q})  # fmt: skip


@router.get("/units/{holder}", response_class=HTMLResponse)
def unit(request: Request, holder: str, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
         before: Before = None, after: After = None) -> Response:  # fmt: skip
    address = _address(holder)
    assert address is not None
    with engine.connect() as conn:
        found = disclosure.unit(conn, address, now=disclosure.chain_now(conn))
        if found is None:
            raise ServiceError("UnitNotFound", f"no registered unit {address}")
        history = disclosure.unit_history(conn, address, before=before, after=after)
        return _render(request, "unit.html", conn, chain, settings, unit=found, history=history)


@router.get("/pledges", response_class=HTMLResponse)
def pledges(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
            before: Before = None, after: After = None) -> Response:  # fmt: skip
    with engine.connect() as conn:
        page = disclosure.pledges(conn, before=before, after=after)
        return _render(request, "pledges.html", conn, chain, settings, page=page)


@router.get("/tx/{tx_hash}", response_class=HTMLResponse)
def tx(request: Request, tx_hash: str, engine: EngineDep, chain: ChainDep,
       settings: SettingsDep) -> Response:  # fmt: skip
    """A transaction: the events it produced (from the index), each verifiable on the node."""
    with engine.connect() as conn:
        events = disclosure.transaction(conn, tx_hash)
        if not events:
            raise ServiceError("TransactionNotFound", f"{tx_hash} has no indexed event")
        return _render(request, "tx.html", conn, chain, settings, tx_hash=tx_hash.lower(),
                       events=events)  # fmt: skip


@router.get("/portal", response_class=HTMLResponse)
def portal(
    request: Request,
    engine: EngineDep,
    chain: ChainDep,
    settings: SettingsDep,
    account: Annotated[str | None, Query(max_length=42)] = None,
) -> Response:
    """The company portal: the connected wallet's rights, obligations, orders and money, and the
    forms that account can use (backend/explorer/portal.py)."""
    lang = i18n.Lang(_lang(request))
    with engine.connect() as conn:
        shown = company.view(conn, chain, company.account_of(account))
        return _render(request, "portal.html", conn, chain, settings,
                       js_text=i18n.js_texts(lang), chain_params=_chain_params(chain, settings),
                       **shown)  # fmt: skip


def _chain_params(chain: Any, settings: Any) -> dict[str, Any]:  # noqa: ANN401
    """What a wallet needs to add this chain (EIP-3085) or switch to it (EIP-3326)."""
    return {
        "chainId": chain.deployment.chain_id,
        "name": settings.chain_name,
        "rpcUrls": [settings.public_rpc_url or settings.rpc_url],
    }


@router.get("/console", response_class=HTMLResponse)
def console(
    request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep
) -> Response:
    """The authority console: signed actions and chain transactions from the authority's wallet."""
    with engine.connect() as conn:
        contracts = {
            name: [
                {"name": f["name"], "inputs": f["inputs"]}
                for f in rec.abi
                if f.get("type") == "function"
                and f.get("stateMutability") in ("nonpayable", "payable")
            ]
            for name, rec in chain.deployment.contracts.items()
        }
        redemptions = money.pending_redemptions(chain)
        names = disclosure.unit_names(conn, [r["holder"] for r in redemptions])
        for r in redemptions:
            r["holder_name"] = (names.get(r["holder"]) or {}).get("name")
        return _render(request, "console.html", conn, chain, settings, console=True,
                       contracts=contracts, redemptions=redemptions,
                       js_text=i18n.js_texts(i18n.Lang(_lang(request))),
                       chain_params=_chain_params(chain, settings))  # fmt: skip


# -- downloads: the whole table with the page's filters, CSV or JSON -----------------------

Rows = Callable[..., Iterator[dict]]


# the filters a download takes, with the widest value each can hold (the contracts' uint32 ids,
# uint8 enums): anything else is a 422 naming the parameter, never a query that cannot run
DOWNLOAD_FILTERS = {"pollutant": 2**32 - 1, "mode": 255, "origin": 2, "period": 2**32 - 1}


def _filter(params: dict[str, str], name: str) -> int | None:
    text = params.get(name, "")
    if text == "":
        return None
    widest = DOWNLOAD_FILTERS[name]
    if not (text.isascii() and text.isdigit()) or len(text) > 20 or int(text) > widest:
        raise ServiceError(
            "RequestInvalid",
            f"{name}: {text[:40]!r} is not an integer 0 … {widest}",
            problems=[{"field": f"query.{name}", "problem": f"an integer 0 … {widest}"}],
        )
    return int(text)


def _table_rows(conn: Connection, table: str, params: dict[str, str]) -> Iterator[dict]:
    def opt(name: str) -> int | None:
        return _filter(params, name)

    if table == "trades":
        return disclosure.trade_rows(conn, pollutant=opt("pollutant"), mode=opt("mode"),
                                     party=_address(params.get("party")))  # fmt: skip
    if table == "allocations":
        return disclosure.allocation_rows(conn, pollutant=opt("pollutant"), origin=opt("origin"),
                                          holder=_address(params.get("holder")))  # fmt: skip
    if table in MARKET_SECTIONS:
        return disclosure.market_rows(conn, table, pollutant=opt("pollutant"))
    simple: dict[str, Callable[[], Any]] = {
        "fees": lambda: disclosure.fee_totals(conn),
        "caps": lambda: disclosure.caps(conn),
        "blacklist": lambda: disclosure.blacklist(conn),
        "benchmarks": lambda: disclosure.benchmark_history(conn),
        "reserve-stock": lambda: disclosure.reserve_stock(conn),
        "market-days": lambda: disclosure.market_days(conn),
        "units": lambda: _all_pages(lambda b: disclosure.units(conn, before=b, limit=500)),
        "pledges": lambda: _all_pages(lambda b: disclosure.pledges(conn, before=b, limit=500)),
        "reserve-flows": lambda: _all_pages(
            lambda b: disclosure.reserve_flows(conn, before=b, limit=500)
        ),
        "compliance": lambda: _all_pages(
            lambda b: disclosure.compliance(
                conn, now=disclosure.chain_now(conn), period=opt("period"), before=b, limit=500
            )
        ),
    }
    if table not in simple:
        raise ServiceError("TableUnknown", f"no table {table!r}")
    return iter(simple[table]())


def _all_pages(fetch: Callable[[int | None], disclosure.Page]) -> Iterator[dict]:
    before = None
    while True:
        page = fetch(before)
        yield from page.rows
        if page.before is None:
            return
        before = page.before


DOWNLOADS = ("trades", "allocations", "fees", "caps", "blacklist", "benchmarks", "reserve-stock",
             "reserve-flows", "market-days", "units", "pledges", "compliance",
             *MARKET_SECTIONS)  # fmt: skip


@router.get("/download/{table}.{fmt}")
def download(request: Request, table: str, fmt: str, engine: EngineDep) -> Response:
    """Stream a whole table (keyset chunks) as CSV (UTF-8 with BOM, opens in Excel) or JSON."""
    if fmt not in ("csv", "json"):
        raise ServiceError("FormatUnknown", f"format {fmt!r}: csv or json")
    params = dict(request.query_params)

    def rows() -> Iterator[dict]:
        with engine.connect() as conn:
            yield from _table_rows(conn, table, params)

    it = rows()
    first = next(it, None)  # raises a bad table or filter before the response starts
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    body = _csv(first, it) if fmt == "csv" else _json(first, it)
    headers = {"Content-Disposition": f'attachment; filename="{table}.{fmt}"'}
    return StreamingResponse(body, media_type=media, headers=headers)


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(…),
# =cmd|' /C calc'!A0): such text gets a leading apostrophe, as OWASP's "CSV injection" advises;
# numbers stay numbers
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:  # noqa: ANN401
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(first: dict | None, rest: Iterator[dict]) -> Iterator[str]:
    yield "\ufeff"
    if first is None:
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(first), extrasaction="ignore")
    writer.writeheader()
    for row in _chain(first, rest):
        writer.writerow({k: _cell(v) for k, v in row.items()})
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json(first: dict | None, rest: Iterator[dict]) -> Iterator[str]:
    yield "["
    if first is not None:
        for i, row in enumerate(_chain(first, rest)):
            yield ("," if i else "") + json.dumps(row, ensure_ascii=False, default=str)
    yield "]"


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    """The explorer's own CSS and the wallet script (served from the package; nothing external)."""
    path = STATIC / name
    if "/" in name or not path.is_file():
        raise ServiceError("NotFound", f"no static file {name!r}")
    return FileResponse(path)
