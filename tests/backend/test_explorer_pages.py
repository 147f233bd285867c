"""The explorer a person reads and the console an authority works in, over HTTP against a real
chain and index (R-36, R-37): history in sentences, a page for every address that appears, error
pages in the page's language (JSON stays for the API), a transaction page that waits for the
index, the console showing a key only its own duties."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from web3 import Web3

from backend.api import deps
from backend.chain.devkeys import DEV_NAMES
from tests.backend.disclosure_city import served

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def site(full_deployment, tmp_path, rpc_url):
    """The service over the indexed city; its own indexer off, so the index stays where it is
    (a transaction sent during a test is on the chain but not yet in the index)."""
    with served(full_deployment, rpc_url, tmp_path) as client:
        yield client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _main(html: str) -> str:
    return _text(html.split('<main id="main">', 1)[1].split("</main>", 1)[0])


def test_a_units_history_reads_as_sentences_R36(site, city, scenario, pledges):
    """A trade and a pledge in words; the pledge with the claim it secures and its due date
    (Beijing time), as the pledgor agreed them (R-34)."""
    page = site.get(f"/units/{city.chem.address}", params={"lang": "zh"})
    assert page.status_code == 200
    text = _main(page.text)
    assert "chem 向 steel 转让 10 t 化学需氧量 (COD)，价款 45,000.00 元（协议转让）" in text
    due = datetime.fromtimestamp(pledges.pledgeOf(1)["maturity"], BEIJING).strftime("%Y-%m-%d")
    assert (
        "chem 将 20 t 化学需氧量 (COD)质押给长江商业银行"
        f"（第 1 号质押，担保债权 1,000,000.00 元，{due} 到期，R-34）" in text
    )
    assert "RightsLedger.RightsTraded" not in text  # no raw event names
    english = _main(site.get(f"/units/{city.chem.address}", params={"lang": "en"}).text)
    assert (
        "chem sold 10 t of chemical oxygen demand (COD) to steel for 45,000.00 元 (negotiated)"
        in english
    )
    assert (
        "chem pledged 20 t of chemical oxygen demand (COD) to Changjiang Commercial Bank "
        f"(pledge 1, securing 1,000,000.00 元, due {due}, R-34)" in english
    )


def test_pledges_name_the_bank_not_its_address_R36(site, city, bank):
    """The bank is no registered unit: the pledges page and the pledgor's page name it from the
    deployment record, in the page's language, and link to its address page."""
    short = f"{bank.address[:8]}…"
    for path in ("/pledges", f"/units/{city.chem.address}"):
        for lang, name in (("zh", "长江商业银行"), ("en", "Changjiang Commercial Bank")):
            html = site.get(path, params={"lang": lang}).text
            assert f'<a class="party" href="/address/{bank.address}">{name}</a>' in html, path
            assert short not in _main(html), (path, lang)


def test_every_address_that_appears_has_a_page_that_says_what_it_is(site, city, bank, deployment,
                                                                   parties):  # fmt: skip
    """A bank (by its roles and its name in the deployment record), a contract (with who holds
    roles on it), a unit — each 200, whichever of /units/ or /address/ links to it."""
    for path in (f"/address/{bank.address}", f"/units/{bank.address}"):
        page = site.get(path, params={"lang": "zh"})
        assert page.status_code == 200, path
        text = _main(page.text)
        assert text.startswith(" 长江商业银行 主管部门或机构（按其权限）")
        assert "质权银行 — 排污权质押登记" in text
        assert "chem 将 20 t 化学需氧量 (COD)质押给长江商业银行" in text
        assert "长江商业银行解除第 2 号质押（chem 的 5 t 化学需氧量 (COD)）（R-34）" in text
    pledge_book = deployment.contracts["PledgeBook"].address
    text = _main(site.get(f"/address/{pledge_book}", params={"lang": "zh"}).text)
    assert "排污权质押登记合约 本系统的智能合约: 排污权质押登记" in text
    assert "质权银行长江商业银行" in text  # who holds a role on it
    assert "_ROLE" not in text  # every role in words
    assert site.get(f"/address/{city.chem.address}").text.count("chem") > 3  # a unit: its page
    regulator = _main(site.get(f"/address/{parties['city_regulator'].address}").text)
    assert regulator.startswith(" 市生态环境局") and "为 chem 开立排污权账户" in regulator


