"""Public reads answered from memory: each public page and public API answer is built once per
block of the index, then served to every reader until the indexer moves (R-36).

Every public figure comes from the event index (backend/indexer/), which changes only when the
indexer moves its cursor. An answer is therefore kept under its request (path, query and, for a
page, the reader's language) and the cursor it was built at (block number and hash: a rewind
after a reorg is a new head too). The first request after the indexer moves drops every answer
of the older head and builds afresh; requests for the same answer that arrive while it is being
built wait for it instead of building it again. An answer is also rebuilt after
``max_age`` seconds while the index stands still, so figures that follow the clock (a benchmark
coming into force, a surrender deadline passing: ``disclosure.chain_now``) are at most that late.

Only the paths of :data:`CACHEABLE` are kept: the explorer's public pages and
``/api/v1/public/*`` and ``/api/v1/accounts``. Never kept: anything a signer prepares or submits,
a company's portal, the authority console, the council (read at the node's head), a
transaction's page (it follows the node until the index has it), the checks against the node
(``/api/v1/public/verify/…``, ``/api/v1/public/money``), and any answer other than 200.
Those carry ``Cache-Control: no-store``.

Each kept answer carries a strong ``ETag`` (a hash of its body) and ``Cache-Control: no-cache``
(a browser or proxy may keep it but asks again each time): a request whose ``If-None-Match``
names the current ETag gets ``304 Not Modified`` without a body. Pages also say
``Vary: Cookie`` (the language cookie chooses the page's language).

The store is bounded in entries and in bytes (least recently used first out), so the service's
memory stays flat under any mix of paths and queries. The middleware runs on the event loop:
the store is touched only there, between awaits, so it needs no lock.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from sqlalchemy import Engine, select

from backend.api.guard import ASGIApp, Message, Receive, Scope, Send, _header
from backend.indexer.store import cursors

log = logging.getLogger(__name__)

_PAGES = (
    r"/|/trades|/allocations|/market|/reserve|/caps|/compliance|/blacklist|/policy|/pledges"
    r"|/units|/units/[^/]+|/address/[^/]+"
)
CACHEABLE = re.compile(
    rf"^(?:/api/v1/public/(?!verify/|money$)[^/]+(?:/[^/]+){{0,2}}|/api/v1/accounts|{_PAGES})$"
)
API_CACHE_CONTROL = b"public, no-cache"
PAGE_CACHE_CONTROL = b"no-cache"
NOT_KEPT = b"no-store"
LANG_COOKIE = "lang"
# answers that pass through unchanged: the static files and the API's documentation pages set
# their own freshness
_OWN_FRESHNESS = ("/static/", "/docs", "/redoc", "/openapi.json")


@dataclass(frozen=True)
class Answer:
    """A kept 200 answer: its headers (with ETag and Cache-Control), body and when it was built."""

    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    etag: bytes
    built: float

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


class AnswerStore:
    """Answers of one index head, bounded in count and bytes (least recently used out first)."""

    def __init__(self, *, max_entries: int, max_bytes: int, max_age: float,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_age = max_age
        self.clock = clock
        self.head: Hashable = None
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def at(self, head: Hashable) -> None:
        """The index is at ``head``: answers built at another head are dropped."""
        if head != self.head:
            self._answers.clear()
            self.bytes = 0
            self.head = head

    def get(self, key: Hashable) -> Answer | None:
        answer = self._answers.get(key)
        if answer is not None and self.clock() - answer.built > self.max_age:
            self._drop(key)
            answer = None
        if answer is not None:
            self._answers.move_to_end(key)
        return answer

    def put(self, head: Hashable, key: Hashable, answer: Answer) -> bool:
        """Keep ``answer``, built at ``head`` (False when the index has moved on since, or when
        it alone is over an eighth of the byte bound)."""
        if head != self.head or answer.size > self.max_bytes // 8:
            return False
        if key in self._answers:
            self._drop(key)
        self._answers[key] = answer
        self.bytes += answer.size
        while len(self._answers) > self.max_entries or self.bytes > self.max_bytes:
            self._drop(next(iter(self._answers)))
        return True

    def _drop(self, key: Hashable) -> None:
        self.bytes -= self._answers.pop(key).size


class IndexHead:
    """The index's cursor (block number and hash), read from the database on each request through
    an engine of its own, used only on the event loop (never waiting behind the routes' pool)."""

    def __init__(self, engine: Engine, chain_id: int) -> None:
        self.engine = engine
        self._query = select(cursors.c.block_number, cursors.c.block_hash).where(
            cursors.c.chain_id == chain_id
        )

    def read(self) -> tuple[int, str | None] | None:
        with self.engine.connect() as conn:
            row = conn.execute(self._query).first()
        return (row[0], row[1]) if row is not None else None

    def close(self) -> None:
        self.engine.dispose()


class CachedReads:
    """ASGI middleware: answer the public reads from an :class:`AnswerStore`.

    ``head`` gives the :class:`IndexHead` of the running service (None before its lifespan has
    opened the database: every request then passes through); ``languages``: the pages'
    languages, the first the default (``backend.explorer.i18n.LANGS``).
    """

    def __init__(self, app: ASGIApp, *, store: AnswerStore,
                 head: Callable[[Scope], IndexHead | None],
                 languages: tuple[str, ...]) -> None:  # fmt: skip
        self.app = app
        self.store = store
        self.head = head
        self.languages = languages
        self._building: dict[Hashable, asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        source = self.head(scope) if scope["method"] == "GET" else None
        if source is None or not CACHEABLE.match(path):
            await self.app(scope, receive, _not_kept(send, path))
            return
        try:
            head = source.read()
        except Exception as exc:  # the index cannot be read: the route answers as it can
            log.warning("answers not kept: cannot read the index's head (%s)", exc)
            await self.app(scope, receive, _not_kept(send, path))
            return
        self.store.at(head)
        key = self._key(scope)
        answer = self.store.get(key)
        if answer is None and key in self._building:
            await self._building[key].wait()  # the same answer is being built: use it
            answer = self.store.get(key)
        if answer is not None:
            self.store.hits += 1
            await _reply(scope, send, answer)
            return
        self.store.misses += 1
        keeper = _Keeper(self.store, head, key, scope, send)
        if key in self._building:  # that build was no 200: answer this request on its own
            await self.app(scope, receive, keeper.send)
            return
        done = self._building[key] = asyncio.Event()
        try:
            await self.app(scope, receive, keeper.send)
        finally:
            del self._building[key]
            done.set()

    def _key(self, scope: Scope) -> Hashable:
        path = scope["path"]
        query = scope.get("query_string", b"")
        if path.startswith("/api/"):
            return path, query
        return path, query, self._language(query, _header(scope, b"cookie"))

    def _language(self, query: bytes, cookie: str | None) -> str:
        """The page's language as the pages choose it (backend/explorer/pages.py ``_lang``):
        the query's ``lang``, else the language cookie, else the default."""
        asked = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True)).get(LANG_COOKIE)
        if asked in self.languages:  # the last ``lang`` of the query, as Starlette reads it
            return asked
        for part in (cookie or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == LANG_COOKIE and value in self.languages:
                return value
        return self.languages[0]


def _etag_matches(scope: Scope, etag: bytes) -> bool:
    asked = _header(scope, b"if-none-match")
    if asked is None:
        return False
    tags = {t.strip().removeprefix("W/") for t in asked.split(",")}
    return "*" in tags or etag.decode() in tags


_VALIDATORS = (b"etag", b"cache-control", b"vary", b"content-language")


async def _reply(scope: Scope, send: Send, answer: Answer) -> None:
    if _etag_matches(scope, answer.etag):
        headers = [(k, v) for k, v in answer.headers if k in _VALIDATORS]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": list(answer.headers)})
    await send({"type": "http.response.body", "body": answer.body})


def _not_kept(send: Send, path: str) -> Send:
    """Mark an answer that is never kept ``no-store`` (unless it sets its own freshness)."""
    if path.startswith(_OWN_FRESHNESS):
        return send

    async def marked(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or [])
            if not any(k.lower() == b"cache-control" for k, _ in headers):
                message["headers"] = [*headers, (b"cache-control", NOT_KEPT)]
        await send(message)

    return marked


class _Keeper:
    """Collect a 200 answer, keep it with its ETag, then send it (or a 304); pass others on."""

    def __init__(self, store: AnswerStore, head: Hashable, key: Hashable, scope: Scope,
                 send: Send) -> None:  # fmt: skip
        self.store = store
        self.head = head
        self.key = key
        self.scope = scope
        self.downstream = send
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.passing = False

    async def send(self, message: Message) -> None:
        if self.passing or message["type"] not in ("http.response.start", "http.response.body"):
            await self.downstream(message)  # e.g. a template's debug message under test
            return
        if message["type"] == "http.response.start":
            if message["status"] != 200:
                self.passing = True
                await _not_kept(self.downstream, "")(message)
                return
            self.start = message
            return
        self.chunks.append(message.get("body", b""))
        self.size += len(self.chunks[-1])
        more = message.get("more_body", False)
        if more and self.size <= self.store.max_bytes // 8:
            return
        if more:  # too large to keep: send what came and pass the rest on
            self.passing = True
            await _not_kept(self.downstream, "")(self.start)
            await self.downstream({"type": "http.response.body", "body": b"".join(self.chunks),
                                   "more_body": True})  # fmt: skip
            return
        await self._finish()

    async def _finish(self) -> None:
        assert self.start is not None
        body = b"".join(self.chunks)
        etag = b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
        page = not self.scope["path"].startswith("/api/")
        headers = [(k, v) for k, v in self.start.get("headers") or ()
                   if k.lower() not in (b"etag", b"cache-control")]  # fmt: skip
        freshness = PAGE_CACHE_CONTROL if page else API_CACHE_CONTROL
        headers += [(b"etag", etag), (b"cache-control", freshness)]
        if page:
            headers.append((b"vary", b"Cookie"))
        answer = Answer(tuple(headers), body, etag, self.store.clock())
        self.store.put(self.head, self.key, answer)
        await _reply(self.scope, self.downstream, answer)
