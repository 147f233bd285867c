"""The product's vocabulary as the contracts define it: every Python mirror of a contract's enum
or constant, in this one module.

Each enum mirrors its Solidity enum (``SOLIDITY`` names it) value for value;
tests/contracts/test_domain_sync.py checks every one against the compiled contracts, and that no
other module of the service defines one. The seven pollutant kinds are the ones a deployment
starts with (R-01; a regulator may add more).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Sector(IntEnum):
    NONE = 0
    INDUSTRY = 1
    LIVESTOCK = 2
    SERVICE = 3
    THERMAL_POWER = 4
    TREATMENT_FACILITY = 5
    INVESTOR = 6
    GOVERNMENT = 7


class PollutantClass(IntEnum):
    OTHER = 0
    WATER = 1
    AIR = 2
    SOLID = 3


class Origin(IntEnum):
    PAID = 0
    FREE = 1
    WAIVED = 2


class Op(IntEnum):
    ALLOCATE = 0
    TRADE = 1
    SURRENDER = 2
    PLEDGE = 3
    RELEASE = 4
    ENFORCED_SALE = 5
    RECLAIM = 6
    LEASE_OUT = 7
    LEASE_RETURN = 8
    SUCCESSION = 9
    OFFER = 10


class TradeMode(IntEnum):
    NONE = 0
    NEGOTIATED = 1
    LISTING = 2
    AUCTION = 3
    GREEN_CHANNEL = 4
    BUY_BACK = 5
    RESERVE_RELEASE = 6
    ENFORCEMENT = 7


class Reason(IntEnum):
    OK = 0
    ZERO_QUANTITY = 1
    UNKNOWN_POLLUTANT = 2
    NOT_REGISTERED = 3
    ACCOUNT_CLOSED = 4
    INSUFFICIENT_RIGHTS = 5
    BELOW_PERMIT = 6
    CAP_EXCEEDED = 7
    NO_CAP = 8
    POLICY_RESTRICTED = 9
    PRICE_BELOW_BENCHMARK = 10
    NO_BENCHMARK = 11
    BLACKLISTED = 12
    NON_ATTAINMENT_DESTINATION = 13
    THERMAL_POWER_AIR_POLLUTANT = 14
    INDUSTRY_LIVESTOCK = 15
    GREEN_CHANNEL_LIMIT = 16
    SECTOR_NOT_ENABLED = 17
    SELLER_NOT_QUALIFIED = 18
    NOT_CERTIFIED_TRADABLE = 19
    SAME_ACCOUNT = 20
    NOT_RESERVE = 21
    NOT_IN_POLICY = 22
    MODULE_REFUSED = 23


class MarketReason(IntEnum):
    """Why a market pre-check refuses (contracts/interfaces/MarketTypes.sol); ``RULE_REFUSED``
    comes with the ledger's :class:`Reason`."""

    OK = 0
    RULE_REFUSED = 1
    TOO_LARGE = 2
    UNKNOWN_ORDER = 3
    WRONG_STATUS = 4
    ENDED = 5
    NOT_ENDED = 6
    INSUFFICIENT_FUNDS = 7
    BID_TOO_LOW = 8
    NOT_JOINED = 9
    ALREADY_JOINED = 10
    HAS_BIDS = 11
    INVALID_MODE = 12
    OUTSIDE_REGION = 13
    APPLICATION_UNUSABLE = 14
    PLEDGE_NOT_ENFORCING = 15
    BAD_REVEAL = 16


class ComplianceStatus(IntEnum):
    """A unit's compliance in a period (R-23 – R-26)."""

    NONE = 0
    OPEN = 1
    AWAITING_VERIFICATION = 2
    DUE = 3
    OVERDUE = 4
    COMPLIANT = 5
    NON_COMPLIANT = 6


class UsageStatus(IntEnum):
    """A verified usage figure: open to attestations, disputable, final (R-22)."""

    NONE = 0
    OPEN = 1
    DISPUTABLE = 2
    FINAL = 3


class PledgeStatus(IntEnum):
    NONE = 0
    ACTIVE = 1
    RELEASED = 2
    ENFORCING = 3
    ENFORCED = 4


class ReserveSource(IntEnum):
    RECLAIMED = 0
    BOUGHT_BACK = 1
    FACILITY = 2
    IDLE = 3
    FRAUD = 4


class ReserveUse(IntEnum):
    MARKET = 0
    PRIORITY_PROJECT = 1
    GREEN_CHANNEL = 2


class ApplicationKind(IntEnum):
    EXISTING = 0
    NEW_UNIT = 1
    EXPANSION = 2


class ApplicationStatus(IntEnum):
    NONE = 0
    APPLIED = 1
    APPROVED = 2
    REJECTED = 3
    WITHDRAWN = 4
    SETTLED = 5


class ListingStatus(IntEnum):
    NONE = 0
    OPEN = 1
    BIDDING = 2
    TAKEN = 3
    SETTLED = 4
    EXPIRED = 5
    CANCELLED = 6
    FAILED = 7


class AuctionKind(IntEnum):
    SALE = 0
    ENFORCEMENT = 1
    PRIMARY = 2
    RESERVE = 3


class AuctionFormat(IntEnum):
    ASCENDING = 0
    SEALED = 1


class LotStatus(IntEnum):
    NONE = 0
    OPEN = 1
    SOLD = 2
    UNSOLD = 3
    FAILED = 4
    CANCELLED = 5


