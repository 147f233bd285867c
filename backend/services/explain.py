"""Refusals in words: the arguments of a rule's verdict by name and type, and a sentence in
Chinese and English with the rule and the figures (have / need), for people.

A pre-check answers ``(Reason, have, need)`` with two ``uint256`` whose meaning depends on the
reason: kilograms for a shortage, fen for a price, an address for a blacklisted party (cast to
an integer), a pollutant and a region for a missing benchmark. :func:`verdict_args` names and
types them as the custom error the contract would raise does (an address as ``0x…``); the
market contracts revert with the ledger's own named errors, so they need no reading of their own.

:func:`describe` turns an error (name and arguments) into a sentence per language, quantities
in t with kg precision, money in 元, times in Beijing time, parties by their registered names.
Where the rights a holder could sell are short, the sentence says what the rest is and why:
only paid (R-05), unpledged (R-07) rights above the permitted quantity (R-06), certified
tradable (R-39), can be sold — never just "available 0" (:func:`sellable`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from eth_utils import to_checksum_address

from backend.chain.domain import POLLUTANTS, MarketReason, Reason, Sector, camel

BEIJING = timezone(timedelta(hours=8))

# The kinds of value an error argument holds, for formatting.
KG, FEN, ADDRESS, POLLUTANT, REGION, SECTOR, RESTRICTIONS, TIME, ID, CODE = (
    "kg", "fen", "address", "pollutant", "region", "sector", "restrictions", "time", "id", "code",
)  # fmt: skip

# Reason → the names and kinds of (have, need) in RightsLedger.check (TransferRules._evaluate).
RULE_ARGS: dict[Reason, tuple[tuple[str, str] | None, tuple[str, str] | None]] = {
    Reason.ZERO_QUANTITY: (None, None),
    Reason.UNKNOWN_POLLUTANT: (("pollutant", POLLUTANT), None),
    Reason.NOT_REGISTERED: (("account", ADDRESS), None),
    Reason.ACCOUNT_CLOSED: (("account", ADDRESS), None),
    Reason.INSUFFICIENT_RIGHTS: (("availableKg", KG), ("neededKg", KG)),
    Reason.BELOW_PERMIT: (("remainingKg", KG), ("permittedKg", KG)),
    Reason.CAP_EXCEEDED: (("remainingKg", KG), ("neededKg", KG)),
    Reason.NO_CAP: (("region", REGION), ("pollutant", POLLUTANT)),
    Reason.POLICY_RESTRICTED: (("account", ADDRESS), None),
    Reason.PRICE_BELOW_BENCHMARK: (("priceFen", FEN), ("minimumFen", FEN)),
    Reason.NO_BENCHMARK: (("pollutant", POLLUTANT), ("region", REGION)),
    Reason.BLACKLISTED: (("account", ADDRESS), ("restrictions", RESTRICTIONS)),
    Reason.NON_ATTAINMENT_DESTINATION: (("buyer", ADDRESS), ("pollutant", POLLUTANT)),
    Reason.THERMAL_POWER_AIR_POLLUTANT: (("seller", ADDRESS), ("buyer", ADDRESS)),
    Reason.INDUSTRY_LIVESTOCK: (("seller", ADDRESS), ("buyer", ADDRESS)),
    Reason.GREEN_CHANNEL_LIMIT: (("intakeKg", KG), ("neededKg", KG)),
    Reason.SECTOR_NOT_ENABLED: (("account", ADDRESS), ("sector", SECTOR)),
    Reason.SELLER_NOT_QUALIFIED: (("seller", ADDRESS), None),
    Reason.NOT_CERTIFIED_TRADABLE: (("certifiedKg", KG), ("neededKg", KG)),
    Reason.SAME_ACCOUNT: (None, None),
    Reason.NOT_RESERVE: (("account", ADDRESS), None),
    Reason.NOT_IN_POLICY: (("rule", CODE), None),
    Reason.MODULE_REFUSED: (("module", ADDRESS), ("value", CODE)),
}

# MarketReason → (have, need) of the exchange's own verdicts (contracts/market/*.check…).
MARKET_ARGS: dict[MarketReason, tuple[tuple[str, str] | None, tuple[str, str] | None]] = {
    MarketReason.TOO_LARGE: (("amountFen", FEN), ("maximumFen", FEN)),
    MarketReason.UNKNOWN_ORDER: (("id", ID), None),
    MarketReason.WRONG_STATUS: (("status", CODE), None),
    MarketReason.ENDED: (("endedAt", TIME), ("now", TIME)),
    MarketReason.NOT_ENDED: (("endsAt", TIME), ("now", TIME)),
    MarketReason.INSUFFICIENT_FUNDS: (("availableFen", FEN), ("neededFen", FEN)),
    MarketReason.BID_TOO_LOW: (("priceFen", FEN), ("minimumFen", FEN)),
    MarketReason.NOT_JOINED: (None, None),
    MarketReason.ALREADY_JOINED: (None, None),
    MarketReason.HAS_BIDS: (("leadingFen", FEN), None),
    MarketReason.INVALID_MODE: (("mode", CODE), None),
    MarketReason.OUTSIDE_REGION: (("bidderDistrict", REGION), ("lotDistrict", REGION)),
    MarketReason.APPLICATION_UNUSABLE: (("application", ID), None),
    MarketReason.PLEDGE_NOT_ENFORCING: (("pledge", ID), None),
    MarketReason.BAD_REVEAL: (None, None),
}


def _typed(kind: str, value: int) -> object:
    if kind == ADDRESS:
        return to_checksum_address(f"0x{int(value) % 2**160:040x}")
    return int(value)


def _pair(
    spec: tuple[tuple[str, str] | None, tuple[str, str] | None], have: int, need: int
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for slot, value in zip(spec, (have, need), strict=True):
        if slot is not None:
            out[slot[0]] = _typed(slot[1], value)
    return out


def rule_args(reason: int, have: int, need: int) -> dict[str, Any]:
    """The ledger's ``(have, need)`` for ``reason``, named and typed."""
    try:
        return _pair(RULE_ARGS[Reason(reason)], have, need)
    except (ValueError, KeyError):
        return {"have": int(have), "need": int(need)}


