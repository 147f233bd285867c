"""The explorer a person reads and the console an authority works in, in real headless Chromium
against the demo city (R-36, R-37):

- every main page at a desk (1280 × 900) and on a phone (390 × 844): no sideways scrolling, no
  console error; screenshots of both in docs/screenshots/;
- a crawl two links deep from the home page: every internal link answers 200;
- axe-core (npm, run in the page) finds no critical or serious violation on the main pages;
- a regulator approves an application, a bank releases a pledge, a verifier uploads monitoring
  files (signing the upload) and attests the computed figure, council members propose and
  approve and the guardian cancels, each in the console with its own injected wallet (EIP-1193),
  and each transaction reads as a sentence on the explorer; a council proposal reads in words.
"""

from __future__ import annotations

import csv
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from playwright.sync_api import expect
from web3 import Web3

from backend.chain.devkeys import DEV_AUTHORITIES, FIRST_COMPANY_INDEX, dev_key
from backend.chain.domain import POLLUTANT_IDS
from backend.oracle.records import FIELDS
from scripts.demo_city import UNITS
from tests.e2e.conftest import ROOT, inject_wallet, screenshot

NAMES = [u[0] for u in UNITS]
DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def company(name: str):
    return dev_key(FIRST_COMPANY_INDEX + NAMES.index(name))


def authority(name: str):
    return dev_key(DEV_AUTHORITIES[name])


@pytest.fixture(scope="module")
def main_pages(stack) -> dict[str, str]:
    """The pages a visitor and an authority use: one of each kind, with real ids from the demo."""
    api = stack.url + "/api/v1/public"
    chem = requests.get(f"{api}/units", params={"q": "长江化工"}, timeout=10).json()["rows"][0]
    trade = requests.get(f"{api}/trades", params={"limit": 1}, timeout=10).json()["rows"][0]
    contracts = stack.deployment["contracts"]
    return {
        "overview": "/",
        "trades": "/trades",
        "allocations": "/allocations",
        "market": "/market",
        "reserve": "/reserve",
        "caps": "/caps",
        "compliance": "/compliance",
        "blacklist": "/blacklist",
        "council": "/council",
        "policy": "/policy",
        "proposal": "/council/3",
        "units": "/units",
        "unit": f"/units/{chem['holder']}",
        "bank": f"/address/{authority('bank').address}",
        "contract": f"/address/{contracts['PledgeBook']['address']}",
        "pledges": "/pledges",
        "tx": f"/tx/{trade['tx_hash']}",
        "portal": "/portal",
        "console": "/console",
        "console-regulator": f"/console?account={authority('city_regulator').address}",
        "console-council": f"/console?account={authority('council_director').address}",
    }


def _open(browser, viewport, url):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    response = page.goto(url)
    return context, page, response, problems


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desktop", "phone"])
def test_every_page_fits_the_screen_without_console_errors(stack, browser, main_pages, viewport):
    """No page scrolls sideways at 1280 or at 390 px (tables scroll inside their own box, names
    stay whole), and no page logs an error; each is photographed at that size."""
    wide = []
    for name, path in main_pages.items():
        url = stack.url + path + ("&" if "?" in path else "?") + "lang=zh"
        context, page, response, problems = _open(browser, viewport, url)
        assert response.status == 200, (name, response.status)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > viewport["width"]:
            wide.append((name, scroll))
        assert problems == [], (name, problems)
        suffix = "-phone" if viewport is PHONE else "-desktop"
        if name in ("overview", "unit", "tx", "council", "proposal", "bank", "console-regulator",
                    "trades", "market"):  # fmt: skip
            screenshot(page, f"explorer-{name}{suffix}")
        context.close()
    assert wide == []


