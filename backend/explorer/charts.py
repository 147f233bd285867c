"""Charts drawn on the server as SVG (no JS, no build step, nothing fetched by the browser)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

PALETTE = ("#0b5d3b", "#1f6feb", "#d4a72c", "#cf222e", "#8250df", "#1b7c83", "#bc4c00")
W, H, PAD_L, PAD_B, PAD_T, PAD_R = 720, 240, 64, 28, 12, 12


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]  # (x, y)


def _scale(values: Sequence[float], lo_pad: bool = True) -> tuple[float, float]:
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    lo = 0.0 if lo_pad else lo
    if hi <= lo:
        hi = lo + 1
    return lo, hi


def _frame(body: str, title: str, y_lo: float, y_hi: float, x_labels: Sequence[tuple[float, str]],
           legend: Sequence[tuple[str, str]]) -> Markup:  # fmt: skip
    ticks = []
    for i in range(5):
        v = y_lo + (y_hi - y_lo) * i / 4
        y = H - PAD_B - (H - PAD_B - PAD_T) * i / 4
        ticks.append(
            f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{v:,.0f}</text>'
        )
    xs = "".join(
        f'<text x="{x:.1f}" y="{H - 8}" text-anchor="middle">{escape(label)}</text>'
        for x, label in x_labels
    )
    # the key's colour is a class (explorer.css), not a style attribute: the pages' CSP allows
    # no inline style
    keys = "".join(
        f'<span class="key"><i class="c{PALETTE.index(color)}"></i>{escape(label)}</span>'
        for label, color in legend
    )
    return Markup(  # noqa: S704 - labels are escaped, the rest are numbers
        f'<figure class="chart"><svg viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">'
        f"{''.join(ticks)}{body}{xs}</svg><figcaption>{keys}</figcaption></figure>"
    )


def _x_labels(xs: Sequence[float], x_lo: float, x_hi: float, fmt) -> list[tuple[float, str]]:  # noqa: ANN001
    if not xs:
        return []
    picks = sorted(set(xs))
    step = max(1, len(picks) // 6)
    return [(_x(x, x_lo, x_hi), fmt(x)) for x in picks[::step]]


def _x(x: float, lo: float, hi: float) -> float:
    return PAD_L + (W - PAD_L - PAD_R) * ((x - lo) / (hi - lo) if hi > lo else 0.5)


def _y(y: float, lo: float, hi: float) -> float:
    return H - PAD_B - (H - PAD_B - PAD_T) * (y - lo) / (hi - lo)


def lines(series: Sequence[Series], title: str, x_format) -> Markup:  # noqa: ANN001
    """A line chart (e.g. prices per pollutant over days); one point draws a dot."""
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    if not xs:
        return Markup("")
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = _scale(ys)
    body = []
    legend = []
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        pts = " ".join(f"{_x(x, x_lo, x_hi):.1f},{_y(y, y_lo, y_hi):.1f}" for x, y in s.points)
        body.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>')
        body += [
            f'<circle cx="{_x(x, x_lo, x_hi):.1f}" cy="{_y(y, y_lo, y_hi):.1f}" r="3" '
            f'fill="{color}"><title>{escape(s.label)}: {y:,.2f}</title></circle>'
            for x, y in s.points
        ]
        legend.append((s.label, color))
    return _frame("".join(body), title, y_lo, y_hi, _x_labels(xs, x_lo, x_hi, x_format), legend)


def bars(series: Sequence[Series], title: str, x_format) -> Markup:  # noqa: ANN001
    """Stacked bars per x (e.g. daily volume per pollutant)."""
    totals: dict[float, float] = {}
    for s in series:
        for x, y in s.points:
            totals[x] = totals.get(x, 0) + y
    if not totals:
        return Markup("")
    xs = sorted(totals)
    x_lo, x_hi = min(xs) - 0.5, max(xs) + 0.5
    y_lo, y_hi = _scale(list(totals.values()))
    width = max(2.0, (W - PAD_L - PAD_R) / (len(xs) + 1) * 0.7)
    base = dict.fromkeys(xs, 0.0)
    body, legend = [], []
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        for x, y in s.points:
            top, bottom = _y(base[x] + y, y_lo, y_hi), _y(base[x], y_lo, y_hi)
            body.append(
                f'<rect x="{_x(x, x_lo, x_hi) - width / 2:.1f}" y="{top:.1f}" width="{width:.1f}" '
                f'height="{max(bottom - top, 0.5):.1f}" fill="{color}"><title>{escape(s.label)}: '
                f"{y:,.3f}</title></rect>"
            )
            base[x] += y
        legend.append((s.label, color))
    return _frame("".join(body), title, y_lo, y_hi, _x_labels(xs, x_lo, x_hi, x_format), legend)


def meter(used: int, total: int) -> Markup:
    """A small bar of a share (cap use)."""
    share = min(used / total, 1.0) if total else 0.0
    color = "#cf222e" if share > 0.9 else "#d4a72c" if share > 0.7 else "#0b5d3b"
    return Markup(  # noqa: S704 - numbers only
        f'<svg class="meter" viewBox="0 0 100 10" width="100" height="10" role="img" '
        f'aria-label="{share:.0%}"><rect width="100" height="10" fill="#eaeef2"/>'
        f'<rect width="{share * 100:.1f}" height="10" fill="{color}"/></svg> {share:.1%}'
    )
