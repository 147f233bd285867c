"""From a unit's records to period totals in kg: validation and gap filling (R-23)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from backend.oracle.aggregate import aggregate, to_kg
from backend.oracle.calendar import PeriodSpan
from backend.oracle.directory import FileUnitDirectory, UnitEntry
from backend.oracle.records import SourceFile, parse
from tests.backend.oracle.conftest import (
    CHEM,
    END,
    EXPECTED_CHEM_KG,
    HOURS,
    PERIOD,
    POWER,
    START,
    chem_rows,
    hourly_rows,
    power_rows,
    write_csv,
)

SPAN = PeriodSpan(PERIOD, int(START.timestamp()), int(END.timestamp()))


@pytest.fixture
def directory(companies):
    return FileUnitDirectory(
        [
            UnitEntry(CHEM, companies[0].address, "chem", {
                "DW001": frozenset({1, 2}), "DA001": frozenset({3})}),
            UnitEntry(POWER, companies[1].address, "power", {"DA001": frozenset({3, 4})}),
        ]
    )  # fmt: skip


def run(tmp_path, directory, *files: tuple[str, list[dict[str, str]]]):
    records, errors = [], []
    for name, rows in files:
        path = write_csv(tmp_path / name, rows)
        parsed, problems = parse(SourceFile(name, path.read_bytes()))
        records += parsed
        errors += problems
    return aggregate(records, errors, period=SPAN, directory=directory)


def kg_of(result, credit_code):
    return {f.pollutant.id: f.kg for f in result.figures if f.unit.credit_code == credit_code}


def problems_of(result, credit_code):
    rejection = next(r for r in result.rejected if r.credit_code == credit_code)
    return [str(e) for e in rejection.errors]


def test_complete_period_totals_per_pollutant_R23(tmp_path, directory, companies):
    """R-23: a unit's period total per pollutant, summed over its outlets, in kg."""
    result = run(tmp_path, directory, ("chem.csv", chem_rows()), ("power.csv", power_rows()))
    assert result.rejected == []
    assert kg_of(result, CHEM) == EXPECTED_CHEM_KG
    assert kg_of(result, POWER) == {3: 480, 4: 768}
    figure = next(f for f in result.figures if f.pollutant.code == "COD")
    assert figure.unit.address == companies[0].address
    assert figure.grams == Decimal(2000 * HOURS)


def test_outlets_of_a_unit_are_summed_R23(tmp_path, companies):
    """R-23: the same pollutant at two outlets adds up to one figure."""
    directory = FileUnitDirectory(
        [UnitEntry(POWER, companies[1].address, "", {"DA001": frozenset({3}),
                                                      "DA002": frozenset({3})})]
    )  # fmt: skip
    rows = hourly_rows(POWER, "DA001", "SO2", conc="10", flow="1000", water=False)
    rows += hourly_rows(POWER, "DA002", "SO2", conc="30", flow="1000", water=False)
    result = run(tmp_path, directory, ("p.csv", rows))
    assert kg_of(result, POWER) == {3: to_kg(Decimal(40 * HOURS))}  # 10 g/h + 30 g/h


def test_unflagged_gap_rejects_unit_and_names_the_hours_R23(tmp_path, directory):
    """R-23: a missing hour that is not flagged is a gap: the unit is rejected, nothing posted."""
    rows = chem_rows()
    del rows[5]  # COD at 05:00
    result = run(tmp_path, directory, ("chem.csv", rows), ("power.csv", power_rows()))
    assert kg_of(result, CHEM) == {}
    assert kg_of(result, POWER) == {3: 480, 4: 768}  # other units are not held back
    assert problems_of(result, CHEM) == [
        "chem.csv line 7: DW001 COD: no record for 2025-03-01T05:00+08:00 – "
        "2025-03-01T06:00+08:00 (1 h missing before this record)"
    ]


def test_missing_end_of_period_R23(tmp_path, directory):
    """R-23: data that stops before the period ends is incomplete."""
    rows = hourly_rows(POWER, "DA001", "SO2", water=False) + hourly_rows(
        POWER, "DA001", "NOx", water=False, hours=HOURS - 3
    )
    result = run(tmp_path, directory, ("power.csv", rows))
    assert problems_of(result, POWER) == [
        "power.csv line 94: DA001 NOx: no record for 2025-03-02T21:00+08:00 – "
        "2025-03-03T00:00+08:00 (3 h missing at the end of the period)"
    ]


