"""Bounded work for anonymous callers and safe pages (issue 25, findings 2, 7, 9, 10): body and
item limits, rate limits with 429 and Retry-After, no public list reading the chain per item,
every client mistake a named 4xx, security headers on every answer, API docs served locally."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from backend.api.guard import CSP, json_depth
from backend.main import create_app
from tests.backend.disclosure_city import index
from tests.backend.rpc_counter import RpcCounter


@pytest.fixture
def app_settings(settings):
    return settings.model_copy(update={"indexer_enabled": False})


@pytest.fixture
def client(app_settings):
    with TestClient(create_app(app_settings)) as c:
        yield c


def _error(response) -> dict:
    return response.json()["error"]


def test_json_depth_counts_brackets_outside_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[["}]}') == 3
    assert json_depth(b'"[{"') == 0
    assert json_depth(b"[" * 50 + b"]" * 50) == 50


def test_body_over_the_limit_is_413_before_it_is_read(client, app_settings):
    """Finding 7: a body over DRR_MAX_BODY_BYTES (1 MiB) is refused by name."""
    big = {"contract": "AccountRegistry", "function": "x", "args": ["1" * (2 << 20)]}
    response = client.post("/api/v1/public/calldata", json=big)
    assert response.status_code == 413
    assert _error(response)["code"] == "RequestTooLarge"
    assert _error(response)["args"] == {"max_bytes": app_settings.max_body_bytes}


def test_json_nested_100000_deep_is_422_not_500(client):
    """Finding 9: JSON nested 100 000 deep was a 500 (RecursionError); it is refused before
    anything parses it."""
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/api/v1/actions/pledge/prepare", content=body,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 422
    assert _error(response)["code"] == "RequestTooDeep"
    assert _error(response)["args"] == {"depth": 100_000, "max": 32}


def test_calldata_of_20000_tuples_refused_by_name(client, city):
    """Finding 7: 20 000 tuples took 15 s and returned 14 MB; a call is bounded by what one
    transaction can carry (2 000 values, 128 KiB)."""
    line = ["0x000000000000000000000000000000000000bEEF", "91500000MA5U00000W", "x", 1, 1, 1]
    args = [json.dumps([line] * 2_000)]
    body = {"contract": "AccountRegistry", "function": "registerAccountBatch", "args": args}
    response = client.post("/api/v1/public/calldata", json=body)
    assert response.status_code == 413
    error = _error(response)
    assert (error["code"], error["args"]) == ("CalldataTooLarge",
                                              {"items": 12_000, "max_items": 2_000})  # fmt: skip
    deep = {"contract": "AccountRegistry", "function": "registerAccountBatch",
            "args": ["[" * 5_000 + "]" * 5_000]}  # fmt: skip
    assert client.post("/api/v1/public/calldata", json=deep).status_code == 422
    small = {**body, "args": [json.dumps([line])]}
    assert client.post("/api/v1/public/calldata", json=small).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/download/trades.csv?pollutant=%C2%B2",  # "²": a digit to str.isdigit, not to int()
        "/download/trades.csv?pollutant=99999999999999999999999",  # beyond SQLite's INTEGER
        "/download/compliance.csv?period=-1",
        "/download/compliance.csv?period=99999999999999999999999",
        "/download/allocations.json?origin=3",
        "/download/allocations.json?origin=%C2%B2",
        "/download/trades.csv?mode=256",
    ],
)
def test_download_filters_are_parsed_with_bounds_422(client, city, path):
    """Finding 9: these were 500s (ValueError, OverflowError); each is a 422 naming the
    parameter: the JSON envelope for a program, the error page for a browser."""
    response = client.get(path)
    assert response.status_code == 422, response.text
    error = _error(response)
    assert error["code"] == "RequestInvalid"
    name = re.search(r"\?(\w+)=", path).group(1)
    assert error["problems"] == [{"field": f"query.{name}", "problem": error["problems"][0][
        "problem"]}]  # fmt: skip
    page = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert f"<code>query.{name}</code>" in page.text and "<code>RequestInvalid</code>" in page.text


def test_public_lists_read_no_chain_per_item_R36(settings, deployment, city, rpc_url):
    """Finding 2: GET /api/v1/accounts read the chain per account and pollutant (2.9 s; 40 at
    once froze the service) and /council per proposal; both are served from the index now: no
    round trip to the node at all, whatever the number of items."""
    index(deployment, settings.database_url)[0].dispose()
    with RpcCounter(rpc_url) as counter:
        proxied = settings.model_copy(update={"rpc_url": counter.url, "indexer_enabled": False})
        with TestClient(create_app(proxied)) as client:
            counter.take()
            for path in ("/api/v1/accounts", "/api/v1/accounts?limit=2",
                         "/api/v1/council/proposals", "/api/v1/public/units", "/council",
                         "/api/v1/public/pollutants"):  # fmt: skip
                response = client.get(path)
                assert response.status_code == 200, (path, response.text)
                assert counter.take() == [], path
            assert len(client.get("/api/v1/accounts").json()["rows"]) >= 7


def test_rate_limits_answer_429_with_retry_after(app_settings):
    """Findings 2 and 5: over its rate a client gets 429 RateLimited with Retry-After; another
    client is not affected; writes and reads have budgets of their own."""
    tight = app_settings.model_copy(
        update={
            "rate_limit_reads_burst": 3,
            "rate_limit_reads_per_second": 0.01,
            "rate_limit_writes_burst": 2,
            "rate_limit_writes_per_second": 0.01,
        }
    )
    app = create_app(tight)
    with TestClient(app) as a, TestClient(app, client=("10.1.2.3", 5000)) as b:
        for _ in range(3):
            assert a.get("/api/v1/public/pollutants").status_code == 200
        limited = a.get("/api/v1/public/pollutants")
        assert limited.status_code == 429
        assert _error(limited)["code"] == "RateLimited"
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.headers["Content-Security-Policy"] == CSP
        assert b.get("/api/v1/public/pollutants").status_code == 200
        body = {"contract": "AccountRegistry", "function": "accountCount", "args": []}
        assert [a.post("/api/v1/public/calldata", json=body).status_code for _ in range(3)] == [
            200, 200, 429]  # fmt: skip


def test_rate_limits_can_be_switched_off_for_bursts(app_settings):
    off = app_settings.model_copy(update={"rate_limit_enabled": False,
                                          "rate_limit_reads_burst": 1})  # fmt: skip
    with TestClient(create_app(off)) as client:
        assert {client.get("/api/v1/public/pollutants").status_code for _ in range(5)} == {200}


PAGES = ("/", "/trades", "/allocations", "/market", "/reserve", "/caps", "/compliance",
         "/blacklist", "/council", "/units", "/pledges", "/portal", "/console")  # fmt: skip


def test_security_headers_on_every_page_and_answer(client, city):
    """Finding 10: CSP without unsafe-inline, nosniff, frame-ancestors 'none' and
    X-Frame-Options (the console loaded in a cross-origin frame), Referrer-Policy — on pages,
    API answers, errors and static files alike."""
    for path in (*PAGES, "/api/v1/deployment", "/api/v1/nope", "/static/explorer.css"):
        headers = client.get(path).headers
        assert headers["Content-Security-Policy"] == CSP, path
        assert "frame-ancestors 'none'" in CSP and "unsafe-inline" not in CSP
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path


def test_explorer_pages_carry_no_inline_script_or_style(client, city):
    """Finding 10: the pages work under script-src 'self' / style-src 'self': no inline script
    (a JSON data block is not executed), no style attribute, no event-handler attribute."""
    for path in PAGES:
        html = client.get(path).text
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            assert "src=" in attrs or 'type="application/json"' in attrs, (path, attrs)
            assert "src=" not in attrs or not body.strip(), path
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path


def test_api_docs_served_locally_without_cdn(client):
    """Finding 10: /docs loaded Swagger UI from a public CDN (no SRI, nothing offline); the
    service serves Swagger UI and ReDoc itself, started from a static script."""
    for path, asset in (("/docs", "/static/vendor/swagger-ui-bundle.js"),
                        ("/redoc", "/static/vendor/redoc.standalone.js")):  # fmt: skip
        page = client.get(path)
        assert page.status_code == 200
        assert asset in page.text
        assert not re.search(r"https?://", page.text), path
        assert "<script>" not in page.text  # every script has a src
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 100_000
    assert "SwaggerUIBundle" in client.get("/static/docs.js").text
    assert client.get("/static/vendor/../../main.py").status_code == 404
    assert client.get("/static/vendor/nope.js").status_code == 404