class LeaseStatus(IntEnum):
    NONE = 0
    OFFERED = 1
    ACTIVE = 2
    ENDED = 3
    CANCELLED = 4


class RedemptionStatus(IntEnum):
    NONE = 0
    REQUESTED = 1
    PAID_OUT = 2
    REJECTED = 3


class CouncilState(IntEnum):
    NONE = 0
    PENDING = 1
    SCHEDULED = 2
    READY = 3
    EXECUTED = 4
    CANCELLED = 5
    WITHDRAWN = 6


class Restriction(IntEnum):
    """The restriction bits of an account (R-17), ``AccountRegistry.RESTRICTION_*``."""

    CREDIT = 1
    SUPERVISION = 2
    RECTIFICATION = 4
    REGIONAL_SUSPENSION = 8
    FRAUD = 16
    LEGAL = 32


class NegotiatedMode(IntEnum):
    """The trade modes ``IExchange.settleTrade`` accepts (a part of :class:`TradeMode`)."""

    NEGOTIATED = int(TradeMode.NEGOTIATED)
    GREEN_CHANNEL = int(TradeMode.GREEN_CHANNEL)
    RESERVE_RELEASE = int(TradeMode.RESERVE_RELEASE)


# Each mirror → its Solidity enum (``Contract.Enum`` for one declared in a contract or
# interface), or ``Contract.PREFIX_`` for a set of constants ``PREFIX_<MEMBER>``.
class Figure(IntEnum):
    SWITCHES = 0
    GREEN_CHANNEL_LIMIT_KG = 1
    LEASE_MAX_TERM_SECONDS = 2
    PERMIT_VALIDITY_SECONDS = 3


class Switch(IntEnum):
    GREEN_CHANNEL = 0
    LEASING = 1
    PRICE_FLOOR = 2
    THERMAL_POWER_AIR_BAN = 3
    INDUSTRY_LIVESTOCK_BAN = 4
    SECTOR_ROLLOUT = 5
    TRADABLE_RECOGNITION = 6
    PARTY_REVIEW = 7
    NON_ATTAINMENT_BAN = 8
    BUY_BACK = 9


SOLIDITY: dict[type[IntEnum], str] = {
    Sector: "Sector",
    PollutantClass: "PollutantClass",
    Origin: "Origin",
    Op: "Op",
    TradeMode: "TradeMode",
    Reason: "Reason",
    MarketReason: "MarketReason",
    ComplianceStatus: "IComplianceManager.Status",
    UsageStatus: "IVerificationOracle.Status",
    PledgeStatus: "IPledgeBook.Status",
    ReserveSource: "IGovernmentReserve.Source",
    ReserveUse: "IGovernmentReserve.Use",
    ApplicationKind: "IPrimaryMarket.Kind",
    ApplicationStatus: "IPrimaryMarket.Status",
    ListingStatus: "IExchange.ListingStatus",
    AuctionKind: "IAuctionHouse.Kind",
    AuctionFormat: "IAuctionHouse.Format",
    LotStatus: "IAuctionHouse.Status",
    LeaseStatus: "ILeaseBook.Status",
    RedemptionStatus: "ISettlementToken.RedemptionStatus",
    CouncilState: "IRegulatorCouncil.State",
    Restriction: "AccountRegistry.RESTRICTION_",
    Figure: "Figure",
    Switch: "Switch",
}
SUBSETS: dict[type[IntEnum], type[IntEnum]] = {NegotiatedMode: TradeMode}


def camel(name: str) -> str:
    """``BELOW_PERMIT`` → ``BelowPermit`` (an enum member as in Solidity)."""
    return "".join(w.capitalize() for w in name.split("_"))


def verdict_error(market: int, rule: int) -> str:
    """The error name of a market pre-check's verdict ``(MarketReason, Reason, …)``: the
    ledger's ``Ledger<Reason>`` when the rule engine refuses, else ``Market<MarketReason>``."""
    if MarketReason(market) is MarketReason.RULE_REFUSED:
        return "Ledger" + camel(Reason(rule).name)
    return "Market" + camel(MarketReason(market).name)


LEDGER_REASONS: tuple[str, ...] = (
    "Ok",
    *("Ledger" + camel(r.name) for r in Reason if r),
)  # reason code of RightsLedger.check → its custom error (Types.sol `Reason`)


@dataclass(frozen=True)
class PollutantKind:
    code: str
    name_zh: str
    name_en: str
    pollutant_class: PollutantClass


# the seven allowance kinds, in the order a deployment registers them (ids 1..7)
POLLUTANTS: tuple[PollutantKind, ...] = (
    PollutantKind("COD", "化学需氧量", "chemical oxygen demand", PollutantClass.WATER),
    PollutantKind("NH3-N", "氨氮", "ammonia nitrogen", PollutantClass.WATER),
    PollutantKind("SO2", "二氧化硫", "sulphur dioxide", PollutantClass.AIR),
    PollutantKind("NOx", "氮氧化物", "nitrogen oxides", PollutantClass.AIR),
    PollutantKind(
        "GISW", "一般工业固体废物", "general industrial solid waste", PollutantClass.SOLID
    ),
    PollutantKind("SEWAGE", "生活污水", "domestic sewage", PollutantClass.WATER),
    PollutantKind("GARBAGE", "生活垃圾", "domestic garbage", PollutantClass.SOLID),
)
POLLUTANT_IDS: dict[str, int] = {p.code: i + 1 for i, p in enumerate(POLLUTANTS)}
