"""Charts drawn on the server as SVG (no JS, no build step, nothing fetched by the browser).

Days are slots: one slot per calendar day from the first to the last day shown, so a bar never
overlaps its neighbours and a day without trades is an empty slot; a price line is drawn only
across consecutive days with trades (a gap where none happened). Axis labels are spaced by their
width and kept inside the drawing, so none overlaps another or is cut at an edge. Each chart is
drawn twice: wide for a desk, narrow for a phone (the stylesheet shows one).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

PALETTE = ("#0b5d3b", "#1f6feb", "#9a6700", "#cf222e", "#8250df", "#1b7c83", "#bc4c00")
FONT = 12  # px in the drawing's own units
GAP = 10  # least space between two axis labels


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[int, float]]  # (day, value)


@dataclass(frozen=True)
class Size:
    width: int
    height: int

    @property
    def top(self) -> int:
        return 12

    @property
    def bottom(self) -> int:  # the plot's lower edge (x labels below it)
        return self.height - 26


WIDE, NARROW = Size(720, 260), Size(360, 240)


def text_width(text: str, size: int = FONT) -> float:
    """A label's width, generously: digits and Latin at 0.62 em, anything else a full em."""
    return sum(size * (0.62 if ord(c) < 0x2E80 else 1.0) for c in text)


