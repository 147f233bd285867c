"""Monitoring records as plants report them (在线监测), parsed into masses in grams.

Accepted files (full description in ``docs/oracle.md``):

- CSV, UTF-8 (with or without BOM) or GB18030, one record per row, a header naming the columns
  ``credit_code, outlet, time, interval, pollutant, flag`` and either ``value, unit`` (a mass)
  or ``concentration, concentration_unit, flow, flow_unit``; Chinese header names are accepted.
- JSON: ``{"credit_code": …, "outlet": …, "interval": …, "records": [{…}, …]}`` (the top-level
  fields are defaults for the records) or a plain list of records, with the same field names.

Every record is converted here, exactly (``Decimal``), into grams for its interval; what a
record cannot be is reported as a :class:`RecordError` naming the file, the line and the reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.oracle.pollutants import AIR, DAILY_MAX_KG, MASS_ONLY, WATER, Pollutant, lookup

BEIJING = timezone(timedelta(hours=8))
HOUR = 3600
DAY = 24 * HOUR
# bounds of what a record may say (docs/oracle.md, "Bounds"): a number beyond them is a typing
# or unit error, refused with its line, never a figure nor a failure of the whole upload
MAX_NUMBER_DIGITS = 13  # any value (mass, concentration, flow) below 10^13 of its unit
MAX_SIGNIFICANT = 30
FIRST_YEAR, LAST_YEAR = 1990, 2199  # monitoring times
MAX_JSON_DEPTH = 8  # a monitoring JSON file nests {"records": [{…}]}

# HJ 212 data flags: N normal, S manually entered, F unit stopped (no discharge);
# M maintenance, D instrument fault, C calibration, B communication loss: no valid value,
# the interval is filled by substitution (see aggregate.py).
VALID_FLAGS = frozenset({"N", "S"})
STOPPED_FLAG = "F"
GAP_FLAGS = frozenset({"M", "D", "C", "B"})
ALL_FLAGS = VALID_FLAGS | GAP_FLAGS | {STOPPED_FLAG}

INTERVALS: dict[str, int] = {
    "hour": HOUR, "hourly": HOUR, "h": HOUR, "小时": HOUR, "时": HOUR,
    "day": DAY, "daily": DAY, "d": DAY, "日": DAY, "天": DAY,
}  # fmt: skip

# unit → grams per unit
MASS_UNITS: dict[str, Decimal] = {
    "mg": Decimal("0.001"),
    "g": Decimal(1),
    "kg": Decimal(1000),
    "t": Decimal(1_000_000),
    "千克": Decimal(1000),
    "公斤": Decimal(1000),
    "吨": Decimal(1_000_000),
    "克": Decimal(1),
}
# concentration unit → (medium, grams per (unit × m³))
CONCENTRATION_UNITS: dict[str, tuple[str, Decimal]] = {
    "mg/l": (WATER, Decimal(1)),  # 1 mg/L = 1 g/m³
    "mg/m3": (AIR, Decimal("0.001")),  # standard dry flue gas
    "mg/m³": (AIR, Decimal("0.001")),
}
# flow unit → (m³ per unit, whether it is a rate per hour-equivalent to multiply by the hours)
WATER_FLOW_UNITS: dict[str, tuple[Decimal, bool]] = {
    "m3": (Decimal(1), False),
    "m³": (Decimal(1), False),
    "t": (Decimal(1), False),  # tonnes of wastewater, as many meters report
    "l": (Decimal("0.001"), False),
    "m3/h": (Decimal(1), True),
    "m³/h": (Decimal(1), True),
    "l/s": (Decimal("3.6"), True),  # 1 L/s = 3.6 m³/h
}
AIR_FLOW_UNITS: dict[str, tuple[Decimal, bool]] = {
    "m3": (Decimal(1), False),
    "m³": (Decimal(1), False),
    "m3/h": (Decimal(1), True),
    "m³/h": (Decimal(1), True),
}

FIELDS = (
    "credit_code", "outlet", "time", "interval", "pollutant", "flag",
    "value", "unit", "concentration", "concentration_unit", "flow", "flow_unit",
)  # fmt: skip
ALIASES: dict[str, str] = {
    "统一社会信用代码": "credit_code",
    "信用代码": "credit_code",
    "排放口编号": "outlet",
    "排口编号": "outlet",
    "监测点编号": "outlet",
    "监测时间": "time",
    "数据时间": "time",
    "时间": "time",
    "数据类型": "interval",
    "周期": "interval",
    "污染物": "pollutant",
    "监测因子": "pollutant",
    "因子": "pollutant",
    "数据标记": "flag",
    "标记": "flag",
    "排放量": "value",
    "单位": "unit",
    "排放量单位": "unit",
    "浓度": "concentration",
    "实测浓度": "concentration",
    "浓度单位": "concentration_unit",
    "流量": "flow",
    "流量单位": "flow_unit",
}


@dataclass(frozen=True)
class SourceFile:
    """A monitoring file as received: its name and exact bytes."""

    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class RecordError:
    """Why one record (or a whole file) cannot be used."""

    source: str
    location: str  # "line 12", "record 5" or "file"
    credit_code: str | None
    message: str
    # the interval a bad record was meant to cover (outlet, pollutant, start, seconds), so that
    # it is not also reported as a gap
    covers: tuple[str, Pollutant, int, int] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        if self.source == "-":  # about a unit or a series as a whole, not one record
            return self.message
        where = self.source if self.location == "file" else f"{self.source} {self.location}"
        return f"{where}: {self.message}"


@dataclass(slots=True)
class Record:
    """One monitoring interval of one outlet and pollutant, its mass in grams.

    ``grams`` is None for an interval without a valid value (a gap flag); it is filled by
    substitution when the period is aggregated.
    """

    source: str
    location: str
    credit_code: str
    outlet: str
    pollutant: Pollutant
    start: int  # unix seconds
    seconds: int  # HOUR or DAY
    flag: str
    grams: Decimal | None

    @property
    def end(self) -> int:
        return self.start + self.seconds


class _BadError(ValueError):
    """A field of a record is wrong; the message says which and why."""

    covers: tuple[str, Pollutant, int, int] | None = None


def parse_time(text: str) -> int:
    """Unix seconds of an ISO 8601 time or a 14-digit HJ 212 time; no offset = Beijing time."""
    text = text.strip()
    try:
        if len(text) == 14 and text.isdigit():
            moment = datetime.strptime(text, "%Y%m%d%H%M%S")  # Beijing time, below
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise _BadError(
            f"time {text!r} is not an ISO 8601 or HJ 212 (YYYYMMDDhhmmss) time"
        ) from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise _BadError(f"time {text!r} is outside {FIRST_YEAR} – {LAST_YEAR}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    return int(moment.timestamp())


def _decimal(name: str, text: object) -> Decimal:
    if isinstance(text, bool) or text is None:
        raise _BadError(f"{name} {text!r} is not a number")
    try:
        number = Decimal(text.strip() if isinstance(text, str) else str(text))
    except InvalidOperation:
        raise _BadError(f"{name} {text!r} is not a number") from None
    if not number.is_finite():
        raise _BadError(f"{name} {text!r} is not a finite number")
    if number < 0:
        raise _BadError(f"negative {name} {text}")
    if number and (
        number.adjusted() >= MAX_NUMBER_DIGITS or len(number.as_tuple().digits) > MAX_SIGNIFICANT
    ):
        raise _BadError(
            f"{name} {str(text)[:40]!r} is out of range (below 10^{MAX_NUMBER_DIGITS}, "
            f"at most {MAX_SIGNIFICANT} digits)"
        )
    return number


def _plausible(grams: Decimal, pollutant: Pollutant, seconds: int) -> Decimal:
    """``grams`` unless beyond the pollutant's plausible maximum for the interval."""
    daily = DAILY_MAX_KG.get(pollutant.code)
    if daily is not None and grams * DAY > Decimal(daily) * 1000 * seconds:
        kg = grams / 1000
        raise _BadError(
            f"{kg:,.3f} kg of {pollutant.code} in {seconds // HOUR} h is beyond the plausible "
            f"{daily:,} kg a day of one outlet: check the value and its unit"
        )
    return grams


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _grams(fields: dict[str, Any], pollutant: Pollutant, seconds: int) -> Decimal:
    """The mass of a record with a valid value, in grams."""
    if not _blank(fields.get("value")):
        unit = str(fields.get("unit") or "").strip()
        factor = MASS_UNITS.get(unit.lower()) or MASS_UNITS.get(unit)
        if factor is None:
            raise _BadError(f"mass unit {unit!r} is not one of {', '.join(sorted(MASS_UNITS))}")
        return _decimal("value", fields["value"]) * factor
    if _blank(fields.get("concentration")):
        raise _BadError("no value: give value + unit, or concentration + flow")
    if pollutant.medium == MASS_ONLY:
        raise _BadError(
            f"{pollutant.code} is reported as a mass (value + unit), not a concentration"
        )
    unit = str(fields.get("concentration_unit") or "").strip()
    medium, per_m3 = CONCENTRATION_UNITS.get(unit.lower(), (None, Decimal(0)))
    if medium is None:
        raise _BadError(f"concentration unit {unit!r} is not mg/L (water) or mg/m3 (air)")
    if medium != pollutant.medium:
        raise _BadError(
            f"concentration unit {unit} does not fit {pollutant.code} ({pollutant.medium})"
        )
    flow_units = WATER_FLOW_UNITS if medium == WATER else AIR_FLOW_UNITS
    flow_unit = str(fields.get("flow_unit") or "").strip()
    m3_per_unit, is_rate = flow_units.get(flow_unit.lower(), (None, False))
    if m3_per_unit is None:
        raise _BadError(
            f"flow unit {flow_unit!r} is not one of {', '.join(flow_units)} for {medium}"
        )
    if _blank(fields.get("flow")):
        raise _BadError("concentration without flow")
    volume = _decimal("flow", fields["flow"]) * m3_per_unit
    if is_rate:
        volume *= seconds // HOUR
    return _decimal("concentration", fields["concentration"]) * volume * per_m3


