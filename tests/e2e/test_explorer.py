"""End to end in real headless Chromium against the running service and chain (R-36, R-37):
a public visitor browses, verifies and downloads; the language switch works; a company signs in
its own (injected) wallet, and a trade the exchange settles (one company lists, another takes the
listing, each from its own wallet) appears on the public trade list with a working transaction
link. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import requests
from playwright.sync_api import expect
from web3 import Web3

from backend.chain.devkeys import DEV_AUTHORITIES, FIRST_COMPANY_INDEX, dev_key
from backend.chain.domain import POLLUTANT_IDS
from backend.chain.wallet_formats import for_signing
from scripts.demo_city import UNITS
from tests.e2e.conftest import inject_wallet, screenshot

NAMES = [u[0] for u in UNITS]
# the demo's trades: six disclosed negotiated trades, the exchange's negotiated trade, listing,
# sealed-bid auction and pledge enforcement sale, the reserve's release to a priority project,
# and the gasless company's listing taken (scripts/demo_money.py, the newest)
DEMO_TRADES = 12
RESERVE = "重庆市排污权储备中心"  # scripts/deploy.py
GASLESS = "两江新区绿色建材有限公司"  # scripts/demo_money.py


def company(name: str):
    return dev_key(FIRST_COMPANY_INDEX + NAMES.index(name))


def test_visitor_browses_verifies_and_downloads_R36_R37(stack, page):
    """No login: overview with charts, every trade with its transaction, the transaction page,
    a figure checked against the node, a CSV download, search by credit code."""
    page.goto(stack.url + "/?lang=zh")
    expect(page.locator("h1")).to_have_text("市场概览")
    expect(page.locator("figure.chart.wide svg")).to_have_count(2)  # drawn narrow too, for phones
    expect(page.locator("#benchmarks tbody tr")).to_have_count(9)
    screenshot(page, "overview")

    page.click("nav >> text=交易")
    rows = page.locator("table.trades tbody tr")
    expect(rows).to_have_count(DEMO_TRADES)
    expect(rows.first).to_contain_text(GASLESS)
    expect(rows.first).to_contain_text("挂牌电子竞价")
    expect(rows.nth(1)).to_contain_text(RESERVE)
    expect(rows.nth(1)).to_contain_text("储备出让")
    expect(rows.nth(2)).to_contain_text("九龙坡造纸厂")
    expect(rows.nth(2)).to_contain_text("协议转让")
    screenshot(page, "trades")
    rows.first.locator("button.verify").click()
    expect(rows.first.locator(".verdict")).to_contain_text("✓ 与链上一致")

    with page.expect_download() as download:
        page.click("p.downloads >> text=CSV")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == DEMO_TRADES and table[0]["seller_name"] == GASLESS
    assert table[1]["seller_name"] == RESERVE
    assert all(re.fullmatch(r"0x[0-9a-f]{64}", r["tx_hash"]) for r in table)

    tx_hash = rows.first.locator("a.tx").get_attribute("href").rsplit("/", 1)[1]
    rows.first.locator("a.tx").click()
    expect(page.locator("#tx-hash")).to_have_text(tx_hash)
    expect(page.locator("#events")).to_contain_text("RightsTraded")
    node = requests.get(f"{stack.url}/api/v1/tx/{tx_hash}", timeout=10).json()
    assert node["status"] == 1 and any(e["event"] == "RightsTraded" for e in node["events"])

    code = requests.get(f"{stack.url}/api/v1/public/units?q=九龙坡", timeout=10).json()["rows"][0]
    page.fill("header input[name=q]", code["credit_code"])
    page.press("header input[name=q]", "Enter")
    expect(page.locator("h1")).to_contain_text("九龙坡造纸厂")
    holding = page.locator("#holdings tbody tr").first
    holding.locator("button.verify").click()
    expect(holding.locator(".verdict")).to_contain_text("✓")
    screenshot(page, "unit")

    for path, name in (("/allocations", "allocations"), ("/compliance", "compliance"),
                       ("/caps", "caps"), ("/blacklist", "blacklist"), ("/reserve", "reserve"),
                       ("/council", "council"), ("/pledges", "pledges")):  # fmt: skip
        page.goto(stack.url + path)
        assert page.locator("main table, main ol").count() >= 1
        screenshot(page, name)
    # the demo's pledge, sold on enforcement after its loan fell due (other tests on this stack
    # pledge and release too)
    sold = page.locator("#pledges tbody tr", has_text="已处置")
    expect(sold).to_have_count(1)
    for words in ("长江化工有限公司", "长江商业银行", "化学需氧量 (COD)", "20 t", "50,000.00 元"):
        expect(sold).to_contain_text(words)
    page.goto(stack.url + "/council")  # the demo's caps and reclaim went through the council
    expect(page.locator("#council")).to_contain_text("总量控制指标设为")  # the call in words
    expect(page.locator("#council")).to_contain_text("已执行")
    page.goto(stack.url + "/policy")  # the demo's council change of the green channel's limit
    expect(page.locator("#policy-history")).to_contain_text("1 t → 0.5 t")
    expect(page.locator("#policy-in-force")).to_contain_text("排污权租赁")
    page.goto(stack.url + "/compliance")
    expect(page.locator("#compliance")).to_contain_text("已履约")
    expect(page.locator("#compliance")).to_contain_text("待清缴")
    page.goto(stack.url + "/blacklist")
    expect(page.locator("#blacklist")).to_contain_text("渝北生猪养殖场")


def test_visitor_sees_applications_listings_and_auctions_R36_R37(stack, page):
    """The demo's primary purchases (one fee waived), its listing with electronic bidding and
    its three auctions (new rights, sealed bid, pledge enforcement), each figure linked to the
    transaction that made it."""
    page.goto(stack.url + "/?lang=zh")
    page.click("nav >> text=申报、挂牌与竞价")
    expect(page.locator("h1")).to_have_text("一级市场申报、挂牌与竞价")
    expect(page.locator("#applications")).to_contain_text("北碚奶牛养殖合作社")
    expect(page.locator("#applications")).to_contain_text("改扩建（竞价）")
    expect(page.locator("#listings")).to_contain_text("竞价成交")
    lots = page.locator("#lots tbody tr")
    expect(lots).to_have_count(3)
    expect(page.locator("#lots")).to_contain_text("质押处置")
    expect(page.locator("#lots")).to_contain_text("密封竞价")
    expect(page.locator("#lots")).to_contain_text("银行优先受偿")
    screenshot(page, "market")
    lots.first.locator("button.verify").click()
    expect(lots.first.locator(".verdict")).to_contain_text("✓ 与链上一致")
    lots.first.locator("td.n a.tx").last.click()
    expect(page.locator("#events")).to_contain_text("LotSold")


def test_language_switch_keeps_english_across_pages(stack, page):
    page.goto(stack.url + "/")
    expect(page.locator("h1")).to_have_text("市场概览")
    page.click("#lang-switch")
    expect(page.locator("h1")).to_have_text("Market overview")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click("nav >> text=Trades")
    expect(page.locator("h1")).to_have_text("Every trade")
    expect(page.locator("table.trades")).to_contain_text("negotiated")
    screenshot(page, "trades-en")
    page.click("#lang-switch")
    expect(page.locator("h1")).to_have_text("全部交易")


def test_a_trade_sent_from_the_console_is_disclosed_R36(stack, page, browser):
    """In the console the steel group lists SO2 on the exchange and the pharmaceutical company
    takes the listing, each from its own wallet (R-14, R-16); the trade appears on the public
    list, its transaction link works and the figure verifies against the node. (The company
    portal's own flows: tests/e2e/test_portal.py.)"""
    seller, buyer = company("嘉陵钢铁集团"), company("西南制药股份")
    ends = Web3(Web3.HTTPProvider(stack.rpc_url)).eth.get_block("latest").timestamp + 3_600
    listing = {"pollutant": POLLUTANT_IDS["SO2"], "quantityKg": 2_000, "askFen": 460_000,
               "stepFen": 10_000, "endsAt": ends}  # fmt: skip
    console_call(browser, stack, seller.private_key, "Exchange", "list", listing, "console")
    exchange = stack.deployment["contracts"]["Exchange"]
    market = Web3(Web3.HTTPProvider(stack.rpc_url)).eth.contract(
        address=exchange["address"], abi=exchange["abi"]
    )
    listing_id = market.functions.listingCount().call()
    trade_tx = console_call(
        browser, stack, buyer.private_key, "Exchange", "take", {"id": listing_id}
    )

    stack.wait_indexed()
    page.goto(stack.url + "/trades")
    newest = page.locator("table.trades tbody tr").first
    expect(newest).to_contain_text("嘉陵钢铁集团")
    expect(newest).to_contain_text("西南制药股份")
    expect(newest).to_contain_text("2 t")
    expect(newest).to_contain_text("4,600.00 元")
    newest.locator("button.verify").click()
    expect(newest.locator(".verdict")).to_contain_text("✓")
    newest.locator("a.tx").click()
    expect(page.locator("#tx-hash")).to_have_text(trade_tx)
    expect(page.locator("#events")).to_contain_text("RightsTraded")


def console_call(browser, stack, key, contract, function, values, shot=None) -> str:
    """Send ``contract.function(values)`` from the console with the wallet of ``key``; returns
    the transaction hash once it succeeded."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    inject_wallet(page, key, stack.rpc_url)
    page.goto(stack.url + "/console")
    page.click("#connect")
    page.wait_for_url("**/console?account=*")
    page.click("#advanced summary")  # any contract function: the console's advanced form
    page.select_option("#tx-contract", contract)
    page.select_option("#tx-function", function)
    for name, value in values.items():
        page.fill(f"#tx-inputs input[name={name}]", str(value))
    if shot:
        screenshot(page, shot)
    page.click("#tx-form button[type=submit]")
    expect(page.locator("#result")).to_contain_text(f"✓ {contract}.{function}", timeout=30_000)
    tx = page.locator("#result a.tx-result").get_attribute("data-hash")
    page.context.close()
    return tx


def test_two_units_consent_to_their_merger_in_their_wallets_R30(stack, page, browser):
    """R-30: the district regulator asks the service for the merger's consent code; each unit
    pastes it in the portal and signs its own part in its wallet (the act shown in the wallet);
    with both signatures the regulator's `merge` operation builds, is signed with the
    regulator's key and sent; the merged unit's account closes."""
    from eth_account import Account

    fund, hotel = company("长江绿色投资基金"), company("解放碑国际酒店")
    merger = {"from": fund.address, "to": hotel.address}
    code = requests.post(stack.url + "/api/v1/lifecycle/consents/merge", json=merger, timeout=30)
    assert code.status_code == 200, code.text
    signatures = []
    for unit in (fund, hotel):
        wallet = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        inject_wallet(wallet, unit.private_key, stack.rpc_url)
        wallet.goto(stack.url + "/portal?lang=zh")
        wallet.click("#connect")
        form = wallet.locator("#consent-form")
        form.locator("textarea[name=code]").fill(code.text)
        form.locator("button[type=submit]").click()
        expect(form.locator(".result")).to_contain_text("✓ 已签名同意合并", timeout=30_000)
        if unit is fund:
            screenshot(wallet, "portal-consent")
        signatures.append(wallet.locator("#consent-signature").input_value())
        wallet.context.close()
    regulator = dev_key(DEV_AUTHORITIES["district_regulator"])
    body = {"sender": regulator.address, **merger, "reason": "吸收合并",
            "deadline": code.json()["deadline"], "signatures": signatures}  # fmt: skip
    built = requests.post(stack.url + "/api/v1/lifecycle/merge", json=body, timeout=30)
    assert built.status_code == 200, built.text
    tx = for_signing(built.json()["transaction"])  # the JSON-RPC form, gas also as gasLimit
    raw = Account.sign_transaction(tx, regulator.private_key).raw_transaction
    sent = requests.post(stack.url + "/api/v1/tx/raw", json={"raw": "0x" + raw.hex()}, timeout=60)
    assert sent.status_code == 200, sent.text
    stack.wait_indexed()
    page.goto(stack.url + f"/units/{fund.address}?lang=en")
    expect(page.locator("main")).to_contain_text("closed")


def test_api_docs_render_offline_under_the_pages_csp(stack, page):
    """Issue 25, finding 10: Swagger UI came from a public CDN (no SRI, nothing on an offline
    network); /docs and /redoc render from the service's own files, started without inline
    script, with no Content-Security-Policy violation and no request to another origin."""
    violations: list[str] = []
    elsewhere: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.on("request", lambda r: None if r.url.startswith(stack.url) else elsewhere.append(r.url))
    page.goto(stack.url + "/docs")
    # Swagger UI renders the whole schema first: give it time on a loaded machine
    title = page.locator(".swagger-ui .info .title")
    expect(title).to_contain_text("Discharge Rights Registry", timeout=60_000)
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    page.goto(stack.url + "/redoc")
    expect(page.locator("h1").first).to_contain_text("Discharge Rights Registry", timeout=60_000)
    page.goto(stack.url + "/portal")
    expect(page.locator("#wallet")).to_be_visible()
    # ReDoc links its vendor's logo from a CDN; the policy blocks it, nothing else is asked for
    blocked_logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert [v for v in violations if blocked_logo not in v] == []
    assert [
        u for u in elsewhere if not u.startswith(("data:", "blob:")) and u != blocked_logo
    ] == []