def nice_ticks(hi: float, count: int = 4) -> list[float]:
    """0 … a round top (1, 2, 2.5 or 5 × 10^k steps) covering ``hi``."""
    if hi <= 0:
        return [0.0, 1.0]
    raw = hi / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    n = math.ceil(hi / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _tick_text(value: float, step: float) -> str:
    digits = 0 if step >= 1 else min(3, math.ceil(-math.log10(step)))
    return f"{value:,.{digits}f}"


class _Frame:
    """The axes of one chart: y ticks on the left, one slot per day along x."""

    def __init__(self, size: Size, first: int, last: int, top_value: float) -> None:
        self.size = size
        self.first, self.days = first, last - first + 1
        self.ticks = nice_ticks(top_value)
        step = self.ticks[1] - self.ticks[0]
        self.labels = [_tick_text(v, step) for v in self.ticks]
        self.left = int(max(text_width(x) for x in self.labels) + 10)
        self.right = size.width - 8
        self.slot = (self.right - self.left) / self.days

    def x(self, day: int) -> float:
        """The centre of a day's slot."""
        return self.left + (day - self.first + 0.5) * self.slot

    def y(self, value: float) -> float:
        top = self.ticks[-1]
        return self.size.bottom - (self.size.bottom - self.size.top) * value / top

    def grid(self) -> str:
        out = []
        for value, text in zip(self.ticks, self.labels, strict=True):
            y = self.y(value)
            out.append(
                f'<line x1="{self.left}" x2="{self.right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                f'<text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end">{text}</text>'
            )
        out.append(
            f'<line x1="{self.left}" x2="{self.right}" y1="{self.size.bottom}" '
            f'y2="{self.size.bottom}" class="axis"/>'
        )
        return "".join(out)

    def x_labels(self, fmt: Callable[[int], str]) -> list[tuple[float, str]]:
        """Day labels spaced by their width, the last day always among them, each kept inside
        the drawing: (centre x, text)."""
        last = self.first + self.days - 1
        texts = {d: fmt(d) for d in range(self.first, last + 1)}
        width = max(text_width(s) for s in texts.values())
        every = max(1, math.ceil((width + GAP) / self.slot))
        half = width / 2

        def place(day: int) -> float:
            return min(max(self.x(day), half + 1), self.size.width - half - 1)

        kept: list[tuple[float, str]] = []
        for day in range(self.first, last, every):
            if not kept or place(day) - kept[-1][0] >= width + GAP:
                kept.append((place(day), texts[day]))
        while kept and place(last) - kept[-1][0] < width + GAP:
            kept.pop()  # the last day's label wins over a neighbour too close to it
        return [*kept, (place(last), texts[last])]

    def axis(self, fmt: Callable[[int], str]) -> str:
        y = self.size.height - 8
        return "".join(
            f'<text x="{x:.1f}" y="{y}" text-anchor="middle">{escape(text)}</text>'
            for x, text in self.x_labels(fmt)
        )


def _figure(size: Size, title: str, body: str, legend: Sequence[tuple[str, str]]) -> str:
    # the key's colour is a class (explorer.css), not a style attribute: the pages' CSP allows
    # no inline style
    keys = "".join(
        f'<span class="key"><i class="c{PALETTE.index(color)}"></i>{escape(label)}</span>'
        for label, color in legend
    )
    css = "wide" if size is WIDE else "narrow"
    return (
        f'<figure class="chart {css}"><svg viewBox="0 0 {size.width} {size.height}" role="img" '
        f'aria-label="{escape(title)}">{body}</svg><figcaption>{keys}</figcaption></figure>'
    )


def _span(series: Sequence[Series]) -> tuple[int, int] | None:
    days = [int(d) for s in series for d, _ in s.points]
    return (min(days), max(days)) if days else None


def runs(points: Sequence[tuple[int, float]]) -> list[list[tuple[int, float]]]:
    """Points split where a day is missing: a line joins only consecutive days."""
    out: list[list[tuple[int, float]]] = []
    for day, value in sorted(points):
        if out and int(day) == int(out[-1][-1][0]) + 1:
            out[-1].append((day, value))
        else:
            out.append([(day, value)])
    return out


def line_chart(size: Size, series: Sequence[Series], title: str, fmt: Callable[[int], str]) -> str:
    span = _span(series)
    if span is None:
        return ""
    frame = _Frame(size, *span, max(v for s in series for _, v in s.points))
    body, legend = [frame.grid()], []
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        for run in runs(s.points):
            if len(run) > 1:
                pts = " ".join(f"{frame.x(d):.1f},{frame.y(v):.1f}" for d, v in run)
                body.append(
                    f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>'
                )
        body += [
            f'<circle cx="{frame.x(d):.1f}" cy="{frame.y(v):.1f}" r="3" fill="{color}">'
            f"<title>{escape(s.label)} {escape(fmt(d))}: {v:,.2f}</title></circle>"
            for d, v in s.points
        ]
        legend.append((s.label, color))
    body.append(frame.axis(fmt))
    return _figure(size, title, "".join(body), legend)


def bar_chart(size: Size, series: Sequence[Series], title: str, fmt: Callable[[int], str]) -> str:
    span = _span(series)
    if span is None:
        return ""
    totals: dict[int, float] = {}
    for s in series:
        for d, v in s.points:
            totals[d] = totals.get(d, 0.0) + v
    frame = _Frame(size, *span, max(totals.values()))
    width = max(frame.slot * 0.8, 1.0)
    base = dict.fromkeys(totals, 0.0)
    body, legend = [frame.grid()], []
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        for d, v in s.points:
            top, bottom = frame.y(base[d] + v), frame.y(base[d])
            body.append(
                f'<rect x="{frame.x(d) - width / 2:.2f}" y="{top:.1f}" width="{width:.2f}" '
                f'height="{max(bottom - top, 0.5):.1f}" fill="{color}"><title>{escape(s.label)} '
                f"{escape(fmt(d))}: {v:,.3f}</title></rect>"
            )
            base[d] += v
        legend.append((s.label, color))
    body.append(frame.axis(fmt))
    return _figure(size, title, "".join(body), legend)


def lines(series: Sequence[Series], title: str, x_format: Callable[[int], str]) -> Markup:
    """A line chart per day (e.g. average price per pollutant), wide and narrow."""
    return Markup(  # noqa: S704 - labels are escaped, the rest are numbers
        "".join(line_chart(size, series, title, x_format) for size in (WIDE, NARROW))
    )


def bars(series: Sequence[Series], title: str, x_format: Callable[[int], str]) -> Markup:
    """Stacked bars per day (e.g. volume per pollutant), wide and narrow."""
    return Markup(  # noqa: S704 - labels are escaped, the rest are numbers
        "".join(bar_chart(size, series, title, x_format) for size in (WIDE, NARROW))
    )


def meter(used: int, total: int) -> Markup:
    """A small bar of a share (cap use)."""
    share = min(used / total, 1.0) if total else 0.0
    color = "#cf222e" if share > 0.9 else "#9a6700" if share > 0.7 else "#0b5d3b"
    return Markup(  # noqa: S704 - numbers only
        f'<svg class="meter" viewBox="0 0 100 10" width="100" height="10" role="img" '
        f'aria-label="{share:.0%}"><rect width="100" height="10" fill="#eaeef2"/>'
        f'<rect width="{share * 100:.1f}" height="10" fill="{color}"/></svg> {share:.1%}'
    )
