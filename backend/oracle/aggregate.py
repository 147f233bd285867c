"""Validate a unit's monitoring records for a period and total them per pollutant in kg.

A unit's data is used only if every record of every outlet and pollutant is valid and the
records cover the whole period without gaps, duplicates or overlaps; otherwise the unit is
rejected with every problem listed and nothing is posted for it (R-23, "bad input changes
nothing").

Intervals flagged as without a valid value (maintenance, fault, calibration, communication
loss) are filled the way HJ 75-2017 fills missing CEMS hours: a gap of at most 24 hours with
the mean rate of the valid records just before and after it; a longer gap with the highest
rate among the valid records of the 720 hours before it (after it, if there are none before).
Intervals flagged "unit stopped" count as zero. The kilograms are the exact sum in grams,
rounded half up once at the end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal

from backend.oracle import pollutants
from backend.oracle.calendar import PeriodSpan
from backend.oracle.directory import UnitDirectory, UnitEntry
from backend.oracle.pollutants import Pollutant
from backend.oracle.records import BEIJING, DAY, HOUR, STOPPED_FLAG, Record, RecordError

INVALID_FLAG = "!"  # a record refused by the parser, kept only for the coverage check

SHORT_GAP = 24 * HOUR
LOOKBACK = 720 * HOUR
_CTX = Context(prec=40)  # fixed, so every verifier computes the same digits


def when(seconds: int) -> str:
    """A unix time as Beijing local ISO time, as monitoring data shows it."""
    return datetime.fromtimestamp(seconds, BEIJING).isoformat(timespec="minutes")


@dataclass(frozen=True)
class SubstitutedGap:
    start: int
    end: int
    flags: str
    rule: str
    grams_per_hour: Decimal


@dataclass(frozen=True)
class SeriesTotal:
    """One outlet and pollutant over the period."""

    outlet: str
    records: int
    valid: int
    stopped: int
    substituted: int
    grams: Decimal
    gaps: tuple[SubstitutedGap, ...]


@dataclass(frozen=True)
class UnitFigure:
    """The verified usage of one unit and pollutant in one period."""

    unit: UnitEntry
    pollutant: Pollutant
    period: PeriodSpan
    grams: Decimal
    kg: int
    series: tuple[SeriesTotal, ...]
    sources: tuple[str, ...]  # names of the files the records came from


@dataclass
class UnitRejection:
    """A unit for which nothing is posted, and every reason why."""

    credit_code: str
    errors: list[RecordError] = field(default_factory=list)


@dataclass
class Aggregation:
    figures: list[UnitFigure]
    rejected: list[UnitRejection]
    file_errors: list[RecordError]  # whole files that could not be read


def to_kg(grams: Decimal) -> int:
    return int(_CTX.divide(grams, Decimal(1000)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def aggregate(
    records: Iterable[Record],
    errors: Iterable[RecordError],
    *,
    period: PeriodSpan,
    directory: UnitDirectory,
) -> Aggregation:
    """Group records by unit, validate each unit's data for ``period`` and total it."""
    by_unit: dict[str, list[Record]] = defaultdict(list)
    unit_errors: dict[str, list[RecordError]] = defaultdict(list)
    loose: list[RecordError] = []  # bad records that name no unit
    file_errors: list[RecordError] = []
    for record in records:
        if not record.credit_code:
            owner = directory.credit_code_of_outlet(record.outlet)
            if owner is None:
                loose.append(
                    RecordError(
                        record.source, record.location, None,
                        f"no credit code, and outlet {record.outlet!r} is not registered to "
                        "exactly one unit",
                    )
                )  # fmt: skip
                continue
            record.credit_code = owner
        by_unit[record.credit_code].append(record)
    for error in errors:
        if error.covers and error.credit_code:
            # a placeholder holds the bad record's interval, so it is not reported as a gap too
            outlet, pollutant, start, seconds = error.covers
            by_unit[error.credit_code].append(
                Record(
                    error.source,
                    error.location,
                    error.credit_code,
                    outlet,
                    pollutant,
                    start,
                    seconds,
                    INVALID_FLAG,
                    None,
                )
            )
        if error.location == "file":
            file_errors.append(error)
        elif error.credit_code:
            unit_errors[error.credit_code].append(error)
        else:
            loose.append(error)
    # A bad record that names no unit blocks every unit with records in the same file.
    units_in_file: dict[str, set[str]] = defaultdict(set)
    for code, unit_records in by_unit.items():
        for source in {r.source for r in unit_records}:
            units_in_file[source].add(code)
    for error in loose:
        for code in units_in_file.get(error.source, ()):
            unit_errors[code].append(error)

    figures: list[UnitFigure] = []
    rejected: list[UnitRejection] = []
    for code in sorted(set(by_unit) | set(unit_errors)):
        entry = directory.resolve(code)
        problems = list(unit_errors.get(code, []))
        if entry is None:
            problems.insert(0, RecordError("-", "unit", code, f"unknown unit {code}"))
            rejected.append(UnitRejection(code, problems))
            continue
        unit_figures = _unit(entry, by_unit.get(code, []), period, problems)
        if problems:
            rejected.append(UnitRejection(code, problems))
        else:
            figures.extend(unit_figures)
    orphans = [e for e in loose if not units_in_file.get(e.source)]
    if orphans:
        rejected.append(UnitRejection("", orphans))
    return Aggregation(figures, rejected, file_errors)


