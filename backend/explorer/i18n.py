"""Labels in Chinese (default) and English, and how figures are written (R-36).

Quantities are kept in kg and shown in tonnes from one tonne up; money is kept in fen and
shown in 元 with two decimals; times are China time. Numbers carry thousands separators.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from enum import IntEnum

from markupsafe import Markup, escape

from backend.chain.domain import POLLUTANTS, MarketReason, Reason, camel
from backend.services.policy_view import SWITCHES

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
    "nav.policy": ("本市政策", "City policy"),
    "nav.council": ("重大事项公示", "Council actions"),
    "nav.units": ("排污单位", "Units"),
    "nav.pledges": ("质押", "Pledges"),
    "nav.portal": ("企业门户", "Company portal"),
    "nav.console": ("管理端", "Authority console"),
    "search.placeholder": ("单位名称或统一社会信用代码", "Unit name or credit code"),
    "search": ("搜索", "Search"),
    "skip": ("跳到正文", "Skip to content"),
    "nav.label": ("栏目", "Sections"),
    "lang.other": ("English", "中文"),
    "overview.title": ("市场概览", "Market overview"),
    "overview.benchmarks": ("现行交易基准价", "Benchmark prices in force"),
    "overview.prices": ("成交均价走势（元/吨）", "Average trade price (元/t)"),
    "overview.volumes": ("每日成交量（吨）", "Daily volume (t)"),
    "overview.totals": ("累计成交", "Trading to date"),
    "overview.fees": ("有偿使用费", "Paid-use fees"),
    "overview.latest": ("最新成交", "Latest trades"),
    "overview.money": ("结算资金（入金与出金）", "Settlement money in and out"),
    "overview.money_note": (
        "结算银行按银行转账发行结算资金，按会员申请兑付至其银行账户（R-16、R-29），数据直接读自链上合约。",
        "The settlement bank issues settlement money against bank transfers and redeems it to "
        "members' bank accounts (R-16, R-29); read from the contracts on chain.",
    ),
    "money.issued": ("累计发行（入金）", "Issued to date (money in)"),
    "money.redeemed": ("累计兑付（出金）", "Redeemed to date (money out)"),
    "money.pending": ("待银行兑付", "Waiting for the bank's payout"),
    "money.supply": ("流通中", "In circulation"),
    "money.booked": ("交易账户中", "In trading accounts"),
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
    "col.basin": ("流域", "Basin"),
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
    "policy.title": ("本市排污权交易政策", "The city's discharge-rights policy"),
    "policy.intro": (
        "以下规则和数值由本市实施方案确定，只能经生态环境局委员会批准、等待期满后，"
        "于公布的生效时间起变更；生效前仍适用原规定。",
        "These rules and figures come from the city's plan; they change only by the regulator "
        "council's approval, after its waiting period, from the stated effective time; until "
        "then the old rule applies.",
    ),
    "policy.in_force": ("现行规定", "In force now"),
    "policy.modules": ("委员会增设的规则", "Rules the council added"),
    "policy.history": ("变更记录", "History of changes"),
    "policy.col.rule": ("规则", "Rule"),
    "policy.col.item": ("事项", "Item"),
    "policy.col.value": ("现行", "Now"),
    "policy.col.next": ("待生效", "Scheduled"),
    "policy.col.change": ("变更", "Change"),
    "policy.col.effective": ("生效时间", "Takes effect"),
    "policy.pending": ("待生效", "pending"),
    "policy.superseded": (
        "生效前已被后一项变更取代",
        "replaced by a later change before it took effect",
    ),
    "policy.col.when": ("时间", "When"),
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
    "council.proposal": ("第 {id} 号提案", "Proposal {id}"),
    "council.calls_intro": ("批准后将执行：", "If approved, the council will:"),
    "council.by": ("提案人：{proposer}", "Proposed by {proposer}"),
    "council.approvals": ("已获 {n} 票批准，需 {of} 票", "{n} of the {of} approvals needed"),
    "council.transactions": ("提案经过（链上交易）", "Its transactions"),
    "council.api": ("链上数据：", "As data:"),
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
    "units.unrestricted": ("无限制", "not restricted"),
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
    "portal.sign": ("在钱包中签名并提交", "Sign in your wallet and submit"),
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
    "portal.public_page": ("公开信息页", "public page"),
    "portal.not_unit": ("该账户不是已登记的排污单位", "This account is not a registered unit"),
    "portal.not_unit_note": (
        "请联系生态环境主管部门登记账户（R-02）。主管部门、交易机构和银行请使用管理端。",
        "Ask the environmental authority to register the account (R-02). Authorities, the "
        "exchange and banks use the console.",
    ),
    "portal.rights": ("我的排污权", "My rights"),
    "portal.rights_note": (
        "只有有偿取得、未质押、高于许可排放量且经可交易认定的部分可以出售（R-05、R-06、R-07、R-39）。",
        "Only paid, unpledged rights above the permitted quantity and certified tradable can be "
        "sold (R-05, R-06, R-07, R-39).",
    ),
    "portal.total": ("合计", "Total"),
    "portal.floor": ("许可量（保留）", "Permit floor"),
    "portal.sellable": ("现可出售", "Can sell now"),
    "portal.can_sell": ("可出售", "can sell"),
    "portal.held_back": ("其余不可出售的原因", "Why not the rest"),
    "portal.permit_not_valid": ("不在有效期内", "not in force"),
    "portal.obligations": ("我的履约", "My obligations"),
    "portal.deadline": ("清缴截止", "Surrender deadline"),
    "portal.acts": ("操作", "Act"),
    "portal.surrender": ("清缴", "Surrender"),
    "portal.surrendered": ("已清缴", "Surrendered"),
    "portal.carry_over": ("结转", "Carry over"),
    "portal.carried_over": ("已结转", "Carried over"),
    "portal.buy_back": ("申请回购", "Sell back to the reserve"),
    "portal.bought_back": ("已回购", "Bought back"),
    "portal.quantity": ("数量", "Quantity"),
    "portal.trading": ("交易", "Trade"),
    "portal.list": ("挂牌出让", "List rights for sale"),
    "portal.list_note": (
        "挂牌价为整批总价；首次报价前可被摘牌，之后进入电子竞价（R-14、R-15）。",
        "The ask is the total price of the lot; it can be taken until the first bid, then "
        "electronic bidding runs (R-14, R-15).",
    ),
    "portal.listed": ("已挂牌", "Listed"),
    "portal.ask": ("挂牌总价", "Asking price (total)"),
    "portal.ask_hint": ("不得低于基准价（R-15）", "not below the benchmark (R-15)"),
    "portal.step": ("加价幅度", "Minimum raise"),
    "portal.ends_at": ("截止时间", "Ends"),
    "portal.my_listings": ("我的挂牌", "My listings"),
    "portal.open_listings": ("可摘牌或竞价的挂牌", "Listings open to take or bid"),
    "portal.cancel_listing": ("撤牌", "Withdraw"),
    "portal.cancelled": ("已撤回", "Withdrawn"),
    "portal.settle": ("成交结算", "Settle"),
    "portal.settled": ("已结算", "Settled"),
    "portal.take": ("摘牌", "Take at"),
    "portal.taken": ("已摘牌成交", "Bought"),
    "portal.bid": ("报价", "Bid"),
    "portal.bid_price": ("报价（总价）", "Bid (total)"),
    "portal.bid_placed": ("已报价，资金已冻结", "Bid placed; the money is locked"),
    "portal.negotiated": ("协议转让（双方签名）", "Negotiated trade (both parties sign)"),
    "portal.my_side": ("我方为", "I am the"),
    "portal.counterparty": ("对方（名称或统一社会信用代码）", "Counterparty (name or credit code)"),
    "portal.total_price": ("成交总价", "Total price"),
    "portal.auctions": ("拍卖（公开竞价）", "Auctions"),
    "portal.join": ("报名并缴纳保证金", "Join, deposit"),
    "portal.joined": ("已报名，保证金已冻结", "Joined; the deposit is locked"),
    "portal.application_id": ("核定的申报编号", "Approved application no."),
    "portal.offer_lot": ("委托拍卖", "Offer at auction"),
    "portal.offer_lot_note": (
        "起拍价不得低于该批排污权的基准价值；竞买人须缴纳保证金（R-15、R-16）。",
        "The reserve price is at least the lot's benchmark value; bidders lodge a deposit "
        "(R-15, R-16).",
    ),
    "portal.offered": ("已委托拍卖", "Offered"),
    "portal.pledges": ("质押", "Pledges"),
    "portal.pledge": ("质押给银行", "Pledge to a bank"),
    "portal.pledge_note": (
        "只能质押高于许可排放量的有偿取得排污权；质押期间不得转让（R-07、R-34）。",
        "Only paid rights above the permitted quantity can be pledged; pledged rights cannot be "
        "transferred (R-07, R-34).",
    ),
    "portal.pledged": ("已质押", "Pledged"),
    "portal.claim_hint": (
        "质押担保的债务：违约处置时银行最多受偿此数（R-34）",
        "the debt the pledge secures: the most the bank recovers from a sale on default (R-34)",
    ),
    "portal.maturity_hint": (
        "债务到期前银行不得宣告违约",
        "the bank may not declare default before the debt falls due",
    ),
    "portal.min_price": ("最低接受总价", "Least total price accepted"),
    "portal.min_price_hint": (
        "按所在区县已生效的基准价回购；低于此价不成交（R-26）",
        "bought back at the district's settled benchmark; refused below this price (R-26)",
    ),
    "portal.leases": ("租赁", "Leases"),
    "portal.offer_lease": ("出租排污权", "Lease rights out"),
    "portal.lease_note": (
        "承租方在租期内可用于清缴，期满自动返还（R-35）。",
        "The lessee may surrender them during the term; they return at its end (R-35).",
    ),
    "portal.lease_offered": ("已发出租赁要约", "Lease offered"),
    "portal.lessee_address": ("承租方账户地址", "Lessee's account"),
    "portal.address_hint": ("0x 开头的 40 位十六进制地址", "0x followed by 40 hex digits"),
    "portal.lease_ends": ("租期截止", "Term ends"),
    "portal.rent": ("租金", "Rent"),
    "portal.accept_lease": ("接受租赁", "Accept a lease"),
    "portal.accept_lease_note": (
        "填写出租方告知的租赁编号和条款；条款不符将被拒绝。",
        "Enter the lease number and terms the lessor gave you; other terms are refused.",
    ),
    "portal.lease_accepted": ("已租入", "Lease accepted"),
    "portal.lease_id": ("租赁编号", "Lease no."),
    "portal.primary": ("初始排污权申报与购买", "Primary applications and purchases"),
    "portal.purchase": ("缴费购买", "Pay and acquire"),
    "portal.purchased": ("已取得", "Acquired"),
    "portal.withdraw_application": ("撤回申报", "Withdraw"),
    "portal.withdrawn": ("已撤回", "Withdrawn"),
    "portal.apply": ("申报", "Apply"),
    "portal.apply_note": (
        "现有单位按基准价购买核定量（R-08）；新建、改扩建项目的新增排污权通过竞价取得（R-09）。",
        "Existing units buy the approved quantity at the benchmark (R-08); new units and "
        "expansions obtain new rights at auction (R-09).",
    ),
    "portal.applied": ("已申报", "Applied"),
    "portal.money": ("我的资金", "My money"),
    "portal.wallet_money": ("钱包中的结算资金", "Settlement money in the wallet"),
    "portal.available": ("交易账户可用资金", "Trading account: available"),
    "portal.locked": (
        "交易账户冻结资金（报价、保证金）",
        "Trading account: locked (bids, deposits)",
    ),
    "portal.native": ("链上燃料币（无需持有）", "Chain's native coin (none needed)"),
    "portal.money_note": (
        "入金：向结算银行转账后，银行按转账流水发行结算资金到您的钱包，再存入交易账户；"
        "出金：从交易账户取回钱包，再申请兑付到银行账户（R-16）。",
        "Money in: after your bank transfer the settlement bank issues settlement money to "
        "your wallet; deposit it into the trading account. Money out: withdraw to the wallet, "
        "then redeem to your bank account (R-16).",
    ),
    "portal.deposit": ("存入交易账户", "Deposit into the trading account"),
    "portal.deposit_note": (
        "钱包中将显示一项授权（Permit）：允许交易所收取该金额。",
        "The wallet shows a permit letting the exchange draw exactly this amount.",
    ),
    "portal.deposited": ("已存入", "Deposited"),
    "portal.amount": ("金额", "Amount"),
    "portal.withdraw": ("取回钱包", "Withdraw to the wallet"),
    "portal.withdraw_note": ("只能取回未冻结的资金。", "Only money not locked can be withdrawn."),
    "portal.withdrawn_money": ("已取回", "Withdrawn"),
    "portal.redeem": ("兑付至银行账户", "Redeem to a bank account"),
    "portal.redeem_note": (
        "银行核对后付款并注销相应结算资金；账户信息只以哈希值上链。",
        "The bank pays out and burns the amount; the account appears on chain only as a hash.",
    ),
    "portal.redeemed": ("已提交兑付申请", "Redemption requested"),
    "portal.bank_account": ("收款银行账户", "Bank account"),
    "portal.bank_account_hint": ("开户行及账号", "bank and account number"),
    "held.not_paid": (
        "无偿或减免取得，只能用于本单位清缴（R-05）",
        "free or waived: only for own surrender (R-05)",
    ),
    "held.pledged": ("已质押（R-07）", "pledged (R-07)"),
    "held.permit_floor": ("须保留许可排放量（R-06）", "kept for the permit (R-06)"),
    "held.not_certified": ("未经可交易认定（R-39）", "not certified tradable (R-39)"),
    "held.not_qualified": (
        "未通过交易主体资格审查（R-39）",
        "not a qualified trading party (R-39)",
    ),
    "held.blacklisted": ("列入黑名单期间不能交易（R-17）", "blacklisted (R-17)"),
    "unit.beijing": ("北京时间", "Beijing time"),
    "unit.beijing_time": ("（北京时间）", "(Beijing time)"),
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
    "console.settlement": ("结算银行：入金与出金", "Settlement bank: money in and out"),
    "console.settlement_note": (
        "按收到的银行转账发行结算资金（流水号只以哈希值上链）；核对会员的兑付申请后付款确认，或说明理由退回（R-16）。",
        "Issue settlement money against a bank transfer received (the reference goes on chain "
        "only as its hash); pay out a member's redemption and confirm it, or refuse it with the "
        "reason (R-16).",
    ),
    "console.issue": ("发行（入金）", "Issue (money in)"),
    "console.issue_to": ("收款会员账户地址", "Member's account"),
    "console.reference": ("银行转账流水号", "Bank transfer reference"),
    "console.issued": ("已发行", "Issued"),
    "console.pending": ("待兑付申请", "Redemptions waiting"),
    "console.confirm": ("付款后确认", "Confirm the payout"),
    "console.confirmed": ("已确认兑付", "Paid out"),
    "console.payout_reference": ("付款流水号", "Payout reference"),
    "console.reject": ("退回", "Refuse"),
    "console.refused": ("已退回", "Refused"),
    "console.reference_hint": (
        "流水号仅以哈希值上链，银行留存原文",
        "Only the reference's hash goes on chain; the bank keeps the text",
    ),
    "settle.redemption": (
        "第 {id} 号兑付申请：{holder} 申请兑付 {amount}",
        "Redemption #{id}: {holder} asks to be paid {amount}",
    ),
    "console.reason": ("理由", "Reason"),
    "console.title": ("主管部门、交易机构与银行管理端", "Regulator, exchange and bank console"),
    "console.tx": ("链上交易", "Chain transaction"),
    "console.send": ("在钱包中签名并发送", "Sign and send from wallet"),
    "console.contract": ("合约", "Contract"),
    "console.function": ("方法", "Function"),
    "index.at": ("索引至区块", "Indexed to block"),
    "error.400": ("请求有误", "Bad request"),
    "error.401": ("签名无效", "Signature refused"),
    "error.403": ("无权访问", "Not allowed"),
    "error.404": ("找不到该页面或记录", "Not found"),
    "error.405": ("不支持该方法", "Method not allowed"),
    "error.409": ("规则不允许", "Refused by the rules"),
    "error.422": ("请求内容无效", "The request is invalid"),
    "error.429": ("请求过于频繁，请稍后再试", "Too many requests: try again shortly"),
    "error.500": ("服务内部错误", "Internal error"),
    "error.502": ("区块链节点拒绝了请求", "The chain node refused"),
    "error.503": ("服务暂时不可用", "Service unavailable"),
    "error.other": ("出错了", "Something went wrong"),
    "error.code": ("错误代码", "Error code"),
    "error.back": ("返回（去掉筛选条件）", "Back (without the filters)"),
    "tx.state.recording": (
        "区块链已确认这笔交易，正在写入公开记录（通常一两秒）……",
        "The chain has this transaction; it is being recorded (a second or two)…",
    ),
    "tx.state.pending": (
        "这笔交易已提交，正在等待打包进区块……",
        "The transaction is waiting to be included in a block…",
    ),
    "tx.state.failed": (
        "这笔交易已上链但执行失败（已回滚），未改变任何记录。",
        "The transaction was mined but failed (reverted): it changed nothing.",
    ),
    "tx.state.no-events": (
        "这笔交易已上链，但没有产生本系统的记录。",
        "The transaction was mined but recorded nothing in the register.",
    ),
    "tx.refresh": ("页面会自动刷新。", "This page reloads itself."),
    "tx.reload": ("立即刷新", "Reload now"),
    "tx.raw": ("原始参数", "Raw arguments"),
    "address.kind.unit": ("排污单位", "Registered unit"),
    "address.kind.contract": ("本系统的智能合约", "A contract of the register"),
    "address.kind.authority": (
        "主管部门或机构（按其权限）",
        "An authority (by the roles it holds)",
    ),
    "address.kind.account": (
        "在记录中出现的账户（未登记为排污单位）",
        "An account that appears in the records (not a registered unit)",
    ),
    "address.created": ("部署于", "Deployed in"),
    "address.roles": ("权限", "Roles"),
    "address.holders": ("谁在本合约上拥有权限", "Who holds roles on this contract"),
    "address.history": ("相关记录", "Records naming this address"),
    "col.role": ("权限", "Role"),
    "sentence.unknown_call": (
        "调用本系统以外的地址",
        "a call to an address outside the deployment",
    ),
    "sentence.nobody": ("（无）", "(nobody)"),
    "times": ("时间均为北京时间（UTC+8）", "Times are Beijing time (UTC+8)"),
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
    "policy_figure": {
        0: ("规则开关", "rule switches"), 1: ("绿色通道限额", "green-channel limit"),
        2: ("租赁最长期限", "longest lease term"), 3: ("排污许可有效期", "permit validity"),
    },
    # the city policy's switches, in the words of the /policy page
    "policy_switch": {int(s): (zh, en) for s, (_rule, zh, en) in SWITCHES.items()},
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
    "class": {0: ("其他", "other"), 1: ("水污染物", "water pollutant"),
              2: ("大气污染物", "air pollutant"), 3: ("固体废物", "solid waste")},
    "restriction": {
        1: ("环保信用不良", "poor environmental credit"), 2: ("环保挂牌督办", "under supervision"),
        4: ("污染源限期治理", "rectification order"), 8: ("区域限批", "regional suspension"),
        16: ("以欺骗手段获取", "fraud"), 32: ("其他法律法规规定", "other law"),
    },
}  # fmt: skip

EN_POLLUTANTS = {p.code: p.name_en for p in POLLUTANTS}
UNITS_OF_TIME = {"year": ("年", "year"), "day": ("天", "day"), "hour": ("小时", "hour"),
                 "minute": ("分钟", "minute"), "second": ("秒", "second")}  # fmt: skip


def _reasons(enum: type[IntEnum], prefix: str) -> dict[int, tuple[str, str]]:
    """The rule engine's and the market's reasons in words: the error table's texts (R-xx)."""
    from backend.api.errors import rule_for

    out = {}
    for member in enum:
        rule = rule_for(prefix + camel(member.name))
        out[int(member)] = (rule.zh, rule.en)
    out[0] = ("—", "—")
    return out


