"""A company's compliance officer in the portal with a MetaMask-like wallet (tests/e2e/metamask.js:
lower-case accounts, another chain first, 4902 then wallet_addEthereumChain, a signature the user
rejects with 4001). Two fresh companies that never hold the chain's native coin go through money
issued by the settlement bank, deposit, a primary application and purchase, a listing sold to the
other, a negotiated trade between them, a pledge and its release, surrender, withdrawal and
redemption to a bank account (R-05 – R-08, R-14, R-16, R-24, R-34). Screenshots (desktop and a
390 × 844 phone) go to docs/screenshots/."""

from __future__ import annotations

import json
from pathlib import Path

import requests
from eth_account import Account
from playwright.sync_api import expect
from web3 import Web3

from backend.chain.devkeys import authority_key
from backend.chain.domain import POLLUTANT_IDS
from backend.chain.wallet_formats import for_signing
from backend.services.registration import with_check
from tests.e2e.conftest import ROOT, screenshot

ETHERS = ROOT / "node_modules" / "ethers" / "dist" / "ethers.umd.min.js"
WALLET = Path(__file__).with_name("metamask.js")
COD = POLLUTANT_IDS["COD"]
DAY = 86_400


def operate(stack, party: str, path: str, body: dict) -> dict:
    """An authority's act: the service builds it, the authority's key signs, the service sends."""
    key = authority_key(party)
    built = requests.post(f"{stack.url}/api/v1/{path}", json={"sender": key.address, **body},
                          timeout=60)  # fmt: skip
    assert built.status_code == 200, built.text
    signed = Account.sign_transaction(for_signing(built.json()["transaction"]), key.private_key)
    raw = "0x" + bytes(signed.raw_transaction).hex()
    sent = requests.post(f"{stack.url}/api/v1/tx/raw", json={"raw": raw}, timeout=60)
    assert sent.status_code == 200, sent.text
    return sent.json()


def wallet_page(browser, stack, key: str, *, phone: bool = False):
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.add_init_script(script=f"window.__walletConfig = {json.dumps({'key': key})};")
    page.add_init_script(path=str(ETHERS))
    page.add_init_script(path=str(WALLET))
    return page


def connect(page, stack, address: str) -> None:
    page.goto(stack.url + "/portal?lang=zh")
    page.click("#connect")
    expect(page.locator("#account-address")).to_have_text(address)  # checksummed, not as given


def act(form, fields: dict[str, str] | None = None, expect_text: str = "✓") -> None:
    for name, value in (fields or {}).items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    form.locator("button[type=submit]").click()
    expect(form.locator(".result")).to_contain_text(expect_text, timeout=60_000)