def _unit(
    entry: UnitEntry, records: list[Record], period: PeriodSpan, problems: list[RecordError]
) -> list[UnitFigure]:
    """Validate one unit's records (appending to ``problems``) and total them if all is well."""
    series: dict[tuple[str, int], list[Record]] = defaultdict(list)
    for record in records:
        series[(record.outlet, record.pollutant.id)].append(record)
    code = entry.credit_code
    if entry.outlets is not None:
        for (outlet, pollutant_id), rows in sorted(series.items()):
            if pollutant_id not in entry.outlets.get(outlet, frozenset()):
                first = rows[0]
                problems.append(
                    RecordError(
                        first.source, first.location, code,
                        f"{outlet} {first.pollutant.code}: {len(rows)} record(s) for an outlet "
                        "and pollutant not registered for this unit",
                    )
                )  # fmt: skip
        for outlet, ids in sorted(entry.outlets.items()):
            for pollutant_id in sorted(ids):
                if (outlet, pollutant_id) not in series:
                    name = pollutants.by_id(pollutant_id)
                    label = name.code if name else pollutant_id
                    problems.append(
                        RecordError("-", "series", code, f"{outlet} {label}: no records")
                    )
    totals: dict[int, list[tuple[SeriesTotal, list[Record]]]] = defaultdict(list)
    for (outlet, pollutant_id), rows in sorted(series.items()):
        rows.sort(key=lambda r: r.start)
        if _check_series(code, outlet, rows, period, problems):
            totals[pollutant_id].append((_total(code, outlet, rows, period, problems), rows))
    if problems:
        return []
    result = []
    for _pollutant_id, parts in sorted(totals.items()):
        grams = sum((s.grams for s, _ in parts), Decimal(0))
        sources = sorted({r.source for _, rows in parts for r in rows})
        result.append(
            UnitFigure(
                unit=entry,
                pollutant=parts[0][1][0].pollutant,
                period=period,
                grams=grams,
                kg=to_kg(grams),
                series=tuple(s for s, _ in parts),
                sources=tuple(sources),
            )
        )
    return result


def _check_series(
    code: str, outlet: str, rows: list[Record], period: PeriodSpan, problems: list[RecordError]
) -> bool:
    """Alignment, period, duplicates, overlaps and full coverage of one series."""
    before = len(problems)
    label = f"{outlet} {rows[0].pollutant.code}"

    def bad(record: Record, message: str) -> None:
        problems.append(RecordError(record.source, record.location, code, f"{label}: {message}"))

    covered_to = period.start
    previous: Record | None = None
    for record in rows:
        aligned = (record.start % HOUR == 0) if record.seconds == HOUR else (
            (record.start + 8 * HOUR) % DAY == 0
        )  # fmt: skip
        if not aligned:
            unit = "hour" if record.seconds == HOUR else "day (Beijing midnight)"
            bad(record, f"time {when(record.start)} is not the start of an {unit}")
            continue
        if record.end <= period.start or record.start >= period.end:
            bad(
                record,
                f"{when(record.start)} is outside period {period.id} "
                f"({when(period.start)} – {when(period.end)})",
            )
            continue
        if previous is not None and record.start < previous.end:
            what = "duplicate of" if record.start == previous.start else "overlaps"
            bad(record, f"{when(record.start)}: {what} {previous.source} {previous.location}")
            continue
        if record.start > covered_to:
            problems.append(
                RecordError(
                    record.source, record.location, code,
                    f"{label}: no record for {when(covered_to)} – {when(record.start)} "
                    f"({(record.start - covered_to) // HOUR} h missing before this record)",
                )
            )  # fmt: skip
        covered_to = record.end
        previous = record
    if covered_to < period.end:
        last = previous or rows[-1]
        problems.append(
            RecordError(
                last.source, last.location, code,
                f"{label}: no record for {when(covered_to)} – {when(period.end)} "
                f"({(period.end - covered_to) // HOUR} h missing at the end of the period)",
            )
        )  # fmt: skip
    return len(problems) == before