def test_an_address_in_no_event_and_a_bad_address_are_error_pages(site):
    nobody = "0x" + "12" * 20
    page = site.get(f"/address/{Web3.to_checksum_address(nobody)}", params={"lang": "zh"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "该地址未出现在登记簿的任何记录中" in page.text
    bad = site.get("/units/0x1234", params={"lang": "en"})
    assert bad.status_code == 422 and "The request is invalid" in bad.text


def test_page_errors_are_pages_in_their_language_and_the_api_stays_json(site):
    bad = site.get("/trades", params={"pollutant": "abc"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in bad.text and "请求内容无效" in bad.text
    assert (
        "query.pollutant" in bad.text and 'href="/trades"' in bad.text
    )  # the page without filters
    site.cookies.set("lang", "en")
    english = site.get("/trades", params={"pollutant": "abc"})
    assert '<html lang="en">' in english.text and "The request is invalid" in english.text
    missing = site.get("/no-such-page")
    assert missing.status_code == 404 and "Not found" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    api = site.get("/api/v1/public/trades", params={"pollutant": "abc"})
    assert api.status_code == 422 and api.json()["error"]["code"] == "RequestInvalid"
    assert site.get("/api/v1/no-such-endpoint").json()["error"]["code"] == "NotFound"


def test_an_internal_error_on_a_page_is_a_page(site):
    """Dependencies are overridden (no internals patched): an index that cannot be opened."""

    class Broken:
        def connect(self):
            raise RuntimeError("the index cannot be opened")

    from fastapi.testclient import TestClient

    site.app.dependency_overrides[deps._engine] = lambda: Broken()
    try:
        client = TestClient(site.app, raise_server_exceptions=False)
        page = client.get("/trades", params={"lang": "zh"})
        assert page.status_code == 500 and "服务内部错误" in page.text
        api = client.get("/api/v1/public/trades")
        assert api.status_code == 500 and api.json()["error"]["code"] == "InternalError"
    finally:
        site.app.dependency_overrides.clear()


def test_the_transaction_page_waits_for_the_index_instead_of_404_R37(
    site, city, registry, regulator, scenario
):
    """Indexed: its events in sentences. Mined but not indexed yet (the link right after an
    action): 'being recorded', reloading itself. Failed: says so. Unknown to the node: 404."""
    indexed = site.get(f"/tx/{scenario.trade_tx}", params={"lang": "zh"})
    assert indexed.status_code == 200
    assert "chem 向 steel 转让 10 t 化学需氧量 (COD)" in _main(indexed.text)
    assert 'http-equiv="refresh"' not in indexed.text

    fresh = registry.setQualifiedSeller(city.steel, True, {"from": regulator}).txid
    recording = site.get(f"/tx/{fresh}", params={"lang": "zh"})
    assert recording.status_code == 200
    assert "正在写入公开记录" in recording.text and 'http-equiv="refresh"' in recording.text

    from brownie import web3

    reverted = web3.eth.send_transaction({"from": regulator.address, "to": registry.address,
                                          "data": "0xdeadbeef", "gas": 100_000})  # fmt: skip
    # anvil answers eth_sendTransaction before its automine has the receipt: wait for the block,
    # as the page itself does by reloading while the transaction is pending.
    assert web3.eth.wait_for_transaction_receipt(reverted, timeout=30)["status"] == 0
    failed = site.get(f"/tx/0x{bytes(reverted).hex()}", params={"lang": "zh"})
    assert failed.status_code == 200 and "执行失败（已回滚）" in failed.text
    assert 'http-equiv="refresh"' not in failed.text

    unknown = site.get("/tx/0x" + "ab" * 32, params={"lang": "zh"})
    assert unknown.status_code == 404 and "没有这笔交易" in unknown.text
    assert site.get("/tx/0x12", params={"lang": "zh"}).status_code == 422


def test_favicon(site):
    icon = site.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert 'rel="icon"' in site.get("/").text


def test_the_units_list_is_paged_and_filtered(site, city):
    page = _main(site.get("/units", params={"district": 2, "lang": "zh"}).text)
    assert "steel" in page and "power" in page and "chem" not in page
    farms = _main(site.get("/units", params={"sector": 2}).text)
    assert "farm" in farms and "steel" not in farms
    restricted = _main(site.get("/units", params={"restricted": "true"}).text)
    assert "farm" in restricted and "steel" not in restricted
    first = site.get("/units", params={"limit": 3})
    assert first.status_code == 200
    assert site.get("/units", params={"district": -1}).status_code == 422


def test_the_console_shows_a_key_only_its_own_duties(site, parties, bank, city, pledges):
    """Roles read from the index: the regulator's work, the bank's pledges, the treasury's fees;
    a company's key has none (it uses the portal)."""
    regulator = site.get("/console", params={"account": parties["city_regulator"].address})
    assert regulator.status_code == 200
    assert 'id="duty-regulator"' in regulator.text and 'id="duty-bank"' not in regulator.text
    assert 'data-op="register-account"' in regulator.text
    assert 'data-op="issue-permit"' in regulator.text
    assert 'data-op="certify-tradable"' in regulator.text

    banker = site.get("/console", params={"account": bank.address, "lang": "zh"})
    assert 'id="duty-bank"' in banker.text and 'id="duty-regulator"' not in banker.text
    work = _text(banker.text.split('id="work-pledges"', 1)[1].split("</ul>", 1)[0])
    due = datetime.fromtimestamp(pledges.pledgeOf(1)["maturity"], BEIJING).strftime("%Y-%m-%d")
    assert (
        "第 1 号质押：chem 的 20 t 化学需氧量 (COD)，担保债权 1,000,000.00 元，"
        f"{due} 到期（质押中）" in work
    )
    assert "第 2 号质押" not in work  # released: nothing left to do
    assert 'id="release-1"' in banker.text and 'id="enforce-1"' in banker.text
    # enforcement asks for at most the recorded claim: the form starts from it
    assert 'name="claimFen" data-kind="yuan" value="1000000.00"' in banker.text

    treasury = site.get("/console", params={"account": parties["finance_bureau"].address})
    assert 'id="duty-treasury"' in treasury.text and 'data-op="fund-reserve"' in treasury.text
    verifier = site.get("/console", params={"account": parties["verifier_a"].address})
    assert 'id="duty-verifier"' in verifier.text and 'id="upload"' in verifier.text

    # the council's roles are not keccak of their names (MEMBER_ROLE): read from the record
    member = site.get("/console", params={"account": parties["council_director"].address})
    assert 'id="duty-council"' in member.text and 'id="propose-cap"' in member.text
    guardian = site.get("/console", params={"account": parties["provincial_authority"].address})
    assert 'id="duty-council"' in guardian.text and 'id="propose-cap"' not in guardian.text

    company = site.get("/console", params={"account": city.chem.address, "lang": "zh"})
    assert 'id="no-duty"' in company.text and 'class="duty"' not in company.text
    assert DEV_NAMES["bank"][0] in banker.text


def test_every_console_field_has_a_label(site, parties):
    """Accessibility: each input, select and textarea of every duty's forms has a <label for>."""
    for party in ("city_regulator", "exchange_operator", "price_bureau", "finance_bureau", "bank",
                  "verifier_a", "council_director"):  # fmt: skip
        html = site.get("/console", params={"account": parties[party].address}).text
        ids = set(re.findall(r'<label for="([^"]+)"', html))
        for tag, attrs in re.findall(r"<(input|select|textarea)\b([^>]*)>", html):
            if 'type="hidden"' in attrs or ('type="search"' in attrs and "site-search" in attrs):
                continue
            found = re.search(r'id="([^"]+)"', attrs)
            assert found and found.group(1) in ids, (party, tag, attrs)


@pytest.fixture
def proposed(deployment, parties, ledger):
    """A council member proposes a cap (the council of the test deployment, 2 of 3)."""
    from brownie import RegulatorCouncil

    council = RegulatorCouncil.at(deployment.contracts["RegulatorCouncil"].address)
    data = ledger.setCap.encode_input(2, 1, 1_500_000)
    council.propose(
        [ledger.address], [data], "核定江北区总量", {"from": parties["council_director"]}
    )
    return council


def test_the_council_page_reads_each_proposal_in_words(proposed, site):
    """Each call in words with the district and pollutant; the proposer by name, linked; the
    proposal's own page (404 for an unknown one, as a page)."""
    page = site.get("/council", params={"lang": "zh"})
    assert page.status_code == 200 and "&lt;a" not in page.text
    text = _main(page.text)
    assert "将江北区化学需氧量 (COD)总量控制指标设为 1,500 t（R-10）" in text
    assert "提案人：局长（委员会）" in text and "待批准" in text
    one = _main(site.get("/council/1", params={"lang": "en"}).text)
    assert "set the cap of chemical oxygen demand (COD) in Jiangbei District to 1,500 t" in one
    assert site.get("/council/99").status_code == 404
