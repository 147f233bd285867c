"""Chain events and council calls as sentences a person reads, in Chinese and English (R-36).

One renderer for every page that shows what happened: a unit's history, a transaction's events,
an address's acts and the council's proposals. Each event name has a sentence per language;
its placeholders name the event's arguments and how to write them::

    "{by:party}核定第 {id} 号申报[（{_applicant:party}，{_pollutant:pollutant}）]：{approvedKg:kg}"

``party`` writes an address as the name of what it is (unit, authority, contract), linked to its
page; ``kg`` in t from one tonne up; ``yuan`` money from fen; ``time`` in Beijing time; … (see
:data:`KINDS`). A part in ``[…]`` is left out when a value in it is missing, empty or zero.
A sentence may depend on an argument (``Variants``: a restriction set or lifted). Arguments
starting with ``_`` are added from the index (an application's applicant for an approval that
names only its id, :func:`enrich`). Every event of the deployment has a sentence
(``tests/backend/test_sentences.py`` checks the ABIs); an unknown one is written generically.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

from eth_utils import keccak
from markupsafe import Markup
from sqlalchemy import Connection, select

from backend.chain.abi import abi_type
from backend.chain.calls import decode_call
from backend.explorer import i18n, urls
from backend.explorer.wording import CALLS, EVENTS, ZERO, Variants
from backend.indexer.projections import tables as t
from backend.services.parties import Party, role_names


def _fmt_id(value: Any) -> str:  # noqa: ANN401
    return f"{int(value):,}" if isinstance(value, int) else str(value)


class Speaker:
    """Writes events and calls of one page in one language (names looked up beforehand)."""

    def __init__(
        self,
        lang: i18n.Lang,
        *,
        pollutants: Mapping[int, Mapping[str, Any]],
        parties: Mapping[str, Party],
        deployment: Any = None,  # noqa: ANN401 - backend.chain.deployment.Deployment
    ) -> None:
        self.lang = lang
        self.i = 0 if lang.code == "zh" else 1
        self.pollutants = pollutants
        self.parties = parties
        self.deployment = deployment
        self._roles = role_names(deployment) if deployment else {}

    # -- public -------------------------------------------------------------------------------

    def event(self, contract: str, event: str, args: Mapping[str, Any]) -> Markup:
        """One event as a sentence (generic when the event has none)."""
        sentence = EVENTS.get(event)
        values = {"_contract": contract, **args}
        if sentence is None:
            return self._generic(f"{contract}.{event}", values)
        try:
            pair = sentence.pick(values) if isinstance(sentence, Variants) else sentence
        except KeyError:
            return self._generic(f"{contract}.{event}", values)
        return self._render(pair[self.i], values)

    def call(self, target: str, data: str | bytes) -> Markup:
        """A call a proposal or the time lock makes, decoded with the deployment's ABIs."""
        decoded = decode_call(self.deployment, target, data) if self.deployment else None
        contract = decoded.contract if decoded else None
        function, values = (decoded.function, decoded.values) if decoded else (None, [])
        if contract is None:
            unknown = escape(self.lang("sentence.unknown_call"))
            return Markup(f"{unknown} <code>{escape(str(target))}</code>")  # noqa: S704
        if function is None:
            label = escape(self.contract_label(contract))
            return Markup(f"{label}: <code>{escape(_hex(data)[:10])}</code>")  # noqa: S704
        return self.function(contract, function, values)

    def function(self, contract: str, function: str, values: list[Any]) -> Markup:
        """A contract function with its arguments (by position) as a sentence."""
        known = CALLS.get(f"{contract}.{function}") or CALLS.get(function)
        if known is None:
            args = {f"arg{i}": v for i, v in enumerate(values)}
            return self._generic(f"{contract}.{function}", {"_contract": contract, **args})
        names, sentence = known
        args = {"_contract": contract, **dict(zip(names, values, strict=False))}
        pair = sentence.pick(args) if isinstance(sentence, Variants) else sentence
        return self._render(pair[self.i], args)

    def contract_label(self, name: str) -> str:
        from backend.services.parties import CONTRACTS

        return CONTRACTS.get(name, (name, name))[self.i]

    # -- rendering ----------------------------------------------------------------------------

    def _render(self, template: str, args: Mapping[str, Any]) -> Markup:
        out = []
        for optional, part in _segments(template):
            fields = [f for _, f, _, _ in string.Formatter().parse(part) if f]
            if optional and any(_absent(args.get(f)) for f in fields):
                continue
            for literal, name, spec, _ in string.Formatter().parse(part):
                out.append(escape(literal))
                if name is not None:
                    out.append(self._value(spec or "", name, args))
        if self.i == 0:
            out = _spaced(out)
        return Markup("".join(out))  # noqa: S704 - literals and values are escaped

    def _generic(self, title: str, args: Mapping[str, Any]) -> Markup:
        shown = [
            f"{escape(k)} {self._value(_guess(k, v), k, args)}"
            for k, v in args.items()
            if not k.startswith("_")
        ]
        return Markup(f"<code>{escape(title)}</code> " + "，".join(shown) if self.i == 0 else  # noqa: S704
                      f"<code>{escape(title)}</code> " + ", ".join(shown))  # fmt: skip

    def _value(self, kind: str, name: str, args: Mapping[str, Any]) -> str:
        value = args.get(name)
        if value is None:
            return "—"
        writer = KINDS.get(kind or _guess(name, value))
        if writer is None:
            return escape(str(value))
        return writer(self, value, args)

    # -- the kinds of value -------------------------------------------------------------------

    def party(self, value: Any, _args: Mapping[str, Any] | None = None) -> str:  # noqa: ANN401
        address = str(value)
        found = self.parties.get(address)
        if found is not None:
            href = urls.unit(address) if found.kind == "unit" else urls.address(address)
            return (
                f'<a class="party" href="{escape(href)}">{escape(found.name(self.lang.code))}</a>'
            )
        if address == ZERO:
            return escape(self.lang("sentence.nobody"))
        return (
            f'<a class="party" href="{escape(urls.address(address))}">'
            f"<code>{escape(i18n.short(address))}</code></a>"
        )

    def area(self, value: Any, args: Mapping[str, Any]) -> str:  # noqa: ANN401
        return self.place("basins" if args.get("isBasin") else "districts", int(value))

    def place(self, kind: str, value: int) -> str:
        return escape(self.lang.region(value) if kind == "districts" else self.lang.basin(value))

    def role(self, value: Any, args: Mapping[str, Any]) -> str:  # noqa: ANN401
        from backend.services.parties import ROLES

        contract = args.get("_contract", "")
        name = self._roles.get((contract, str(value).lower()))
        if name is None:
            return f"<code>{escape(i18n.short(str(value)))}</code>"
        pair = ROLES.get(f"{contract}.{name}") or ROLES.get(name)
        return escape(pair[self.i] if pair else name)

    def selector(self, value: Any, _args: Mapping[str, Any]) -> str:  # noqa: ANN401
        wanted = str(value).lower()
        for contract, record in self.deployment.contracts.items() if self.deployment else ():
            for item in record.abi:
                if item.get("type") != "function":
                    continue
                types = ",".join(abi_type(i) for i in item["inputs"])
                if "0x" + keccak(text=f"{item['name']}({types})")[:4].hex() == wanted:
                    label = escape(self.contract_label(contract))
                    return f"{label} · <code>{escape(item['name'])}</code>"
        return f"<code>{escape(wanted)}</code>"

    def calls(self, _value: Any, args: Mapping[str, Any]) -> str:  # noqa: ANN401
        items = "".join(
            f"<li>{self.call(target, data)}</li>"
            for target, data in zip(
                args.get("targets") or [], args.get("payloads") or [], strict=False
            )
        )
        return f'<ol class="calls">{items}</ol>'

    def call_of(self, value: Any, args: Mapping[str, Any]) -> str:  # noqa: ANN401
        return str(self.call(value, args.get("data") or "0x"))

    def terms(self, value: Any, _args: Mapping[str, Any]) -> str:  # noqa: ANN401
        terms = value if isinstance(value, Mapping) else dict(zip(
            ("format", "reserveFen", "depositFen", "stepFen", "biddingEnds", "revealEnds"),
            value, strict=False))  # fmt: skip
        sealed = int(terms.get("format", 0)) == 1
        zh = ("{format:lot_format}，起拍价{reserveFen:yuan}，保证金{depositFen:yuan}，"
              + ("报价截止{biddingEnds:time}，揭示截止{revealEnds:time}" if sealed
                 else "加价幅度{stepFen:yuan}，截止{biddingEnds:time}"))  # fmt: skip
        en = ("{format:lot_format}, reserve {reserveFen:yuan}, deposit {depositFen:yuan}, "
              + ("bids until {biddingEnds:time}, reveals until {revealEnds:time}" if sealed
                 else "raises of {stepFen:yuan}, until {biddingEnds:time}"))  # fmt: skip
        return str(self._render((zh, en)[self.i], terms))


