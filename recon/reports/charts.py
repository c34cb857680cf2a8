"""Charts for the HTML reports: small inline SVG bar and line charts, written here.

Inline SVG needs no script or network to display: the page renders the same on a machine
with no internet. The charts are a few dozen shapes each, so they are written directly
(matplotlib drew them before, and its import and drawing were most of a small date's
run: 0.8 s a date). Bars are paths, labels are text in the page's own font; the same
data gives the same bytes. Amounts stay Decimal (and each currency on its own bars or
line, never added): only a shape's place on the page is a float; the exact figures are
in the tables beside each chart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from html import escape

BLUE, ORANGE, RED, GREY = "#3867d6", "#fa8231", "#eb3b5a", "#8395a7"
PALETTE = (ORANGE, "#20bf6b", "#8854d0", GREY)   # one colour per currency
FONT = 'font-size="11" fill="#1e272e"'
ROW = 22          # a horizontal bar's row, px
LABEL = 170       # the labels' column of a horizontal bar chart, px


class Svg:
    """An SVG being drawn: shapes appended in order, rendered once."""

    def __init__(self, width: int, height: int, name: str):
        self.width, self.height, self.name = width, height, name
        self.parts: list[str] = []

    def bar(self, x: float, y: float, w: float, h: float, color: str) -> None:
        x, w = (x + w, -w) if w < 0 else (x, w)
        self.parts.append(f'<path d="M{x:.1f} {y:.1f}h{w:.1f}v{h:.1f}h{-w:.1f}z" '
                          f'fill="{color}"/>')

    def line(self, points: Sequence[tuple[float, float]], color: str, dots: bool = True
             ) -> None:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}"
                        for i, (x, y) in enumerate(points))
        self.parts.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        if dots:
            self.parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>'
                           for x, y in points]

    def rule(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.parts.append(f'<path d="M{x1:.1f} {y1:.1f}L{x2:.1f} {y2:.1f}" '
                          f'stroke="{GREY}" stroke-width="0.8"/>')

    def text(self, x: float, y: float, text: str, anchor: str = "start", bold: bool = False,
             color: str | None = None) -> None:
        style = ' font-weight="700"' if bold else ""
        fill = f' fill="{color}"' if color else ""
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{style}'
                          f'{fill}>{escape(text)}</text>')

    def render(self) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{self.name}" '
                f'width="{self.width}" height="{self.height}" '
                f'viewBox="0 0 {self.width} {self.height}" role="img" '
                f'font-family="system-ui, sans-serif"><g {FONT}>' + "".join(self.parts)
                + "</g></svg>")


def _share(value: float | Decimal, top: float | int) -> float:
    """`value` as a share of the axis maximum `top`: a place on the page."""
    return float(Decimal(value) / Decimal(top))


def _compact(value: float | Decimal) -> str:
    for size, unit in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if abs(value) >= size:
            return f"{value / size:,.3g}{unit}"
    return f"{value:,.0f}" if abs(value) >= 1 or value == 0 else f"{value:.2f}"


def _scale(values: Sequence[float | Decimal]) -> float | int:
    """The axis maximum: the largest |value|, rounded up to 1, 2 or 5 × a power of 10."""
    top = max((abs(v) for v in values), default=0.0)
    if top <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(top))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= top)


def row_height(series: int) -> int:
    """A horizontal bar chart's row: room for each series' bar and its label."""
    return max(ROW, 13 * series + 6)


def _hbars(svg: Svg, x0: float, width: float, y0: float, labels: Sequence[str],
           series: Sequence[tuple[str, Sequence[float | Decimal]]], signed: bool = False,
           row: int = ROW) -> None:
    """Horizontal bars, one row per label, one bar per series within a row; `signed`
    puts the zero in the middle."""
    top = _scale([v for _, values in series for v in values])
    zero = x0 + (width / 2 if signed else 0)
    span = width / 2 if signed else width
    for i, label in enumerate(labels):
        y = y0 + i * row
        svg.text(x0 - 6, y + row / 2 + 4, label[:28], anchor="end")
        h = (row - 6) / max(len(series), 1)
        for j, (color, values) in enumerate(series):
            value = values[i]
            svg.bar(zero, y + 3 + j * h, span * _share(value, top), h, color)
            if value:
                end = zero + span * _share(value, top)
                svg.text(end + (4 if value >= 0 else -4), y + 3 + (j + 0.8) * h,
                         _compact(value), anchor="start" if value >= 0 else "end",
                         color=GREY)
    svg.rule(zero, y0, zero, y0 + len(labels) * row)


def by_kind(kinds: Sequence[tuple[str, int, dict[str, Decimal]]]) -> str:
    """Findings and Σ |amount_impact| per kind: two bar charts side by side, the
    amounts one bar per currency (never added together)."""
    rows = max(len(kinds), 1)
    currencies = sorted({c for _, _, amounts in kinds for c in amounts})
    row = row_height(len(currencies))
    svg = Svg(900, 40 + rows * row + 24, "kinds")
    svg.text(LABEL + 130, 18, "findings", anchor="middle", bold=True)
    svg.text(LABEL + 300 + 250, 18, "Σ |amount_impact|", anchor="middle", bold=True)
    if not kinds:
        svg.text(450, 50, "no findings", anchor="middle", color=GREY)
        return svg.render()
    labels = [k for k, _, _ in kinds]
    _hbars(svg, LABEL, 230, 30, labels, [(BLUE, [n for _, n, _ in kinds])], row=row)
    series = [(PALETTE[j % len(PALETTE)], [Decimal(a.get(c, 0)) for _, _, a in kinds])
              for j, c in enumerate(currencies)]
    _hbars(svg, LABEL + 300 + 20, 380, 30, [""] * len(labels), series, row=row)
    _legend(svg, LABEL + 320, 30 + rows * row + 16, currencies, PALETTE)
    return svg.render()


def trend(days: Sequence[tuple[date, int, dict[str, Decimal]]]) -> str:
    """Findings (bars) and the unexplained difference (a line per currency) per
    reconciled date."""
    svg = Svg(900, 250, "trend")
    svg.text(450, 16, f"last {len(days)} reconciled date(s)", anchor="middle", bold=True)
    if not days:
        svg.text(450, 120, "no reconciled dates yet", anchor="middle", color=GREY)
        return svg.render()
    left, right, top, bottom = 60, 840, 30, 200
    step = (right - left) / len(days)
    most = _scale([n for _, n, _ in days])
    for i, (day, n, _) in enumerate(days):
        height = (bottom - top) * n / most
        svg.bar(left + i * step + step * 0.15, bottom - height, step * 0.7, height, BLUE)
        if i % max(1, len(days) // 10) == 0:
            svg.text(left + (i + 0.5) * step, bottom + 14, day.strftime("%m-%d"),
                     anchor="middle")
    svg.rule(left, bottom, right, bottom)
    svg.text(left - 6, top + 8, _compact(most), anchor="end")
    svg.text(left - 6, bottom, "0", anchor="end")
    currencies = sorted({c for _, _, amounts in days for c in amounts})
    # each currency's line on one axis of its own units: amounts stay Decimal, and only a
    # point's place on the page is a float
    high = _scale([Decimal(u.get(c, 0)) for _, _, u in days for c in currencies])
    colors = (RED, *PALETTE)
    for j, currency in enumerate(currencies):
        svg.line([(left + (i + 0.5) * step,
                   bottom - (bottom - top) * _share(u.get(currency, 0), high))
                  for i, (_, _, u) in enumerate(days)], colors[j % len(colors)])
    if currencies:
        svg.text(right + 6, top + 8, _compact(high))
    _legend(svg, left, 236, ["findings", *(f"unexplained {c}" for c in currencies)],
            (BLUE, *colors))
    return svg.render()


def ageing(buckets: Sequence[tuple[str, int]], title: str = "open worklist items by age"
           ) -> str:
    svg = Svg(440, 230, "ageing")
    svg.text(220, 16, title, anchor="middle", bold=True)
    if not any(n for _, n in buckets):
        svg.text(220, 110, "nothing open", anchor="middle", color=GREY)
        return svg.render()
    left, right, top, bottom = 40, 420, 30, 195
    most = _scale([n for _, n in buckets])
    step = (right - left) / len(buckets)
    colors = (BLUE, BLUE, ORANGE, RED)
    for i, (bucket, n) in enumerate(buckets):
        height = (bottom - top) * n / most
        svg.bar(left + i * step + step * 0.2, bottom - height, step * 0.6, height,
                colors[i % len(colors)])
        svg.text(left + (i + 0.5) * step, bottom + 14, bucket, anchor="middle")
        svg.text(left + (i + 0.5) * step, bottom - height - 4, f"{n:,}", anchor="middle",
                 color=GREY)
    svg.rule(left, bottom, right, bottom)
    return svg.render()


def flows(rows: Sequence[tuple[str, str, Decimal]], title: str) -> str:
    """The difference v2 − v1 of each labelled flow row, one panel per currency (what
    finance checks: a totals chart would hide a difference of cents under millions, and
    currencies share no axis); a row that ties out is a grey tick at zero."""
    currencies = sorted({c for _, c, _ in rows}) or [""]
    panels = [[(label, d) for label, c, d in rows if c == cur] for cur in currencies]
    height = sum(40 + max(len(p), 1) * ROW for p in panels) + 10
    svg = Svg(900, height, "flows")
    y = 0
    for currency, panel in zip(currencies, panels, strict=True):
        svg.text(450, y + 18, f"{title}, {currency}: v2 − v1" if currency else title,
                 anchor="middle", bold=True)
        if panel:
            _hbars(svg, LABEL + 60, 600, y + 30, [label for label, _ in panel],
                   [(RED, [value for _, value in panel])], signed=True)
            for i, (_, value) in enumerate(panel):   # a row that ties out: a grey tick
                if not value:
                    svg.bar(LABEL + 360 - 1, y + 33 + i * ROW, 2, ROW - 6, GREY)
        else:
            svg.text(450, y + 50, "no flows", anchor="middle", color=GREY)
        y += 40 + max(len(panel), 1) * ROW
    return svg.render()


def _legend(svg: Svg, x: float, y: float, names: Sequence[str], colors: Sequence[str]
            ) -> None:
    if len(names) < 2:
        return
    for j, name in enumerate(names):
        svg.bar(x, y - 9, 10, 10, colors[j % len(colors)])
        svg.text(x + 14, y, name)
        x += 24 + 7 * len(name)


def is_chart(svg: str) -> bool:
    """An SVG with drawn content (used by tests)."""
    return svg.startswith("<svg") and len(re.findall(r"<path", svg)) > 3