class _Parser:
    """Turns rows of one file into records; keeps a small cache of parsed times."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._times: dict[str, int] = {}
        self.records: list[Record] = []
        self.errors: list[RecordError] = []

    def add(self, location: str, fields: dict[str, Any]) -> None:
        credit_code = str(fields.get("credit_code") or "").strip() or None
        try:
            self.records.append(self._record(location, credit_code, fields))
        except _BadError as bad:
            self.errors.append(
                RecordError(self.source, location, credit_code, str(bad), covers=bad.covers)
            )

    def _record(self, location: str, credit_code: str | None, fields: dict[str, Any]) -> Record:
        outlet = str(fields.get("outlet") or "").strip()
        if not outlet:
            raise _BadError("no outlet")
        pollutant_text = str(fields.get("pollutant") or "")
        pollutant = lookup(pollutant_text)
        if pollutant is None:
            raise _BadError(f"unknown pollutant {pollutant_text!r}")
        time_text = str(fields.get("time") or "")
        start = self._times.get(time_text)
        if start is None:
            start = self._times[time_text] = parse_time(time_text)
        interval_text = str(fields.get("interval") or "hour").strip()
        seconds = INTERVALS.get(interval_text.lower())
        if seconds is None:
            raise _BadError(f"interval {interval_text!r} is not hour or day")
        try:
            flag, grams = self._quantity(fields, pollutant, seconds)
        except _BadError as bad:
            bad.covers = (outlet, pollutant, start, seconds)
            raise
        return Record(
            self.source, location, credit_code or "", outlet, pollutant, start, seconds, flag, grams
        )

    @staticmethod
    def _quantity(
        fields: dict[str, Any], pollutant: Pollutant, seconds: int
    ) -> tuple[str, Decimal | None]:
        """The data flag and the mass in grams (None for an interval without a valid value)."""
        flag = str(fields.get("flag") or "N").strip().upper()
        if flag in VALID_FLAGS:
            grams: Decimal | None = _plausible(_grams(fields, pollutant, seconds), pollutant,
                                               seconds)  # fmt: skip
        elif flag == STOPPED_FLAG:
            if not _blank(fields.get("value")) and _decimal("value", fields["value"]) != 0:
                raise _BadError(f"flag F (unit stopped) with a non-zero value {fields['value']}")
            grams = Decimal(0)
        elif flag in GAP_FLAGS:
            grams = None
        else:
            raise _BadError(f"data flag {flag!r} is not one of {', '.join(sorted(ALL_FLAGS))}")
        return flag, grams


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _BadError("the file is neither UTF-8 nor GB18030 text")


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from _csv_lines(reader)
    except csv.Error as exc:  # a field beyond the csv module's limit, a NUL byte …
        raise _BadError(f"line {reader.line_num}: not readable as CSV ({exc})") from None


def _csv_lines(reader: Iterator[list[str]]) -> Iterator[tuple[int, dict[str, str]]]:
    header = next(reader, None)
    if header is None:
        raise _BadError("the file is empty")
    names = [ALIASES.get(h.strip(), h.strip().lower()) for h in header]
    unknown = [h for h, n in zip(header, names, strict=True) if n not in FIELDS]
    if unknown:
        raise _BadError(f"unknown column(s) {', '.join(map(repr, unknown))}; expected {FIELDS}")
    missing = [f for f in ("outlet", "time", "pollutant") if f not in names]
    if missing:
        raise _BadError(f"missing column(s) {', '.join(missing)}")
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            yield line, {"__error__": f"{len(row)} cells, header has {len(names)}"}
            continue
        yield line, dict(zip(names, row, strict=True))


def _json_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    from backend.core.jsontext import json_depth

    depth = json_depth(text.encode("utf-8", errors="surrogateescape"))
    if depth > MAX_JSON_DEPTH:
        raise _BadError(f"the file nests {depth} levels; monitoring JSON needs at most 3")
    try:
        document = json.loads(text, parse_float=Decimal, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise _BadError(f"the file is not valid JSON ({exc})") from None
    defaults: dict[str, Any] = {}
    if isinstance(document, dict):
        records = document.get("records")
        defaults = {k: v for k, v in document.items() if k in FIELDS}
        unknown = set(document) - set(FIELDS) - {"records", "format"}
        if unknown:
            raise _BadError(f"unknown top-level field(s) {', '.join(sorted(unknown))}")
    else:
        records = document
    if not isinstance(records, list):
        raise _BadError('the file has no "records" list')
    for index, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            yield index, {"__error__": "is not an object"}
            continue
        unknown = set(record) - set(FIELDS)
        if unknown:
            yield index, {"__error__": f"unknown field(s) {', '.join(sorted(unknown))}"}
            continue
        yield index, {**defaults, **record}


def _bounded_int(text: str) -> Decimal:
    """JSON integers as exact decimals (Python's int parser refuses over 4 300 digits)."""
    if len(text) > MAX_SIGNIFICANT + 1:
        return Decimal("9e99")  # refused by the range check of the field that holds it
    return Decimal(text)


def parse(source: SourceFile) -> tuple[list[Record], list[RecordError]]:
    """All records of one file, and every record (or the file) that could not be read."""
    parser = _Parser(source.name)
    is_json = source.name.lower().endswith(".json")
    try:
        text = _decode(source.content)
        if not is_json and not source.name.lower().endswith(".csv"):
            raise _BadError("the file is neither .csv nor .json")
        rows: Iterable[tuple[int, dict[str, Any]]] = (_json_rows if is_json else _csv_rows)(text)
        label = "record" if is_json else "line"
        for number, fields in rows:
            if "__error__" in fields:
                parser.errors.append(
                    RecordError(source.name, f"{label} {number}", None, fields["__error__"])
                )
            else:
                parser.add(f"{label} {number}", fields)
    except _BadError as bad:
        return [], [RecordError(source.name, "file", None, str(bad))]
    return parser.records, parser.errors