def test_error_pages_are_pages_in_their_language(stack, browser):
    cases = (
        ("/tx/0x" + "ab" * 32, "没有这笔交易"),
        ("/trades?pollutant=x", "请求内容无效"),
        ("/no-such-page", "找不到该页面或记录"),
    )
    for path, words in cases:
        context, page, response, _ = _open(browser, PHONE, stack.url + path)
        assert response.status in (404, 422)
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("main")).to_contain_text(words)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        context.close()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        href = dict(attrs).get("href")
        if tag in ("a", "link") and href and not href.startswith(("#", "mailto:")):
            self.found.append(href)


def _links(base: str, html: str) -> set[str]:
    parser = _Links()
    parser.feed(html)
    out = set()
    for href in parser.found:
        url = urljoin(base, href)
        if urlsplit(url).netloc == urlsplit(base).netloc:
            out.add(url.split("#", 1)[0])
    return out


def test_every_internal_link_two_deep_from_home_answers_200(stack):
    """A crawl from the home page: its links, and the links of each page they lead to (pages,
    downloads, the API's JSON behind 'read from the node'): all 200, none behind a 404."""
    session = requests.Session()
    home = stack.url + "/?lang=zh"
    seen: dict[str, int] = {}
    frontier = deque([(home, 0)])
    html_of: dict[str, str] = {}

    def fetch(url: str) -> tuple[str, int, str]:
        response = session.get(url, timeout=30)
        kind = response.headers.get("content-type", "")
        return url, response.status_code, response.text if kind.startswith("text/html") else ""

    while frontier:
        batch = []
        while frontier:
            url, depth = frontier.popleft()
            if url not in seen:
                seen[url] = -1
                batch.append((url, depth))
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda item: (*fetch(item[0]), item[1]), batch))
        for url, status, html, depth in results:
            seen[url] = status
            html_of[url] = html
            if depth < 2 and html:
                frontier.extend((link, depth + 1) for link in _links(url, html) if link not in seen)
    bad = {url: status for url, status in seen.items() if status != 200}
    assert len(seen) > 100  # the crawl reached the pages, units, transactions, downloads
    assert bad == {}


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desktop", "phone"])
def test_main_pages_have_no_serious_accessibility_violation(stack, browser, main_pages, viewport):
    """axe-core from npm, run in each page (its CSP bypassed for the audit script only): no
    critical or serious violation of WCAG 2.1 A/AA (labels, contrast, names, structure)."""
    source = AXE.read_text(encoding="utf-8")
    found = {}
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    for name, path in main_pages.items():
        page = context.new_page()
        page.goto(stack.url + path)
        page.add_script_tag(content=source)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        serious = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
            for v in result["violations"]
            if v["impact"] in ("critical", "serious")
        ]
        if serious:
            found[name] = serious
        page.close()
    context.close()
    assert found == {}


# -- the console: each authority completes one task with its own wallet ----------------------


def _console(browser, stack, key, viewport=DESK):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    inject_wallet(page, key.private_key, stack.rpc_url)
    page.goto(stack.url + "/console?lang=zh")
    page.click("#connect")
    page.wait_for_url("**/console?*account=*")
    expect(page.locator("#account-address")).to_have_text(key.address)
    return context, page, problems


def _send_as(stack, key, contract: str, function: str, *args) -> None:
    """A company's own transaction (set-up of a task; the dev chain's accounts are unlocked)."""
    w3 = Web3(Web3.HTTPProvider(stack.rpc_url))
    record = stack.deployment["contracts"][contract]
    target = w3.eth.contract(address=record["address"], abi=record["abi"])
    tx = getattr(target.functions, function)(*args).transact({"from": key.address})
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1


def _done(page, form) -> str:
    """Wait for the ✓ next to the form's button; the transaction's hash."""
    expect(form.locator("output")).to_contain_text("✓", timeout=60_000)
    return form.locator("output a.tx-result").get_attribute("data-hash")