def _rate(record: Record) -> Decimal:
    assert record.grams is not None
    return _CTX.divide(record.grams, Decimal(record.seconds // HOUR))


def _is_valid(record: Record) -> bool:
    return record.grams is not None and record.flag != STOPPED_FLAG


def _total(
    code: str, outlet: str, rows: list[Record], period: PeriodSpan, problems: list[RecordError]
) -> SeriesTotal:
    """Fill flagged gaps by substitution and sum the series (rows are contiguous and sorted).

    A period need not start or end on an hour (a period defined at 16:17:06): the interval that
    straddles its start or end counts for the part inside, pro rata by the second."""
    gaps: list[SubstitutedGap] = []
    substituted = 0
    filled: list[Decimal] = []
    i = 0
    n = len(rows)
    while i < n:
        if rows[i].grams is not None:
            filled.append(rows[i].grams)  # type: ignore[arg-type]
            i += 1
            continue
        j = i
        while j < n and rows[j].grams is None:
            j += 1
        start, end = rows[i].start, rows[j - 1].end
        rate, rule = _substitute(rows, i, j, start, end)
        if rate is None:
            problems.append(
                RecordError(
                    rows[i].source, rows[i].location, code,
                    f"{outlet} {rows[i].pollutant.code}: no valid measurement to fill the gap "
                    f"{when(start)} – {when(end)}",
                )
            )  # fmt: skip
            rate = Decimal(0)
        for k in range(i, j):
            filled.append(_CTX.multiply(rate, Decimal(rows[k].seconds // HOUR)))
        flags = "".join(sorted({rows[k].flag for k in range(i, j)}))
        gaps.append(SubstitutedGap(start, end, flags, rule, rate))
        substituted += j - i
        i = j
    for k in (0, n - 1):  # only the first and the last interval can straddle a bound
        row = rows[k]
        inside = min(row.end, period.end) - max(row.start, period.start)
        if 0 < inside < row.seconds and k < len(filled):
            filled[k] = _CTX.divide(_CTX.multiply(filled[k], Decimal(inside)), Decimal(row.seconds))
            if n == 1:
                break
    stopped = sum(1 for r in rows if r.flag == STOPPED_FLAG)
    return SeriesTotal(
        outlet=outlet,
        records=n,
        valid=n - stopped - substituted,
        stopped=stopped,
        substituted=substituted,
        grams=_CTX.create_decimal(sum(filled, Decimal(0))),
        gaps=tuple(gaps),
    )


def _substitute(
    rows: list[Record], i: int, j: int, start: int, end: int
) -> tuple[Decimal | None, str]:
    """The hourly rate that fills rows[i:j] (a run of flagged intervals) and the rule used."""
    if end - start <= SHORT_GAP:
        before = next((rows[k] for k in range(i - 1, -1, -1) if _is_valid(rows[k])), None)
        after = next((rows[k] for k in range(j, len(rows)) if _is_valid(rows[k])), None)
        rates = [_rate(r) for r in (before, after) if r is not None]
        if not rates:
            return None, "mean of neighbours"
        return _CTX.divide(sum(rates, Decimal(0)), Decimal(len(rates))), "mean of neighbours"
    earlier = []
    for k in range(i - 1, -1, -1):
        if rows[k].end <= start - LOOKBACK:
            break
        if _is_valid(rows[k]):
            earlier.append(_rate(rows[k]))
    if earlier:
        return max(earlier), "max of previous 720 h"
    later = []
    for k in range(j, len(rows)):
        if rows[k].start >= end + LOOKBACK:
            break
        if _is_valid(rows[k]):
            later.append(_rate(rows[k]))
    if later:
        return max(later), "max of following 720 h"
    return None, "max of 720 h"
