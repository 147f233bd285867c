"""The product's vocabulary as the contracts define it (contracts/interfaces/Types.sol).

The enums mirror the Solidity enums value for value (a test keeps them in sync); the seven
pollutant kinds are the ones a deployment starts with (R-01; a regulator may add more).
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


def camel(name: str) -> str:
    """``BELOW_PERMIT`` → ``BelowPermit`` (an enum member as in Solidity)."""
    return "".join(w.capitalize() for w in name.split("_"))


def verdict_error(market: int, rule: int) -> str:
    """The error name of a market pre-check's verdict ``(MarketReason, Reason, …)``: the
    ledger's ``Ledger<Reason>`` when the rule engine refuses, else ``Market<MarketReason>``."""
    if MarketReason(market) is MarketReason.RULE_REFUSED:
        return "Ledger" + camel(Reason(rule).name)
    return "Market" + camel(MarketReason(market).name)


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
