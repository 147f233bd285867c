"""The overview's charts read as a person expects: one slot per day, no bar over its neighbour,
no price line across days without trades, axis labels that neither overlap nor get cut."""

from __future__ import annotations

import itertools
import re

import pytest

from backend.explorer import charts
from backend.explorer.i18n import day

FIRST = 20_430  # 2025-12-08


def _labels(svg: str, size: charts.Size) -> list[tuple[float, str]]:
    """The x-axis labels (centre, text) of one drawing: the texts on its bottom line."""
    y = size.height - 8
    found = re.findall(rf'<text x="([\d.]+)" y="{y}" text-anchor="middle">([^<]*)</text>', svg)
    return [(float(x), text) for x, text in found]


def _spans(labels: list[tuple[float, str]]) -> list[tuple[float, float]]:
    return [(x - charts.text_width(t) / 2, x + charts.text_width(t) / 2) for x, t in labels]


@pytest.mark.parametrize("size", [charts.WIDE, charts.NARROW], ids=["wide", "narrow"])
@pytest.mark.parametrize("days", [1, 2, 5, 13, 31, 90, 400])
def test_day_labels_never_overlap_and_stay_inside(size, days):
    series = [charts.Series("COD", [(FIRST + d, 1.0 + d) for d in range(days)])]
    svg = charts.line_chart(size, series, "prices", day)
    labels = _labels(svg, size)
    spans = _spans(labels)
    assert labels[-1][1] == day(FIRST + days - 1)  # the last day is always labelled
    assert all(lo >= 0 and hi <= size.width for lo, hi in spans)  # nothing cut at an edge
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(spans)]
    assert all(g >= charts.GAP - 1e-6 for g in gaps), gaps  # and no two overlap
    if days >= 5:
        assert len(labels) >= 2


def test_y_ticks_are_round_numbers_covering_the_highest_value():
    assert charts.nice_ticks(4_500) == [0, 2_000, 4_000, 6_000]
    assert charts.nice_ticks(7.3) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(0.9) == [0, 0.25, 0.5, 0.75, 1.0]
    assert charts.nice_ticks(0) == [0.0, 1.0]
    svg = charts.bar_chart(charts.WIDE, [charts.Series("SO2", [(FIRST, 12_345.0)])], "t", day)
    assert ">15,000</text>" in svg and ">0</text>" in svg


def test_one_bar_slot_per_day_and_no_bar_over_its_neighbour():
    """Stacked bars of two pollutants over 10 days with trades on 4 of them: every day has its
    slot (days without trades stay empty), bars of one day share x, bars of two days never
    overlap."""
    cod = charts.Series("COD", [(FIRST, 5.0), (FIRST + 1, 2.0), (FIRST + 9, 1.0)])
    so2 = charts.Series("SO2", [(FIRST + 1, 3.0), (FIRST + 4, 4.0)])
    svg = charts.bar_chart(charts.WIDE, [cod, so2], "volume", day)
    rects = [
        (float(x), float(w))
        for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    ]
    assert len(rects) == 5
    frame = charts._Frame(charts.WIDE, FIRST, FIRST + 9, 5.0)
    assert frame.days == 10
    by_day = {}
    for x, w in rects:
        slot = int((x + w / 2 - frame.left) // frame.slot)
        by_day.setdefault(slot, set()).add(round(x, 2))
        assert frame.left + slot * frame.slot <= x and x + w <= frame.left + (slot + 1) * frame.slot
    assert sorted(by_day) == [0, 1, 4, 9]
    assert all(len(xs) == 1 for xs in by_day.values())  # stacked: one x per day


def test_a_price_line_has_a_gap_where_no_trade_happened():
    """Trades on days 0, 1, 2, then 5, 6, then 9: three runs, so two polylines (the lone day is a
    dot) and no segment across days 3–4 or 7–8."""
    days = [0, 1, 2, 5, 6, 9]
    svg = charts.line_chart(charts.WIDE, [charts.Series("COD", [(FIRST + d, 400.0) for d in days])],
                            "prices", day)  # fmt: skip
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(lines) == 2
    assert [len(points.split()) for points in lines] == [3, 2]
    assert svg.count("<circle") == 6
    assert charts.runs([(FIRST + d, 1.0) for d in days]) == [
        [(FIRST, 1.0), (FIRST + 1, 1.0), (FIRST + 2, 1.0)],
        [(FIRST + 5, 1.0), (FIRST + 6, 1.0)],
        [(FIRST + 9, 1.0)],
    ]


def test_each_chart_is_drawn_wide_for_a_desk_and_narrow_for_a_phone():
    series = [charts.Series("COD", [(FIRST, 1.0), (FIRST + 1, 2.0)])]
    markup = str(charts.lines(series, "价格", day))
    assert markup.count('<figure class="chart wide">') == 1
    assert markup.count('<figure class="chart narrow">') == 1
    assert 'viewBox="0 0 720 ' in markup and 'viewBox="0 0 360 ' in markup
    assert str(charts.lines([], "价格", day)) == ""
