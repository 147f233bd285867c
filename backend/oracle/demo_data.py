"""Demo monitoring data: a year of hourly online-monitoring records for the demo units.

    backend oracle demo-data OUTDIR --units backend/oracle/demo_units.json --year 2025

Writes one CSV per outlet and month (``<credit code>/<outlet>_<YYYY-MM>.csv``) in the format
the oracle ingests. The numbers follow what plants report: production-shift daily cycles,
quieter weekends, a heating-season peak at power plants, a Spring Festival shutdown (flag F),
and the usual flagged gaps: daily calibration of stack analysers (C), monthly maintenance (M),
a few instrument faults of hours to days (D) and lost transmissions (B).
"""

from __future__ import annotations

import csv
import json
import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from backend.oracle import pollutants
from backend.oracle.pollutants import AIR, WATER
from backend.oracle.records import BEIJING, FIELDS

DEMO_UNITS_FILE = Path(__file__).with_name("demo_units.json")

# sector → (typical water flow m³/h, typical flue-gas flow m³/h, daily solid waste t)
SECTORS: dict[str, tuple[float, float, float]] = {
    "chemical": (60.0, 40_000.0, 3.0),
    "thermal_power": (30.0, 600_000.0, 40.0),
    "livestock": (15.0, 0.0, 0.5),
    "sewage_plant": (4_000.0, 0.0, 8.0),
    "industry": (40.0, 30_000.0, 2.0),
}
# pollutant code → typical concentration (mg/L for water, mg/m³ for air)
CONCENTRATION = {"COD": 38.0, "NH3-N": 2.6, "SO2": 22.0, "NOx": 38.0}
LIVESTOCK_CONCENTRATION = {"COD": 180.0, "NH3-N": 35.0}
DAILY_MASS = {"GISW": 1.0, "SEWAGE": 1.0, "GARBAGE": 1.0}  # × the sector's daily tonnes


@dataclass(frozen=True)
class DemoUnit:
    credit_code: str
    sector: str
    scale: float
    outlets: dict[str, list[str]]  # outlet → pollutant codes


def load_units(path: Path) -> list[DemoUnit]:
    """Units from a units file (the oracle's directory format plus ``sector`` and ``scale``)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        DemoUnit(
            credit_code=u["credit_code"],
            sector=u.get("sector", "industry"),
            scale=float(u.get("scale", 1.0)),
            outlets={o: list(codes) for o, codes in u["outlets"].items()},
        )
        for u in document["units"]
    ]


def _hours(first: datetime, end: datetime) -> Iterator[datetime]:
    moment = first
    while moment < end:
        yield moment
        moment += timedelta(hours=1)


def _year(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=BEIJING), datetime(year + 1, 1, 1, tzinfo=BEIJING)


def _spring_festival(year: int) -> datetime:
    """Roughly when plants stop for the Spring Festival (late January to mid February)."""
    return datetime(year, 1, 25, tzinfo=BEIJING) + timedelta(days=(year * 11) % 19)


def _load(moment: datetime, sector: str) -> float:
    """Production load relative to average: shifts, weekends, seasons."""
    hour, weekday, day = moment.hour, moment.weekday(), moment.timetuple().tm_yday
    if sector == "thermal_power":
        daily = 0.85 + 0.25 * math.sin((hour - 6) / 24 * 2 * math.pi)
        heating = 1.3 if (day < 75 or day > 319) else 1.0
        return daily * heating
    if sector == "sewage_plant":  # inflow follows household water use
        morning = math.exp(-(((hour - 9) / 3) ** 2))
        evening = math.exp(-(((hour - 20) / 3) ** 2))
        return 0.75 + 0.35 * morning + 0.3 * evening
    shift = 1.15 if 8 <= hour < 20 else 0.75
    weekend = 0.8 if weekday >= 5 else 1.0
    season = 1.0 + 0.08 * math.sin(day / 365 * 2 * math.pi)
    return shift * weekend * season


def _gap_plan(rng: random.Random, start: datetime, end: datetime, air: bool) -> dict[datetime, str]:
    """Hours without a valid value and their flag."""
    flags: dict[datetime, str] = {}
    days = max(1, (end - start).days)
    for day in range(days):
        if air or day % 7 == 0:  # stack analysers calibrate daily, water analysers weekly
            flags[start + timedelta(days=day, hours=10)] = "C"
    for month in range(max(1, days // 30)):  # monthly maintenance, 2-4 h
        first = start + timedelta(days=month * 30 + rng.randrange(25), hours=14)
        for h in range(rng.randint(2, 4)):
            flags[first + timedelta(hours=h)] = "M"
    for _ in range(3):  # instrument faults: hours, sometimes days
        first = start + timedelta(hours=rng.randrange(max(1, days * 24 - 60)))
        for h in range(rng.choice([3, 6, 11, 30, 52])):
            flags[first + timedelta(hours=h)] = "D"
    for _ in range(10):  # lost transmissions
        flags[start + timedelta(hours=rng.randrange(days * 24))] = "B"
    return flags


def _stopped(moment: datetime, festival: datetime, sector: str) -> bool:
    if sector in ("thermal_power", "sewage_plant"):  # these run through the festival
        return False
    return festival <= moment < festival + timedelta(days=6)


def _rows(
    unit: DemoUnit, outlet: str, span: tuple[datetime, datetime], seed: int
) -> Iterator[dict[str, str]]:
    """Records covering ``span``: hourly from the hour it starts in, daily from the Beijing
    midnight before it (the oracle counts the intervals straddling a bound pro rata)."""
    start, end = span
    first = start.astimezone(BEIJING).replace(hour=0, minute=0, second=0, microsecond=0)
    stream = seed * 1_000_003 + zlib.crc32(f"{unit.credit_code}/{outlet}".encode())
    rng = random.Random(stream)  # noqa: S311 (demo data, reproducible by seed)
    water_flow, gas_flow, daily_t = SECTORS.get(unit.sector, SECTORS["industry"])
    codes = [pollutants.lookup(c) for c in unit.outlets[outlet]]
    hourly = [p for p in codes if p and p.medium in (WATER, AIR)]
    daily = [p for p in codes if p and p.medium not in (WATER, AIR)]
    air = any(p.medium == AIR for p in hourly)
    gaps = {p.code: _gap_plan(rng, first, end, p.medium == AIR) for p in hourly}
    festival = _spring_festival(start.astimezone(BEIJING).year)
    base_conc = LIVESTOCK_CONCENTRATION if unit.sector == "livestock" else CONCENTRATION
    for moment in _hours(first, end):
        stamp = moment.isoformat()
        if moment + timedelta(hours=1) <= start:  # before the span: only its day's records
            yield from _daily(unit, outlet, moment, daily, festival, daily_t, rng)
            continue
        stopped = _stopped(moment, festival, unit.sector)
        flow = (gas_flow if air else water_flow) * unit.scale * _load(moment, unit.sector)
        flow *= rng.lognormvariate(0, 0.06)
        for p in hourly:
            row = {"credit_code": unit.credit_code, "outlet": outlet, "time": stamp,
                   "interval": "hour", "pollutant": p.code}  # fmt: skip
            flag = "F" if stopped else gaps[p.code].get(moment, "N")
            row["flag"] = flag
            if flag == "N":
                conc = base_conc.get(p.code, 10.0) * rng.lognormvariate(0, 0.15)
                row["concentration"] = f"{conc:.2f}"
                row["concentration_unit"] = "mg/L" if p.medium == WATER else "mg/m3"
                row["flow"] = f"{flow:.1f}"
                row["flow_unit"] = "m3" if p.medium == WATER else "m3/h"
            yield row
        yield from _daily(unit, outlet, moment, daily, festival, daily_t, rng)


def _daily(
    unit: DemoUnit, outlet: str, moment: datetime, daily: list, festival: datetime,
    daily_t: float, rng: random.Random,
) -> Iterator[dict[str, str]]:  # fmt: skip
    """The day's records of masses reported daily (at Beijing midnight)."""
    if not daily or moment.hour != 0:
        return
    for p in daily:
        tonnes = daily_t * DAILY_MASS[p.code] * unit.scale * rng.lognormvariate(0, 0.2)
        if moment.weekday() >= 5:
            tonnes *= 0.7
        row = {"credit_code": unit.credit_code, "outlet": outlet, "time": moment.isoformat(),
               "interval": "day", "pollutant": p.code}  # fmt: skip
        if _stopped(moment, festival, unit.sector):
            row["flag"] = "F"
        else:
            row.update(flag="N", value=f"{tonnes:.3f}", unit="t")
        yield row


