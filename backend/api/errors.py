"""The one table from error names to HTTP statuses and readable texts, and its handlers.

Every error reaches the caller as::

    {"error": {"code": "ProbeInsufficientBalance", "status": 409,
               "message": "…English…", "message_zh": "…中文…",
               "args": {…decoded arguments…}, …extra such as tx_hash / reason_code…}}

``code`` is a contract custom error's own name (decoded from the revert data or named by a
pre-check's reason code) or one of the service's names below. The first row whose pattern
matches the whole name wins, so specific rows come before the generic patterns. The table is
documented in docs/api.md; contract authors add a row when a generic text is not good enough.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.chain.errors import ServiceError
from backend.services import explain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErrorRule:
    """Errors whose name matches ``pattern`` (a full-match regex) answer ``status``."""

    pattern: str
    status: int
    en: str
    zh: str


# fmt: off
ERROR_TABLE: tuple[ErrorRule, ...] = (
    # -- the request itself ------------------------------------------------------------------
    ErrorRule("RequestInvalid", 422, "The request is invalid", "请求内容无效"),
    ErrorRule("NotFound", 404, "No such endpoint", "没有这个接口"),
    ErrorRule("MethodNotAllowed", 405, "Method not allowed on this endpoint", "该接口不支持此方法"),
    ErrorRule("ActionUnknown", 404, "No such action", "没有这个操作"),
    ErrorRule("ActionUnavailable", 404,
              "The contract of this action is not part of the deployment",
              "该操作所需的合约未部署"),
    ErrorRule("TypedDataMismatch", 422,
              "The typed data is not the one this action signs (domain, types or fields differ)",
              "签名数据与该操作的格式不符（域、类型或字段不一致）"),
    ErrorRule("DeadlineOutOfRange", 422,
              "The deadline is too soon or too far in the future",
              "截止时间过近或过远"),
    ErrorRule("IdempotencyKeyReused", 422,
              "This Idempotency-Key was used for a different request",
              "该幂等键已用于另一个请求"),
    ErrorRule("TransactionMalformed", 422, "The raw transaction cannot be decoded",
              "无法解析该原始交易"),
    ErrorRule("ChainIdMismatch", 400,
              "The transaction is not signed for this chain (another chain id, or none)",
              "该交易未按本链签名（链标识不同或缺失）"),
    ErrorRule("TargetNotInDeployment", 422,
              "The transaction is not addressed to a contract of this deployment",
              "该交易的目标不是本系统部署的合约"),
    ErrorRule("TransactionNotFound", 404, "No such transaction", "没有这笔交易"),
    ErrorRule("AddressUnknown", 404, "This address appears in no event of the register",
              "该地址未出现在登记簿的任何记录中"),
    ErrorRule("TransactionGasTooLow", 422,
              "The transaction's gas limit is below what its call needs (sign gasLimit = gas)",
              "交易的燃料上限低于执行所需（请按 gasLimit（即 gas）签名）"),
    ErrorRule("TransactionGasTooHigh", 422, "The transaction's gas limit exceeds the block's",
              "交易的燃料上限超过区块上限"),
    ErrorRule("TransactionFeeTooLow", 422, "The transaction's fee is below what the chain takes",
              "交易手续费低于链上要求"),
    ErrorRule("TransactionNonceInvalid", 409,
              "The transaction's nonce is not the sender's next one",
              "交易序号不是发送方的下一个序号"),
    ErrorRule("TransactionInsufficientFunds", 409,
              "The sender cannot pay the transaction's gas: use the signed actions the service"
              " relays instead",
              "发送方余额不足以支付燃料费：请改用由服务转发的签名操作"),
    ErrorRule("CreditCodeInvalid", 422,
              "The credit code is not a unified social credit code with its check character"
              " (GB 32100-2015)",
              "统一社会信用代码不符合 GB 32100-2015（含校验码）"),
    ErrorRule("UnitNameInvalid", 422,
              "The unit's name is empty, too long or holds characters a register should not hold",
              "单位名称为空、过长或含有登记簿不应包含的字符"),
    ErrorRule("CalldataTooLarge", 413,
              "The call holds more values or bytes than one transaction can carry",
              "该调用包含的数据超过一笔交易可承载的上限"),
    ErrorRule("RequestTooLarge", 413, "The request body is larger than this endpoint takes",
              "请求内容超过该接口允许的大小"),
    ErrorRule("RequestTooDeep", 422, "The JSON body is nested too deeply",
              "请求的 JSON 嵌套层数过多"),
    ErrorRule("RateLimited", 429, "Too many requests: wait for the time given in Retry-After",
              "请求过于频繁，请按 Retry-After 所示时间后重试"),
    # -- signatures, deadlines, nonces -------------------------------------------------------
    ErrorRule("SignatureMalformed", 401, "The signature is not a valid 65-byte signature",
              "签名格式无效（应为 65 字节）"),
    ErrorRule("SignerMismatch", 401,
              "The signature does not match these terms and the account that must sign them"
              " (terms changed after signing, or another key signed)",
              "签名与这些条款及应签署的账户不符（签名后条款被改动，或由其他密钥签署）"),
    ErrorRule("SignatureExpired", 400, "The signed action has expired (deadline passed)",
              "签名已过期（超过截止时间）"),
    ErrorRule("NonceAlreadyUsed", 409,
              "This signed action was already executed or replaced (nonce used)",
              "该签名操作已执行或已被替代（序号已使用）"),
    ErrorRule("NonceNotNext", 409,
              "An earlier signed action of this account has not been executed yet",
              "该账户之前的签名操作尚未执行"),
    ErrorRule("RequestInProgress", 409,
              "The same request is being relayed; retry it shortly",
              "相同请求正在处理中，请稍后重试"),
    # -- the chain and the relayer -----------------------------------------------------------
    ErrorRule("RelayTimeout", 504,
              "The transaction was sent but is not confirmed yet; retry the same request",
              "交易已发送但尚未确认，请用相同请求重试"),
    ErrorRule("NodeRejected", 502, "The chain node refused the transaction",
              "区块链节点拒绝了该交易"),
    ErrorRule("NodeUnavailable", 503, "The chain node cannot be reached", "无法连接区块链节点"),
    ErrorRule("ChainRecovering", 503,
              "Acknowledged transactions are being put back on chain; retry shortly",
              "正在将已受理的交易恢复上链，请稍后重试"),
    ErrorRule("RelayerUnavailable", 503, "The service has no relayer key configured",
              "服务未配置转发账户"),
    # -- validator governance (backend/services/validators.py) --------------------------------
    ErrorRule("ValidatorVoteForbidden", 403,
              "Only a regulator or the exchange operator may vote on validators",
              "只有生态环境主管部门或交易机构可以对验证节点投票"),
    ErrorRule("ValidatorNodeNotConfigured", 409,
              "The service knows no validator node run by this authority",
              "服务未登记该机构运行的验证节点"),
    ErrorRule("ValidatorEngineUnavailable", 409,
              "The chain node does not run the configured consensus engine (e.g. a single"
              " development node): it has no validator set",
              "区块链节点未运行所配置的共识引擎（如单节点开发链），没有验证节点集合"),
    ErrorRule("ServiceMisconfigured", 500, "The service is misconfigured", "服务配置错误"),
    ErrorRule("InternalError", 500, "Internal error", "内部错误"),
    # -- OpenZeppelin and Solidity -----------------------------------------------------------
    ErrorRule("AccessControlUnauthorizedAccount|AccessControlBadConfirmation"
              "|OwnableUnauthorizedAccount", 403,
              "The account does not hold the role this action needs",
              "该账户没有执行此操作所需的角色"),
    ErrorRule("ECDSAInvalidSignature|ECDSAInvalidSignatureLength|ECDSAInvalidSignatureS"
              "|ERC2612InvalidSigner", 401, "The signature is invalid", "签名无效"),
    ErrorRule("ERC2612ExpiredSignature", 400, "The signature has expired", "签名已过期"),
    ErrorRule("InvalidAccountNonce", 409, "The nonce was already used", "序号已使用"),
    ErrorRule("EnforcedPause", 409, "The contract is paused", "合约已暂停"),
    ErrorRule("Panic", 500, "The contract failed an internal check", "合约内部检查失败"),
    ErrorRule("Error", 409, "The contract refused", "合约拒绝了该操作"),
    ErrorRule("UnknownContractError", 409,
              "The contract refused with an error the service cannot name",
              "合约以无法识别的错误拒绝了该操作"),
    # -- signed actions (contracts/utils/SignedActions.sol) ---------------------------------
    ErrorRule("SignedActionExpired", 400, "The signed action has expired (deadline passed)",
              "签名已过期（超过截止时间）"),
    ErrorRule("SignedActionInvalidSignature", 401,
              "The signature does not match these terms, the signer's next nonce and the signer"
              " (terms changed, signature already used, or another key signed)",
              "签名与这些条款、签署人的下一个序号及签署人不符（条款被改动、签名已使用或由其他密钥签署）"),
    # -- the rights ledger's rules (contracts/interfaces/IRightsLedger.sol, Types.sol Reason) --
    ErrorRule("LedgerNotRegistered", 404, "The account is not registered (R-02)",
              "账户未登记（R-02）"),
    ErrorRule("LedgerUnknownPollutant", 404, "Unknown pollutant (R-01)",
              "未知的污染物种类（R-01）"),
    ErrorRule("LedgerZeroQuantity", 422, "The quantity must be positive", "数量必须大于零"),
    ErrorRule("LedgerAccountClosed", 409, "The account is closed (R-32)", "账户已注销（R-32）"),
    ErrorRule("LedgerInsufficientRights", 409,
              "Not enough unencumbered rights of the needed origin (R-05, R-07)",
              "可用的相应来源排污权不足（R-05、R-07）"),
    ErrorRule("LedgerBelowPermit", 409,
              "Holdings would fall below the permitted quantity (R-06)",
              "持有量将低于许可排放量（R-06）"),
    ErrorRule("LedgerCapExceeded", 409, "The regional total cap would be exceeded (R-10)",
              "将超出区域总量控制指标（R-10）"),
    ErrorRule("LedgerNoCap", 409, "No total cap is set for this region and pollutant (R-10)",
              "该区域和污染物尚未设定总量指标（R-10）"),
    ErrorRule("LedgerPolicyRestricted", 409, "The unit fails industrial policy (R-11)",
              "该单位不符合产业政策（R-11）"),
    ErrorRule("LedgerPriceBelowBenchmark", 409, "The price is below the benchmark price (R-15)",
              "价格低于交易基准价（R-15）"),
    ErrorRule("LedgerNoBenchmark", 409, "No benchmark price is published (R-15)",
              "尚未公布交易基准价（R-15）"),
    ErrorRule("LedgerBlacklisted", 409,
              "The unit is barred from trading (credit blacklist, supervision, rectification,"
              " regional suspension, fraud or another legal restriction; R-17)",
              "该单位受交易限制（环保信用不良、挂牌督办、限期治理、区域限批、欺骗取得或其他法定限制，R-17）"),
    ErrorRule("LedgerNonAttainmentDestination", 409,
              "The destination fails its environmental-quality standard (R-18)",
              "受让方所在区域环境质量未达标（R-18）"),
    ErrorRule("LedgerThermalPowerAirPollutant", 409,
              "Thermal power plants may not trade air pollutants with other sectors (R-19)",
              "火电企业不得与其他行业交易大气污染物（R-19）"),
    ErrorRule("LedgerIndustryLivestock", 409,
              "Industrial and livestock sources may not trade with each other (R-20)",
              "工业源与畜禽养殖源之间不得交易（R-20）"),
    ErrorRule("LedgerGreenChannelLimit", 409,
              "Beyond the green channel: a project's total through it stays below the city's limit"
              " (R-21, 1 t in Shijiazhuang 2023)",
              "超出绿色通道限额：项目经绿色通道取得的排污权合计须少于本市限额（R-21，石家庄2023：1吨）"),
    ErrorRule("LedgerSectorNotEnabled", 409,
              "Paid use and trading are not yet open to this sector (R-38)",
              "该行业尚未纳入排污权有偿使用和交易（R-38）"),
    ErrorRule("LedgerSellerNotQualified", 409, "The seller is not a qualified trading party (R-39)",
              "转让方未通过交易主体资格审查（R-39）"),
    ErrorRule("LedgerNotCertifiedTradable", 409,
              "The quantity is not certified as tradable (R-39)",
              "该数量未经可交易排污权认定（R-39）"),
    ErrorRule("LedgerSameAccount", 422, "Both sides are the same account",
              "交易双方为同一账户"),
    ErrorRule("LedgerNotReserve", 409,
              "Green-channel and release trades come from the government reserve, buy-backs go to"
              " it (R-21, R-26, R-28)",
              "绿色通道和储备出让须由政府储备转出，回购须转入政府储备（R-21、R-26、R-28）"),
    ErrorRule("LedgerNotInPolicy", 409,
              "The city's policy has no such instrument now (green channel, leasing or buy-back)",
              "本市现行政策无此交易方式（绿色通道、租赁或回购）"),
    ErrorRule("LedgerModuleRefused|BasinSaleBanned", 409,
              "A rule the regulator council added to the city's policy refuses it",
              "监管委员会增设的本市规则不允许此操作"),
    ErrorRule("Policy.*", 422, "The policy change is invalid", "政策变更无效"),
    ErrorRule("PermitValidityTooLong", 422,
              "The permit runs longer than the city's permit validity; a renewal counts from"
              " today (R-22)",
              "排污许可有效期超过本市规定的最长期限，延续自当日起算（R-22）"),
    ErrorRule("PermitHoldingsBelowPermit", 409,
              "The unit holds less than the permitted quantity (R-22)",
              "该单位持有的排污权少于许可排放量（R-22）"),
    ErrorRule("PledgeNotPledgee", 422, "The bank is not an authorised pledgee (R-34)",
              "该银行不是经授权的质权人（R-34）"),
    # -- the verification oracle's service (backend/oracle) -----------------------------------
    ErrorRule("OracleNotConfigured", 503, "The verification oracle is not configured",
              "核查数据服务未配置"),
    ErrorRule("OracleKeyUnavailable", 503, "The oracle's verifier key cannot be used",
              "核查机构密钥不可用"),
    ErrorRule("OracleInputRefused", 422, "The monitoring data were refused (R-23)",
              "监测数据未被接受（R-23）"),
    ErrorRule("OracleUnitUnknown", 404, "Unknown unit or period (R-23)",
              "未知的排污单位或期间（R-23）"),
    ErrorRule("OracleUploadUnsigned", 401,
              "Monitoring data are taken only with a verifier's signature over the upload",
              "监测数据须附核查机构对本次上传的签名"),
    ErrorRule("OracleUploadSignatureInvalid", 401,
              "The upload's signature was not made by the verifier it names",
              "上传签名并非其所署名的核查机构作出"),
    ErrorRule("OracleNotVerifier", 403,
              "The signer is not a verifier of the oracle (VERIFIER_ROLE, R-23)",
              "签名人不是核查机构（R-23）"),
    ErrorRule("OracleUploadExpired", 400, "The upload's signature has expired",
              "上传签名已过期"),
    ErrorRule("OracleUploadReplayed", 409,
              "This signed upload was ingested already: sign each upload afresh",
              "该签名上传已处理过，请对每次上传重新签名"),
    ErrorRule("EvidenceNotFound", 404, "No evidence with this SHA-256", "没有该哈希值的核查证据"),
    # -- the test probe (contracts/testing/SignedActionProbe.sol) ----------------------------
    ErrorRule("ProbeZeroQuantity", 422, "The quantity must be positive", "数量必须大于零"),
    ErrorRule("ProbeSelfTransfer", 422, "Sender and receiver are the same account",
              "转出方与转入方为同一账户"),
    ErrorRule("ProbeUnknownAccount", 404, "The account is not open", "账户未开立"),
    ErrorRule("ProbeFrozenAccount", 409, "The account is frozen", "账户已冻结"),
    ErrorRule("ProbeInsufficientBalance", 409, "The available balance is insufficient",
              "可用余额不足"),
    # -- the regulator council (contracts/governance, backend/services/council_ops.py) -------
    ErrorRule("CouncilUnknownProposal", 404,
              "No such council proposal",
              "没有该委员会提案"),
    ErrorRule("CouncilAlreadyApproved", 409,
              "This member has already approved the proposal",
              "该成员已批准此提案"),
    ErrorRule("CouncilNotReady", 409,
              "The proposal's time lock has not passed yet",
              "提案的等待期尚未届满"),
    ErrorRule("CouncilWrongState", 409,
              "The proposal is not in a state that allows this (see its state)",
              "提案当前的状态不允许此操作（见其状态）"),
    ErrorRule("CouncilNotProposer", 403,
              "Only the proposer may withdraw the proposal",
              "仅提案人可撤回提案"),
    ErrorRule("CouncilInvalidThreshold", 422,
              "The approval threshold must be at least 2 and at most the number of members",
              "批准门槛须不少于2且不超过成员人数"),
    ErrorRule("CouncilDelayBelowMinimum", 422,
              "The delay is below the time lock's minimum delay",
              "等待期短于时间锁的最短等待期"),
    ErrorRule("CouncilCallInvalid", 422,
              "This operation cannot be proposed to the council",
              "该操作不能提交委员会"),
    # -- trust: consent, notice, bounds (docs/security.md) --------------------------------
    ErrorRule("LifecycleConsentMissing", 403,
              "Every unit concerned must sign the merger or split, or the regulator council"
              " decide it (R-30, R-31)",
              "合并或分立须经各相关单位签名同意，或由监管委员会决定（R-30、R-31）"),
    ErrorRule("LifecycleConsentCount", 422,
              "More signatures than units concerned", "签名数量多于相关单位数量"),
    ErrorRule("LifecycleAuthorityAccount", 409,
              "The government reserve or another authority account is never merged, split or"
              " closed", "政府储备等管理机构账户不得合并、分立或注销"),
    ErrorRule("LifecycleObligorNotSuccessor", 422,
              "The unit meeting pending surrenders must be one of the split's successors (R-31)",
              "承担未清缴义务的单位必须是分立后的承继单位之一（R-31）"),
    ErrorRule("LifecycleActiveLease", 409,
              "A lease of the unit is running: it must end first (R-35)",
              "该单位存在未到期的租赁，须先终止（R-35）"),
    ErrorRule("LifecyclePeriodPending", 409,
              "A compliance period of the unit is not yet verified and surrendered (R-32)",
              "该单位尚有履约期未完成核查或清缴（R-32）"),
    ErrorRule("PriceBookNoticeTooShort", 409,
              "A benchmark takes effect only after the notice period (R-15)",
              "基准价须在公告期满后方可生效（R-15）"),
    ErrorRule("PriceBookOutsideBand", 409,
              "The benchmark moves beyond the band around the one it replaces: the regulator"
              " council decides (R-15)",
              "基准价调整幅度超出允许范围，须由监管委员会决定（R-15）"),
    ErrorRule("PriceBookNoSettledBenchmark", 409,
              "No benchmark has been in force for a notice period yet: the reserve cannot pay"
              " at it (R-15, R-26)",
              "尚无已生效满公告期的基准价，储备暂不能据此付款（R-15、R-26）"),
    ErrorRule("ReservePriceBelowAccepted", 409,
              "The reserve's price is below the least the unit accepted (R-26)",
              "储备回购价格低于单位签署接受的最低价格（R-26）"),
    ErrorRule("ComplianceSurplusExceeded", 409,
              "Beyond what is left of the period's surplus (R-26)",
              "超出该履约期剩余的富余排污权（R-26）"),
    ErrorRule("LeaseTermTooLong", 422,
              "The lease ends after the city's longest lease term or after the lessor's permit"
              " (R-35)",
              "租赁期超过本市规定的最长租赁期限或出租方排污许可有效期（R-35）"),
    ErrorRule("LeaseRentBelowFloor", 422,
              "The rent is below the benchmark value of the rights for the term (R-35)",
              "租金低于租赁期内排污权的基准价值（R-35）"),
    ErrorRule("PledgeNotMatured", 409,
              "The bank may declare default only from the maturity on (R-34)",
              "债务到期前银行不得宣告违约（R-34）"),
    ErrorRule("PledgeClaimAboveRecorded", 409,
              "The claim exceeds the one the pledge secures (R-34)",
              "主张的债权超出质押担保的债权金额（R-34）"),
    ErrorRule("PrimaryApplicationInAuction", 409,
              "The application backs a bid in a primary auction: the bidder is bound by it (R-09)",
              "该申请正用于一级市场竞价，竞买人受其报价约束（R-09）"),
    ErrorRule("PrimaryFeeAboveAccepted", 409,
              "The fee is above the most the applicant accepted when it signed (R-08)",
              "费用高于申请人签署接受的最高金额（R-08）"),
    ErrorRule("ExchangeInvalidPermit", 401,
              "Only the owner's own valid permit (or the owner itself) moves its money (R-16)",
              "仅持有人本人或其有效授权签名可转入其资金（R-16）"),
    # -- authority operations, payments and the other product contracts ----------------------
    ErrorRule("OperationUnknown", 404, "No such operation", "没有这个操作"),
    ErrorRule("RequestNotFound", 404, "No request with this Idempotency-Key",
              "没有使用该幂等键的请求"),
    ErrorRule("OperationUnavailable", 404,
              "The contract of this operation is not part of the deployment",
              "该操作所需的合约未部署"),
    ErrorRule("PollutantUnknown", 404, "Unknown pollutant code (R-01)", "未知的污染物代码（R-01）"),
    ErrorRule("RoleUnknown", 404, "The contract has no such role", "该合约没有这个角色"),
    ErrorRule("PaymentNotApproved", 409,
              "The paying contract is not allowed to draw the amount: approve it first",
              "尚未授权合约扣划该笔款项，请先授权"),
    ErrorRule("PaymentInsufficientBalance|ERC20InsufficientBalance|SettlementInsufficientBalance",
              409,
              "Not enough settlement money", "结算资金不足"),
    ErrorRule("ERC20InsufficientAllowance", 409,
              "The paying contract is not allowed to draw the amount: approve it first",
              "尚未授权合约扣划该笔款项，请先授权"),
    ErrorRule("LeaseTermsMismatch|ReserveOfferMismatch|ExchangeTermsMismatch|AuctionDepositMismatch",
              409,
              "The signed terms differ from those offered", "签署的条款与要约不一致"),
    ErrorRule(r"\w*(NotAuthority|NotAuthorised|OutsideDistrict|NotParty|NotBuyer|NotBank)", 403,
              "The account may not act for this unit or item",
              "该账户无权对该单位或事项执行此操作"),
    ErrorRule("ReserveBuyBackClosed", 409,
              "Buy-back is open only once the period's usage is fully surrendered, until the"
              " surplus is carried over or the carry-over deadline passes (R-26)",
              "仅在履约期实际使用量全部清缴后、结余结转前且结转期限届满前可申请回购（R-26）"),
    # -- carry-over (contracts/registry/ComplianceManager.sol, R-26) -------------------------
    ErrorRule("ComplianceRightsPledged", 409,
              "Pledged rights cannot be carried over, and the unit holds no other rights of this"
              " pollutant (R-07, R-26)",
              "质押期间的排污权不得结转，该单位没有该污染物的其他排污权可结转（R-07、R-26）"),
    ErrorRule("ComplianceNothingToCarryOver", 409,
              "Nothing to carry over: the unit holds no rights of this pollutant (R-26)",
              "没有可结转的排污权：该单位不持有该污染物的排污权（R-26）"),
    ErrorRule("ComplianceNotCompliant", 409,
              "The period's verified usage is not fully surrendered (R-24, R-26)",
              "该履约期核定的实际使用量尚未全部清缴（R-24、R-26）"),
    ErrorRule("ComplianceAlreadyCarriedOver", 409,
              "This period's surplus was already carried over (R-26)",
              "该履约期的结余排污权已结转（R-26）"),
    ErrorRule("ComplianceWindowClosed", 409,
              "The carry-over deadline has passed: the surplus is carried over automatically"
              " (R-26)",
              "结转期限已过，结余排污权将自动结转（R-26）"),
    # -- changes of a unit (contracts/lifecycle/UnitLifecycle.sol) ---------------------------
    ErrorRule("LifecyclePlanMismatch", 422,
              "The split plan does not add up to what the unit holds or owes (see the field;"
              " R-31)",
              "分立方案与该单位持有或欠缴的数量不符（见字段，R-31）"),
    # -- the exchange (contracts/market; pre-check verdicts are named Market<MarketReason>) ----
    ErrorRule("MarketInsufficientFunds|ExchangeInsufficientFunds|AuctionInsufficientFunds"
              "|ExchangeInsufficientLocked", 409,
              "Not enough available money in the trading account (R-16)",
              "交易账户可用资金不足（R-16）"),
    ErrorRule("MarketBidTooLow|ExchangeBidTooLow|AuctionBidTooLow", 409,
              "The bid is below the ask, the reserve price or the leading bid plus the step",
              "报价低于挂牌价、起拍价或当前最高价加加价幅度"),
    ErrorRule("MarketEnded|ExchangeListingEnded|AuctionBiddingClosed", 409,
              "The order's time is over", "该委托的交易时间已结束"),
    ErrorRule("MarketNotEnded|ExchangeListingNotEnded|AuctionNotEnded|AuctionStillOpen", 409,
              "Bidding is still running", "竞价尚未结束"),
    ErrorRule("MarketUnknownOrder|ExchangeUnknownListing|AuctionUnknownLot"
              "|PrimaryUnknownApplication", 404, "No such listing, lot or application",
              "没有该挂牌、拍卖标的或申请"),
    ErrorRule("MarketWrongStatus|ExchangeListingNotOpen|AuctionNotOpen|AuctionWrongPhase"
              "|PrimaryWrongStatus|PrimaryWrongKind", 409,
              "The order is not in a state (or of a kind) that allows this",
              "该委托当前的状态或类型不允许此操作"),
    ErrorRule("MarketHasBids|ExchangeListingHasBids|AuctionHasBidders", 409,
              "The order already has bids: it can no longer be taken or withdrawn",
              "该委托已有报价，不能再摘牌或撤回"),
    ErrorRule("MarketNotJoined|AuctionNotJoined", 409,
              "The bidder has not lodged the lot's deposit (R-16)",
              "竞买人尚未缴纳交易保证金（R-16）"),
    ErrorRule("MarketAlreadyJoined|AuctionAlreadyJoined", 409,
              "The bidder has already joined this lot", "竞买人已报名参加该拍卖"),
    ErrorRule("MarketInvalidMode|ExchangeInvalidMode", 422,
              "A negotiated trade settles only as negotiated, green-channel or reserve-release",
              "协议转让仅限协议、绿色通道或储备出让方式"),
    ErrorRule("MarketOutsideRegion|AuctionOutsideRegion", 409,
              "New rights of a district are sold to its own units only (R-10)",
              "新增排污权仅向本区域单位出让（R-10）"),
    ErrorRule("MarketApplicationUnusable|AuctionApplicationUnusable|PrimaryApplicationUnusable",
              409, "The approved application does not cover this lot (R-08, R-09)",
              "经核定的申请不覆盖该标的（R-08、R-09）"),
    ErrorRule("MarketPledgeNotEnforcing|AuctionPledgeNotEnforcing|AuctionPledgeOnSale", 409,
              "The pledge is not (or already) up for enforcement sale (R-34)",
              "该质押未处于（或已处于）处置拍卖中（R-34）"),
    ErrorRule("MarketBadReveal|AuctionBadReveal", 409,
              "Nothing committed, already revealed, or price and salt do not match the commitment",
              "未提交密封报价、已揭示，或价格与盐值与承诺不符"),
    ErrorRule("MarketTooLarge|ExchangeAmountTooLarge|AuctionBidTooLarge", 422,
              "The amount is beyond what the book stores", "金额超出可记录的范围"),
    ErrorRule("ExchangeListingCanSettle|AuctionLotCanSettle", 409,
              "The order can settle: settle it instead", "该委托可以成交，请执行成交"),
    ErrorRule("AuctionReserveBelowBenchmark", 409,
              "The reserve price is below the benchmark value of the lot (R-15)",
              "起拍价低于该标的的交易基准价值（R-15）"),
    ErrorRule("ExchangeNotSeller|AuctionNotCreator|PrimaryNotApplicant", 403,
              "Only the order's seller, creator or applicant may do this",
              "仅该委托的出让方、发起人或申请人可执行此操作"),
    # -- any other contract error, by the words in its name ----------------------------------
    ErrorRule(r"\w*(Unauthorized|NotAuthorized|Forbidden|MissingRole)\w*", 403,
              "The account may not perform this action", "该账户无权执行此操作"),
    ErrorRule(r"\w*(InvalidSignature|InvalidSigner|BadSignature)\w*", 401,
              "The signature is invalid", "签名无效"),
    ErrorRule(r"\w*Expired\w*", 400, "The request or order has expired", "请求或委托已过期"),
    ErrorRule(r"\w*Nonce\w*", 409, "The nonce is not the expected one", "序号不符"),
    ErrorRule(r"\w*(Unknown|NotFound)\w*", 404, "The referenced item does not exist",
              "所引用的对象不存在"),
    ErrorRule(r"\w*(Zero|Invalid|TooLarge|TooSmall|Mismatch|Empty|Length)\w*", 422,
              "A value of the request is not acceptable", "请求中的取值不被接受"),
    ErrorRule(r"\w+", 409, "The rules refuse this action", "规则不允许此操作"),
)
# fmt: on

_COMPILED = tuple((re.compile(rule.pattern), rule) for rule in ERROR_TABLE)


def rule_for(name: str) -> ErrorRule:
    """The first row of :data:`ERROR_TABLE` whose pattern matches ``name``."""
    for pattern, rule in _COMPILED:
        if pattern.fullmatch(name):
            return rule
    return ERROR_TABLE[-1]


def error_body(exc: ServiceError, context: Context | None = None) -> tuple[int, dict[str, Any]]:
    """HTTP status and JSON body for a service error; with ``context`` (the app's chain and
    index) the refusal is also explained in words with its figures (``explanation``)."""
    rule = rule_for(exc.name)
    message = f"{rule.en}: {exc.detail}" if exc.detail else rule.en
    body: dict[str, Any] = {
        "code": exc.name,
        "status": rule.status,
        "message": message,
        "message_zh": rule.zh,
        "args": exc.error_args,
    }
    body.update({k: v for k, v in exc.extra.items() if v is not None and k != "subject"})
    try:
        body["explanation"] = _explain(exc.name, exc.error_args, rule, exc, context)
    except Exception:  # an explanation never turns a refusal into a server error
        log.exception("cannot explain %s", exc.name)
    return rule.status, {"error": body}


@dataclass(frozen=True)
class Context:
    """What explaining a refusal may read: the unit names (index) and the holder's rights."""

    names: Callable[[list[str]], Mapping[str, str]] | None = None
    sellable: Callable[[str, int], explain.Sellable | None] | None = None


