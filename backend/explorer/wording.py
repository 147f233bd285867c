"""The sentences of the explorer: every event of the deployment and every call the regulator
council may propose, in Chinese and English (rendered by ``sentences.py``).

Placeholders name an argument and how to write it (``{kg:kg}``, ``{by:party}``, see
``sentences.KINDS``); a part in ``[…]`` is left out when a value in it is missing, empty or zero;
``Variants`` choose a sentence by an argument. Arguments starting with ``_`` come from the index
(``sentences.enrich``) or the page (``_contract``: the emitting contract).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ZERO = "0x" + "0" * 40
Pair = tuple[str, str]  # (中文, English)


@dataclass(frozen=True)
class Variants:
    """Sentences chosen by one argument's value (or a function of the arguments)."""

    key: str | Callable[[Mapping[str, Any]], Any]
    cases: Mapping[Any, Pair]
    default: Pair | None = None

    def pick(self, args: Mapping[str, Any]) -> Pair:
        value = self.key(args) if callable(self.key) else args.get(self.key)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        found = self.cases.get(value)
        if found is None:
            if self.default is None:
                raise KeyError(value)
            return self.default
        return found


Sentence = Pair | Variants

# a policy figure that is a length of time (lease term, permit validity)
_POLICY_DURATION: Pair = (
    "本市政策“{figure:policy_figure}”由{oldValue:duration}调整为{newValue:duration}，"
    "自{effectiveAt:time}起生效（监管委员会决定）",
    "The city's policy “{figure:policy_figure}” changes from {oldValue:duration} to "
    "{newValue:duration} from {effectiveAt:time} (the regulator council's decision)",
)