def test_a_company_without_native_coin_does_everything_in_the_portal_R16(stack, browser):
    w3 = Web3(Web3.HTTPProvider(stack.rpc_url))
    chem = requests.get(f"{stack.url}/api/v1/public/units?q=长江化工", timeout=10).json()["rows"][0]
    a_key, b_key = Account.create(), Account.create()
    for i, key in enumerate((a_key, b_key)):
        operate(stack, "city_regulator", "registry/register-account", {
            "holder": key.address.lower(), "creditCode": with_check(f"91500000MA5UPT{i:03d}"),
            "name": ("渝新材料科技有限公司", "川渝环保能源有限公司")[i], "sector": "industry",
            "district": chem["district"], "basin": chem["basin"]})  # fmt: skip
        operate(
            stack,
            "settlement_bank",
            "settlement/issue",
            {"to": key.address, "fen": 10_000_000, "reference": f"ICBC-2025-{i:06d}"},
        )
    stack.wait_indexed()

    # -- company A connects: the wallet is on another chain, does not know this one, adds it
    a = wallet_page(browser, stack, a_key.key.hex())
    connect(a, stack, a_key.address)
    added = a.evaluate("window.__wallet.added")
    assert int(added["chainId"], 16) == stack.deployment["chain_id"] and added["rpcUrls"]
    assert {"wallet_switchEthereumChain", "wallet_addEthereumChain"} <= set(
        a.evaluate("window.__wallet.log")
    )
    expect(a.locator("#wallet-money")).to_have_text("100,000.00 元")

    # -- money in: deposit by permit; one signature the user rejects first (4001)
    deposit = a.locator("#deposit-form")
    a.evaluate("window.__wallet.rejectNext()")
    act(deposit, {"amountFen": "80000"}, "您在钱包中拒绝了该请求")
    act(deposit, {"amountFen": "80000"})
    expect(a.locator("#available-money")).to_have_text("80,000.00 元", timeout=15_000)

    # -- primary application and purchase
    act(a.locator("#apply-form"), {"pollutant": str(COD), "quantityKg": "5", "kind": "0"})
    stack.wait_indexed()
    application = requests.get(
        f"{stack.url}/api/v1/public/applications?applicant={a_key.address}", timeout=10
    ).json()["rows"][0]["id"]
    operate(stack, "city_regulator", "primary/approve-application",
            {"id": application, "approvedKg": 5_000})  # fmt: skip
    stack.wait_indexed()
    a.reload()
    act(
        a.locator(
            f"#my-applications tr:has(th:text-is('{application}')) form[data-action=purchase]"
        )
    )
    purchase = a.evaluate("window.__wallet.shown")[-1]  # the wallet shows the fee it accepts
    assert purchase["primaryType"] == "Purchase" and int(purchase["message"]["maxFeeFen"]) > 0

    # -- selling before the review: the refusal names the rule, next to the button
    listing = a.locator("#list-form")
    ends = "2099-12-31T12:00"
    act(listing, {"pollutant": str(COD), "quantityKg": "2", "askFen": "20000", "stepFen": "100",
                  "endsAt": ends}, "R-39")  # fmt: skip
    operate(
        stack,
        "city_regulator",
        "registry/set-qualified-seller",
        {"holder": a_key.address, "qualified": True},
    )
    operate(
        stack,
        "city_regulator",
        "allocation/certify-tradable",
        {"holder": a_key.address, "pollutant": "COD", "kg": 5_000},
    )
    stack.wait_indexed()
    a.reload()
    row = a.locator(f"#holdings tr[data-pollutant='{COD}']")
    expect(row).to_contain_text("5 t")
    expect(row.locator("td.sellable")).to_contain_text("可出售 5 t")
    act(a.locator("#list-form"), {"pollutant": str(COD), "quantityKg": "2", "askFen": "20000",
                                  "stepFen": "100", "endsAt": ends})  # fmt: skip
    screenshot(a, "portal")

    # -- company B takes the listing in its own wallet
    stack.wait_indexed()
    b = wallet_page(browser, stack, b_key.key.hex())
    connect(b, stack, b_key.address)
    act(b.locator("#deposit-form"), {"amountFen": "60000"})
    b.reload()
    take = b.locator("#open-listings tr", has_text="渝新材料科技有限公司").locator(
        "form[data-action=take]"
    )
    act(take)
    shown = b.evaluate("window.__wallet.shown")
    assert shown[-1]["primaryType"] == "Take"
    assert set(shown[-1]["message"]) >= {"buyer", "listing", "pollutant", "quantityKg", "priceFen"}

    # -- a negotiated trade: A signs its side, B countersigns the code
    a.reload()
    trade = a.locator("#trade-form")
    trade.locator("[name=side]").select_option("seller")
    trade.locator("[name=counterparty]").fill(with_check("91500000MA5UPT001"))
    expect(a.locator("#counterparty-found")).to_contain_text("川渝环保能源有限公司")
    act(trade, {"pollutant": str(COD), "quantityKg": "1", "priceFen": "9000"}, "已签名")
    code = a.locator("#trade-code").input_value()
    screenshot(a, "portal-trade")
    b.reload()
    b.locator("#trade-code").fill(code)
    act(b.locator("#countersign-form"), expect_text="成交")

    # -- a pledge and its release
    b.reload()
    pledge = b.locator("form[data-action=pledge]")
    act(pledge, {"pollutant": str(COD), "quantityKg": "1", "claimFen": "3000",
                 "maturity": "2099-06-30T12:00"})  # fmt: skip
    shown = b.evaluate("window.__wallet.shown")[-1]
    assert shown["primaryType"] == "Pledge" and int(shown["message"]["claimFen"]) == 300_000
    stack.wait_indexed()
    b.reload()
    expect(b.locator("#my-pledges tbody tr").first).to_contain_text("3,000.00 元")
    # the bank by its name (an authority of the deployment record, not a registered unit)
    expect(b.locator("#my-pledges tbody tr").first).to_contain_text("长江商业银行")
    expect(b.locator("form[data-action=pledge] select[name=bank]")).to_contain_text("长江商业银行")
    pledge_id = requests.get(f"{stack.url}/api/v1/public/units/{b_key.address}",
                             timeout=10).json()["pledges"][0]["id"]  # fmt: skip
    operate(stack, "bank", "pledges/release-pledge", {"id": pledge_id})

    # -- surrender against verified usage
    period = requests.get(f"{stack.url}/api/v1/public/periods", timeout=10).json()
    period_id = max(p["id"] for p in (period["rows"] if isinstance(period, dict) else period))
    for verifier in ("verifier_a", "verifier_b"):
        operate(stack, verifier, "verification/attest-usage", {
            "unit": a_key.address, "pollutant": "COD", "period": period_id, "kg": 500,
            "evidence": "0x" + "42" * 32})  # fmt: skip
    w3.provider.make_request("evm_increaseTime", [8 * DAY])
    w3.provider.make_request("evm_mine", [])
    stack.wait_indexed()
    a.reload()
    obligation = a.locator("#obligation-list tr", has_text=f"#{period_id}")
    act(obligation.locator("form[data-action=surrender]"))

    # -- money out: back to the wallet, then to a bank account
    a.reload()
    act(a.locator("#withdraw-form"), {"amountFen": "30000"})
    act(
        a.locator("#redeem-form"),
        {"amountFen": "40000", "bankAccountText": "工商银行 6222 0000 1111"},
    )
    token = stack.deployment["contracts"]["SettlementToken"]
    money = w3.eth.contract(address=token["address"], abi=token["abi"])
    request_id = money.functions.redemptionCount().call()
    operate(stack, "settlement_bank", "settlement/confirm-redemption",
            {"id": request_id, "reference": "PAYOUT-0001"})  # fmt: skip

    # -- never any native coin
    assert w3.eth.get_balance(a_key.address) == 0 and w3.eth.get_balance(b_key.address) == 0
    a.reload()
    expect(a.locator("#native-coin")).to_have_text("0")

    # -- the phone: the same page without sideways scrolling
    phone = wallet_page(browser, stack, a_key.key.hex(), phone=True)
    connect(phone, stack, a_key.address)
    widest = phone.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    assert widest <= 390, f"the page is {widest} px wide on a 390 px phone"
    screenshot(phone, "portal-phone")
    for page in (a, b, phone):
        page.context.close()


