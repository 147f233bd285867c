"""The HTTP transport to a node: one urllib3 connection pool, with requests' errors.

Every read and every transaction of the service is a JSON-RPC POST to a node, several per
signed order (docs/benchmarks.md). web3's ``HTTPProvider`` posts through a ``requests``
session, which builds a request object, merges the session's settings, runs its hooks and
adapters and wraps the answer, ≈ 0.25 ms of CPU a round trip more than posting the same bytes
through the urllib3 pool under it. :class:`PooledPost` posts through one urllib3
``HTTPConnectionPool`` per node (kept-alive connections shared by every thread; the pool is
thread safe), made once with the request's path, and is what :func:`node_provider` gives
web3's provider in place of its session manager.
Everything above it is web3's own: the JSON encoding, the retries of its
``exception_retry_configuration``, the batch requests.

What a caller sees when the node fails is what ``requests`` raised before, so every place that
tells a node that is down from one that refused (the API's 503, the failover, the indexer's
and the journal's retries) is unchanged: ``requests.ConnectionError`` when the node cannot be
reached or drops the connection, ``requests.ConnectTimeout`` / ``requests.ReadTimeout`` past
the timeout, ``requests.HTTPError`` for an HTTP error status (``tests/backend/test_transport.py``).

A node reached through an HTTP proxy or with ``.netrc`` credentials keeps ``requests``, which
reads both from the environment (:func:`node_session`). Certificates of an ``https`` node are
checked against ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` when set, else certifi's bundle,
as requests does.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import certifi
import requests
import urllib3
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry
from urllib3.util.url import parse_url
from web3.providers.rpc import HTTPProvider

# as requests' adapter: no retry of a request, but a kept-alive connection the node closed
# meanwhile is replaced before it is used (urllib3 checks it when taking it from the pool)
_NO_RETRY = Retry(total=0, read=False, redirect=False)
POOL_SIZE = 64  # connections kept per node: the request threads, the relayer, the indexer
_PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@lru_cache(maxsize=16)
def _timeout(timeout: float | tuple[float, float] | None) -> urllib3.Timeout | None:
    """requests' ``timeout`` (seconds, or ``(connect, read)``) as urllib3's, built once."""
    if isinstance(timeout, tuple):
        return urllib3.Timeout(connect=timeout[0], read=timeout[1])
    if timeout is not None:
        return urllib3.Timeout(connect=timeout, read=timeout)
    return None


def _ca_bundle() -> str | None:
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")


def _needs_requests() -> bool:
    """A proxy or ``.netrc`` in the environment: what requests reads there and urllib3 not."""
    proxies = any(name.lower() in _PROXIES for name in os.environ)
    netrc = bool(os.environ.get("NETRC")) or any(
        (Path.home() / name).exists() for name in (".netrc", "_netrc")
    )
    return proxies or netrc


def node_session() -> requests.Session:
    """The requests session to a node behind a proxy or with ``.netrc``. requests looks up
    proxies, CA bundles and ``.netrc`` in the environment on every request (milliseconds of
    CPU per round trip): the CA bundle is read once here."""
    session = requests.Session()
    bundle = _ca_bundle()
    if bundle:
        session.verify = bundle
    if not _needs_requests():
        session.trust_env = False
    return session


class PooledPost:
    """``make_post_request`` of web3's ``HTTPSessionManager``, through one urllib3 pool."""

    def __init__(self, *, maxsize: int = POOL_SIZE) -> None:
        self._maxsize = maxsize
        # each node's pool and request path, made once (urllib3's PoolManager parses the URL and
        # looks its pool up again on every request: ≈ 0.1 ms of CPU a round trip)
        self._nodes: dict[str, tuple[HTTPConnectionPool, str]] = {}
        self._lock = threading.Lock()

    def _node(self, endpoint_uri: str) -> tuple[HTTPConnectionPool, str]:
        found = self._nodes.get(endpoint_uri)
        if found is None:
            with self._lock:
                found = self._nodes.get(endpoint_uri)
                if found is None:
                    tls = (
                        {"cert_reqs": "CERT_REQUIRED", "ca_certs": _ca_bundle() or certifi.where()}
                        if endpoint_uri.lower().startswith("https:")
                        else {}
                    )
                    pool = urllib3.connection_from_url(
                        endpoint_uri, maxsize=self._maxsize, block=False, **tls
                    )
                    found = (pool, parse_url(endpoint_uri).request_uri)
                    self._nodes[endpoint_uri] = found
        return found

    def make_post_request(self, endpoint_uri: str, data: bytes | str, **kwargs: Any) -> bytes:  # noqa: ANN401
        """POST ``data`` to ``endpoint_uri``; the answer's body, or what requests raises."""
        pool, path = self._node(endpoint_uri)
        body = data.encode() if isinstance(data, str) else data
        try:
            response = pool.urlopen(
                "POST",
                path,
                body=body,
                headers=kwargs.get("headers"),
                timeout=_timeout(kwargs.get("timeout")),
                retries=_NO_RETRY,
                redirect=False,
                assert_same_host=False,
            )
        except MaxRetryError as exc:
            reason = exc.reason
            if isinstance(reason, ConnectTimeoutError):
                raise requests.ConnectTimeout(str(reason)) from exc
            if isinstance(reason, ReadTimeoutError):
                raise requests.ReadTimeout(str(reason)) from exc
            raise requests.ConnectionError(str(reason or exc)) from exc
        except ConnectTimeoutError as exc:
            raise requests.ConnectTimeout(str(exc)) from exc
        except ReadTimeoutError as exc:
            raise requests.ReadTimeout(str(exc)) from exc
        except HTTPError as exc:  # refused, reset, closed mid-answer, malformed answer
            raise requests.ConnectionError(str(exc)) from exc
        if response.status >= 400:
            reason = response.reason or ""
            raise requests.HTTPError(
                f"{response.status} {'Client' if response.status < 500 else 'Server'} Error: "
                f"{reason} for url: {endpoint_uri}"
            )
        return response.data


def node_provider(
    endpoint_uri: str,
    *,
    timeout: float,
    **kwargs: Any,  # noqa: ANN401 - as HTTPProvider's (e.g. exception_retry_configuration)
) -> HTTPProvider:
    """web3's ``HTTPProvider`` for one node, posting through a :class:`PooledPost` (through a
    requests session when the environment names a proxy or ``.netrc``: requests reads both)."""
    if _needs_requests():
        return HTTPProvider(
            endpoint_uri, request_kwargs={"timeout": timeout}, session=node_session(), **kwargs
        )
    provider = HTTPProvider(endpoint_uri, request_kwargs={"timeout": timeout}, **kwargs)
    provider._request_session_manager = PooledPost()  # type: ignore[assignment]
    return provider