def test_a_regulator_approves_an_application_in_its_console_R08(stack, browser):
    """A company applies for 2 t COD; the city regulator's console lists it under 'awaiting
    approval', the regulator approves 1.5 t in its wallet; the transaction reads as a sentence."""
    pharma = company("西南制药股份")
    _send_as(stack, pharma, "PrimaryMarket", "submitApplication", POLLUTANT_IDS["COD"], 2_000, 0)
    stack.wait_indexed()
    context, page, problems = _console(browser, stack, authority("city_regulator"))
    expect(page.locator("#duty-regulator")).to_be_visible()
    assert page.locator("#duty-bank").count() == 0  # only what this key may do
    item = page.locator("#work-decide li", has_text="西南制药股份")
    expect(item).to_contain_text("申报 化学需氧量 (COD) 2 t")
    form = item.locator("form[data-op=approve-application]")
    form.locator("input[name=approvedKg]").fill("1.5")
    screenshot(page, "console-regulator")
    form.locator("button[type=submit]").click()
    tx = _done(page, form)
    page.goto(f"{stack.url}/tx/{tx}")
    expect(page.locator("#events")).to_contain_text("核定第", timeout=15_000)
    expect(page.locator("#events")).to_contain_text(
        "（西南制药股份，化学需氧量 (COD)）：1.5 t（R-08）"
    )
    assert problems == []
    context.close()


