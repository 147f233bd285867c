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
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

from eth_utils import is_address, to_checksum_address
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from hexbytes import HexBytes
from markupsafe import Markup, escape
from sqlalchemy import Connection
from web3.exceptions import TransactionNotFound

from backend.api.deps import ChainDep, EngineDep, SettingsDep
from backend.chain.errors import ServiceError
from backend.chain.policy import Figure, Switch
from backend.chain.text import REPLACEMENT
from backend.explorer import charts, i18n, sentences, urls
from backend.explorer import portal as company
from backend.services import council_ops, disclosure, duties, money, parties, policy_view

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(
    kg=i18n.kg, yuan=i18n.yuan, per_t=i18n.per_tonne, when=i18n.when, num=i18n.number,
    short=i18n.short, tonnes=i18n.tonnes, t=i18n.tonnes_text, day=i18n.day_of,
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
    kept = request.cookies.get(LANG_COOKIE)
    return asked if asked in i18n.LANGS else kept if kept in i18n.LANGS else "zh"


def _lang_of(request: Request, chain: Any = None) -> i18n.Lang:  # noqa: ANN401
    return i18n.Lang(_lang(request), chain.deployment.places if chain is not None else None)


def _here(request: Request) -> str:
    return str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")


def _respond(request: Request, template: str, context: dict[str, Any],
             status_code: int = 200) -> HTMLResponse:  # fmt: skip
    lang = context["L"]
    response = templates.TemplateResponse(
        request,
        template,
        {"title": lang("site"), "here": _here(request), "pollutants": {}, **context},
        status_code=status_code,
    )
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(LANG_COOKIE, lang.code, max_age=365 * 86400, samesite="lax")
    response.headers["Content-Language"] = "zh-CN" if lang.code == "zh" else "en"
    return response


def _render(request: Request, template: str, conn: Connection, chain: Any, settings: Any,  # noqa: ANN401
            *, status_code: int = 200, **context: Any) -> HTMLResponse:  # noqa: ANN401  # fmt: skip
    context = {
        "L": context.pop("L", None) or _lang_of(request, chain),
        "pollutants": disclosure.pollutants(conn),
        "index": disclosure.index_status(conn, chain.deployment.chain_id),
        "deployment": chain.deployment,
        **context,
    }
    return _respond(request, template, context, status_code)


def _speaker(
    conn: Connection,
    chain: Any,  # noqa: ANN401
    lang: i18n.Lang,
    *,
    events: list[dict] = (),
    addresses: set[str] = frozenset(),
) -> sentences.Speaker:
    """A sentence writer with the names of every address the events (and their proposed calls)
    and ``addresses`` name, looked up in one go."""
    found = sentences.addresses_in(events) | set(addresses)
    for e in events:
        if e["event"] == "ProposalCreated":
            a = e["args"]
            found |= sentences.call_addresses(
                chain.deployment, a.get("targets") or [], a.get("payloads") or []
            )
    return sentences.Speaker(
        lang,
        pollutants=disclosure.pollutants(conn),
        parties=parties.names(conn, chain.deployment, found),
        deployment=chain.deployment,
    )


def _told(conn: Connection, chain: Any, lang: i18n.Lang, rows: list[dict]) -> list[dict]:  # noqa: ANN401
    """Rows of events (``contract``, ``event``, ``args``) with their ``sentence``."""
    rows = sentences.enrich(conn, rows)
    speaker = _speaker(conn, chain, lang, events=rows)
    for r in rows:
        r["sentence"] = speaker.event(r["contract"], r["event"], r["args"])
    return rows


def error_page(request: Request, status: int, error: dict[str, Any]) -> HTMLResponse:
    """An error of a page route as a page in the page's language (the API answers JSON)."""
    chain = getattr(request.app.state, "chain", None)
    lang = _lang_of(request, chain)
    message = error.get("message_zh") if lang.code == "zh" else error.get("message")
    context = {"L": lang, "status": status, "code": error.get("code"),
               "message": message or error.get("message"), "error": error,
               "back": request.url.path if request.url.query else None}  # fmt: skip
    response = _respond(request, "error.html", context, status_code=status)
    for name in ("Retry-After",):
        if name in (error.get("headers") or {}):
            response.headers[name] = error["headers"][name]
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


@router.get("/policy", response_class=HTMLResponse)
def policy(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep) -> Response:
    """The city's policy in force (every switch and figure, with a change waiting for its time)
    and its history, each change with its transaction (docs/registry.md "Policy")."""
    lang = _lang_of(request, chain)
    with engine.connect() as conn:
        view = policy_view.policy(conn, disclosure.chain_now(conn), lang.code)
        return _render(request, "policy.html", conn, chain, settings, L=lang, **view)


@router.get("/council", response_class=HTMLResponse)
def council(
    request: Request,
    engine: EngineDep,
    chain: ChainDep,
    settings: SettingsDep,
    before: Before = None,
    after: After = None,
) -> Response:
    """The regulator council's proposals in words, from the event index: a high-impact action
    is public from its proposal on, with its approvals and the time it may take effect (R-36)."""
    lang = _lang_of(request, chain)
    with engine.connect() as conn:
        page = _council_page(conn, chain, before=before, after=after)
        rows = _in_words(conn, chain, lang, page.rows)
        return _render(request, "council.html", conn, chain, settings, L=lang, rows=rows,
                       page=page)  # fmt: skip


@router.get("/council/{pid}", response_class=HTMLResponse)
def proposal(
    request: Request,
    engine: EngineDep,
    chain: ChainDep,
    settings: SettingsDep,
    pid: Annotated[int, PathParam(ge=1, le=2**63 - 1, description="proposal id")],
) -> Response:
    """One proposal: its calls in words, who approved, its waiting period and state, and the
    transactions of each step."""
    lang = _lang_of(request, chain)
    with engine.connect() as conn:
        (row,) = _in_words(conn, chain, lang, [council_ops.proposal(conn, chain, pid)])
        return _render(request, "proposal.html", conn, chain, settings, L=lang, p=row)


def _council_page(conn: Connection, chain: Any, **paging: Any) -> disclosure.Page:  # noqa: ANN401
    if "RegulatorCouncil" not in chain.deployment.contracts:
        return disclosure.Page([])
    return council_ops.proposals(conn, chain, **paging)


def _open_proposals(conn: Connection, chain: Any, lang: i18n.Lang) -> list[dict]:  # noqa: ANN401
    """The proposals a member or the guardian may still act on: pending, waiting, ready."""
    if "RegulatorCouncil" not in chain.deployment.contracts:
        return []
    rows = [
        p
        for state in ("pending", "scheduled", "ready")
        for p in council_ops.proposals(conn, chain, state=state, limit=duties.LIMIT).rows
    ]
    return _in_words(conn, chain, lang, sorted(rows, key=lambda p: -p["id"]))


def _in_words(conn: Connection, chain: Any, lang: i18n.Lang, rows: list[dict]) -> list[dict]:  # noqa: ANN401
    """Proposals with each call as a sentence, the names of who proposed and approved, and the
    steps' transactions as sentences."""
    found = {a for p in rows for a in (p["proposer"], *p["approved_by"])}
    found |= sentences.addresses_in(
        [{"args": c.get("args") or {}} for p in rows for c in p["calls"]]
    )
    steps = [dict(s, contract="RegulatorCouncil") for p in rows for s in p.get("steps") or []]
    speaker = _speaker(conn, chain, lang, events=steps, addresses=found)
    for p in rows:
        for c in p["calls"]:  # decoded once, by the council's service
            c["sentence"] = (
                speaker.function(c["contract"], c["function"], list(c["args"].values()))
                if c.get("function") else speaker.call(c["target"], c["data"])
            )  # fmt: skip
        p["proposer_html"] = Markup(speaker.party(p["proposer"]))  # noqa: S704 - escaped inside
        p["approvers_html"] = [Markup(speaker.party(a)) for a in p["approved_by"]]  # noqa: S704
        p["transactions"] = [
            {**s, "sentence": speaker.event("RegulatorCouncil", s["event"], s["args"])}
            for s in p.get("steps") or []
        ]
    return rows


@router.get("/units", response_class=HTMLResponse)
def units(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
          q: Annotated[str | None, Query(max_length=128)] = None,
          district: Annotated[int | None, Query(ge=0, le=2**16 - 1)] = None,
          sector: Annotated[int | None, Query(ge=0, le=255)] = None,
          restricted: bool | None = None, before: Before = None,
          after: After = None) -> Response:  # fmt: skip
    """Registered units, paged, by name or credit code, district, sector, restrictions."""
    filters = {"q": q, "district": district, "sector": sector, "restricted": restricted}
    with engine.connect() as conn:
        page = disclosure.units(conn, before=before, after=after, **filters)
        searched = q and district is None and sector is None and restricted is None
        if searched and len(page.rows) == 1 and before is None and after is None:
            return Response(
                status_code=303, headers={"Location": urls.unit(page.rows[0]["holder"])}
            )
        lang = _lang_of(request, chain)
        return _render(request, "units.html", conn, chain, settings, L=lang, page=page,
                       filters=filters, options=_options(conn, lang))  # fmt: skip


@router.get("/units/{holder}", response_class=HTMLResponse)
def unit(request: Request, holder: str, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
         before: Before = None, after: After = None) -> Response:  # fmt: skip
    """A unit's page; any other address that appears gets its own page here too (never a 404
    behind a link)."""
    return _address_view(request, holder, engine, chain, settings, before, after)


@router.get("/address/{value}", response_class=HTMLResponse)
def address(request: Request, value: str, engine: EngineDep, chain: ChainDep,
            settings: SettingsDep, before: Before = None,
            after: After = None) -> Response:  # fmt: skip
    """Any address that appears: what it is (a unit, an authority by its roles, a bank, a contract
    of the deployment) and every event that names it, in sentences."""
    return _address_view(request, value, engine, chain, settings, before, after)


def _address_view(request: Request, value: str, engine: Any, chain: Any, settings: Any,  # noqa: ANN401
                  before: int | None, after: int | None) -> Response:  # fmt: skip
    address = _address(value)
    assert address is not None
    lang = _lang_of(request, chain)
    with engine.connect() as conn:
        party = parties.describe(conn, chain.deployment, address)
        history = disclosure.unit_history(conn, address, before=before, after=after)
        rows = _told(conn, chain, lang, history.rows)
        history = disclosure.Page(rows, history.before, history.after)
        if party.kind == "unit":
            found = disclosure.unit(conn, address, now=disclosure.chain_now(conn))
            return _render(request, "unit.html", conn, chain, settings, L=lang, unit=found,
                           party=party, history=history)  # fmt: skip
        if party.kind == "account" and not rows:
            raise ServiceError("AddressUnknown", f"{address} appears in no event of the register")
        contract = None
        if party.contract is not None:
            record = chain.deployment.contracts[party.contract]
            holders = parties.role_holders(conn, chain.deployment, party.contract)
            contract = {
                "name": party.contract,
                "block": record.block,
                "tx_hash": record.tx_hash,
                "holders": holders,
                "names": parties.names(conn, chain.deployment, [h.account for h in holders]),
            }
        return _render(request, "address.html", conn, chain, settings, L=lang, party=party,
                       contract=contract, history=history)  # fmt: skip


@router.get("/pledges", response_class=HTMLResponse)
def pledges(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
            before: Before = None, after: After = None) -> Response:  # fmt: skip
    with engine.connect() as conn:
        page = disclosure.pledges(conn, before=before, after=after)
        return _render(request, "pledges.html", conn, chain, settings, page=page)


@router.get("/tx/{tx_hash}", response_class=HTMLResponse)
def tx(request: Request, tx_hash: str, engine: EngineDep, chain: ChainDep,
       settings: SettingsDep) -> Response:  # fmt: skip
    """A transaction: its events in sentences (from the index), each verifiable on the node.

    A transaction the node has mined but the index has not read yet (the link shown right after
    an action, for the second or two the index takes) is *being recorded*: the page says so and
    reloads itself; one still waiting in the node's pool is *waiting to be mined*; one that failed
    says so. Only a hash the node does not know is a 404."""
    if not re.fullmatch(r"0x[0-9a-fA-F]{64}", tx_hash):
        raise ServiceError("RequestInvalid", f"tx_hash: not a transaction hash: {tx_hash[:80]!r}")
    tx_hash = tx_hash.lower()
    lang = _lang_of(request, chain)
    with engine.connect() as conn:
        events = disclosure.transaction(conn, tx_hash)
        if events:
            return _render(request, "tx.html", conn, chain, settings, L=lang, tx_hash=tx_hash,
                           events=_told(conn, chain, lang, events), state="indexed")  # fmt: skip
        index = disclosure.index_status(conn, chain.deployment.chain_id)
        state, receipt = _node_state(chain, tx_hash, index["block"])
        return _render(request, "tx.html", conn, chain, settings, L=lang, tx_hash=tx_hash,
                       events=[], state=state, receipt=receipt,
                       refresh=state in ("recording", "pending"))  # fmt: skip


def _node_state(chain: Any, tx_hash: str, indexed: int | None) -> tuple[str, dict | None]:  # noqa: ANN401
    """What the node knows of a transaction the index has no event of."""
    try:
        receipt = chain.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
    except TransactionNotFound:
        try:
            chain.w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            raise ServiceError("TransactionNotFound", f"{tx_hash} is unknown to the node") from None
        return "pending", None
    found = {"block_number": receipt["blockNumber"], "status": receipt["status"],
             "from": receipt["from"], "to": receipt["to"]}  # fmt: skip
    if receipt["status"] != 1:
        return "failed", found
    if indexed is None or indexed < receipt["blockNumber"]:
        return "recording", found
    return "no-events", found


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
        shown = company.view(conn, chain, company.account_of(account), lang.code)
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
def console(request: Request, engine: EngineDep, chain: ChainDep, settings: SettingsDep,
            account: str | None = None) -> Response:  # fmt: skip
    """The authority console: connect a wallet, then the work of each duty its key holds (roles
    read from the chain's index), each step signed in that wallet."""
    lang = _lang_of(request, chain)
    with engine.connect() as conn:
        party, duty_names, work, scope = None, [], {}, None
        if account:
            address = _address(account)
            assert address is not None
            party = parties.describe(conn, chain.deployment, address)
            duty_names, scope = party.duties, party.district
            work = _work(conn, chain, lang, party)
        return _render(request, "console.html", conn, chain, settings, L=lang, party=party,
                       duties=duty_names, work=work, scope=scope, now=disclosure.chain_now(conn),
                       options=_options(conn, lang),
                       contracts=list(chain.deployment.contracts))  # fmt: skip


@router.get("/console/functions")
def console_functions(chain: ChainDep) -> Response:
    """The state-changing functions of every contract, for the console's advanced form (read
    when it is opened, not with every page)."""
    return Response(_functions(chain), media_type="application/json")


def _work(conn: Connection, chain: Any, lang: i18n.Lang, party: parties.Party) -> dict:  # noqa: ANN401
    """The work lists of each duty the party holds (bounded queries on the index)."""
    held = set(party.duties)
    now = disclosure.chain_now(conn)
    work: dict[str, Any] = {}
    if "regulator" in held:
        work["decide"] = duties.to_decide(conn, district=party.district)
        work["surrenders"] = duties.surrenders(conn, now=now, district=party.district)
        work["surrender_batches"] = duties.batches(work["surrenders"])
    if "exchange" in held:
        work["listings"] = duties.open_listings(conn)
        work["lots"] = duties.open_lots(conn)
    if "prices" in held:
        work["benchmarks"] = disclosure.current_benchmarks(conn, now)
    if "treasury" in held:
        work["waive"] = duties.to_waive(conn)
        work["fees"] = disclosure.fee_totals(conn)
    if "bank" in held:
        work["pledges"] = duties.bank_pledges(conn, party.address)
    if "settlement" in held:  # redemptions waiting for the settlement bank
        redemptions = money.pending_redemptions(chain)
        names = disclosure.unit_names(conn, [r["holder"] for r in redemptions])
        for r in redemptions:
            r["holder_name"] = (names.get(r["holder"]) or {}).get("name")
        work["redemptions"] = redemptions
    if held & {"council", "guardian"}:
        work["proposals"] = _open_proposals(conn, chain, lang)
    return work


def _options(conn: Connection, lang: i18n.Lang) -> dict[str, list[tuple[Any, str]]]:
    """The choices of the console's forms, in words."""
    places = lang.places
    enum = i18n.ENUMS
    i = 0 if lang.code == "zh" else 1

    def of(kind: str, values: Iterable[int]) -> list[tuple[int, str]]:
        return [(v, enum[kind][v][i]) for v in values]

    pollutants = disclosure.pollutants(conn)
    districts = sorted(places.get("districts", {}), key=int)
    basins = sorted(places.get("basins", {}), key=int)
    periods = sorted(disclosure.periods(conn).items(), reverse=True)
    return {
        "pollutants": [(p["code"], lang.pollutant(pollutants, i)) for i, p in pollutants.items()],
        "districts": [(int(k), lang.region(int(k))) for k in districts],
        "citywide": [(0, lang("col.citywide"))],
        "basins": [(int(k), lang.basin(int(k))) for k in basins],
        "sectors": of("sector", range(1, 7)),
        "freezes": of("restriction", (2, 4, 8, 32)),  # one authority sets and lifts these
        "blacklist": of("restriction", (1, 16)),  # the blacklist proper: only the council
        "origins": of("origin", range(3)),
        "sources": of("source", (0, 3)),  # a reclaim's sources (GovernmentReserve.reclaim)
        "formats": of("lot_format", range(2)),
        "grants": [(key, _grant_label(lang, key)) for key in parties.GRANTABLE],
        # the city's policy (PolicyBook): the terms in years, the switches by the profile's names
        "policy_terms": [
            (f.name.lower(), enum["policy_figure"][int(f)][i])
            for f in (Figure.LEASE_MAX_TERM_SECONDS, Figure.PERMIT_VALIDITY_SECONDS)
        ],
        "policy_switches": [(s.name.lower(), enum["policy_switch"][int(s)][i]) for s in Switch],
        "periods": [
            (i, f"#{i} {i18n.when(p['start'])} – {i18n.when(p['end'])}") for i, p in periods
        ],
    }


_FUNCTIONS: dict[int, str] = {}


def _grant_label(lang: i18n.Lang, key: str) -> str:
    contract, role = key.split(".")
    return f"{lang.role_name(contract, role)} — {lang.contract(contract)}"


def _functions(chain: Any) -> str:  # noqa: ANN401
    """State-changing functions of every contract as JSON (the console's advanced form), built
    once per deployment record."""
    key = id(chain.deployment)
    if key not in _FUNCTIONS:
        _FUNCTIONS[key] = json.dumps({
            name: [
                {"name": f["name"], "inputs": f["inputs"]}
                for f in rec.abi
                if f.get("type") == "function"
                and f.get("stateMutability") in ("nonpayable", "payable")
            ]
            for name, rec in chain.deployment.contracts.items()
        })  # fmt: skip
    return _FUNCTIONS[key]


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


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The site's icon (browsers ask for it at this path)."""
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    """The explorer's own CSS and the wallet script (served from the package; nothing external)."""
    path = STATIC / name
    if "/" in name or not path.is_file():
        raise ServiceError("NotFound", f"no static file {name!r}")
    return FileResponse(path)