ENUMS["reason"] = _reasons(Reason, "Ledger")
ENUMS["market_reason"] = _reasons(MarketReason, "Market")

# texts the page's script shows (static/drr.js, static/portal.js), per language
JS_TEXTS: dict[str, tuple[str, str]] = {
    "error.number": (
        "{field}：请填写数字，最多 {digits} 位小数",
        "{field}: a number, at most {digits} decimals",
    ),
    "error.datetime": ("{field}：请选择日期和时间", "{field}: choose a date and time"),
    "error.required": ("请填写：{field}", "Please fill in: {field}"),
    "wallet.none": (
        "未找到浏览器钱包（如 MetaMask）",
        "No browser wallet (such as MetaMask) found",
    ),
    "wallet.no_account": ("钱包未提供账户", "The wallet gave no account"),
    "wallet.rejected": (
        "您在钱包中拒绝了该请求，未做任何更改",
        "You declined in the wallet; nothing was changed",
    ),
    "wallet.wrong_chain": (
        "钱包未切换到本系统的链（链 ID {chain}）",
        "The wallet is not on this system's chain (chain id {chain})",
    ),
    "wallet.connect_first": ("请先连接钱包", "Connect your wallet first"),
    "wallet.connected": ("已连接", "Connected"),
    "wallet.switched": ("钱包账户已变更，正在刷新", "The wallet's account changed; reloading"),
    "form.checking": ("正在核对规则…", "Checking the rules…"),
    "form.sign_in_wallet": ("请在钱包中确认签名…", "Confirm the signature in your wallet…"),
    "form.sending": ("正在提交…", "Submitting…"),
    "form.done": ("完成", "Done"),
    "form.reverted": ("交易在区块中失败", "The transaction failed in its block"),
    "form.not_mined": ("交易 {hash} 尚未上链，请稍后查看", "Transaction {hash} is not mined yet"),
    "trade.signed": (
        "已签名：请将委托码发给对方",
        "Signed: send the trade code to the other party",
    ),
    "trade.settled": ("成交", "Settled"),
    "trade.not_for_you": (
        "该委托码不是由本账户会签的",
        "This trade code is not for this account to countersign",
    ),
    "trade.no_counterparty": ("请从列表中选择对方单位", "Choose the counterparty from the list"),
    "trade.found": ("对方：{name}（{code}）", "Counterparty: {name} ({code})"),
    "bank.hashed": ("账户信息仅以哈希值上链", "Only a hash of the account goes on chain"),
    "consent.merge": (
        "已签名同意合并：请将签名交回主管部门",
        "Consent to the merger signed: return the signature to the regulator",
    ),
    "consent.split": (
        "已签名同意分立：请将签名交回主管部门",
        "Consent to the split signed: return the signature to the regulator",
    ),
    "consent.not_for_you": (
        "本账户不是该同意码所列的单位",
        "This account is not one of the units of this consent code",
    ),
}