SHORTAGES = ("LedgerInsufficientRights", "LedgerBelowPermit", "LedgerNotCertifiedTradable")


def _explain(
    code: str, args: Mapping[str, Any], rule: ErrorRule, exc: ServiceError, context: Context | None
) -> dict[str, Any]:
    names: Mapping[str, str] = {}
    held_back = None
    if context is not None:
        wanted = explain.addresses_in(args) + explain.addresses_in(exc.extra.get("subject") or {})
        if context.names is not None and wanted:
            names = context.names(wanted)
        subject = {**(exc.extra.get("subject") or {}), **args}
        holder, pollutant = subject.get("holder") or subject.get("from"), subject.get("pollutant")
        if (code in SHORTAGES and context.sellable is not None and isinstance(holder, str)
                and isinstance(pollutant, int)):  # fmt: skip
            held_back = context.sellable(holder, pollutant)
    return explain.describe(
        code, args, default=(rule.zh, rule.en), names=names, held_back=held_back
    ).as_dict()


class ErrorDetail(BaseModel):
    code: str = Field(description="error name: a contract custom error or a service error")
    status: int
    message: str = Field(description="English")
    message_zh: str = Field(description="中文")
    args: dict[str, Any] = Field(default_factory=dict, description="decoded error arguments")
    tx_hash: str | None = Field(default=None, description="set when a transaction was sent")
    reason_code: int | None = Field(default=None, description="pre-check reason code")
    explanation: dict[str, Any] | None = Field(
        default=None,
        description="the refusal in words: zh, en, and each figure written for a person "
        "(figures: t, 元, Beijing time, unit names)",
    )