def generate(
    units: list[DemoUnit],
    outdir: Path,
    *,
    year: int = 2025,
    seed: int = 1,
    span: tuple[int, int] | None = None,
) -> list[Path]:
    """Write the monitoring files of every unit and outlet for ``year``, or for ``span`` (unix
    seconds [start, end), e.g. a compliance period defined on chain); returns their paths."""
    bounds = _year(year) if span is None else tuple(
        datetime.fromtimestamp(t, BEIJING) for t in span
    )  # fmt: skip
    written = []
    for unit in units:
        for outlet in unit.outlets:
            by_month: dict[str, list[dict[str, str]]] = {}
            for row in _rows(unit, outlet, bounds, seed):
                by_month.setdefault(row["time"][:7], []).append(row)
            folder = outdir / unit.credit_code
            folder.mkdir(parents=True, exist_ok=True)
            for month, rows in by_month.items():
                path = folder / f"{outlet}_{month}.csv"
                with path.open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.DictWriter(handle, fieldnames=FIELDS)
                    writer.writeheader()
                    writer.writerows(rows)
                written.append(path)
    return written


def synthetic_units(count: int, *, prefix: str = "91500000SYN") -> list[dict]:
    """``count`` chemical-plant-like units for load tests (addresses derived from the code)."""
    from eth_utils import keccak, to_checksum_address

    units = []
    for i in range(count):
        code = f"{prefix}{i:06d}X"
        units.append(
            {
                "credit_code": code,
                "name": f"synthetic unit {i}",
                "address": to_checksum_address(keccak(text=code)[-20:]),
                "sector": "chemical",
                "outlets": {"DW001": ["COD", "NH3-N"], "DA001": ["SO2", "NOx"]},
            }
        )
    return units


def periods_document(year: int, period: int = 1) -> dict:
    """A periods file covering calendar ``year`` as compliance period ``period``."""
    return {
        "periods": {
            str(period): {
                "start": f"{year}-01-01T00:00:00+08:00",
                "end": f"{year + 1}-01-01T00:00:00+08:00",
            }
        }
    }