def _enum(kind: str) -> Callable[[Speaker, Any, Mapping[str, Any]], str]:
    return lambda s, v, _a: escape(s.lang.enum(kind, int(v)))


def _duration(s: Speaker, value: Any, _a: Mapping[str, Any]) -> str:  # noqa: ANN401
    seconds = int(value)
    for unit, size in (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return escape(s.lang.duration(seconds // size, unit))
    return escape(s.lang.duration(seconds, "second"))


def _date(_s: Speaker, value: Any, _a: Mapping[str, Any]) -> str:  # noqa: ANN401
    if not value:
        return "—"
    try:
        return datetime.fromtimestamp(int(value), UTC).astimezone(i18n.CHINA).strftime("%Y-%m-%d")
    except (ValueError, OverflowError, OSError):  # a time a caller chose beyond the calendar
        return escape(f"{int(value):,} s")


KINDS: dict[str, Callable[[Speaker, Any, Mapping[str, Any]], str]] = {
    "party": lambda s, v, a: s.party(v, a),
    "parties": lambda s, v, a: ("、" if s.i == 0 else ", ").join(s.party(x) for x in v),
    "contract": lambda s, v, _a: escape(s.contract_label(str(v))),
    "kg": lambda _s, v, _a: escape(i18n.kg(int(v))),
    "yuan": lambda _s, v, _a: escape(i18n.yuan(int(v))),
    "per_t": lambda _s, v, _a: escape(f"{i18n.per_tonne(int(v))} 元/t"),
    "time": lambda _s, v, _a: escape(i18n.when(int(v))),
    "date": _date,
    "duration": _duration,
    "n": lambda _s, v, _a: escape(_fmt_id(v)),
    "text": lambda _s, v, _a: escape(str(v)) if v != "" else "—",
    "code": lambda _s, v, _a: f"<code>{escape(str(v))}</code>",
    "hash": lambda _s, v, _a: f'<code title="{escape(str(v))}">{escape(i18n.short(str(v)))}</code>',
    "pollutant": lambda s, v, _a: escape(s.lang.pollutant(s.pollutants, int(v))),
    "district": lambda s, v, _a: s.place("districts", int(v)),
    "basin": lambda s, v, _a: s.place("basins", int(v)),
    "area": lambda s, v, a: s.area(v, a),
    "role": lambda s, v, a: s.role(v, a),
    "selector": lambda s, v, a: s.selector(v, a),
    "calls": lambda s, v, a: s.calls(v, a),
    "call": lambda s, v, a: s.call_of(v, a),
    "terms": lambda s, v, a: s.terms(v, a),
    **{
        k: _enum(k)
        for k in (
            "origin",
            "sector",
            "mode",
            "restriction",
            "source",
            "use",
            "app_kind",
            "lot_kind",
            "lot_format",
            "lot_status",
            "listing_status",
            "class",
            "reason",
            "market_reason",
            "policy_figure",
            "policy_switch",
        )
    },
}


def _guess(name: str, value: Any) -> str:  # noqa: ANN401
    """How to write an argument a sentence does not name a kind for (generic sentences)."""
    if isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
        return "party"
    if name == "pollutant":
        return "pollutant"
    if isinstance(value, int) and not isinstance(value, bool):
        if name.lower().endswith("kg"):
            return "kg"
        if name.lower().endswith("fen"):
            return "yuan"
        return "n"
    if isinstance(value, str) and value.startswith("0x") and len(value) > 20:
        return "hash"
    return ""


_TAG = re.compile(r"<[^>]*>")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[0-9A-Za-z]")


def _spaced(parts: list[str]) -> list[str]:
    """Chinese text with a space between Han characters and figures or Latin words next to
    them (``出租 5 t 化学需氧量``), as Chinese typesetting does; tags are not text."""
    out: list[str] = []
    last = ""
    for part in parts:
        text = _TAG.sub("", part)
        if not text:
            out.append(part)
            continue
        first = text[0]
        if last and ((_CJK.match(last) and _LATIN.match(first))
                     or (_LATIN.match(last) and _CJK.match(first))):  # fmt: skip
            out.append(" ")
        out.append(part)
        last = text[-1]
    return out


def _segments(template: str) -> Iterable[tuple[bool, str]]:
    """The template's parts: (optional, text) with ``[…]`` parts optional."""
    for i, part in enumerate(re.split(r"\[|\]", template)):
        if part:
            yield i % 2 == 1, part


def _absent(value: Any) -> bool:  # noqa: ANN401
    return value is None or value == "" or value == 0 or value is False or value == ZERO


def _hex(data: str | bytes) -> str:
    return data if isinstance(data, str) else "0x" + bytes(data).hex()


def call_addresses(deployment: Any, targets: Iterable[str], payloads: Iterable[Any]) -> set[str]:  # noqa: ANN401
    """Every address named in the arguments of the calls (to look up their names)."""
    found: set[str] = set()
    for target, data in zip(targets, payloads, strict=False):
        found |= addresses_in([{"args": {"values": decode_call(deployment, target, data).values}}])
    return found


# -- what the index adds to events that name only an id --------------------------------------

ENRICH = {
    "application": (t.applications, ("applicant", "pollutant"),
                    ("ApplicationApproved", "ApplicationRejected", "ApplicationWithdrawn",
                     "FeeWaived")),
    "listing": (t.listings, ("seller", "pollutant", "kg"), ("ListingTaken",)),
    "pledge": (t.pledges, ("holder", "pollutant", "kg"),
               ("PledgeReleased", "PledgeEnforcementStarted")),
}  # fmt: skip


def enrich(conn: Connection, events: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Events (``event`` and ``args``) with ``_applicant``, ``_seller``, ``_holder``, … added
    from the index where the event names only an id (one query per kind of id)."""
    out = [dict(e, args=dict(e["args"])) for e in events]
    for table, columns, names in ENRICH.values():
        ids = {int(e["args"]["id"]) for e in out if e["event"] in names and "id" in e["args"]}
        if not ids:
            continue
        rows = {
            r["id"]: r
            for r in conn.execute(
                select(table.c.id, *(table.c[c] for c in columns)).where(table.c.id.in_(ids))
            ).mappings()
        }
        for e in out:
            row = rows.get(int(e["args"].get("id", -1))) if e["event"] in names else None
            if row is not None:
                e["args"].update({f"_{c}": row[c] for c in columns})
    return out


def addresses_in(events: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every address an event's arguments name (to look their names up in one go)."""
    found: set[str] = set()

    def walk(value: Any) -> None:  # noqa: ANN401
        if isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
            found.add(value)
        elif isinstance(value, Mapping):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    for e in events:
        walk(e["args"])
    return found