def verdict_args(market: int, rule: int, have: int, need: int) -> dict[str, Any]:
    """A market pre-check's ``(MarketReason, Reason, have, need)``, named and typed."""
    if MarketReason(market) is MarketReason.RULE_REFUSED:
        return rule_args(rule, have, need)
    spec = MARKET_ARGS.get(MarketReason(market))
    return _pair(spec, have, need) if spec else {"have": int(have), "need": int(need)}


# ---------------------------------------------------------------------------------------------
# Formatting: t with kg precision, 元, Beijing time


def tonnes(kg: int | None) -> str:
    """``12345`` → ``12.345 t``; ``5000`` → ``5 t`` (kg precision, no float rounding)."""
    if kg is None:
        return "—"
    whole, rest = divmod(abs(int(kg)), 1000)
    text = f"{whole:,}" + (f".{rest:03d}".rstrip("0") if rest else "")
    return ("-" if kg < 0 else "") + text + " t"


def yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    whole, rest = divmod(abs(int(fen)), 100)
    return ("-" if fen < 0 else "") + f"{whole:,}.{rest:02d} 元"


def beijing(seconds: int | None) -> str:
    if not seconds:
        return "—"
    moment = datetime.fromtimestamp(int(seconds), UTC).astimezone(BEIJING)
    return moment.strftime("%Y-%m-%d %H:%M") + " (北京时间)"


def pollutant_name(pid: int, lang: str) -> str:
    if 1 <= pid <= len(POLLUTANTS):
        p = POLLUTANTS[pid - 1]
        return f"{p.name_zh if lang == 'zh' else p.name_en} ({p.code})"
    return f"#{pid}"


SECTORS = {
    Sector.NONE: ("未设定", "none"), Sector.INDUSTRY: ("工业", "industry"),
    Sector.LIVESTOCK: ("畜禽养殖", "livestock"), Sector.SERVICE: ("服务业", "services"),
    Sector.THERMAL_POWER: ("火电", "thermal power"),
    Sector.TREATMENT_FACILITY: ("集中式治理设施", "treatment facility"),
    Sector.INVESTOR: ("投资者", "investor"), Sector.GOVERNMENT: ("政府储备", "government reserve"),
}  # fmt: skip

Names = Callable[[list[str]], Mapping[str, str]]