EVENTS: dict[str, Sentence] = {
    # -- accounts, attributes, the blacklist (AccountRegistry) --------------------------------
    "PollutantAdded": (
        "新增污染物种类：{name:text}（{code:text}，{class:class}）（R-01）",
        "Pollutant kind added: {name:text} ({code:text}, {class:class}) (R-01)",
    ),
    "AccountRegistered": (
        "{by:party}为{holder:party}开立排污权账户（统一社会信用代码 {creditCode:code}，"
        "{sector:sector}，{district:district}，{basin:basin}）（R-02）",
        "{by:party} opened the rights account of {holder:party} (credit code {creditCode:code}, "
        "{sector:sector}, {district:district}, {basin:basin}) (R-02)",
    ),
    "AttributesChanged": (
        "{by:party}变更{holder:party}的登记信息：{sector:sector}，{district:district}，{basin:basin}（R-03）",
        "{by:party} changed the registration of {holder:party}: {sector:sector}, "
        "{district:district}, {basin:basin} (R-03)",
    ),
    "RestrictionChanged": Variants(
        "active",
        {
            True: (
                "{by:party}将{holder:party}列入限制名单：{restriction:restriction}[（原因：{reason:text}）]（R-17）",
                "{by:party} restricted {holder:party}: {restriction:restriction}[ (reason: {reason:text})] (R-17)",
            ),
            False: (
                "{by:party}解除{holder:party}的限制：{restriction:restriction}[（{reason:text}）]（R-17）",
                "{by:party} lifted the restriction of {holder:party}: {restriction:restriction}"
                "[ ({reason:text})] (R-17)",
            ),
        },
    ),
    "PolicyRestrictionChanged": Variants(
        "restricted",
        {
            True: (
                "{by:party}认定{holder:party}不符合产业政策，不得取得排污权[（{reason:text}）]（R-11）",
                "{by:party} found that {holder:party} fails industrial policy: it may not obtain "
                "rights[ ({reason:text})] (R-11)",
            ),
            False: (
                "{by:party}认定{holder:party}符合产业政策[（{reason:text}）]（R-11）",
                "{by:party} cleared {holder:party} of the industrial-policy flag[ ({reason:text})] (R-11)",
            ),
        },
    ),
    "SellerQualificationChanged": Variants(
        "qualified",
        {
            True: (
                "{by:party}认定{holder:party}具备交易主体资格（R-39）",
                "{by:party} qualified {holder:party} as a trading party (R-39)",
            ),
            False: (
                "{by:party}取消{holder:party}的交易主体资格（R-39）",
                "{by:party} withdrew the trading-party qualification of {holder:party} (R-39)",
            ),
        },
    ),
    "NonAttainmentChanged": Variants(
        "nonAttainment",
        {
            True: (
                "{area:area}的{pollutant:pollutant}列入环境质量未达标区域，不得向其出售（R-18）",
                "{area:area} listed as failing its quality standard for {pollutant:pollutant}: "
                "no sales into it (R-18)",
            ),
            False: (
                "{area:area}的{pollutant:pollutant}移出环境质量未达标区域（R-18）",
                "{area:area} no longer listed for {pollutant:pollutant} (R-18)",
            ),
        },
    ),
    "SectorEnabledChanged": Variants(
        "enabled",
        {
            True: (
                "{sector:sector}行业开放排污权交易（R-38）",
                "Trading opened to the sector {sector:sector} (R-38)",
            ),
            False: (
                "{sector:sector}行业暂停排污权交易（R-38）",
                "Trading closed to the sector {sector:sector} (R-38)",
            ),
        },
    ),
    "DistrictRegulatorSet": (
        "任命{regulator:party}为{district:district}的生态环境主管部门",
        "{regulator:party} appointed regulator of {district:district}",
    ),
    "AccountClosed": (
        "{by:party}注销{holder:party}的账户[（{reason:text}）]（R-32）",
        "{by:party} closed the account of {holder:party}[ ({reason:text})] (R-32)",
    ),
    # -- auctions (AuctionHouse) --------------------------------------------------------------
    "LotOffered": Variants(
        "kind",
        {
            0: (
                "{seller:party}公开竞价出让{quantityKg:kg}{pollutant:pollutant}（第 {id} 号拍卖，{terms:terms}）（R-14）",
                "{seller:party} offered {quantityKg:kg} of {pollutant:pollutant} at auction "
                "(lot {id}, {terms:terms}) (R-14)",
            ),
            1: (
                "质押处置：{seller:party}被质押的{quantityKg:kg}{pollutant:pollutant}公开拍卖"
                "（第 {id} 号拍卖，第 {ref} 号质押，{terms:terms}）（R-34）",
                "Pledge enforcement: {quantityKg:kg} of {pollutant:pollutant} pledged by {seller:party} "
                "offered at auction (lot {id}, pledge {ref}, {terms:terms}) (R-34)",
            ),
            2: (
                "{region:district}新增排污权{quantityKg:kg}{pollutant:pollutant}公开竞价出让"
                "（第 {id} 号拍卖，{terms:terms}）（R-09）",
                "New rights of {region:district}: {quantityKg:kg} of {pollutant:pollutant} offered at "
                "auction (lot {id}, {terms:terms}) (R-09)",
            ),
            3: (
                "政府储备公开竞价出让{quantityKg:kg}{pollutant:pollutant}（第 {id} 号拍卖，{terms:terms}）（R-28）",
                "The government reserve offered {quantityKg:kg} of {pollutant:pollutant} at auction "
                "(lot {id}, {terms:terms}) (R-28)",
            ),
        },
    ),
    "BidderJoined": (
        "{bidder:party}缴纳保证金{depositFen:yuan}，报名参加第 {id} 号拍卖[（第 {application} 号申报）]（R-16）",
        "{bidder:party} lodged a deposit of {depositFen:yuan} to bid on lot {id}"
        "[ (application {application})] (R-16)",
    ),
    "BidPlaced": (
        "{bidder:party}对第 {id} 号拍卖出价{priceFen:yuan}（截止时间{closesAt:time}）",
        "{bidder:party} bid {priceFen:yuan} on lot {id} (closes {closesAt:time})",
    ),
    "BidCommitted": (
        "{bidder:party}对第 {id} 号拍卖提交密封报价",
        "{bidder:party} committed a sealed bid on lot {id}",
    ),
    "BidRevealed": Variants(
        "leading",
        {
            True: (
                "{bidder:party}揭示第 {id} 号拍卖的报价{priceFen:yuan}，暂列最高",
                "{bidder:party} revealed a bid of {priceFen:yuan} on lot {id}, now leading",
            ),
            False: (
                "{bidder:party}揭示第 {id} 号拍卖的报价{priceFen:yuan}",
                "{bidder:party} revealed a bid of {priceFen:yuan} on lot {id}",
            ),
        },
    ),
    "LotSold": (
        "第 {id} 号拍卖成交：{winner:party}以{priceFen:yuan}竞得",
        "Lot {id} sold to {winner:party} for {priceFen:yuan}",
    ),
    "LotClosed": Variants(
        "status",
        {
            3: ("第 {id} 号拍卖流拍（无有效报价）", "Lot {id} closed unsold (no valid bid)"),
            5: ("{by:party}撤销第 {id} 号拍卖", "{by:party} cancelled lot {id}"),
        },
        default=("第 {id} 号拍卖结束：{status:lot_status}", "Lot {id} closed: {status:lot_status}"),
    ),
    "LotFailed": (
        "第 {id} 号拍卖未能成交：{market:market_reason}[；{rule:reason}][（需要 {need:n}，现有 {have:n}）]",
        "Lot {id} could not settle: {market:market_reason}[; {rule:reason}]"
        "[ (needs {need:n}, has {have:n})]",
    ),
    "DepositRefunded": (
        "退还{bidder:party}在第 {id} 号拍卖的保证金{fen:yuan}",
        "The deposit of {bidder:party} on lot {id} refunded: {fen:yuan}",
    ),
    "DepositForfeited": (
        "{bidder:party}未揭示报价，第 {id} 号拍卖的保证金{fen:yuan}没收，上缴财政（R-29）",
        "{bidder:party} did not reveal its bid: its deposit of {fen:yuan} on lot "
        "{id} is forfeited to the treasury (R-29)",
    ),
    "EnforcementProceeds": (
        "第 {id} 号拍卖（第 {pledge} 号质押处置）价款分配：{bankFen:yuan}优先支付"
        "{bank:party}，余款{holderFen:yuan}归{holder:party}（R-34）",
        "Proceeds of lot {id} (enforcement of pledge {pledge}): {bankFen:yuan} "
        "to {bank:party} first, the rest {holderFen:yuan} to {holder:party} (R-34)",
    ),
    # -- compliance (ComplianceManager) -------------------------------------------------------
    "PeriodDefined": (
        "设定第 {period} 核查期：{start:time} 至 {end:time}，清缴截止{surrenderDeadline:time}，"
        "结转截止{carryOverDeadline:time}（R-22）",
        "Compliance period {period} defined: {start:time} to {end:time}, surrender by "
        "{surrenderDeadline:time}, carry-over by {carryOverDeadline:time} (R-22)",
    ),
    "Surrendered": (
        "{unit:party}清缴第 {period} 期{pollutant:pollutant}{kg:kg}，尚需清缴{remaining:kg}（R-24）",
        "{unit:party} surrendered {kg:kg} of {pollutant:pollutant} for period {period}; "
        "{remaining:kg} still due (R-24)",
    ),
    "SurrenderClosed": (
        "第 {period} 期{unit:party}的{pollutant:pollutant}清缴截止，欠缴{shortfall:kg}（R-25）",
        "Surrender of {pollutant:pollutant} for period {period} closed for "
        "{unit:party}: {shortfall:kg} owed (R-25)",
    ),
    "OwedSettled": (
        "{unit:party}补缴欠缴的{pollutant:pollutant}{kg:kg}，尚欠{remaining:kg}（R-25）",
        "{unit:party} settled {kg:kg} of owed {pollutant:pollutant}; {remaining:kg} "
        "still owed (R-25)",
    ),
    "SuccessorSet": (
        "{unit:party}的履约义务由{successor:party}承继（R-30、R-31）",
        "The obligations of {unit:party} pass to {successor:party} (R-30, R-31)",
    ),
    "SurplusRecorded": (
        "{unit:party}第 {period} 期{pollutant:pollutant}清缴后结余{kg:kg}，可在窗口期内出售、回购或结转（R-26）",
        "{unit:party} has {kg:kg} of {pollutant:pollutant} left after surrendering for period {period}: to sell, sell back or carry over (R-26)",
    ),
    "SurplusBoughtBack": (
        "政府储备按基准价回购{unit:party}第 {period} 期结余的{kg:kg}{pollutant:pollutant}，尚余{remaining:kg}（R-26）",
        "The reserve bought back {kg:kg} of {pollutant:pollutant} left to {unit:party} after period {period} at the benchmark; {remaining:kg} left (R-26)",
    ),
    "CarriedOver": Variants(
        "automatic",
        {
            True: (
                "{unit:party}第 {period} 期结余的{kg:kg}{pollutant:pollutant}自动结转至下一期（R-26）",
                "{kg:kg} of {pollutant:pollutant} left to {unit:party} after period {period} carried "
                "over automatically (R-26)",
            ),
            False: (
                "{unit:party}将第 {period} 期结余的{kg:kg}{pollutant:pollutant}结转至下一期（R-26）",
                "{unit:party} carried over {kg:kg} of {pollutant:pollutant} left after period "
                "{period} (R-26)",
            ),
        },
    ),
    # -- listings (Exchange) ------------------------------------------------------------------
    "Listed": (
        "{seller:party}挂牌出让{quantityKg:kg}{pollutant:pollutant}（第 {id} 号挂牌），挂牌价{askFen:yuan}，"
        "加价幅度{stepFen:yuan}，截止{endsAt:time}（R-14）",
        "{seller:party} listed {quantityKg:kg} of {pollutant:pollutant} (listing {id}) at "
        "{askFen:yuan}, raises of {stepFen:yuan}, until {endsAt:time} (R-14)",
    ),
    "ListingTaken": (
        "{buyer:party}以挂牌价{priceFen:yuan}摘牌第 {id} 号挂牌[（{_seller:party}的{_kg:kg}{_pollutant:pollutant}）]",
        "{buyer:party} took listing {id} at its ask of {priceFen:yuan}"
        "[ ({_kg:kg} of {_pollutant:pollutant} from {_seller:party})]",
    ),
    "ListingBid": (
        "{bidder:party}对第 {id} 号挂牌报价{priceFen:yuan}（截止{endsAt:time}）",
        "{bidder:party} bid {priceFen:yuan} on listing {id} (until {endsAt:time})",
    ),
    "ListingSettled": (
        "第 {id} 号挂牌竞价成交：{buyer:party}以{priceFen:yuan}受让",
        "Listing {id} settled to {buyer:party} for {priceFen:yuan}",
    ),
    "ListingClosed": Variants(
        "status",
        {
            5: ("第 {id} 号挂牌到期未成交", "Listing {id} expired without a sale"),
            6: ("{by:party}撤销第 {id} 号挂牌", "{by:party} withdrew listing {id}"),
        },
        default=(
            "第 {id} 号挂牌结束：{status:listing_status}",
            "Listing {id} closed: {status:listing_status}",
        ),
    ),
    "ListingFailed": (
        "第 {id} 号挂牌未能成交：{reason:reason}[（需要 {need:n}，现有 {have:n}）]",
        "Listing {id} could not settle: {reason:reason}[ (needs {need:n}, has {have:n})]",
    ),
    # -- the government reserve (GovernmentReserve) -------------------------------------------
    "ReserveInflow": (
        "{kg:kg}{pollutant:pollutant}（{origin:origin}）自{from:party}纳入政府储备（{source:source}）"
        "[，支付{paidFen:yuan}][：{reason:text}]（R-27）",
        "{kg:kg} of {pollutant:pollutant} ({origin:origin}) from {from:party} entered the "
        "government reserve ({source:source})[, {paidFen:yuan} paid][: {reason:text}] (R-27)",
    ),
    "ReserveOutflow": (
        "政府储备向{to:party}出让{kg:kg}{pollutant:pollutant}（{use:use}，来源：{source:source}），"
        "价款{priceFen:yuan}（R-28）",
        "The government reserve released {kg:kg} of {pollutant:pollutant} to {to:party} "
        "({use:use}, from {source:source}) for {priceFen:yuan} (R-28)",
    ),
    "ReleaseOffered": (
        "政府储备向{buyer:party}发出出让要约：{kg:kg}{pollutant:pollutant}，价款{priceFen:yuan}，"
        "用途：{use:use}（第 {id} 号要约，R-28）",
        "The government reserve offered {buyer:party} {kg:kg} of {pollutant:pollutant} "
        "for {priceFen:yuan}, use: {use:use} (offer {id}, R-28)",
    ),
    "ReleaseWithdrawn": (
        "政府储备撤回第 {id} 号出让要约",
        "The government reserve withdrew offer {id}",
    ),
    "ReleaseReason": (
        "第 {id} 号出让要约的理由：{reason:text}",
        "Reason of offer {id}: {reason:text}",
    ),
    # -- leases (LeaseBook) -------------------------------------------------------------------
    "LeaseOffered": (
        "{lessor:party}向{lessee:party}出租{kg:kg}{pollutant:pollutant}至{endsAt:time}，"
        "租金{rentFen:yuan}（第 {id} 号租赁，R-35）",
        "{lessor:party} offered {lessee:party} a lease of {kg:kg} of "
        "{pollutant:pollutant} until {endsAt:time} for {rentFen:yuan} (lease {id}, R-35)",
    ),
    "LeaseStarted": ("第 {id} 号租赁生效（R-35）", "Lease {id} started (R-35)"),
    "LeaseCancelled": ("第 {id} 号租赁要约撤销", "Lease offer {id} withdrawn"),
    "LeaseEnded": (
        "第 {id} 号租赁期满，归还{returned:kg}[，已用于清缴{unreturned:kg}]（R-35）",
        "Lease {id} ended: {returned:kg} returned[, {unreturned:kg} used for surrender] (R-35)",
    ),
    # -- pledges (PledgeBook) -----------------------------------------------------------------
    "Pledged": (
        "{holder:party}将{kg:kg}{pollutant:pollutant}质押给{bank:party}（第 {id} 号质押[，担保债权{claimFen:yuan}][，{maturity:date}到期]，R-34）",
        "{holder:party} pledged {kg:kg} of {pollutant:pollutant} to {bank:party} (pledge {id}[, securing {claimFen:yuan}][, due {maturity:date}], R-34)",
    ),
    "PledgeReleased": (
        "{bank:party}解除第 {id} 号质押[（{_holder:party}的{_kg:kg}{_pollutant:pollutant}）]（R-34）",
        "{bank:party} released pledge {id}[ ({_kg:kg} of {_pollutant:pollutant} of "
        "{_holder:party})] (R-34)",
    ),
    "PledgeEnforcementStarted": (
        "{bank:party}对第 {id} 号质押[（{_holder:party}的{_kg:kg}{_pollutant:pollutant}）]"
        "申请处置，债权{claimFen:yuan}（R-34）",
        "{bank:party} enforces pledge {id}[ ({_kg:kg} of "
        "{_pollutant:pollutant} of {_holder:party})] for a claim of "
        "{claimFen:yuan} (R-34)",
    ),
    "PledgeEnforced": (
        "第 {id} 号质押处置成交：{buyer:party}以{priceFen:yuan}受让（R-34）",
        "Pledge {id} sold on enforcement to {buyer:party} for {priceFen:yuan} (R-34)",
    ),
    "PledgesSucceeded": (
        "{from:party}的在押质押转由{to:party}承继，质权人不变（R-30）",
        "The open pledges of {from:party} passed to {to:party}; the banks keep them (R-30)",
    ),
    # -- the city's policy (PolicyBook) -------------------------------------------------------
    "PolicyChangeScheduled": Variants(
        "figure",
        {
            1: (
                "本市政策“{figure:policy_figure}”由{oldValue:kg}调整为{newValue:kg}，"
                "自{effectiveAt:time}起生效（监管委员会决定）",
                "The city's policy “{figure:policy_figure}” changes from {oldValue:kg} to "
                "{newValue:kg} from {effectiveAt:time} (the regulator council's decision)",
            ),
            2: _POLICY_DURATION,
            3: _POLICY_DURATION,
        },
        default=(
            "本市政策规则开关调整（{oldValue} → {newValue}），自{effectiveAt:time}起生效（监管委员会决定，详见政策页）",
            "The city's rule switches change ({oldValue} → {newValue}) from {effectiveAt:time} "
            "(the regulator council's decision; see the policy page)",
        ),
    ),
    "RuleModuleChanged": Variants(
        "attached",
        {
            False: (
                "监管委员会撤除规则模块{module:contract}（{ruleId:text}）",
                "The regulator council detached the rule module {module:contract} ({ruleId:text})",
            )
        },
        default=(
            "监管委员会增设规则模块{module:contract}（{ruleId:text}），此后每笔变动均须通过",
            "The regulator council attached the rule module {module:contract} ({ruleId:text}); "
            "every movement must pass it from now on",
        ),
    ),
    # -- prices (PriceBook) -------------------------------------------------------------------
    "BenchmarkPublished": (
        "{by:party}公布{region:district}{pollutant:pollutant}交易基准价{fenPerTonne:per_t}，"
        "自{effectiveFrom:time}起执行（R-15）",
        "{by:party} published the benchmark of {pollutant:pollutant} in "
        "{region:district}: {fenPerTonne:per_t}, from {effectiveFrom:time} (R-15)",
    ),
    # -- the primary market (PrimaryMarket) ---------------------------------------------------
    "ApplicationSubmitted": (
        "{applicant:party}申报{pollutant:pollutant}{requestedKg:kg}（{kind:app_kind}，第 {id} 号申报，R-08）",
        "{applicant:party} applied for {requestedKg:kg} of "
        "{pollutant:pollutant} ({kind:app_kind}, application {id}, R-08)",
    ),
    "ApplicationApproved": (
        "{by:party}核定第 {id} 号申报[（{_applicant:party}，{_pollutant:pollutant}）]：{approvedKg:kg}（R-08）",
        "{by:party} approved {approvedKg:kg} on application {id}"
        "[ ({_applicant:party}, {_pollutant:pollutant})] (R-08)",
    ),
    "ApplicationRejected": (
        "{by:party}不予核定第 {id} 号申报[（{_applicant:party}，{_pollutant:pollutant}）]：{reason:text}",
        "{by:party} rejected application {id}[ ({_applicant:party}, "
        "{_pollutant:pollutant})]: {reason:text}",
    ),
    "ApplicationWithdrawn": (
        "第 {id} 号申报撤回[（{_applicant:party}）]",
        "Application {id} withdrawn[ ({_applicant:party})]",
    ),
    "ApplicationBound": (
        "第 {id} 号申报现用于 {auctions} 场新增排污权竞价（R-09）",
        "Application {id} now backs {auctions} primary auction(s) (R-09)",
    ),
    "FeeWaived": (
        "{by:party}减免第 {id} 号申报[（{_applicant:party}，{_pollutant:pollutant}）]的有偿使用费（R-12）",
        "{by:party} waived the fee of application {id}[ ({_applicant:party}, "
        "{_pollutant:pollutant})] (R-12)",
    ),
    "PrimaryPurchased": Variants(
        "origin",
        {
            2: (
                "{applicant:party}按核定量取得{kg:kg}{pollutant:pollutant}（第 {id} 号申报），有偿使用费已减免（R-12）",
                "{applicant:party} acquired {kg:kg} of {pollutant:pollutant} (application {id}), "
                "its fee waived (R-12)",
            )
        },
        default=(
            "{applicant:party}按基准价购得{kg:kg}{pollutant:pollutant}（第 {id} 号申报），"
            "缴纳有偿使用费{feeFen:yuan}（R-08、R-29）",
            "{applicant:party} bought {kg:kg} of {pollutant:pollutant} at the benchmark "
            "(application {id}), fee {feeFen:yuan} to the treasury (R-08, R-29)",
        ),
    ),
    "PrimaryAuctionAllocated": (
        "{applicant:party}竞得新增排污权{kg:kg}{pollutant:pollutant}（第 {id} 号申报），价款{priceFen:yuan}（R-09）",
        "{applicant:party} won {kg:kg} of new {pollutant:pollutant} rights "
        "(application {id}) for {priceFen:yuan} (R-09)",
    ),
    # -- the regulator council (RegulatorCouncil, CouncilTimelock) ----------------------------
    "ProposalCreated": (
        "{proposer:party}向委员会提出第 {id} 号提案：{description:text}[。拟执行：{targets:calls}]",
        "{proposer:party} proposed to the council (proposal {id}): "
        "{description:text}[. Calls: {targets:calls}]",
    ),
    "ProposalApproved": (
        "{member:party}批准第 {id} 号提案（已获 {approvals} 票）",
        "{member:party} approved proposal {id} ({approvals} approvals)",
    ),
    "ProposalScheduled": (
        "第 {id} 号提案获多数批准，进入公示等待期，最早于{eta:time}执行",
        "Proposal {id} approved by the majority: public waiting period, executable from {eta:time}",
    ),
    "ProposalExecuted": ("{by:party}执行第 {id} 号提案", "{by:party} executed proposal {id}"),
    "ProposalCancelled": ("{by:party}撤销第 {id} 号提案", "{by:party} cancelled proposal {id}"),
    "ProposalWithdrawn": ("{by:party}撤回第 {id} 号提案", "{by:party} withdrew proposal {id}"),
    "ThresholdChanged": (
        "委员会批准门槛改为 {threshold} 票",
        "The council's threshold is now {threshold} approvals",
    ),
    "SelectorDelaySet": (
        "{selector:selector}的等待期设为{delay:duration}",
        "Waiting period of {selector:selector} set to {delay:duration}",
    ),
    "CallScheduled": (
        "时间锁排定：{target:call}，等待{delay:duration}",
        "Time lock scheduled: {target:call}, after {delay:duration}",
    ),
    "CallExecuted": ("时间锁执行：{target:call}", "Time lock executed: {target:call}"),
    "CallSalt": (
        "时间锁操作 {id:hash} 的编号为 {salt:n}",
        "Time-lock operation {id:hash} has salt {salt:n}",
    ),
    "Cancelled": ("时间锁撤销操作 {id:hash}", "Time lock cancelled operation {id:hash}"),
    "MinDelayChange": (
        "时间锁最短等待期由{oldDuration:duration}改为{newDuration:duration}",
        "Minimum time-lock delay changed from {oldDuration:duration} to {newDuration:duration}",
    ),
    # -- the rights ledger (RightsLedger) -----------------------------------------------------
    "RightsAllocated": (
        "{holder:party}取得{kg:kg}{pollutant:pollutant}（{origin:origin}，计入{region:district}总量，"
        "经{by:party}）（R-08、R-10）",
        "{holder:party} was allocated {kg:kg} of {pollutant:pollutant} ({origin:origin}, "
        "within the cap of {region:district}, through {by:party}) (R-08, R-10)",
    ),
    "RightsTraded": (
        "{from:party}向{to:party}转让{kg:kg}{pollutant:pollutant}，价款{priceFen:yuan}（{mode:mode}）",
        "{from:party} sold {kg:kg} of {pollutant:pollutant} to {to:party} for "
        "{priceFen:yuan} ({mode:mode})",
    ),
    "RightsSurrendered": Variants(
        "leased",
        {
            True: (
                "{holder:party}以租入的{kg:kg}{pollutant:pollutant}清缴（R-24、R-35）",
                "{holder:party} surrendered {kg:kg} of leased {pollutant:pollutant} (R-24, R-35)",
            ),
            False: (
                "{holder:party}注销{kg:kg}{pollutant:pollutant}（{origin:origin}）用于清缴（R-24）",
                "{holder:party} surrendered {kg:kg} of {pollutant:pollutant} ({origin:origin}) (R-24)",
            ),
        },
    ),
    "RightsPledged": (
        "{holder:party}的{kg:kg}{pollutant:pollutant}转为质押（R-07）",
        "{kg:kg} of {pollutant:pollutant} of {holder:party} pledged (R-07)",
    ),
    "RightsReleased": (
        "{holder:party}的{kg:kg}{pollutant:pollutant}解除质押（R-34）",
        "{kg:kg} of {pollutant:pollutant} of {holder:party} released from pledge (R-34)",
    ),
    "RightsEnforced": (
        "质押处置：{from:party}被质押的{kg:kg}{pollutant:pollutant}转让给{to:party}，价款{priceFen:yuan}（R-34）",
        "Enforcement: {kg:kg} of {pollutant:pollutant} pledged by {from:party} sold to "
        "{to:party} for {priceFen:yuan} (R-34)",
    ),
    "RightsReclaimed": (
        "{from:party}的{kg:kg}{pollutant:pollutant}（{origin:origin}）收回至{to:party}（R-27）",
        "{kg:kg} of {pollutant:pollutant} ({origin:origin}) reclaimed from "
        "{from:party} into {to:party} (R-27)",
    ),
    "CapSet": (
        "{by:party}设定{region:district}{pollutant:pollutant}总量控制指标：{cap:kg}（R-10）",
        "{by:party} set the cap of {pollutant:pollutant} in {region:district} to {cap:kg} (R-10)",
    ),
    "PermitIssued": (
        "{by:party}向{holder:party}核发排污许可证（第 {version} 版，{validFrom:date} 至 {validTo:date}）（R-22）",
        "{by:party} issued {holder:party} a discharge permit (version {version}, "
        "{validFrom:date} to {validTo:date}) (R-22)",
    ),
    "PermittedQuantitySet": (
        "{holder:party}许可证（第 {version} 版）的{pollutant:pollutant}许可排放量：{kg:kg}（R-06）",
        "Permitted quantity of {pollutant:pollutant} for {holder:party} "
        "(permit version {version}): {kg:kg} (R-06)",
    ),
    "PermitRevoked": (
        "{by:party}注销{holder:party}的排污许可证（第 {version} 版）",
        "{by:party} revoked the permit of {holder:party} (version {version})",
    ),
    "TradableCertified": (
        "{by:party}认定{holder:party}可交易的{pollutant:pollutant}为{kg:kg}（R-39）",
        "{by:party} certified {kg:kg} of {pollutant:pollutant} of {holder:party} "
        "as tradable (R-39)",
    ),
    "OwedChanged": (
        "{holder:party}欠缴的{pollutant:pollutant}现为{owed:kg}（R-25）",
        "{holder:party} now owes {owed:kg} of {pollutant:pollutant} (R-25)",
    ),
    "RightsLeased": (
        "{lessor:party}出租{kg:kg}{pollutant:pollutant}给{lessee:party}（R-35）",
        "{lessor:party} leased {kg:kg} of {pollutant:pollutant} to {lessee:party} (R-35)",
    ),
    "RightsLeaseReturned": (
        "{lessee:party}租入的{kg:kg}{pollutant:pollutant}期满，归还{lessor:party}{returned:kg}（R-35）",
        "Lease of {kg:kg} of {pollutant:pollutant} to {lessee:party} ended: "
        "{returned:kg} returned to {lessor:party} (R-35)",
    ),
    "RightsSucceeded": (
        "{from:party}的{kg:kg}{pollutant:pollutant}（{origin:origin}）由{to:party}承继（R-30、R-31）",
        "{kg:kg} of {pollutant:pollutant} ({origin:origin}) passed from {from:party} "
        "to {to:party} (R-30, R-31)",
    ),
    "ObligationsSucceeded": (
        "{to:party}承继{from:party}的{pollutant:pollutant}义务：许可量{permitted:kg}，"
        "可交易认定{tradable:kg}，欠缴{owed:kg}（R-30、R-31）",
        "{to:party} took over the {pollutant:pollutant} obligations of "
        "{from:party}: permitted {permitted:kg}, certified tradable "
        "{tradable:kg}, owed {owed:kg} (R-30, R-31)",
    ),
    # -- money (SettlementToken, the exchange's trading accounts) -----------------------------
    "Issued": (
        "{bank:party}凭银行入账凭证 {voucher:hash} 向{to:party}发行结算资金{fen:yuan}（R-16）",
        "{bank:party} issued {fen:yuan} of settlement money to {to:party} against bank "
        "voucher {voucher:hash} (R-16)",
    ),
    "Redeemed": (
        "{bank:party}赎回{from:party}的结算资金{fen:yuan}，付至银行账户（凭证 {voucher:hash}）",
        "{bank:party} redeemed {fen:yuan} of settlement money of {from:party} to a bank "
        "account (voucher {voucher:hash})",
    ),
    "Transfer": Variants(
        lambda a: "issue" if a.get("from") == ZERO else "burn" if a.get("to") == ZERO else "move",
        {
            "issue": (
                "结算资金{value:yuan}发行给{to:party}",
                "{value:yuan} of settlement money issued to {to:party}",
            ),
            "burn": (
                "{from:party}的结算资金{value:yuan}赎回注销",
                "{value:yuan} of settlement money of {from:party} redeemed",
            ),
            "move": (
                "结算资金{value:yuan}由{from:party}付给{to:party}",
                "{value:yuan} of settlement money paid by {from:party} to {to:party}",
            ),
        },
    ),
    "RedemptionRequested": (
        "{holder:party}申请将结算资金{fen:yuan}赎回至银行账户 {bankAccount:hash}（第 {id} 号赎回，R-16）",
        "{holder:party} asked to redeem {fen:yuan} of settlement money to bank account {bankAccount:hash} (redemption {id}, R-16)",
    ),
    "RedemptionPaid": (
        "第 {id} 号赎回已付至银行账户（凭证 {voucher:hash}）",
        "Redemption {id} paid to the bank account (voucher {voucher:hash})",
    ),
    "RedemptionRejected": (
        "{bank:party}拒绝第 {id} 号赎回：{reason:text}",
        "{bank:party} refused redemption {id}: {reason:text}",
    ),
    "Approval": (
        "{owner:party}允许{spender:party}动用最多{value:yuan}结算资金",
        "{owner:party} allowed {spender:party} to draw up to {value:yuan}",
    ),
    "FundsDeposited": (
        "{from:party}向{account:party}的交易账户存入{fen:yuan}（R-16）",
        "{from:party} paid {fen:yuan} into the trading account of {account:party} (R-16)",
    ),
    "FundsWithdrawn": (
        "{account:party}从交易账户提取{fen:yuan}",
        "{account:party} withdrew {fen:yuan} from its trading account",
    ),
    "FundsLocked": (
        "{account:party}交易账户中的{fen:yuan}冻结（{market:party}）",
        "{fen:yuan} locked in the trading account of {account:party} ({market:party})",
    ),
    "FundsUnlocked": (
        "{account:party}交易账户中的{fen:yuan}解冻（{market:party}）",
        "{fen:yuan} unlocked in the trading account of {account:party} ({market:party})",
    ),
    "FundsTransferred": (
        "交易账户资金{fen:yuan}由{from:party}划转给{to:party}",
        "{fen:yuan} moved from the trading account of {from:party} to {to:party}",
    ),
    "FundsPaidOut": (
        "交易账户资金{fen:yuan}由{from:party}支付给{to:party}",
        "{fen:yuan} paid out of the trading account of {from:party} to {to:party}",
    ),
    # -- changes of the unit (UnitLifecycle) --------------------------------------------------
    "UnitsMerged": (
        "{by:party}批准{from:party}并入{to:party}，全部排污权和义务由{to:party}承继[（{reason:text}）]（R-30）",
        "{by:party} merged {from:party} into {to:party}: every right and obligation "
        "passes to {to:party}[ ({reason:text})] (R-30)",
    ),
    "UnitSplit": (
        "{by:party}批准{from:party}分立为{successors:parties}，未完成的清缴由{obligor:party}承担"
        "[（{reason:text}）]（R-31）",
        "{by:party} split {from:party} into {successors:parties}; {obligor:party} meets "
        "its pending surrender[ ({reason:text})] (R-31)",
    ),
    "UnitClosed": (
        "{by:party}关闭{unit:party}[（{reason:text}）]（R-32）",
        "{by:party} closed {unit:party}[ ({reason:text})] (R-32)",
    ),
    "FraudSanctioned": (
        "{unit:party}以欺骗手段取得排污权：无偿收回并列入黑名单[（{reason:text}）]（R-33）",
        "{unit:party} obtained rights by deception: reclaimed free of charge and "
        "blacklisted[ ({reason:text})] (R-33)",
    ),
    # -- verification (VerificationOracle) ----------------------------------------------------
    "UsageAttested": Variants(
        "revision",
        {
            False: (
                "{verifier:party}核定{unit:party}第 {period} 期{pollutant:pollutant}实际排放量：{kg:kg}"
                "（证据 {evidence:hash}）（R-23）",
                "{verifier:party} attested the usage of {pollutant:pollutant} by {unit:party} in "
                "period {period}: {kg:kg} (evidence {evidence:hash}) (R-23)",
            ),
            True: (
                "{verifier:party}修改{unit:party}第 {period} 期{pollutant:pollutant}实际排放量：{kg:kg}"
                "（证据 {evidence:hash}）（R-23）",
                "{verifier:party} revised the usage of {pollutant:pollutant} by {unit:party} in "
                "period {period}: {kg:kg} (evidence {evidence:hash}) (R-23)",
            ),
        },
    ),
    "UsageAgreed": (
        "{unit:party}第 {period} 期{pollutant:pollutant}实际排放量经 {votes} 家核查机构一致核定为{kg:kg}，"
        "{finalAt:time}起不可更改（R-23）",
        "{votes} verifiers agree: {unit:party} used {kg:kg} of {pollutant:pollutant} in "
        "period {period}, final from {finalAt:time} (R-23)",
    ),
    "UsageCorrected": (
        "{regulator:party}更正{unit:party}第 {period} 期{pollutant:pollutant}实际排放量："
        "{previousKg:kg}改为{kg:kg}（{reason:text}）（R-23）",
        "{regulator:party} corrected the usage of {pollutant:pollutant} by "
        "{unit:party} in period {period}: {previousKg:kg} → {kg:kg} "
        "({reason:text}) (R-23)",
    ),
    "QuorumChanged": (
        "核定所需一致的核查机构数由 {previous} 改为 {quorum}（R-23）",
        "Verifiers needed to agree: {previous} → {quorum} (R-23)",
    ),
    "DisputeWindowChanged": (
        "核查数据异议期由{previous:duration}改为{disputeWindow:duration}（R-23）",
        "Dispute window: {previous:duration} → {disputeWindow:duration} (R-23)",
    ),
    "NonceCancelled": (
        "{verifier:party}作废一份已签名的核查数据（序号 {nonce}）",
        "{verifier:party} cancelled a signed attestation (nonce {nonce})",
    ),
    # -- roles (OpenZeppelin AccessControl) and EIP-712 ---------------------------------------
    "CallRelayed": Variants(
        "ok",
        {
            True: (
                "服务转发账户批量提交的签名操作（批内序号{index:n}）已在{target:contract}执行",
                "The relayer's batch ran signed order {index:n} on {target:contract}",
            ),
            False: (
                "服务转发账户批量提交的签名操作（批内序号{index:n}）被{target:contract}拒绝，未产生任何效果",
                "{target:contract} refused signed order {index:n} of the relayer's batch; "
                "nothing of it happened",
            ),
        },
    ),
    "RoleGranted": (
        "{sender:party}授予{account:party}{_contract:contract}的“{role:role}”权限",
        "{sender:party} granted {account:party} the role “{role:role}” on {_contract:contract}",
    ),
    "RoleRevoked": (
        "{sender:party}撤销{account:party}在{_contract:contract}的“{role:role}”权限",
        "{sender:party} revoked the role “{role:role}” of {account:party} on {_contract:contract}",
    ),
    "RoleAdminChanged": (
        "{_contract:contract}的“{role:role}”权限改由“{newAdminRole:role}”管理",
        "The role “{role:role}” on {_contract:contract} is now administered by “{newAdminRole:role}”",
    ),
    # -- upgradeable contracts (ERC-1967 proxies; docs/operations.md "Upgrades") ------------
    "Upgraded": (
        "{_contract:contract}的程序代码经委员会时间锁更换为新实现 {implementation:hash}，地址和全部记录不变",
        "The council's time lock replaced the code of {_contract:contract} with implementation "
        "{implementation:hash}; its address and every record stay",
    ),
    "Initialized": (
        "{_contract:contract}已初始化（第 {version:n} 版）",
        "{_contract:contract} initialized (version {version:n})",
    ),
    "EIP712DomainChanged": (
        "{_contract:contract}的签名域已更新",
        "The signing domain of {_contract:contract} changed",
    ),
}

