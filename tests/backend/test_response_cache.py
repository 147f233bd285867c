"""Public reads answered from memory (backend/api/cache.py, R-36): a kept answer is the answer
the route builds, it changes once the indexer has read a new trade, a reader that holds it gets
304, nothing a signer or an authority reads is kept, and the store stays within its bounds."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from backend.api.cache import Answer, AnswerStore
from backend.chain.domain import TradeMode
from backend.core.config import Settings
from backend.main import create_app
from tests.backend.disclosure_city import index

PUBLIC_READS = (
    "/api/v1/public/trades?limit=5",
    "/api/v1/public/units?limit=3",
    "/api/v1/accounts?limit=4",
    "/api/v1/public/pledges",
    "/trades?lang=en",
    "/pledges",
    "/caps",
)


def _settings(deployment, rpc_url, folder, **extra) -> Settings:
    """Answers kept for an hour while the index stands still: only the indexer's moves (and the
    bounds) drop them here, however slowly the test runs; expiry: the store's own test."""
    deployment_file = folder / "deployment.json"
    deployment.save(deployment_file)
    return Settings(rpc_url=rpc_url, deployment_file=deployment_file,
                    database_url=f"sqlite:///{folder / 'index.db'}", indexer_enabled=False,
                    **{"response_cache_seconds": 3600, **extra})  # fmt: skip


@pytest.fixture
def service(full_deployment, rpc_url, tmp_path):
    """The service over the indexed city, its own indexer off: the test moves the index."""
    settings = _settings(full_deployment, rpc_url, tmp_path)
    engine, indexer = index(full_deployment, settings.database_url)
    with TestClient(create_app(settings)) as client:
        yield SimpleNamespace(client=client, indexer=indexer, settings=settings,
                              store=client.app.state.response_cache)  # fmt: skip
    engine.dispose()


def test_a_kept_answer_is_the_answer_the_route_builds_R36(service):
    """The second request is served from memory, byte for byte the first, and both equal what the
    same service answers with the cache switched off."""
    client, store = service.client, service.store
    built = {path: client.get(path) for path in PUBLIC_READS}
    hits = store.hits
    kept = {path: client.get(path) for path in PUBLIC_READS}
    assert store.hits == hits + len(PUBLIC_READS)
    off = service.settings.model_copy(update={"response_cache_enabled": False})
    with TestClient(create_app(off)) as plain:
        for path in PUBLIC_READS:
            assert built[path].status_code == kept[path].status_code == 200, path
            assert kept[path].content == built[path].content, path
            uncached = plain.get(path)
            assert uncached.content == built[path].content, path
            assert "etag" not in uncached.headers
            assert kept[path].headers["etag"] == built[path].headers["etag"], path
            assert kept[path].headers["content-type"] == uncached.headers["content-type"]


def test_a_new_trade_shows_once_the_indexer_has_read_it_R36(service, city, ledger, exchange):
    """Until the index reads the trade every reader gets the kept page; after it moves, the next
    request builds afresh: the trade is in the API and on the page, with a new ETag."""
    client = service.client
    before = client.get("/api/v1/public/trades")
    page_before = client.get("/trades", params={"lang": "en"})
    count = len(before.json()["rows"])
    cod = city.pollutant["COD"]
    ledger.trade(city.chem, city.steel, cod, 1_000, 450_000, int(TradeMode.NEGOTIATED),
                 {"from": exchange})  # fmt: skip
    assert client.get("/api/v1/public/trades").content == before.content  # the index stands still
    service.indexer.catch_up()
    after = client.get("/api/v1/public/trades")
    assert len(after.json()["rows"]) == count + 1
    newest = after.json()["rows"][0]
    assert (newest["kg"], newest["price_fen"]) == (1_000, 450_000)
    assert after.headers["etag"] != before.headers["etag"]
    stale = client.get("/api/v1/public/trades", headers={"If-None-Match": before.headers["etag"]})
    assert stale.status_code == 200 and stale.content == after.content
    page_after = client.get("/trades", params={"lang": "en"})
    assert page_after.headers["etag"] != page_before.headers["etag"]
    assert page_after.text.count("1 t") > page_before.text.count("1 t")