def _format(kind: str, value: object, lang: str, names: Mapping[str, str]) -> str:
    if kind == KG:
        return tonnes(int(value))  # type: ignore[arg-type]
    if kind == FEN:
        return yuan(int(value))  # type: ignore[arg-type]
    if kind == TIME:
        return beijing(int(value))  # type: ignore[arg-type]
    if kind == POLLUTANT:
        return pollutant_name(int(value), lang)  # type: ignore[arg-type]
    if kind == REGION:
        region = int(value)  # type: ignore[arg-type]
        if region == 0:
            return "全市" if lang == "zh" else "city-wide"
        return f"{region} 区" if lang == "zh" else f"district {region}"
    if kind == SECTOR:
        pair = SECTORS.get(Sector(int(value)))  # type: ignore[arg-type]
        return pair[0 if lang == "zh" else 1] if pair else str(value)
    if kind == ADDRESS:
        text = str(value)
        return names.get(text) or f"{text[:8]}…{text[-4:]}"
    return str(value)


# The kind of each named argument of the contracts' custom errors and the verdicts above.
ARG_KINDS: dict[str, str] = {
    **{s[0]: s[1] for pair in (*RULE_ARGS.values(), *MARKET_ARGS.values()) for s in pair if s},
    "holder": ADDRESS, "from": ADDRESS, "to": ADDRESS, "unit": ADDRESS, "bidder": ADDRESS,
    "caller": ADDRESS, "actor": ADDRESS, "applicant": ADDRESS, "winner": ADDRESS,
    "needed": KG, "available": KG, "remaining": KG, "permitted": KG, "certified": KG, "kg": KG,
    "quantityKg": KG, "balance": FEN, "allowance": FEN, "amount": FEN, "fen": FEN,
    "priceFen": FEN, "minimumFen": FEN, "locked": FEN, "endsAt": TIME, "deadline": TIME,
    "nowTime": TIME, "now": TIME, "pollutant": POLLUTANT, "region": REGION,
}  # fmt: skip
# Errors whose kg-named arguments are money (the exchange's books).
MONEY_ERRORS = (
    "ExchangeInsufficientFunds",
    "AuctionInsufficientFunds",
    "ExchangeInsufficientLocked",
)


def figures(
    code: str, args: Mapping[str, Any], lang: str, names: Mapping[str, str]
) -> dict[str, str]:
    """Each argument written for a person (``{"availableKg": "3.2 t", …}``)."""
    out = {}
    for name, value in args.items():
        kind = ARG_KINDS.get(name)
        if code in MONEY_ERRORS and name in ("available", "needed", "locked"):
            kind = FEN
        if kind is None or isinstance(value, bool) or not isinstance(value, int | str):
            continue
        try:
            out[name] = _format(kind, value, lang, names)
        except (ValueError, TypeError):
            continue
    return out


# ---------------------------------------------------------------------------------------------
# What a holder can sell now, and why not the rest


@dataclass(frozen=True)
class Sellable:
    """``kg`` can be sold now; ``held_back`` says what the rest is and why (kg, reason key)."""

    kg: int
    held_back: list[tuple[int, str]] = field(default_factory=list)


HELD_BACK = {
    "not_paid": ("无偿或减免取得的排污权只能用于本单位清缴，不能出售（R-05）",
                 "free and waived rights serve only the holder's own surrender (R-05)"),
    "pledged": ("已质押的排污权不能转让（R-07）", "pledged rights cannot be transferred (R-07)"),
    "permit_floor": ("许可证有效期内须保留许可排放量（R-06）",
                     "the permitted quantity stays while the permit is valid (R-06)"),
    "not_certified": ("尚未经可交易排污权认定（R-39）", "not certified as tradable (R-39)"),
    "not_qualified": ("未通过交易主体资格审查（R-39）",
                      "the holder is not a qualified trading party (R-39)"),
    "blacklisted": ("列入环保信用黑名单期间不能交易（R-17）",
                    "blacklisted units cannot trade (R-17)"),
}  # fmt: skip