def test_duplicate_and_overlapping_records_refused_R23(tmp_path, directory):
    """R-23: the same hour twice, or a daily record over hourly ones, is refused."""
    rows = power_rows()
    duplicate = dict(rows[10])
    daily = {**rows[60], "interval": "day", "time": START.isoformat()}
    result = run(tmp_path, directory, ("power.csv", rows), ("late.csv", [duplicate, daily]))
    assert problems_of(result, POWER) == [
        "late.csv line 2: DA001 SO2: 2025-03-01T10:00+08:00: duplicate of power.csv line 12",
        "late.csv line 3: DA001 NOx: 2025-03-01T00:00+08:00: duplicate of power.csv line 50",
    ]
    overlapping = {**rows[61], "interval": "day", "time": (START + timedelta(hours=1)).isoformat()}
    result = run(tmp_path, directory, ("power.csv", rows), ("late.csv", [overlapping]))
    assert problems_of(result, POWER) == [
        "late.csv line 2: DA001 NOx: time 2025-03-01T01:00+08:00 is not the start of an "
        "day (Beijing midnight)"
    ]


def test_out_of_period_and_misaligned_records_refused_R23(tmp_path, directory):
    """R-23: records outside the period, or not starting on the hour, are refused."""
    rows = power_rows()
    early = {**rows[0], "time": (START - timedelta(hours=1)).isoformat()}
    odd = {**rows[1], "time": (START + timedelta(minutes=90)).isoformat()}
    result = run(tmp_path, directory, ("power.csv", rows), ("odd.csv", [early, odd]))
    assert problems_of(result, POWER) == [
        "odd.csv line 2: DA001 SO2: 2025-02-28T23:00+08:00 is outside period 7 "
        "(2025-03-01T00:00+08:00 – 2025-03-03T00:00+08:00)",
        "odd.csv line 3: DA001 SO2: time 2025-03-01T01:30+08:00 is not the start of an hour",
    ]


def test_unknown_unit_outlet_and_missing_series_refused_R23(tmp_path, directory):
    """R-23: records of an unknown unit or outlet, and a registered outlet without data."""
    stranger = hourly_rows("91500000NOBODY000X", "DW001", "COD")
    power = hourly_rows(POWER, "DA001", "SO2", water=False) + hourly_rows(
        POWER, "DA009", "NOx", water=False
    )
    result = run(tmp_path, directory, ("s.csv", stranger), ("power.csv", power))
    assert problems_of(result, "91500000NOBODY000X") == ["unknown unit 91500000NOBODY000X"]
    assert problems_of(result, POWER) == [
        "power.csv line 50: DA009 NOx: 48 record(s) for an outlet and pollutant not registered "
        "for this unit",
        "DA001 NOx: no records",
    ]
    assert result.figures == []


def test_bad_record_blocks_only_its_unit_R23(tmp_path, directory):
    """R-23: one malformed record rejects its unit whole; every bad record is listed."""
    rows = chem_rows()
    rows[3] = {**rows[3], "concentration": "-2"}
    rows[7] = {**rows[7], "flow_unit": "gallons"}
    result = run(tmp_path, directory, ("chem.csv", rows), ("power.csv", power_rows()))
    problems = problems_of(result, CHEM)
    assert len(problems) == 2  # the hours of the bad records are not also reported as gaps
    assert problems[0] == "chem.csv line 5: negative concentration -2"
    assert problems[1].startswith("chem.csv line 9: flow unit 'gallons' is not one of")
    assert kg_of(result, CHEM) == {}
    assert set(kg_of(result, POWER)) == {3, 4}


def test_record_naming_no_unit_blocks_the_units_of_its_file_R23(tmp_path, directory):
    """R-23: a bad record without a credit code may belong to any unit of its file."""
    rows = chem_rows()
    rows[0] = {**rows[0], "credit_code": "", "outlet": "DW001", "pollutant": "PM10"}
    result = run(tmp_path, directory, ("chem.csv", rows), ("power.csv", power_rows()))
    assert "chem.csv line 2: unknown pollutant 'PM10'" in problems_of(result, CHEM)
    assert set(kg_of(result, POWER)) == {3, 4}


def test_outlet_id_unique_to_one_unit_identifies_it_R23(tmp_path, directory):
    """R-23: records may omit the credit code when the outlet id belongs to one unit only."""
    rows = [{**r, "credit_code": ""} for r in hourly_rows(CHEM, "DW001", "COD", conc="50",
                                                          flow="40")]  # fmt: skip
    rows += hourly_rows(CHEM, "DW001", "NH3-N", conc="5", flow="40")
    rows += hourly_rows(CHEM, "DA001", "SO2", conc="30", flow="20000", water=False)
    result = run(tmp_path, directory, ("chem.csv", rows))
    assert kg_of(result, CHEM) == EXPECTED_CHEM_KG
    shared = [{**r, "credit_code": "", "outlet": "DA001"} for r in rows[:2]]  # two units' DA001
    result = run(tmp_path, directory, ("chem.csv", shared))
    assert problems_of(result, "")[0] == (
        "chem.csv line 2: no credit code, and outlet 'DA001' is not registered to exactly one unit"
    )


