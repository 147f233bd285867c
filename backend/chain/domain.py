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