def sellable(
    h: Mapping[str, int],
    *,
    permit_valid: bool,
    government: bool = False,
    qualified: bool = True,
    restricted: bool = False,
) -> Sellable:
    """What of one pollutant can be sold now (as ``RightsLens.sellable`` and the ledger's rules
    for an offer decide), with each part of the rest and its rule. ``h``: ``paid``, ``free``,
    ``waived``, ``pledged``, ``permitted``, ``tradable`` in kg."""
    paid, free, waived = int(h["paid"]), int(h["free"]), int(h["waived"])
    pledged, permitted, tradable = int(h["pledged"]), int(h["permitted"]), int(h["tradable"])
    held: list[tuple[int, str]] = []
    if free + waived:
        held.append((free + waived, "not_paid"))
    if pledged:
        held.append((pledged, "pledged"))
    kg = paid - pledged
    if permit_valid:
        excess = max(0, paid + free + waived - pledged - permitted)
        if kg > excess:
            held.append((kg - excess, "permit_floor"))
            kg = excess
    if not government:
        if restricted and kg:
            held.append((kg, "blacklisted"))
            kg = 0
        if not qualified and kg:
            held.append((kg, "not_qualified"))
            kg = 0
        if tradable < kg:
            held.append((kg - tradable, "not_certified"))
            kg = tradable
    return Sellable(kg, held)


def held_back_text(s: Sellable, lang: str) -> str:
    i = 0 if lang == "zh" else 1
    sep = "；" if lang == "zh" else "; "
    colon = "：" if lang == "zh" else ": "
    return sep.join(f"{tonnes(kg)}{colon}{HELD_BACK[key][i]}" for kg, key in s.held_back)


# ---------------------------------------------------------------------------------------------
# Sentences

