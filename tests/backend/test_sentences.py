"""Events and council calls as sentences (R-36): every event of the deployment has one, with names,
t, 元 and Beijing time, in Chinese and English; what a transaction chose (a name) is escaped."""

from __future__ import annotations

import html
import re
import string

import pytest
from eth_utils import keccak
from markupsafe import Markup

from backend.explorer import i18n
from backend.explorer.sentences import KINDS, Speaker
from backend.explorer.wording import CALLS, EVENTS, Variants
from backend.services.parties import Party, RoleHeld

COD, SO2 = 1, 3
POLLUTANTS = {COD: {"code": "COD", "name": "化学需氧量"}, SO2: {"code": "SO2", "name": "二氧化硫"}}
PAPER = "0x2546BcD3c84621e976D8185a91A922aE77ECEc30"
PHARMA = "0xdF3e18d64BC6A983f673Ab319CCaE4f1a57C7097"
BANK = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
STRANGER = "0x1111111111111111111111111111111111111111"
TX_TIME = 1_765_180_800  # 2025-12-08 08:00 UTC = 16:00 in Beijing


def _pairs(sentence):
    if isinstance(sentence, Variants):
        return list(sentence.cases.values()) + ([sentence.default] if sentence.default else [])
    return [sentence]


def _fields(template: str, *, required_only: bool = False) -> list[tuple[str, str]]:
    """The placeholders of a template (only those outside ``[…]``: those a value must fill)."""
    if required_only:
        template = re.sub(r"\[[^\]]*\]", "", template)
    plain = template.replace("[", "").replace("]", "")
    return [(name, spec) for _, name, spec, _ in string.Formatter().parse(plain) if name]


def test_every_event_of_the_deployment_has_a_sentence_naming_only_its_arguments(deployment):
    """A new event without a sentence fails here (the explorer would fall back to its raw
    name): the wording grows with the contracts."""
    missing, wrong = [], []
    for contract, record in deployment.contracts.items():
        for item in record.abi:
            if item.get("type") != "event":
                continue
            sentence = EVENTS.get(item["name"])
            if sentence is None:
                missing.append(f"{contract}.{item['name']}")
                continue
            names = {i["name"] for i in item["inputs"]}
            for pair in _pairs(sentence):
                for template in pair:
                    for name, _ in _fields(template, required_only=True):
                        if not (name in names or name.startswith("_")):
                            wrong.append(f"{item['name']}: {{{name}}} is not an argument")
                    for _, spec in _fields(template):
                        if spec and spec not in KINDS:
                            wrong.append(f"{item['name']}: no kind {spec!r}")
    assert missing == []
    assert wrong == []


def test_every_council_call_matches_a_deployed_function(deployment):
    """A sentence keyed ``Contract.function`` matches that contract's function; one keyed by the
    function's name alone, a function of any contract (a proxy's ProxyAdmin included)."""
    from brownie import ProxyAdmin

    assert any(r.proxy_admin for r in deployment.contracts.values())
    abis = {name: record.abi for name, record in deployment.contracts.items()}
    abis["ProxyAdmin"] = ProxyAdmin.abi
    functions = {
        (contract, item["name"], len(item["inputs"]))
        for contract, abi in abis.items()
        for item in abi
        if item.get("type") == "function"
    }
    for name, (params, sentence) in CALLS.items():
        contract, _, function = name.rpartition(".")
        assert any((c, f, n) == (contract or c, function, len(params)) for c, f, n in functions), (
            name
        )
        for pair in _pairs(sentence):
            for template in pair:
                assert all(f in params or f.startswith("_") for f, _ in _fields(template)), name


@pytest.fixture
def speaker(deployment):
    parties = {
        PAPER: Party(PAPER, "unit", "九龙坡造纸厂", "九龙坡造纸厂"),
        PHARMA: Party(PHARMA, "unit", "<script>alert(1)</script>", "<script>alert(1)</script>"),
        BANK: Party(
            BANK,
            "authority",
            "长江商业银行",
            "Changjiang Commercial Bank",
            (RoleHeld("PledgeBook", "PLEDGEE_ROLE"),),
        ),
    }

    def make(code: str) -> Speaker:
        lang = i18n.Lang(code, deployment.places)
        return Speaker(lang, pollutants=POLLUTANTS, parties=parties, deployment=deployment)

    return make