class ErrorOut(BaseModel):
    """The body of every 4xx/5xx answer."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in (
        (400, "expired signature or deadline, wrong chain"),
        (401, "bad signature or wrong signer"),
        (403, "the account lacks the role"),
        (404, "unknown action, account or item"),
        (409, "a rule refuses the action (see the error code), nonce conflicts"),
        (413, "request body over the endpoint's limit"),
        (422, "invalid request: types, ranges, addresses, typed data"),
        (429, "over a rate limit (per client or per signer): wait Retry-After seconds"),
        (503, "chain node or relayer unavailable"),
        (504, "transaction sent but not confirmed in time: retry the same request"),
    )
}


PageRenderer = Callable[[Request, int, dict[str, Any]], Response]
API_PATHS = ("/api/", "/docs", "/redoc", "/openapi.json")
DOWNLOAD_PATH = "/download/"


def _is_page(request: Request) -> bool:
    """A page route (the explorer, the portal, the console): errors answer HTML in the page's
    language; the API keeps its JSON envelope. A download is read by programs as much as by
    people: a browser (it asks for text/html) gets the page, a program the envelope."""
    path = request.url.path
    if path.startswith(DOWNLOAD_PATH):
        return "text/html" in request.headers.get("accept", "")
    return not path.startswith(API_PATHS)


def _respond(exc: ServiceError, request: Request | None = None,
             page: PageRenderer | None = None) -> Response:  # fmt: skip
    status, body = error_body(exc, _context(request) if request is not None else None)
    retry = exc.extra.get("retry_after")
    headers = {"Retry-After": str(retry)} if retry is not None else None
    if page is not None and request is not None and _is_page(request):
        try:
            response = page(request, status, body["error"])
            response.headers.update(headers or {})
            return response
        except Exception:  # an error page that fails answers the plain envelope
            log.exception("error page failed")
    return JSONResponse(body, status_code=status, headers=headers)


def _context(request: Request) -> Context | None:
    """The app's index (names) and chain (the holder's rights) for explanations, if open."""
    state = request.app.state
    engine, chain = getattr(state, "engine", None), getattr(state, "chain", None)

    def names(holders: list[str]) -> dict[str, str]:
        from backend.services import disclosure

        with engine.connect() as conn:
            return {h: u["name"] for h, u in disclosure.unit_names(conn, holders).items()}

    def sellable(holder: str, pollutant: int) -> explain.Sellable | None:
        from backend.services.holdings import sellable_now

        return sellable_now(chain, holder, pollutant)

    return Context(names if engine is not None else None, sellable if chain is not None else None)


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def validation_error(exc: RequestValidationError) -> ServiceError:
    """Pydantic's errors as one readable message plus the list of problems."""
    problems = [
        {"field": _location(err["loc"]), "problem": err["msg"], "type": err["type"]}
        for err in exc.errors()
    ]
    detail = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
    return ServiceError("RequestInvalid", detail, problems=problems)


def install(app: FastAPI, page: PageRenderer | None = None) -> None:
    """Register the handlers that turn every error into the envelope above (``page``: how a
    page route shows it instead)."""

    # not async: explaining a refusal reads the index and the chain, so it runs in a thread
    @app.exception_handler(ServiceError)
    def _service_error(request: Request, exc: ServiceError) -> Response:
        return _respond(exc, request, page)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _respond(validation_error(exc), request, page)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        names = {404: "NotFound", 405: "MethodNotAllowed"}
        name = names.get(exc.status_code)
        if name is None:
            body = {"code": "HTTPError", "status": exc.status_code, "message": str(exc.detail)}
            if page is not None and _is_page(request):
                return page(request, exc.status_code, body)
            return JSONResponse({"error": body}, status_code=exc.status_code)
        return _respond(ServiceError(name, str(exc.detail) if exc.detail else ""), request, page)

    @app.exception_handler(requests.ConnectionError)
    async def _node_down(request: Request, exc: requests.ConnectionError) -> Response:
        return _respond(ServiceError("NodeUnavailable", type(exc).__name__), request, page)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return _respond(ServiceError("InternalError", type(exc).__name__), request, page)