def js_texts(lang: Lang) -> dict[str, str]:
    """The script's texts in ``lang``."""
    i = 0 if lang.code == "zh" else 1
    return {key: pair[i] for key, pair in JS_TEXTS.items()}


class Lang:
    """Labels and number formats of one language, as templates use them."""

    def __init__(
        self, code: str, places: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None
    ) -> None:
        self.code = code if code in LANGS else "zh"
        self._i = 0 if self.code == "zh" else 1
        self.places = places or {}

    @property
    def other(self) -> str:
        return "en" if self.code == "zh" else "zh"

    def __call__(self, key: str) -> str:
        pair = LABELS.get(key)
        return pair[self._i] if pair else key

    def say(self, key: str, **values: object) -> Markup:
        """A label with ``{placeholders}``: the text escaped, each value escaped unless it is
        already markup (a link to a party)."""
        return Markup(_fill(str(escape(self(key))), values))  # noqa: S704 - all escaped

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
        """A district by its name (the deployment's places), 0 the whole city."""
        if region == 0:
            return self("col.citywide")
        named = self.places.get("districts", {}).get(str(region))
        if named:
            return named[self.code]
        return f"{region} 区" if self.code == "zh" else f"district {region}"

    def contract(self, name: str) -> str:
        """A contract of the deployment, in words."""
        from backend.services.parties import CONTRACTS

        return CONTRACTS.get(name, (name, name))[self._i]

    def role(self, held: object) -> str:
        """A role a party holds (``parties.RoleHeld``), in words, with a district's name."""
        text = held.label(self._i)  # type: ignore[attr-defined]
        scope = getattr(held, "scope", None)
        return (
            f"{text}（{self.region(scope)}）"
            if scope and self._i == 0
            else (f"{text} ({self.region(scope)})" if scope else text)
        )

    def role_name(self, contract: str, role: str) -> str:
        from backend.services.parties import RoleHeld

        return RoleHeld(contract, role).label(self._i)

    def basin(self, basin: int) -> str:
        named = self.places.get("basins", {}).get(str(basin))
        if named:
            return named[self.code]
        return f"{basin} 号流域" if self.code == "zh" else f"basin {basin}"

    def duration(self, count: int, unit: str) -> str:
        zh, en = UNITS_OF_TIME[unit]
        return (
            f"{count:,} {zh}" if self.code == "zh" else f"{count:,} {en}{'s' if count != 1 else ''}"
        )