_WHEN_EXECUTED = ("[，自{effectiveAt:time}起生效]", "[, from {effectiveAt:time}]")
_SCHEDULE_DURATION: Pair = (
    "将本市政策“{figure:policy_figure}”调整为{value:duration}" + _WHEN_EXECUTED[0],
    "change the city's policy “{figure:policy_figure}” to {value:duration}" + _WHEN_EXECUTED[1],
)

# calls the regulator council proposes, by function name or "Contract.function" (arguments by
# position)
CALLS: dict[str, tuple[tuple[str, ...], Sentence]] = {
    # a proxy's ProxyAdmin (named after the contract behind it; docs/operations.md "Upgrades")
    "upgradeAndCall": (
        ("proxy", "implementation", "data"),
        (
            "更换{_contract:contract}的程序代码为新实现 {implementation:hash}，地址和全部记录不变",
            "Replace the code of {_contract:contract} with implementation {implementation:hash}; "
            "its address and every record stay",
        ),
    ),
    "PolicyBook.schedule": (
        ("figure", "value", "effectiveAt"),
        Variants(
            "figure",
            {
                1: (
                    "将本市政策“{figure:policy_figure}”调整为{value:kg}" + _WHEN_EXECUTED[0],
                    "change the city's policy “{figure:policy_figure}” to {value:kg}"
                    + _WHEN_EXECUTED[1],
                ),
                2: _SCHEDULE_DURATION,
                3: _SCHEDULE_DURATION,
            },
        ),
    ),
    "PolicyBook.scheduleSwitch": (
        ("rule", "on", "effectiveAt"),
        Variants(
            "on",
            {
                True: (
                    "实行本市政策规则“{rule:policy_switch}”" + _WHEN_EXECUTED[0],
                    "turn on the city's rule “{rule:policy_switch}”" + _WHEN_EXECUTED[1],
                ),
                False: (
                    "停止实行本市政策规则“{rule:policy_switch}”" + _WHEN_EXECUTED[0],
                    "turn off the city's rule “{rule:policy_switch}”" + _WHEN_EXECUTED[1],
                ),
            },
        ),
    ),
    "setCap": (
        ("region", "pollutant", "capKg"),
        (
            "将{region:district}{pollutant:pollutant}总量控制指标设为{capKg:kg}（R-10）",
            "set the cap of {pollutant:pollutant} in {region:district} to {capKg:kg} (R-10)",
        ),
    ),
    "setRestriction": (
        ("holder", "restriction", "active", "reason"),
        Variants(
            "active",
            {
                True: (
                    "将{holder:party}列入限制名单：{restriction:restriction}[（{reason:text}）]（R-17）",
                    "restrict {holder:party}: {restriction:restriction}[ ({reason:text})] (R-17)",
                ),
                False: (
                    "解除{holder:party}的限制：{restriction:restriction}[（{reason:text}）]（R-17）",
                    "lift the restriction of {holder:party}: {restriction:restriction}[ ({reason:text})] (R-17)",
                ),
            },
        ),
    ),
    "reclaim": (
        ("unit", "pollutant", "origin", "kg", "source", "reason"),
        (
            "将{unit:party}的{kg:kg}{pollutant:pollutant}（{origin:origin}）收回政府储备"
            "（{source:source}）[：{reason:text}]（R-27）",
            "reclaim {kg:kg} of {pollutant:pollutant} ({origin:origin}) of {unit:party} into the "
            "government reserve ({source:source})[: {reason:text}] (R-27)",
        ),
    ),
    "sanctionFraud": (
        ("unit", "reason"),
        (
            "认定{unit:party}以欺骗手段取得排污权：无偿收回并列入黑名单[（{reason:text}）]（R-33）",
            "sanction {unit:party} for rights obtained by deception: reclaimed free "
            "of charge and blacklisted[ ({reason:text})] (R-33)",
        ),
    ),
    "definePeriod": (
        ("start", "end", "surrenderDeadline", "carryOverDeadline"),
        (
            "设定新的核查期：{start:time} 至 {end:time}，清缴截止{surrenderDeadline:time}，"
            "结转截止{carryOverDeadline:time}（R-22）",
            "define the next compliance period: {start:time} to {end:time}, surrender by "
            "{surrenderDeadline:time}, carry-over by {carryOverDeadline:time} (R-22)",
        ),
    ),
    "setQuorum": (
        ("quorum",),
        (
            "核定所需一致的核查机构数改为 {quorum}（R-23）",
            "{quorum} verifiers must agree on a figure (R-23)",
        ),
    ),
    "setDisputeWindow": (
        ("disputeWindow",),
        (
            "核查数据异议期改为{disputeWindow:duration}（R-23）",
            "set the dispute window to {disputeWindow:duration} (R-23)",
        ),
    ),
    "grantRole": (
        ("role", "account"),
        (
            "授予{account:party}{_contract:contract}的“{role:role}”权限",
            "grant {account:party} the role “{role:role}” on {_contract:contract}",
        ),
    ),
    "revokeRole": (
        ("role", "account"),
        (
            "撤销{account:party}在{_contract:contract}的“{role:role}”权限",
            "revoke the role “{role:role}” of {account:party} on {_contract:contract}",
        ),
    ),
    "setDistrictRegulator": (
        ("regulator", "district"),
        (
            "任命{regulator:party}为{district:district}的生态环境主管部门",
            "appoint {regulator:party} regulator of {district:district}",
        ),
    ),
    "setThreshold": (
        ("threshold",),
        (
            "委员会批准门槛改为 {threshold} 票",
            "set the council's threshold to {threshold} approvals",
        ),
    ),
    "setDelay": (
        ("selector", "delay"),
        (
            "{selector:selector}的等待期设为{delay:duration}",
            "set the waiting period of {selector:selector} to {delay:duration}",
        ),
    ),
    "updateDelay": (
        ("delay",),
        (
            "时间锁最短等待期改为{delay:duration}",
            "set the time lock's minimum delay to {delay:duration}",
        ),
    ),
    "setSectorEnabled": (
        ("sector", "enabled"),
        Variants(
            "enabled",
            {
                True: (
                    "{sector:sector}行业开放排污权交易（R-38）",
                    "open trading to the sector {sector:sector} (R-38)",
                ),
                False: (
                    "{sector:sector}行业暂停排污权交易（R-38）",
                    "close trading to the sector {sector:sector} (R-38)",
                ),
            },
        ),
    ),
    "setNonAttainment": (
        ("isBasin", "area", "pollutant", "nonAttainment"),
        Variants(
            "nonAttainment",
            {
                True: (
                    "将{area:area}的{pollutant:pollutant}列入环境质量未达标区域（R-18）",
                    "list {area:area} as failing its standard for {pollutant:pollutant} (R-18)",
                ),
                False: (
                    "将{area:area}的{pollutant:pollutant}移出未达标区域（R-18）",
                    "delist {area:area} for {pollutant:pollutant} (R-18)",
                ),
            },
        ),
    ),
}
