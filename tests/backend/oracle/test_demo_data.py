"""The demo generator: a year of realistic hourly monitoring that the oracle accepts (R-23)."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from datetime import datetime
from statistics import mean

import pytest

from backend.oracle import demo_data
from backend.oracle.calendar import FilePeriodCalendar
from backend.oracle.directory import FileUnitDirectory
from backend.oracle.evidence import EvidenceStore
from backend.oracle.service import OracleContext, collect, ingest, read_sources
from backend.oracle.store import OracleStore

YEAR = 2025


@pytest.fixture(scope="module")
def chemical_year(tmp_path_factory):
    """The demo chemical plant's year (one of the demo units)."""
    units = [u for u in demo_data.load_units(demo_data.DEMO_UNITS_FILE) if u.sector == "chemical"]
    folder = tmp_path_factory.mktemp("demo")
    demo_data.generate(units, folder, year=YEAR)
    rows = []
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    return units[0], folder, rows


def test_a_year_of_hourly_records_per_outlet_R23(chemical_year):
    """R-23: 8760 hourly records per outlet and pollutant, daily ones for solid waste."""
    unit, _folder, rows = chemical_year
    counts = Counter((r["outlet"], r["pollutant"], r["interval"]) for r in rows)
    assert counts == {
        ("DW001", "COD", "hour"): 8760,
        ("DW001", "NH3-N", "hour"): 8760,
        ("DA001", "SO2", "hour"): 8760,
        ("DA001", "NOx", "hour"): 8760,
        ("GF001", "GISW", "day"): 365,
    }
    assert {r["credit_code"] for r in rows} == {unit.credit_code}


def test_gaps_are_flagged_as_monitoring_platforms_flag_them_R23(chemical_year):
    """R-23: calibration, maintenance, faults, lost transmissions and a shutdown are flagged."""
    _unit, _folder, rows = chemical_year
    flags = Counter(r["flag"] for r in rows if r["pollutant"] == "SO2")
    assert set(flags) == {"N", "C", "M", "D", "B", "F"}
    assert flags["C"] > 300  # stack analysers calibrate daily
    assert 100 < flags["F"] <= 144  # about six days of Spring Festival shutdown
    assert flags["N"] > 0.9 * 8760
    assert all(r["concentration"] == "" for r in rows if r["flag"] != "N")


def test_daily_and_weekly_production_pattern_R23(chemical_year):
    """R-23: day shifts emit more than nights, weekdays more than weekends."""
    _unit, _folder, rows = chemical_year
    flows = [
        (datetime.fromisoformat(r["time"]), float(r["flow"]))
        for r in rows
        if r["pollutant"] == "COD" and r["flag"] == "N"
    ]
    day = mean(f for t, f in flows if 8 <= t.hour < 20 and t.weekday() < 5)
    night = mean(f for t, f in flows if t.hour < 6 and t.weekday() < 5)
    weekend = mean(f for t, f in flows if 8 <= t.hour < 20 and t.weekday() >= 5)
    assert day > 1.3 * night
    assert day > 1.15 * weekend


def test_generated_year_is_accepted_and_reproducible_R23(chemical_year, tmp_path):
    """R-23: the oracle accepts the demo year whole; the same seed gives the same files."""
    unit, folder, _rows = chemical_year
    periods = tmp_path / "periods.json"
    periods.write_text(json.dumps(demo_data.periods_document(YEAR)))
    ctx = OracleContext(
        store=OracleStore(f"sqlite:///{tmp_path / 'o.db'}"),
        evidence=EvidenceStore(tmp_path / "evidence"),
        directory=FileUnitDirectory.load(demo_data.DEMO_UNITS_FILE),
        calendar=FilePeriodCalendar.load(periods),
    )
    report = ingest(read_sources(collect(folder), folder), period=1, ctx=ctx)
    assert report.ok, report.as_dict(max_errors=5)
    kg = {f.pollutant: f.kg for f in report.figures}
    assert set(kg) == {"COD", "NH3-N", "SO2", "NOx", "GISW"}
    assert 10_000 < kg["COD"] < 30_000  # ≈ 60 m³/h × 38 mg/L over a year
    again = tmp_path / "again"
    demo_data.generate([unit], again, year=YEAR)

    def digest(root):
        return {p.relative_to(root): hashlib.sha256(p.read_bytes()).digest()
                for p in root.rglob("*.csv")}  # fmt: skip

    assert digest(again) == digest(folder)