def test_a_bank_releases_a_pledge_in_its_console_R34(stack, browser):
    """The chemical plant pledges 5 t NOx to the bank for a loan of 300 000 元 due in 180 days;
    the bank's console lists the pledge with its claim and due date and the bank releases it
    (repaid) in its wallet; the explorer says so, with names."""
    chem, bank = company("长江化工有限公司"), authority("bank")
    latest = Web3(Web3.HTTPProvider(stack.rpc_url)).eth.get_block("latest")["timestamp"]
    maturity = latest + 180 * 86_400
    _send_as(stack, chem, "PledgeBook", "pledge", bank.address, POLLUTANT_IDS["NOx"], 5_000,
             30_000_000, maturity)  # fmt: skip
    stack.wait_indexed()
    context, page, problems = _console(browser, stack, bank, PHONE)
    item = page.locator("#work-pledges li", has_text="氮氧化物").first
    due = datetime.fromtimestamp(maturity, timezone(timedelta(hours=8))).strftime("%Y-%m-%d")
    expect(item).to_contain_text(
        f"长江化工有限公司 的 5 t 氮氧化物 (NOx)，担保债权 300,000.00 元，{due} 到期（质押中）"
    )
    form = item.locator("form[data-op=release-pledge]")
    screenshot(page, "console-bank-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    form.locator("button[type=submit]").click()
    tx = _done(page, form)
    form.locator("output a.tx-result").click()  # the link right after the action: never a 404
    expect(page.locator("#events, #tx-state")).to_be_visible()
    expect(page.locator("#events")).to_contain_text("长江商业银行解除第", timeout=15_000)
    expect(page.locator("#events")).to_contain_text("长江化工有限公司的 5 t 氮氧化物 (NOx)")
    assert tx in page.url and problems == []
    context.close()


def test_a_verifier_uploads_reviews_and_attests_in_its_console_R23(stack, browser, tmp_path):
    """Verifier A uploads a year of daily SO2 records of the steel group for period 1, signing
    the upload in its wallet (EIP-712 over the files' SHA-256); the console shows the computed
    figure; the verifier attests it from its wallet; the unit's page then says so in words."""
    api = stack.url + "/api/v1/public"
    steel = requests.get(f"{api}/units", params={"q": "嘉陵钢铁"}, timeout=10).json()["rows"][0]
    period = requests.get(f"{api}/periods", timeout=10).json()[0]
    monitoring = tmp_path / "steel-so2.csv"
    _daily_records(monitoring, steel["credit_code"], "SO2", 250, period)  # 250 kg a day

    context, page, problems = _console(browser, stack, authority("verifier_a"))
    upload = page.locator("#upload")
    upload.locator("select[name=period]").select_option(str(period["id"]))
    upload.locator("input[type=file]").set_input_files(str(monitoring))
    upload.locator("button[type=submit]").click()
    expect(upload.locator("output")).to_contain_text("✓ 1 项核定排放量已计算", timeout=60_000)
    figure = page.locator("#figures-table tbody tr")
    expect(figure).to_have_count(1)
    expect(figure).to_contain_text("SO2")
    screenshot(page, "console-verifier")
    attest = page.locator("#attest-figures")
    attest.locator("button[type=submit]").click()
    _done(page, attest)
    stack.wait_indexed()
    page.goto(f"{stack.url}/units/{steel['holder']}")
    expect(page.locator("#history")).to_contain_text(
        "第一环境核查机构核定嘉陵钢铁集团第 1 期二氧化硫 (SO2)实际排放量："
    )
    assert problems == []
    context.close()


def test_a_verifier_attests_one_figure_by_hand_R23(stack, browser):
    """One figure typed in (the unit by name, the quantity in t, the evidence's hash)."""
    context, page, problems = _console(browser, stack, authority("verifier_b"))
    form = page.locator("#attest")
    form.locator("input[name=unit]").fill("嘉陵钢铁集团")
    form.locator("select[name=pollutant]").select_option("NOx")
    form.locator("input[name=kg]").fill("95")
    form.locator("input[name=evidence]").fill("ab" * 32)
    form.locator("button[type=submit]").click()
    _done(page, form)
    stack.wait_indexed()
    steel = requests.get(f"{stack.url}/api/v1/public/units", params={"q": "嘉陵钢铁"}, timeout=10)
    page.goto(f"{stack.url}/units/{steel.json()['rows'][0]['holder']}")
    expect(page.locator("#history")).to_contain_text(
        "第二环境核查机构核定嘉陵钢铁集团第 1 期氮氧化物 (NOx)实际排放量：95 t"
    )
    assert problems == []
    context.close()


def _daily_records(path, credit_code: str, pollutant: str, kg_a_day: int, period: dict) -> None:
    """Monitoring records of one outlet, one a day (Beijing midnights) over the whole period."""
    beijing = timezone(timedelta(hours=8))
    day = datetime.fromtimestamp(period["start"], beijing).replace(hour=0, minute=0, second=0)
    end = datetime.fromtimestamp(period["end"], beijing)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        while day < end:
            writer.writerow({"credit_code": credit_code, "outlet": "DA001", "time": day.isoformat(),
                             "interval": "day", "pollutant": pollutant, "flag": "N",
                             "value": str(kg_a_day), "unit": "kg"})  # fmt: skip
            day += timedelta(days=1)


def test_a_refusal_shows_next_to_the_button_with_its_rule_and_figures(stack, browser):
    """A quantity in t with four decimals is caught in the page; a permit above what the hotel
    holds is refused by the contract before anything is signed, next to the button, in Chinese,
    with the rule and the figures (R-22)."""
    context, page, _ = _console(browser, stack, authority("city_regulator"))
    form = page.locator("#permit")
    form.locator("input[name=holder]").fill("解放碑国际酒店")
    cod = form.locator("input[data-pollutant=COD]")
    cod.fill("1.2345")
    form.locator("input[name=validFrom]").fill("2026-01-01")
    form.locator("input[name=validTo]").fill("2030-06-30")
    form.locator("button[type=submit]").click()
    expect(form.locator("output")).to_contain_text("最多 3 位小数")
    expect(cod).to_have_attribute("aria-invalid", "true")
    cod.fill("5")
    form.locator("button[type=submit]").click()
    expect(form.locator("output")).to_contain_text("✗", timeout=30_000)
    expect(form.locator("output")).to_contain_text("PermitHoldingsBelowPermit")
    expect(form.locator("output")).to_contain_text("许可排放量（R-22）")
    expect(form.locator("output")).to_contain_text("permitted 5000")
    context.close()


def _approved_then_cancelled(stack, browser, description: str, sentence: str) -> list[str]:
    """A deputy approves the proposal ``description`` (2 of 3: the waiting period starts) and the
    guardian cancels it, each in its own console, where it reads as ``sentence``; the pages'
    errors."""
    problems: list[str] = []
    for who, op in (("council_deputy_a", "council-approve"), ("provincial_authority",
                                                              "council-cancel")):  # fmt: skip
        stack.wait_indexed()  # the console lists what the index has read of the last step
        context, page, more = _console(browser, stack, authority(who))
        item = page.locator("#work-proposals li", has_text=description)
        expect(item).to_contain_text(sentence)
        step = item.locator(f"form[data-op={op}]")
        step.locator("button[type=submit]").click()
        _done(page, step)
        problems += more
        context.close()
    return problems


def test_council_members_propose_and_approve_and_the_guardian_cancels_in_their_consoles(
    stack, browser
):
    """The director proposes a lower cap in words (no calldata), a deputy approves it (2 of 3:
    the waiting period starts), the provincial authority cancels it during the wait; each in
    its own console and wallet. The explorer shows the proposal, its calls in words, cancelled."""
    description = "长寿区化学需氧量总量指标下调（演示）"
    context, page, problems = _console(browser, stack, authority("council_director"))
    form = page.locator("#propose-cap")
    form.locator("select[name='call.region']").select_option("8")
    form.locator("select[name='call.pollutant']").select_option("COD")
    form.locator("input[name='call.capKg']").fill("1500")
    form.locator("textarea[name=description]").fill(description)
    form.locator("button[type=submit]").click()
    _done(page, form)
    context.close()

    problems += _approved_then_cancelled(
        stack, browser, description, "将长寿区化学需氧量 (COD)总量控制指标设为 1,500 t（R-10）"
    )

    stack.wait_indexed()
    context, page, _, more = _open(browser, PHONE, stack.url + "/council?lang=zh")
    proposal = page.locator("#council li.proposal", has_text=description)
    expect(proposal).to_contain_text("已撤销")
    expect(proposal).to_contain_text("总量控制指标设为 1,500 t")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert problems + more == []
    context.close()


def test_a_council_member_proposes_a_policy_change_in_words_R35(stack, browser):
    """The director proposes, in the console, the longest lease term of 3 years (years, not
    seconds; on execution); a deputy's console lists it as a sentence and approves it (2 of 3:
    the waiting period starts); the guardian cancels it during the wait (docs/registry.md
    "Policy": a figure changes only through the council)."""
    description = "租赁最长期限调整为 3 年（演示）"
    context, page, problems = _console(browser, stack, authority("council_director"))
    form = page.locator("#propose-policy-term")
    form.locator("select[name='call.figure']").select_option("lease_max_term_seconds")
    form.locator("input[name='call.value']").fill("3")
    form.locator("textarea[name=description]").fill(description)
    form.locator("button[type=submit]").click()
    _done(page, form)
    context.close()

    problems += _approved_then_cancelled(
        stack, browser, description, "将本市政策“租赁最长期限”调整为 3 年"
    )
    assert problems == []


def test_a_council_proposal_reads_in_words(stack, browser):
    """The demo's caps, period and reclaim went through the council: each call is a sentence with
    the district, the pollutant and the quantity, and the proposal has a page."""
    context, page, _, problems = _open(browser, DESK, stack.url + "/council?lang=zh")
    council = page.locator("#council")
    expect(council).to_contain_text("将长寿区化学需氧量 (COD)总量控制指标设为")
    expect(council).to_contain_text("设定新的核查期")
    expect(council).to_contain_text("收回政府储备")
    expect(council).to_contain_text("已执行")
    page.click("#proposal-3 h2 a")
    expect(page.locator("#proposal-calls")).to_contain_text(
        "长江化工有限公司的 10 t 化学需氧量 (COD)（无偿）收回政府储备"
    )
    expect(page.locator("#proposal-approvers")).to_contain_text("副局长")
    assert problems == []
    context.close()