def test_short_flagged_gap_filled_with_mean_of_neighbours_R23(tmp_path, directory):
    """R-23: flagged gaps ≤ 24 h take the mean rate of the valid hours before and after."""
    rows = hourly_rows(POWER, "DA001", "SO2", conc="10", flow="1000", water=False,
                       flags={10: "C", 11: "M"})  # fmt: skip
    rows[9]["concentration"] = "20"  # 20 g/h before, 10 g/h after: 15 g/h for 2 h
    rows += hourly_rows(POWER, "DA001", "NOx", conc="10", flow="1000", water=False,
                        flags={0: "D"})  # fmt: skip
    result = run(tmp_path, directory, ("power.csv", rows))
    so2 = next(f for f in result.figures if f.pollutant.code == "SO2")
    assert so2.grams == Decimal(10 * (HOURS - 3) + 20 + 2 * 15)
    series = so2.series[0]
    assert (series.valid, series.substituted, series.stopped) == (HOURS - 2, 2, 0)
    gap = series.gaps[0]
    assert (gap.flags, gap.rule, gap.grams_per_hour) == ("CM", "mean of neighbours", Decimal(15))
    nox = next(f for f in result.figures if f.pollutant.code == "NOx")
    assert nox.grams == Decimal(10 * HOURS)  # a gap at the start takes the next valid hour


def test_long_flagged_gap_filled_with_max_of_previous_720_hours_R23(tmp_path, directory):
    """R-23: flagged gaps > 24 h take the highest rate of the 720 hours before (HJ 75-2017)."""
    flags = {h: "D" for h in range(20, 46)}  # 26 h instrument fault
    rows = hourly_rows(POWER, "DA001", "SO2", conc="10", flow="1000", water=False, flags=flags)
    rows[5]["concentration"] = "70"  # the peak hour before the fault: 70 g/h
    rows += hourly_rows(POWER, "DA001", "NOx", conc="10", flow="1000", water=False,
                        flags={h: "B" for h in range(0, 30)})  # fmt: skip
    rows[HOURS + 40]["concentration"] = "90"  # NOx: no valid hour before, highest after: 90
    result = run(tmp_path, directory, ("power.csv", rows))
    so2 = next(f for f in result.figures if f.pollutant.code == "SO2")
    assert so2.grams == Decimal(10 * (HOURS - 27) + 70 + 26 * 70)
    assert so2.series[0].gaps[0].rule == "max of previous 720 h"
    nox = next(f for f in result.figures if f.pollutant.code == "NOx")
    assert nox.grams == Decimal(10 * 17 + 90 + 30 * 90)
    assert nox.series[0].gaps[0].rule == "max of following 720 h"


def test_stopped_unit_counts_zero_and_is_not_a_neighbour_R23(tmp_path, directory):
    """R-23: hours flagged F (unit stopped) emit nothing and are not used to fill gaps."""
    flags = {h: "F" for h in range(0, 24)} | {24: "C"}
    rows = hourly_rows(POWER, "DA001", "SO2", conc="10", flow="1000", water=False, flags=flags)
    rows += hourly_rows(POWER, "DA001", "NOx", conc="10", flow="1000", water=False)
    result = run(tmp_path, directory, ("power.csv", rows))
    so2 = next(f for f in result.figures if f.pollutant.code == "SO2")
    assert so2.grams == Decimal(10 * 24)  # 24 stopped hours = 0; the C hour = next valid 10
    assert so2.series[0].stopped == 24


def test_series_without_any_valid_value_refused_R23(tmp_path, directory):
    """R-23: a gap cannot be filled when the series has no valid value at all."""
    rows = hourly_rows(POWER, "DA001", "SO2", water=False, flags={h: "D" for h in range(HOURS)})
    rows += hourly_rows(POWER, "DA001", "NOx", water=False)
    result = run(tmp_path, directory, ("power.csv", rows))
    assert problems_of(result, POWER) == [
        "power.csv line 2: DA001 SO2: no valid measurement to fill the gap "
        "2025-03-01T00:00+08:00 – 2025-03-03T00:00+08:00"
    ]


def test_daily_records_cover_the_period_R23(tmp_path, companies):
    """R-23: daily records (e.g. solid waste in t) start at Beijing midnight."""
    directory = FileUnitDirectory(
        [UnitEntry(CHEM, companies[0].address, "", {"GF001": frozenset({5})})]
    )
    rows = [
        {"credit_code": CHEM, "outlet": "GF001", "time": (START + timedelta(days=d)).isoformat(),
         "interval": "day", "pollutant": "GISW", "flag": "N", "value": "2.5", "unit": "t"}
        for d in range(2)
    ]  # fmt: skip
    result = run(tmp_path, directory, ("gisw.csv", rows))
    assert kg_of(result, CHEM) == {5: 5000}


@pytest.mark.parametrize(
    ("grams", "kg"),
    [("499.999", 0), ("500", 1), ("1499.5", 1), ("1500", 2), ("123456789.5", 123457)],
)
def test_kg_rounded_half_up_once_R23(grams, kg):
    """R-23: the exact total in grams is rounded half up to whole kilograms."""
    assert to_kg(Decimal(grams)) == kg