def _fill(text: str, values: Mapping[str, object]) -> str:
    for k, v in values.items():
        text = text.replace("{" + k + "}", str(v) if isinstance(v, Markup) else str(escape(str(v))))
    return text


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


def tonnes(value: int | None) -> str:
    """A quantity in kg as a plain number of tonnes, for a form field (1500 → ``1.5``)."""
    if value is None:
        return ""
    return f"{value / 1000:.3f}".rstrip("0").rstrip(".")


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
    try:
        return datetime.fromtimestamp(timestamp, UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    except (ValueError, OverflowError, OSError):  # a time a caller chose beyond the calendar
        return f"{timestamp:,} s"


def day(days: int) -> str:
    try:
        return datetime.fromtimestamp(days * 86400, UTC).strftime("%Y-%m-%d")
    except (ValueError, OverflowError, OSError):
        return f"#{days}"


def short(text: str | None, keep: int = 6) -> str:
    if not text:
        return "—"
    return f"{text[: keep + 2]}…{text[-4:]}"


def tonnes_text(value: int | None) -> str:
    """Tonnes with kg precision (``12.345 t``), as the portal shows holdings."""
    from backend.services.explain import tonnes as exact

    return exact(value)


def day_of(timestamp: int | None) -> str:
    if not timestamp:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).astimezone(CHINA).strftime("%Y-%m-%d")


from backend.explorer.console_words import CONSOLE_LABELS  # noqa: E402 - the console's own words

LABELS.update(CONSOLE_LABELS)