# error name → (中文, English), with {argument} placeholders filled by `figures`
SENTENCES: dict[str, tuple[str, str]] = {
    "LedgerInsufficientRights": (
        "只有有偿取得且未质押的排污权可以出售、质押或出租（R-05、R-07）："
        "可用 {availableKg}，需要 {neededKg}",
        "Only paid, unpledged rights can be sold, pledged or leased (R-05, R-07): "
        "{availableKg} available, {neededKg} needed",
    ),
    "LedgerBelowPermit": (
        "许可证有效期内持有量不得低于许可排放量（R-06）："
        "操作后剩余 {remainingKg}，许可量 {permittedKg}",
        "While the permit is valid, holdings may not fall below the permitted quantity (R-06): "
        "{remainingKg} would remain, {permittedKg} permitted",
    ),
    "LedgerNotCertifiedTradable": (
        "出售数量须经可交易排污权认定（R-39）：已认定 {certifiedKg}，需要 {neededKg}",
        "Only a quantity certified tradable can be sold (R-39): {certifiedKg} certified, "
        "{neededKg} needed",
    ),
    "LedgerPriceBelowBenchmark": (
        "成交价不得低于交易基准价（R-15）：报价 {priceFen}，按基准价最低 {minimumFen}",
        "No trade below the benchmark price (R-15): {priceFen} offered, at least "
        "{minimumFen} at the benchmark",
    ),
    "LedgerNoBenchmark": (
        "{pollutant}在{region}尚未公布交易基准价（R-15）",
        "No benchmark price of {pollutant} is published for {region} (R-15)",
    ),
    "LedgerCapExceeded": (
        "将超出区域总量控制指标（R-10）：剩余指标 {remainingKg}，需要 {neededKg}",
        "The regional cap would be exceeded (R-10): {remainingKg} left, {neededKg} needed",
    ),
    "LedgerBlacklisted": (
        "{account}被列入环保信用黑名单或受限，不能交易（R-17）",
        "{account} is blacklisted or restricted and cannot trade (R-17)",
    ),
    "LedgerThermalPowerAirPollutant": (
        "火电企业不得与其他行业交易大气污染物（R-19）：出让方 {seller}，受让方 {buyer}",
        "Thermal power plants may not trade air pollutants with other sectors (R-19): "
        "seller {seller}, buyer {buyer}",
    ),
    "LedgerIndustryLivestock": (
        "工业源与畜禽养殖源之间不得交易（R-20）：出让方 {seller}，受让方 {buyer}",
        "Industrial and livestock sources may not trade with each other (R-20): "
        "seller {seller}, buyer {buyer}",
    ),
    "LedgerNonAttainmentDestination": (
        "受让方 {buyer} 所在区域{pollutant}环境质量未达标，不得从区外购入（R-18）",
        "{buyer} lies in an area failing its standard for {pollutant}: no purchase from "
        "outside it (R-18)",
    ),
    "LedgerSellerNotQualified": (
        "{seller}尚未通过交易主体资格审查（R-39）",
        "{seller} is not a qualified trading party yet (R-39)",
    ),
    "LedgerSectorNotEnabled": (
        "{account}所在行业（{sector}）尚未开放有偿使用和交易（R-38）",
        "Trading is not yet open to the sector of {account} ({sector}) (R-38)",
    ),
    "LedgerGreenChannelLimit": (
        "绿色通道仅限合计不足 1 t 的项目（R-21）：已取得 {intakeKg}，本次 {neededKg}",
        "The green channel is for projects under 1 t in total (R-21): {intakeKg} taken, "
        "{neededKg} now",
    ),
    "LedgerNotRegistered": ("{account}尚未登记排污权账户（R-02）",
                            "{account} has no registered account (R-02)"),
    "LedgerPolicyRestricted": ("{account}不符合产业政策（R-11）",
                               "{account} fails industrial policy (R-11)"),
    "MarketInsufficientFunds": (
        "交易账户可用资金不足（R-16）：可用 {availableFen}，需要 {neededFen}",
        "Not enough available money in the trading account (R-16): {availableFen} available, "
        "{neededFen} needed",
    ),
    "ExchangeInsufficientFunds": (
        "交易账户可用资金不足（R-16）：可用 {available}，需要 {needed}",
        "Not enough available money in the trading account (R-16): {available} available, "
        "{needed} needed",
    ),
    "MarketBidTooLow": (
        "报价 {priceFen} 低于最低可报价 {minimumFen}",
        "The bid {priceFen} is below the lowest acceptable {minimumFen}",
    ),
    "MarketEnded": ("该委托已于 {endedAt} 结束", "The order ended at {endedAt}"),
    "MarketNotEnded": ("竞价将于 {endsAt} 结束，尚未结束", "Bidding runs until {endsAt}"),
    "PaymentInsufficientBalance": (
        "钱包中的结算资金不足：余额 {balance}，需要 {amount}",
        "Not enough settlement money in the wallet: {balance} held, {amount} needed",
    ),
    "SettlementInsufficientBalance": (
        "钱包中的结算资金不足：余额 {balance}，需要 {needed}",
        "Not enough settlement money in the wallet: {balance} held, {needed} needed",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Explained:
    zh: str
    en: str
    figures_zh: dict[str, str]
    figures_en: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"zh": self.zh, "en": self.en, "figures": self.figures_zh,
                "figures_en": self.figures_en}  # fmt: skip


def describe(
    code: str,
    args: Mapping[str, Any],
    *,
    default: tuple[str, str],
    names: Mapping[str, str] | None = None,
    held_back: Sellable | None = None,
) -> Explained:
    """The refusal ``code(args)`` in words, per language. ``default``: the error table's
    (中文, English) text for names without a sentence of their own; ``held_back``: what the
    holder could sell and why not the rest, added to a shortage of rights."""
    names = names or {}
    out = []
    figs = {}
    for lang, i in (("zh", 0), ("en", 1)):
        figs[lang] = figures(code, args, lang, names)
        template = SENTENCES.get(code)
        text = default[i]
        if template is not None:
            try:
                text = template[i].format(**figs[lang])
            except (KeyError, IndexError):
                text = default[i]
        if held_back is not None and held_back.held_back:
            lead = "可出售 " if lang == "zh" else "Can be sold now: "
            tail = held_back_text(held_back, lang)
            text += ("。" if lang == "zh" else ". ") + lead + tonnes(held_back.kg)
            text += ("；其余 " if lang == "zh" else "; the rest: ") + tail
        out.append(text)
    return Explained(out[0], out[1], figs["zh"], figs["en"])


def addresses_in(args: Mapping[str, Any]) -> list[str]:
    """The addresses among an error's arguments (to be named by their units)."""
    return [v for v in args.values() if isinstance(v, str) and len(v) == 42 and v[:2] == "0x"]


def rule_name(reason: int) -> str:
    return "Ledger" + camel(Reason(reason).name)