def test_if_none_match_answers_304_without_a_body(service):
    """A reader that holds the current answer gets 304 (strong or weak form of the tag, or
    several tags); the security headers stay on every answer."""
    client = service.client
    for path, control in (("/api/v1/public/trades", "public, no-cache"), ("/trades", "no-cache")):
        first = client.get(path)
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == control
        assert "content-security-policy" in first.headers
        for asked in (etag, f"W/{etag}", f'"other", {etag}'):
            again = client.get(path, headers={"If-None-Match": asked})
            assert again.status_code == 304, asked
            assert again.content == b""
            assert again.headers["etag"] == etag
            assert again.headers["cache-control"] == control
            assert again.headers["x-content-type-options"] == "nosniff"
        other = client.get(path, headers={"If-None-Match": '"not-this-one"'})
        assert other.status_code == 200 and other.content == first.content
    assert client.get("/trades").headers["vary"] == "Cookie"


def test_a_page_is_kept_per_language(service):
    """The language cookie chooses the page: each language is kept on its own."""
    client = service.client
    for _ in range(2):  # built, then kept
        zh = client.get("/trades", headers={"Cookie": "lang=zh"})
        en = client.get("/trades", headers={"Cookie": "lang=en"})
        assert zh.headers["content-language"] == "zh-CN"
        assert en.headers["content-language"] == "en"
        assert zh.headers["etag"] != en.headers["etag"]


def test_nothing_a_signer_or_an_authority_reads_is_kept(service, city, parties, exchange):
    """A company's portal, the authority console, the relayer, the council, the checks against
    the node and every signed-action request: never kept, ``Cache-Control: no-store``."""
    client, store = service.client, service.store
    chem = city.chem.address
    private = (
        f"/portal?account={chem}",
        f"/console?account={parties['city_regulator'].address}",
        "/council",
        "/api/v1/relayer",
        "/api/v1/actions",
        f"/api/v1/public/verify/holding?holder={chem}&pollutant={city.pollutant['COD']}",
        "/api/v1/public/money",
    )
    for path in private:
        for _ in range(2):
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.text[:200])
            assert answer.headers["cache-control"] == "no-store", path
            assert "etag" not in answer.headers, path
    prepared = client.post("/api/v1/actions/pledge/prepare", json={
        "holder": chem, "bank": parties["settlement_bank"].address, "pollutant": 1,
        "quantityKg": 1, "claimFen": 100, "maturity": 2**40})  # fmt: skip
    assert prepared.headers["cache-control"] == "no-store"
    refused = client.get("/api/v1/public/units/0x" + "00" * 20)
    assert refused.status_code == 404 and "etag" not in refused.headers
    assert len(store) == 0 and store.bytes == 0


def test_the_store_stays_within_its_bounds(full_deployment, rpc_url, tmp_path):
    """However many different requests come, the service keeps at most its bound of answers and
    bytes, the least recently used going first."""
    settings = _settings(full_deployment, rpc_url, tmp_path, response_cache_max_entries=4,
                         response_cache_max_bytes=64 << 10)  # fmt: skip
    index(full_deployment, settings.database_url)[0].dispose()
    with TestClient(create_app(settings)) as client:
        store = client.app.state.response_cache
        for limit in range(1, 30):
            assert client.get(f"/api/v1/public/trades?limit={limit}").status_code == 200
            assert len(store) <= 4 and store.bytes <= 64 << 10
        assert len(store) == 4
        client.get("/")  # a page over an eighth of the byte bound is answered, not kept
        assert len(store) == 4


def test_the_store_drops_the_least_recently_used_and_the_old_head():
    now = [0.0]
    store = AnswerStore(max_entries=3, max_bytes=10_000, max_age=5, clock=lambda: now[0])
    store.at((1, "0xa"))

    def answer(size: int) -> Answer:
        return Answer(headers=(), body=b"x" * size, etag=b'"e"', built=now[0])

    for key in "abc":
        assert store.put((1, "0xa"), key, answer(100))
    assert store.get("a") is not None  # a is used: b is now the oldest
    store.put((1, "0xa"), "d", answer(100))
    assert store.get("b") is None and store.get("a") is not None and len(store) == 3
    assert not store.put((1, "0xa"), "big", answer(10_000 // 8))  # over an eighth: not kept
    assert not store.put((2, "0xb"), "e", answer(100))  # built at a head the store has left
    assert 0 < store.bytes <= 3 * answer(100).size
    now[0] = 5.5
    assert store.get("a") is None  # older than max_age
    store.at((2, "0xb"))
    assert len(store) == 0 and store.bytes == 0
