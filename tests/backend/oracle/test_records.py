"""Monitoring records as plants report them: formats, units and conversions (R-23)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from backend.oracle.records import SourceFile, parse

HEADER = "credit_code,outlet,time,interval,pollutant,flag,value,unit,concentration,concentration_unit,flow,flow_unit\n"  # noqa: E501
CODE = "91500000TEST0001AA"


def csv_file(*lines: str, name: str = "data.csv") -> SourceFile:
    return SourceFile(name, (HEADER + "\n".join(lines) + "\n").encode())


def one(source: SourceFile):
    records, errors = parse(source)
    assert errors == []
    assert len(records) == 1
    return records[0]


def error_of(source: SourceFile) -> str:
    records, errors = parse(source)
    assert records == []
    assert len(errors) == 1
    return str(errors[0])


@pytest.mark.parametrize(
    ("quantity", "grams"),
    [
        ("12.5,kg,,,,", Decimal("12500")),
        ("3,t,,,,", Decimal("3000000")),
        ("250,g,,,,", Decimal("250")),
        ("1500,mg,,,,", Decimal("1.5")),
        (",,35.2,mg/L,120.5,m3", Decimal("4241.6")),  # mg/L × m³ = g
        (",,35.2,mg/L,120.5,t", Decimal("4241.6")),  # tonnes of wastewater = m³
        (",,20,mg/L,500,L", Decimal("10")),
        (",,20,mg/L,2.5,L/s", Decimal("180")),  # 2.5 L/s × 1 h = 9 m³
        (",,20,mg/L,9,m3/h", Decimal("180")),
    ],
)
def test_water_and_mass_conversions_to_grams_R23(quantity, grams):
    """R-23: monitoring data in kg/t/g/mg or mg/L × flow becomes exact grams per hour."""
    record = one(csv_file(f"{CODE},DW001,2025-03-01T00:00:00+08:00,hour,COD,N,{quantity}"))
    assert record.grams == grams


@pytest.mark.parametrize(
    ("quantity", "interval", "grams"),
    [
        (",,30,mg/m3,20000,m3/h", "hour", Decimal("600")),  # mg/m³ × m³ = mg
        (",,30,mg/m3,20000,m3/h", "day", Decimal("14400")),  # a daily mean rate × 24 h
        (",,30,mg/m³,480000,m3", "day", Decimal("14400")),
    ],
)
def test_air_conversions_to_grams_R23(quantity, interval, grams):
    """R-23: flue-gas concentration (mg/m³) × standard flow, hourly or daily."""
    time = "2025-03-01T00:00:00+08:00"
    record = one(csv_file(f"{CODE},DA001,{time},{interval},SO2,N,{quantity}"))
    assert record.grams == grams
    assert record.seconds == (3600 if interval == "hour" else 86400)


def test_times_pollutant_codes_and_flags_R23():
    """R-23: HJ 212 times and factor codes are read; no offset means Beijing time."""
    hj212 = one(csv_file(f"{CODE},DA001,20250301080000,hour,a21026,N,1,kg,,,,"))
    iso = one(csv_file(f"{CODE},DA001,2025-03-01T00:00:00Z,hour,SO2,N,1,kg,,,,"))
    naive = one(csv_file(f"{CODE},DA001,2025-03-01 08:00:00,hour,二氧化硫,N,1,kg,,,,"))
    assert hj212.start == iso.start == naive.start
    assert hj212.pollutant.code == naive.pollutant.code == "SO2"
    stopped = one(csv_file(f"{CODE},DA001,2025-03-01T00:00:00+08:00,hour,SO2,F,,,,,,"))
    assert stopped.grams == 0
    calibrating = one(csv_file(f"{CODE},DA001,2025-03-01T00:00:00+08:00,hour,SO2,C,,,5,mg/m3,1,m3"))
    assert calibrating.grams is None  # substituted later, the calibration gas reading is no data


def test_chinese_headers_and_gb18030_R23():
    """R-23: platform exports with Chinese column names, encoded GB18030, are read."""
    text = (
        "统一社会信用代码,排放口编号,监测时间,污染物,数据标记,实测浓度,浓度单位,流量,流量单位\n"
        f"{CODE},DW001,2025-03-01 00:00:00,氨氮,N,4.5,mg/L,100,m3\n"
    )
    record = one(SourceFile("导出.csv", text.encode("gb18030")))
    assert (record.pollutant.code, record.grams) == ("NH3-N", Decimal("450"))


def test_json_with_file_level_defaults_is_exact_R23():
    """R-23: JSON files; top-level fields are defaults; numbers are read exactly."""
    document = {
        "credit_code": CODE,
        "outlet": "DW001",
        "records": [
            {"time": "2025-03-01T00:00:00+08:00", "pollutant": "COD", "value": 0.1, "unit": "kg"},
            {"time": "2025-03-01T01:00:00+08:00", "pollutant": "COD", "value": "0.2", "unit": "kg"},
        ],
    }
    records, errors = parse(SourceFile("a.json", json.dumps(document).encode()))
    assert errors == []
    assert [r.grams for r in records] == [Decimal("100.0"), Decimal("200.0")]
    assert sum(r.grams for r in records) == Decimal("300")
    assert {r.credit_code for r in records} == {CODE}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,-1,kg,,,,", "negative value -1"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,,,-3.2,mg/L,10,m3", "negative concentration"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,,,3.2,mg/L,-10,m3", "negative flow -10"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,12,lb,,,,", "mass unit 'lb' is not one of"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,,,3,mg/m3,10,m3", "does not fit COD (water)"),
        ("DA001,2025-03-01T00:00:00+08:00,hour,SO2,N,,,3,mg/L,10,m3", "does not fit SO2 (air)"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,,,3,ppm,10,m3", "concentration unit 'ppm'"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,,,3,mg/L,10,gal", "flow unit 'gal'"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,,,3,mg/L,,m3", "concentration without flow"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,,,,,,", "no value"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,NaN,kg,,,,", "not a finite number"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,abc,kg,,,,", "value 'abc' is not a number"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,PM10,N,1,kg,,,,", "unknown pollutant 'PM10'"),
        ("DW001,01/03/2025 00:00,hour,COD,N,1,kg,,,,", "time '01/03/2025 00:00' is not an ISO"),
        ("DW001,2025-03-01T00:00:00+08:00,minute,COD,N,1,kg,,,,", "interval 'minute'"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,X,1,kg,,,,", "data flag 'X' is not one of"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,F,5,kg,,,,", "flag F (unit stopped) with a"),
        (",2025-03-01T00:00:00+08:00,hour,COD,N,1,kg,,,,", "no outlet"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,GISW,N,,,3,mg/L,10,m3", "GISW is reported as a"),
        ("DW001,2025-03-01T00:00:00+08:00,hour,COD,N,1,kg", "8 cells, header has 12"),
    ],
)
def test_malformed_record_refused_with_its_line_and_reason_R23(line, message):
    """R-23: every malformed record is refused with the file, the line and what is wrong."""
    text = error_of(csv_file(f"{CODE},{line}"))
    assert text.startswith("data.csv line 2: ")
    assert message in text


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (SourceFile("a.csv", b""), "a.csv: the file is empty"),
        (SourceFile("a.csv", b"outlet,time,pollutant,colour\n"), "unknown column(s) 'colour'"),
        (SourceFile("a.csv", b"outlet,time,value,unit\n"), "missing column(s) pollutant"),
        (SourceFile("a.json", b"{not json"), "a.json: the file is not valid JSON"),
        (SourceFile("a.json", b'{"rows": []}'), "unknown top-level field(s) rows"),
        (SourceFile("a.json", b'{"credit_code": "x"}'), 'the file has no "records" list'),
        (SourceFile("a.csv", b"\xff\xfe\xff"), "a.csv: the file is neither UTF-8 nor GB18030"),
        (SourceFile("a.xlsx", b"PK\x03\x04"), "a.xlsx: the file is neither .csv nor .json"),
    ],
)
def test_unreadable_file_refused_whole_R23(source, message):
    """R-23: a file that cannot be read at all is refused as a whole, with the reason."""
    assert message in error_of(source)


def test_json_record_errors_name_the_record_R23():
    """R-23: in JSON, a bad record is named by its position."""
    document = [
        {"credit_code": CODE, "outlet": "DW001", "time": "2025-03-01T00:00:00+08:00",
         "pollutant": "COD", "value": 1, "unit": "kg"},
        {"credit_code": CODE, "outlet": "DW001", "time": "2025-03-01T01:00:00+08:00",
         "pollutant": "COD", "value": 1, "unit": "kg", "colour": "red"},
        "not an object",
    ]  # fmt: skip
    records, errors = parse(SourceFile("b.json", json.dumps(document).encode()))
    assert len(records) == 1
    assert [str(e) for e in errors] == [
        "b.json record 2: unknown field(s) colour",
        "b.json record 3: is not an object",
    ]
