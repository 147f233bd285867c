"""Labels in Chinese (default) and English, and how figures are written (R-36).

Quantities are kept in kg and shown in tonnes from one tonne up; money is kept in fen and
shown in 元 with two decimals; times are China time. Numbers carry thousands separators.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from backend.chain.domain import POLLUTANTS

LANGS = ("zh", "en")
CHINA = timezone(timedelta(hours=8))

# key → (中文, English)
LABELS: dict[str, tuple[str, str]] = {
    "site": ("排污权登记与交易 · 信息公开", "Discharge Rights Registry · Public Disclosure"),
    "nav.overview": ("市场概览", "Market"),
    "nav.trades": ("交易", "Trades"),
    "nav.allocations": ("初始分配与收费", "Allocations & fees"),
    "nav.market": ("申报、挂牌与竞价", "Applications, listings & auctions"),
    "nav.reserve": ("储备与回购", "Reserve & buy-backs"),
    "nav.caps": ("总量指标", "Caps"),
    "nav.compliance": ("清缴履约", "Compliance"),
    "nav.blacklist": ("黑名单", "Blacklist"),
    "nav.council": ("重大事项公示", "Council actions"),
    "nav.units": ("排污单位", "Units"),
    "nav.pledges": ("质押", "Pledges"),
    "nav.portal": ("企业门户", "Company portal"),
    "nav.console": ("管理端", "Authority console"),
    "search.placeholder": ("单位名称或统一社会信用代码", "Unit name or credit code"),
    "search": ("搜索", "Search"),
    "lang.other": ("English", "中文"),
    "overview.title": ("市场概览", "Market overview"),
    "overview.benchmarks": ("现行交易基准价", "Benchmark prices in force"),
    "overview.prices": ("成交均价走势（元/吨）", "Average trade price (元/t)"),
    "overview.volumes": ("每日成交量（吨）", "Daily volume (t)"),
    "overview.totals": ("累计成交", "Trading to date"),
    "overview.fees": ("有偿使用费", "Paid-use fees"),
    "overview.latest": ("最新成交", "Latest trades"),
    "col.pollutant": ("污染物", "Pollutant"),
    "col.region": ("区域", "Region"),
    "col.citywide": ("全市", "City-wide"),
    "col.benchmark": ("基准价（元/吨）", "Benchmark (元/t)"),
    "col.effective": ("生效时间", "In force from"),
    "col.time": ("时间", "Time"),
    "col.seller": ("出让方", "Seller"),
    "col.buyer": ("受让方", "Buyer"),
    "col.quantity": ("数量", "Quantity"),
    "col.price": ("成交价", "Price"),
    "col.unit_price": ("单价（元/吨）", "Unit price (元/t)"),
    "col.mode": ("交易方式", "Mode"),
    "col.tx": ("交易哈希", "Transaction"),
    "col.holder": ("持有单位", "Holder"),
    "col.origin": ("取得方式", "Origin"),
    "col.fee": ("有偿使用费", "Paid-use fee"),
    "col.fee_note": ("实收或减免", "charged, or waived"),
    "col.trades": ("笔数", "Trades"),
    "col.value": ("成交金额", "Value"),
    "col.count": ("笔数", "Count"),
    "col.cap": ("总量指标", "Cap"),
    "col.allocated": ("已分配", "Allocated"),
    "col.used": ("使用率", "Used"),
    "col.remaining": ("剩余", "Remaining"),
    "col.unit": ("排污单位", "Unit"),
    "col.period": ("核查期", "Period"),
    "col.usage": ("核定排放量", "Verified usage"),
    "col.surrendered": ("已清缴", "Surrendered"),
    "col.shortfall": ("缺口", "Shortfall"),
    "col.status": ("状态", "Status"),
    "col.reason": ("原因", "Reason"),
    "col.restriction": ("限制类别", "Restriction"),
    "col.since": ("列入时间", "Since"),
    "col.name": ("名称", "Name"),
    "col.credit_code": ("统一社会信用代码", "Credit code"),
    "col.sector": ("行业", "Sector"),
    "col.district": ("区县", "District"),
    "col.account": ("账户地址", "Account"),
    "col.bank": ("质权银行", "Bank"),
    "col.claim": ("担保债权", "Secured claim"),
    "col.maturity": ("债务到期", "Due"),
    "col.source": ("来源", "Source"),
    "col.use": ("用途", "Use"),
    "col.direction": ("方向", "Direction"),
    "col.stock": ("库存", "Stock"),
    "col.inflow": ("流入", "Inflow"),
    "col.outflow": ("流出", "Outflow"),
    "col.amount": ("金额", "Amount"),
    "col.paid": ("有偿", "Paid"),
    "col.free": ("无偿", "Free"),
    "col.waived": ("减免", "Waived"),
    "col.pledged": ("质押中", "Pledged"),
    "col.permitted": ("许可量", "Permitted"),
    "col.leased": ("租入/租出", "Leased in/out"),
    "col.tradable": ("可交易认定", "Certified tradable"),
    "col.owed": ("欠缴", "Owed"),
    "col.event": ("事件", "Event"),
    "col.details": ("内容", "Details"),
    "col.block": ("区块", "Block"),
    "col.contract": ("合约", "Contract"),
    "col.valid": ("有效期", "Valid"),
    "col.version": ("版本", "Version"),
    "dir.in": ("流入", "In"),
    "dir.out": ("流出", "Out"),
    "verify": ("链上核验", "Verify"),
    "verify.ok": ("与链上一致", "matches the chain"),
    "verify.bad": ("与链上不一致", "differs from the chain"),
    "download": ("下载", "Download"),
    "older": ("更早 ›", "Older ›"),
    "newer": ("‹ 更新", "‹ Newer"),
    "none": ("暂无记录", "Nothing yet"),
    "all": ("全部", "All"),
    "filter": ("筛选", "Filter"),
    "trades.title": ("全部交易", "Every trade"),
    "allocations.title": ("初始分配与有偿使用费", "Primary allocations and fees"),
    "allocations.totals": ("收费与减免合计", "Fees charged and waived"),
    "market.title": ("一级市场申报、挂牌与竞价", "Primary applications, listings and auctions"),
    "market.applications": ("初始排污权申报与核定", "Applications and approved quantities"),
    "market.listings": ("挂牌与电子竞价", "Listings and electronic bidding"),
    "market.lots": ("公开竞价（拍卖）", "Public auctions"),
    "col.applicant": ("申报单位", "Applicant"),
    "col.kind": ("类型", "Kind"),
    "col.requested": ("申报量", "Requested"),
    "col.approved": ("核定量", "Approved"),
    "col.fee_charged": ("实收费用", "Fee charged"),
    "col.ask": ("挂牌价", "Ask"),
    "col.best_bid": ("最高报价", "Best bid"),
    "col.format": ("方式", "Format"),
    "col.seller_pledgor": ("出让方/出质人", "Seller or pledgor"),
    "col.reserve_price": ("起拍价", "Reserve price"),
    "col.deposit": ("保证金", "Deposit"),
    "col.bidders": ("竞买人", "Bidders"),
    "col.leading": ("领先/成交价", "Leading or winning price"),
    "col.winner": ("竞得人", "Winner"),
    "col.to_bank": ("银行优先受偿", "To the bank first"),
    "col.bids": ("报价次数", "Bids"),
    "reserve.title": ("政府储备", "Government reserve"),
    "reserve.stock": ("按来源的储备库存", "Stock by source"),
    "reserve.flows": ("储备流入与流出", "Reserve flows"),
    "reserve.buybacks": ("回购", "Buy-backs"),
    "reserve.reclaims": ("收回", "Reclaims"),
    "caps.title": ("区域总量指标及使用情况", "Caps and their use by region"),
    "council.title": (
        "重大监管事项（委员会批准、等待期公示）",
        "High-impact regulator actions (council approval, public waiting period)",
    ),
    "council.intro": (
        "总量指标、黑名单、收回和欺诈处罚须经生态环境局委员会多数批准，"
        "并在等待期满后方可执行；等待期内省级主管部门可予撤销。",
        "Caps, blacklisting, reclaims and fraud sanctions need the approval of the "
        "regulator council's majority and take effect only after a public waiting "
        "period, during which the provincial authority may cancel them.",
    ),
    "col.proposal": ("提案", "Proposal"),
    "col.calls": ("拟执行的操作", "Calls"),
    "col.approvals": ("批准", "Approvals"),
    "col.eta": ("最早执行时间", "Earliest execution"),
    "col.state": ("状态", "State"),
    "council.state.pending": ("待批准", "pending approval"),
    "council.state.scheduled": ("等待期中", "waiting"),
    "council.state.ready": ("可执行", "ready"),
    "council.state.executed": ("已执行", "executed"),
    "council.state.cancelled": ("已撤销", "cancelled"),
    "council.state.withdrawn": ("已撤回", "withdrawn"),
    "compliance.title": ("核查与清缴履约状态", "Compliance status per unit and period"),
    "blacklist.title": ("环保信用黑名单", "Blacklist"),
    "units.title": ("排污单位", "Units"),
    "unit.profile": ("登记信息", "Registration"),
    "unit.holdings": ("持有排污权（按污染物与来源）", "Holdings by pollutant and origin"),
    "unit.pledges": ("质押", "Pledges"),
    "unit.permit": ("排污许可证", "Discharge permit"),
    "unit.history": ("历史记录", "History"),
    "unit.registered": ("登记交易", "Registered in"),
    "pledges.title": ("排污权质押", "Pledges of rights"),
    "tx.title": ("交易详情", "Transaction"),
    "tx.events": ("本交易产生的事件", "Events of this transaction"),
    "tx.node": ("在区块链节点上查看", "Read from the chain node"),
    "blacklisted": ("黑名单", "blacklisted"),
    "closed": ("已注销", "closed"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "portal.title": ("企业门户", "Company portal"),
    "portal.connect": ("连接钱包", "Connect wallet"),
    "portal.connected": ("已连接账户", "Connected account"),
    "portal.actions": ("签名操作", "Signed actions"),
    "portal.sign": ("在钱包中签名并提交", "Sign in wallet and submit"),
    "portal.note": (
        "私钥始终留在您的钱包中：服务只转发您签名的数据。",
        "Your key stays in your wallet: the service only relays what you signed.",
    ),
    "portal.trade": ("协议转让（双方签名）", "Negotiated trade (both parties sign)"),
    "portal.trade_note": (
        "一方填写条款并签名，将生成的委托码发给对方；对方粘贴委托码、签名后即成交（R-14）。",
        "One party fills in the terms and signs, then sends the code to the other party, who "
        "pastes it and countersigns: the trade settles (R-14).",
    ),
    "portal.trade_sign": ("签署我方条款", "Sign my side"),
    "portal.trade_code": ("委托码", "Trade code"),
    "portal.trade_countersign": ("对方签署并成交", "Countersign and settle"),
    "portal.trade_signed": (
        "已签名：请将委托码发给对方",
        "Signed: send the trade code to the other party",
    ),
    "portal.consent": ("合并、分立的单位同意", "Consent to a merger or split"),
    "portal.consent_note": (
        "主管部门提交合并或分立前，每个相关单位须在自己的钱包中签名同意（R-30、R-31）。粘贴主管部门给出的"
        "同意码，核对钱包中显示的各项内容后签名，再将签名交回主管部门。",
        "Before a regulator submits a merger or split, every unit concerned signs its consent "
        "in its own wallet (R-30, R-31). Paste the consent code the regulator gave you, check "
        "what the wallet shows, sign, and return the signature to the regulator.",
    ),
    "portal.consent_code": ("同意码", "Consent code"),
    "portal.consent_sign": ("在钱包中签名同意", "Sign my consent in the wallet"),
    "portal.consent_signature": (
        "我的签名（交回主管部门）",
        "My signature (return it to the regulator)",
    ),
    "col.quantity_kg": ("数量（千克）", "Quantity (kg)"),
    "col.price_fen": ("总价（分）", "Total price (fen)"),
    "console.title": ("主管部门、交易机构与银行管理端", "Regulator, exchange and bank console"),
    "console.tx": ("链上交易", "Chain transaction"),
    "console.send": ("在钱包中签名并发送", "Sign and send from wallet"),
    "console.contract": ("合约", "Contract"),
    "console.function": ("方法", "Function"),
    "index.at": ("索引至区块", "Indexed to block"),
    "footer": (
        "所有数据来自链上事件；每个数字都链接到产生它的交易，可在节点上核验（R-36、R-37）。",
        "Every figure comes from chain events and links to the transaction that made it; "
        "verify it against a node (R-36, R-37).",
    ),
}

ENUMS: dict[str, dict[int, tuple[str, str]]] = {
    "sector": {
        0: ("未设定", "none"), 1: ("工业", "industry"), 2: ("畜禽养殖", "livestock"),
        3: ("服务业", "services"), 4: ("火电", "thermal power"),
        5: ("集中式治理设施", "treatment facility"), 6: ("投资者", "investor"),
        7: ("政府储备", "government reserve"),
    },
    "origin": {0: ("有偿取得", "paid"), 1: ("无偿", "free"), 2: ("减免", "waived")},
    "mode": {
        0: ("—", "—"), 1: ("协议转让", "negotiated"), 2: ("挂牌电子竞价", "listing"),
        3: ("公开竞价", "auction"), 4: ("绿色通道", "green channel"), 5: ("回购", "buy-back"),
        6: ("储备出让", "reserve release"), 7: ("质押处置", "pledge enforcement"),
    },
    "compliance": {
        0: ("—", "—"), 1: ("核查期内", "open"), 2: ("待核定", "awaiting verification"),
        3: ("待清缴", "due"), 4: ("逾期未清缴", "overdue"), 5: ("已履约", "compliant"),
        6: ("未履约", "non-compliant"),
    },
    "pledge": {
        0: ("—", "—"), 1: ("质押中", "active"), 2: ("已解除", "released"),
        3: ("处置中", "enforcing"), 4: ("已处置", "enforced"),
    },
    "source": {
        0: ("收回", "reclaimed"), 1: ("回购", "bought back"), 2: ("集中治理设施", "facility"),
        3: ("闲置收回", "idle"), 4: ("欺诈收回", "fraud"),
    },
    "app_kind": {
        0: ("现有单位（基准价）", "existing unit (benchmark)"),
        1: ("新建（竞价）", "new unit (auction)"), 2: ("改扩建（竞价）", "expansion (auction)"),
    },
    "app_status": {
        0: ("—", "—"), 1: ("已申报", "applied"), 2: ("已核定", "approved"),
        3: ("不予核定", "rejected"), 4: ("已撤回", "withdrawn"), 5: ("已取得", "settled"),
    },
    "listing_status": {
        0: ("—", "—"), 1: ("挂牌中", "open"), 2: ("竞价中", "bidding"), 3: ("已摘牌", "taken"),
        4: ("竞价成交", "settled"), 5: ("到期未成交", "expired"), 6: ("已撤牌", "cancelled"),
        7: ("成交失败", "failed"),
    },
    "lot_kind": {0: ("单位出让", "sale"), 1: ("质押处置", "enforcement"),
                 2: ("新增排污权", "primary"), 3: ("储备出让", "reserve")},
    "lot_format": {0: ("增价竞价", "ascending"), 1: ("密封竞价", "sealed bid")},
    "lot_status": {
        0: ("—", "—"), 1: ("竞价中", "open"), 2: ("已成交", "sold"), 3: ("流拍", "unsold"),
        4: ("成交失败", "failed"), 5: ("已撤销", "cancelled"),
    },
    "use": {0: ("市场出让", "market"), 1: ("重点项目", "priority project"),
            2: ("绿色通道", "green channel")},
    "restriction": {
        1: ("环保信用不良", "poor environmental credit"), 2: ("环保挂牌督办", "under supervision"),
        4: ("污染源限期治理", "rectification order"), 8: ("区域限批", "regional suspension"),
        16: ("以欺骗手段获取", "fraud"), 32: ("其他法律法规规定", "other law"),
    },
}  # fmt: skip

EN_POLLUTANTS = {p.code: p.name_en for p in POLLUTANTS}


class Lang:
    """Labels and number formats of one language, as templates use them."""

    def __init__(self, code: str) -> None:
        self.code = code if code in LANGS else "zh"
        self._i = 0 if self.code == "zh" else 1

    @property
    def other(self) -> str:
        return "en" if self.code == "zh" else "zh"

    def __call__(self, key: str) -> str:
        pair = LABELS.get(key)
        return pair[self._i] if pair else key

    def enum(self, kind: str, value: int | None) -> str:
        if value is None:
            return "—"
        pair = ENUMS[kind].get(int(value))
        return pair[self._i] if pair else str(value)

    def pollutant(self, pollutants: dict, pid: int) -> str:
        p = pollutants.get(pid)
        if p is None:
            return f"#{pid}"
        if self.code == "zh":
            return f"{p['name']} ({p['code']})"
        return f"{EN_POLLUTANTS.get(p['code'], p['name'])} ({p['code']})"

    def region(self, region: int) -> str:
        if region == 0:
            return self("col.citywide")
        return f"{region} 区" if self.code == "zh" else f"district {region}"


def number(value: int | float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def kg(value: int | None) -> str:
    """Tonnes from one tonne up (three decimals trimmed), kilograms below."""
    if value is None:
        return "—"
    if abs(value) >= 1000:
        text = f"{value / 1000:,.3f}".rstrip("0").rstrip(".")
        return f"{text} t"
    return f"{value:,} kg"


def yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    return f"{fen / 100:,.2f} 元"


def per_tonne(fen_per_t: int | None) -> str:
    if fen_per_t is None:
        return "—"
    return f"{fen_per_t / 100:,.2f}"


def when(timestamp: int | None) -> str:
    if not timestamp:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def day(days: int) -> str:
    return datetime.fromtimestamp(days * 86400, UTC).strftime("%Y-%m-%d")


def short(text: str | None, keep: int = 6) -> str:
    if not text:
        return "—"
    return f"{text[: keep + 2]}…{text[-4:]}"