def _text(markup: Markup) -> str:
    """What a reader sees: tags removed, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(markup)))


def test_a_trade_reads_with_names_tonnes_and_yuan_in_both_languages(speaker):
    args = {"from": PAPER, "to": BANK, "pollutant": COD, "kg": 10_500, "priceFen": 4_200_000,
            "mode": 1}  # fmt: skip
    zh = speaker("zh").event("RightsLedger", "RightsTraded", args)
    assert (
        _text(zh)
        == "九龙坡造纸厂向长江商业银行转让 10.5 t 化学需氧量 (COD)，价款 42,000.00 元（协议转让）"
    )
    assert f'href="/units/{PAPER}"' in zh and f'href="/address/{BANK}"' in zh
    en = speaker("en").event("RightsLedger", "RightsTraded", args)
    assert _text(en) == ("九龙坡造纸厂 sold 10.5 t of chemical oxygen demand (COD) to Changjiang "
                         "Commercial Bank for 42,000.00 元 (negotiated)")  # fmt: skip


def test_times_are_beijing_time_and_districts_have_their_names(speaker):
    args = {"pollutant": SO2, "region": 8, "fenPerTonne": 260_000, "effectiveFrom": TX_TIME,
            "by": STRANGER}  # fmt: skip
    zh = _text(speaker("zh").event("PriceBook", "BenchmarkPublished", args))
    assert "长寿区二氧化硫 (SO2)交易基准价 2,600.00 元/t，自 2025-12-08 16:00 起执行（R-15）" in zh
    assert "0x111111…1111" in zh  # an address that is nothing known: short, linked to its page
    en = _text(speaker("en").event("PriceBook", "BenchmarkPublished", args))
    assert "in Changshou District: 2,600.00 元/t, from 2025-12-08 16:00 (R-15)" in en


def test_a_name_a_transaction_chose_is_escaped(speaker):
    pledged = {"id": 3, "holder": PHARMA, "bank": BANK, "pollutant": COD, "kg": 900}
    zh = speaker("zh").event("PledgeBook", "Pledged", pledged)
    assert "<script>" not in zh and "&lt;script&gt;" in zh
    assert _text(zh).endswith("将 900 kg 化学需氧量 (COD)质押给长江商业银行（第 3 号质押，R-34）")


def test_variants_and_optional_parts(speaker):
    zh = speaker("zh")
    set_ = {"holder": PAPER, "restriction": 2, "active": True, "reason": "挂牌督办", "by": STRANGER}
    assert "列入限制名单：环保挂牌督办（原因：挂牌督办）" in _text(
        zh.event("AccountRegistry", "RestrictionChanged", set_)
    )
    lifted = {**set_, "active": False, "reason": ""}
    assert _text(zh.event("AccountRegistry", "RestrictionChanged", lifted)).endswith(
        "的限制：环保挂牌督办（R-17）"
    )
    approved = {"id": 12, "approvedKg": 8_000, "by": STRANGER}
    assert "第 12 号申报：8 t" in _text(zh.event("PrimaryMarket", "ApplicationApproved", approved))
    enriched = {**approved, "_applicant": PAPER, "_pollutant": COD}
    assert "第 12 号申报（九龙坡造纸厂，化学需氧量 (COD)）：8 t" in _text(
        zh.event("PrimaryMarket", "ApplicationApproved", enriched)
    )


def test_an_event_without_a_sentence_is_written_generically(speaker):
    text = _text(speaker("zh").event("Exchange", "SomethingNew", {"holder": PAPER, "feeFen": 250}))
    assert text == "Exchange.SomethingNew holder 九龙坡造纸厂，feeFen 2.50 元"


def test_a_proposed_call_is_decoded_into_a_sentence(speaker, deployment):
    from web3 import Web3

    ledger = deployment.contracts["RightsLedger"]
    data = Web3().eth.contract(abi=ledger.abi).encode_abi("setCap", [8, COD, 1_500_000])
    zh = _text(speaker("zh").call(ledger.address, data))
    assert zh == "将长寿区化学需氧量 (COD)总量控制指标设为 1,500 t（R-10）"
    en = _text(speaker("en").call(ledger.address, data))
    assert (
        en == "set the cap of chemical oxygen demand (COD) in Changshou District to 1,500 t (R-10)"
    )
    pledges = deployment.contracts["PledgeBook"]
    role = keccak(text="PLEDGEE_ROLE")
    grant = Web3().eth.contract(abi=pledges.abi).encode_abi("grantRole", [role, BANK])
    assert (
        _text(speaker("zh").call(pledges.address, grant))
        == "授予长江商业银行排污权质押登记的“质权银行”权限"
    )
    assert "本系统以外" in _text(speaker("zh").call(STRANGER, data))


def test_an_upgrade_the_council_proposes_names_the_contract_and_its_new_code(speaker, deployment):
    """The call goes to the proxy's ProxyAdmin; the sentence names the contract behind it."""
    from brownie import ProxyAdmin
    from web3 import Web3

    money = deployment.contracts["SettlementToken"]
    new = "0x" + "ab" * 20
    data = (
        Web3()
        .eth.contract(abi=ProxyAdmin.abi)
        .encode_abi("upgradeAndCall", [money.address, Web3.to_checksum_address(new), b""])
    )
    zh = _text(speaker("zh").call(money.proxy_admin, data))
    assert zh == "更换交易结算资金的程序代码为新实现 0xABaBaB…ABaB，地址和全部记录不变"
    en = _text(speaker("en").call(money.proxy_admin, data))
    assert en == (
        "Replace the code of Settlement money with implementation 0xABaBaB…ABaB; "
        "its address and every record stay"
    )


def test_a_proposed_policy_change_reads_in_words(speaker, deployment):
    """The council's policy calls (docs/registry.md "Policy"): the figure in t or years, the
    effective time in Beijing time or, for 0, nothing (on execution); a switch by its name."""
    from web3 import Web3

    book = deployment.contracts["PolicyBook"]
    encode = Web3().eth.contract(abi=book.abi).encode_abi
    limit = encode("schedule", [1, 500, 0])
    assert _text(speaker("zh").call(book.address, limit)) == (
        "将本市政策“绿色通道限额”调整为 500 kg"
    )
    term = encode("schedule", [2, 3 * 365 * 86_400, TX_TIME])
    assert _text(speaker("zh").call(book.address, term)) == (
        "将本市政策“租赁最长期限”调整为 3 年，自 2025-12-08 16:00 起生效"
    )
    assert _text(speaker("en").call(book.address, term)) == (
        "change the city's policy “longest lease term” to 3 years, from 2025-12-08 16:00"
    )
    off = encode("scheduleSwitch", [1, False, 0])
    assert _text(speaker("zh").call(book.address, off)) == "停止实行本市政策规则“排污权租赁”"
    on = encode("scheduleSwitch", [2, True, 0])
    assert _text(speaker("en").call(book.address, on)) == (
        "turn on the city's rule “price floor at the benchmark”"
    )
