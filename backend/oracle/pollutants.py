"""The pollutant kinds of the registry (R-01) as the oracle reads them in monitoring data."""

from __future__ import annotations

from dataclasses import dataclass

WATER, AIR, MASS_ONLY = "water", "air", "mass"


@dataclass(frozen=True)
class Pollutant:
    """A pollutant kind: its id on chain, its code and how it is measured."""

    id: int
    code: str
    name: str
    medium: str  # WATER: mg/L × water volume; AIR: mg/m³ × flue-gas volume; MASS_ONLY: kg/t


POLLUTANTS: tuple[Pollutant, ...] = (
    Pollutant(1, "COD", "化学需氧量", WATER),
    Pollutant(2, "NH3-N", "氨氮", WATER),
    Pollutant(3, "SO2", "二氧化硫", AIR),
    Pollutant(4, "NOx", "氮氧化物", AIR),
    Pollutant(5, "GISW", "一般工业固体废物", MASS_ONLY),
    Pollutant(6, "SEWAGE", "生活污水", MASS_ONLY),
    Pollutant(7, "GARBAGE", "生活垃圾", MASS_ONLY),
)

# A plausible maximum per outlet and day, in kg, far above any real source (the largest
# Chinese power plants emit some tonnes of SO2 a day, the largest sewage plants treat about
# 3 million m³): a monitoring record beyond it (pro rata for an hour) is refused as a typing or
# unit error, before it can become a figure (docs/oracle.md, "Bounds").
DAILY_MAX_KG: dict[str, int] = {
    "COD": 100_000,  # 100 t/d
    "NH3-N": 20_000,  # 20 t/d
    "SO2": 300_000,  # 300 t/d
    "NOx": 300_000,  # 300 t/d
    "GISW": 100_000_000,  # 100 000 t/d of general industrial solid waste
    "SEWAGE": 5_000_000_000,  # 5 million t/d
    "GARBAGE": 50_000_000,  # 50 000 t/d
}

# Factor codes of the online-monitoring protocol HJ 212 (2017 and 2005 editions) → our codes.
HJ212_CODES: dict[str, str] = {
    "w01018": "COD",
    "w21003": "NH3-N",
    "a21026": "SO2",
    "a21002": "NOx",
    "011": "COD",
    "060": "NH3-N",
    "02": "SO2",
    "03": "NOx",
}

_BY_KEY: dict[str, Pollutant] = {}
for _p in POLLUTANTS:
    for _key in (_p.code, _p.name, str(_p.id)):
        _BY_KEY[_key.casefold()] = _p
for _code, _ours in HJ212_CODES.items():
    _BY_KEY[_code.casefold()] = next(p for p in POLLUTANTS if p.code == _ours)
_BY_ID = {p.id: p for p in POLLUTANTS}


def lookup(text: str) -> Pollutant | None:
    """The pollutant named by a code ("NH3-N"), its Chinese name, its id or an HJ 212 code."""
    return _BY_KEY.get(text.strip().casefold())


def by_id(pollutant_id: int) -> Pollutant | None:
    return _BY_ID.get(pollutant_id)