def test_portal_in_english_labels_every_field(stack, browser):
    """English switch; every input has a visible label; keyboard: the connect button and the
    first form field are reachable with Tab."""
    key = Account.create()
    page = wallet_page(browser, stack, key.key.hex())
    page.goto(stack.url + "/portal?lang=en")
    expect(page.locator("h1")).to_have_text("Company portal")
    page.click("#connect")
    expect(page.locator("#not-a-unit")).to_contain_text("not a registered unit")
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('form.act input:not([type=hidden]), form.act select')]"
        ".filter(e => !e.closest('label')).length"
    )
    assert unlabelled == 0
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") in ("A", "INPUT", "BUTTON")
    page.context.close()


def test_the_settlement_bank_issues_from_the_console_and_the_totals_are_public_R16_R29(stack, page):
    """The settlement bank's form in the console: an amount in 元 against a transfer reference,
    sent from the bank's own wallet; the overview discloses what was issued (R-36)."""
    from tests.e2e.conftest import inject_wallet

    before = requests.get(f"{stack.url}/api/v1/public/money", timeout=10).json()
    bank = authority_key("settlement_bank")
    member = Account.create().address
    inject_wallet(page, bank.private_key, stack.rpc_url)
    page.goto(stack.url + "/console?lang=zh")
    page.click("#connect")
    page.wait_for_url("**/console?*account=*")  # the console of the bank's duties
    form = page.locator("#duty-settlement form#issue")
    form.locator("input[name=to]").fill(member.lower())  # as MetaMask writes addresses
    form.locator("input[name=fen]").fill("1234.56")
    form.locator("input[name=reference]").fill("ABC-BANK-20250101-7")
    form.locator("button[type=submit]").click()
    expect(form.locator("output")).to_contain_text("✓", timeout=60_000)
    expect(form.locator("output")).to_contain_text("已发行")
    after = requests.get(f"{stack.url}/api/v1/public/money", timeout=10).json()
    assert after["issued_fen"] - before["issued_fen"] == 123_456
    token = stack.deployment["contracts"]["SettlementToken"]
    w3 = Web3(Web3.HTTPProvider(stack.rpc_url))
    assert (
        w3.eth.contract(address=token["address"], abi=token["abi"])
        .functions.balanceOf(member)
        .call()
        == 123_456
    )
    screenshot(page, "console-settlement")
    stack.wait_indexed()  # the overview is built once per index block (docs/explorer.md)
    page.goto(stack.url + "/?lang=zh")
    expect(page.locator("#money-totals")).to_contain_text(f"{after['issued_fen'] / 100:,.2f} 元")
