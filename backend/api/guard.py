"""What every request passes before a route sees it: bounded bodies, bounded JSON, rate limits,
and the security headers of every answer (docs/security.md, "The service under attack").

Three pure ASGI middlewares, cheap enough to sit in front of everything:

- :class:`BodyLimit` refuses a body over its path's limit (``413 RequestTooLarge``, from the
  ``Content-Length`` or while it streams in) and a JSON body nested deeper than
  :data:`MAX_JSON_DEPTH` (``422 RequestTooDeep``) before anything parses it;
- :class:`RateLimit` answers ``429 RateLimited`` with ``Retry-After`` when a client (its IP
  address) goes over its rate of reads, writes or monitoring uploads, or has too many requests
  in progress at once; signers are limited by the routes themselves (:class:`Limiter`);
- :class:`SecurityHeaders` adds the Content-Security-Policy (no inline script or style on
  the explorer's pages), ``X-Content-Type-Options``, ``X-Frame-Options`` / ``frame-ancestors``
  and ``Referrer-Policy`` to every answer.

Every limit is a setting (``backend/core/config.py``, prefix ``DRR_``); the rate limits can be
switched off (``DRR_RATE_LIMIT_ENABLED=false``) for a load test that needs bursts.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from backend.chain.errors import ServiceError
from backend.core.jsontext import json_depth

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_JSON_DEPTH = 32  # the deepest body of the API nests 5 levels (a council call's body)
UPLOAD_PATHS = ("/api/v1/oracle/ingest",)


async def _answer(send: Send, error: ServiceError, headers: dict[str, str] | None = None) -> None:
    """Send the error envelope (docs/api.md) as the whole response."""
    from backend.api.errors import error_body  # the table imports this module's names

    status, body = error_body(error)
    payload = json.dumps(body, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


# -- bodies -----------------------------------------------------------------------------------


class BodyLimit:
    """Refuse bodies over the path's size limit and JSON nested beyond ``max_depth``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_bytes: int,
                 max_depth: int = MAX_JSON_DEPTH) -> None:  # fmt: skip
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.upload_bytes if scope["path"] in UPLOAD_PATHS else self.max_bytes
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _answer(send, _too_large(limit, length))
            return
        kind = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        is_json = kind == "application/json" or kind.endswith("+json")
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:  # read (and count) the body before the route starts
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _answer(send, _too_large(limit, f"more than {limit}"))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        # no deeper than the brackets it opens: only a body with more than the limit is walked
        if is_json and body and body.count(b"[") + body.count(b"{") > self.max_depth:
            depth = json_depth(body)
            if depth > self.max_depth:
                await _answer(
                    send,
                    ServiceError(
                        "RequestTooDeep",
                        f"the JSON body nests {depth} levels; at most {self.max_depth}",
                        args={"depth": depth, "max": self.max_depth},
                    ),
                )
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _too_large(limit: int, given: str) -> ServiceError:
    return ServiceError(
        "RequestTooLarge",
        f"the body has {given} bytes; this endpoint takes at most {limit}",
        args={"max_bytes": limit},
    )


# -- rates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """``per_second`` sustained, ``burst`` at once (a token bucket)."""

    per_second: float
    burst: float


class Limiter:
    """Token buckets by key (a client's address, a signer …), in this process.

    :meth:`take` answers 0 when a request may go ahead, else the seconds to wait. At most
    ``max_keys`` buckets are kept (the least recently used go first: a forgotten bucket is a
    full one, so forgetting never limits anyone harder).
    """

    def __init__(self, rate: Rate, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.rate = rate
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()  # routes run in a thread pool

    def take(self, key: str, cost: float = 1.0) -> float:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.rate.burst, now))
            tokens = min(self.rate.burst, tokens + (now - last) * self.rate.per_second)
            wait = 0.0
            if tokens >= cost:
                tokens -= cost
            else:
                wait = (cost - tokens) / self.rate.per_second if self.rate.per_second else 3600
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        return wait

    def admit(self, key: str, what: str) -> None:
        """Raise ``429 RateLimited`` (with the seconds to wait) if ``key`` is over its rate."""
        wait = self.take(key)
        if wait > 0:
            raise rate_limited(what, wait, self.rate)


def rate_limited(what: str, wait: float, rate: Rate) -> ServiceError:
    seconds = max(1, math.ceil(wait))
    return ServiceError(
        "RateLimited",
        f"{what}: over {rate.per_second:g} requests/s (burst {rate.burst:g}); retry in {seconds} s",
        args={"retry_after": seconds, "per_second": rate.per_second, "burst": rate.burst},
        retry_after=seconds,
    )


@dataclass(frozen=True)
class ClientRates:
    """What one client (IP address) may do."""

    reads: Rate
    writes: Rate
    uploads: Rate
    concurrent: int


class RateLimit:
    """Per-client rates by kind of request, and a bound on its requests in progress."""

    def __init__(self, app: ASGIApp, *, rates: ClientRates) -> None:
        self.app = app
        self.rates = rates
        self.reads = Limiter(rates.reads)
        self.writes = Limiter(rates.writes)
        self.uploads = Limiter(rates.uploads)
        self._running: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        if scope["path"] in UPLOAD_PATHS:
            limiter, what = self.uploads, "monitoring uploads"
        elif scope["method"] in ("GET", "HEAD", "OPTIONS"):
            limiter, what = self.reads, "reads"
        else:
            limiter, what = self.writes, "writes"
        wait = limiter.take(client)
        if wait > 0:
            error = rate_limited(f"{what} of client {client}", wait, limiter.rate)
            await _answer(send, error, {"Retry-After": str(error.extra["retry_after"])})
            return
        running = self._running.get(client, 0)
        if running >= self.rates.concurrent:
            error = ServiceError(
                "RateLimited",
                f"client {client} has {running} requests in progress; at most "
                f"{self.rates.concurrent}",
                args={"retry_after": 1, "concurrent": self.rates.concurrent},
                retry_after=1,
            )
            await _answer(send, error, {"Retry-After": "1"})
            return
        self._running[client] = running + 1
        try:
            await self.app(scope, receive, send)
        finally:
            left = self._running[client] - 1
            if left:
                self._running[client] = left
            else:
                del self._running[client]


# -- headers ----------------------------------------------------------------------------------

# The explorer's pages load their script and style from /static only (no inline script, no
# style attribute); data for a script travels in data-* attributes or a JSON script element.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc write <style> elements at run time, and ReDoc runs its search in a worker
# made from a blob: the two documentation pages (and only they) allow inline styles and blob
# workers; scripts stay 'self' only. ReDoc's sidebar links its vendor's logo from a CDN: the
# policy blocks it (img-src), so nothing is fetched from another origin.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace(
    "img-src 'self' data:", "img-src 'self' data: blob:; worker-src 'self' blob:"
)
DOCS_PATHS = ("/docs", "/redoc")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class SecurityHeaders:
    """Add the security headers to every answer (a route's own header of the same name wins)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._fixed = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = (DOCS_CSP if scope["path"] in DOCS_PATHS else CSP).encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                extra = [(k, v) for k, v in self._fixed if k not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", csp))
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, with_headers)
