"""Charts for the HTML reports, drawn server-side by matplotlib into inline SVG.

Inline SVG needs no script, font or network to display: the page renders the same on a
machine with no internet. Text is drawn as paths (svg.fonttype = "path") and the SVG
ids are salted with a fixed string, so the same data gives the same bytes. Amounts are
plotted as floats: a chart is a picture; the exact figures are in the tables beside it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator

BLUE, ORANGE, RED, GREY = "#3867d6", "#fa8231", "#eb3b5a", "#8395a7"
PALETTE = (ORANGE, "#20bf6b", "#8854d0", GREY)   # one colour per currency
STYLE = {
    "svg.fonttype": "path",
    "svg.hashsalt": "recon",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
}


def _svg(fig, name: str) -> str:
    """The figure as an inline <svg>: no XML prolog, no metadata, and every id prefixed
    with `name`, so several charts on one page never share an id."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', text)
    text = re.sub(r'(xlink:href|href)="#([^"]+)"', rf'\1="#{name}-\2"', text)
    return re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", text)


def _compact(value: float) -> str:
    for size, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:,.3g}{unit}"
    return f"{value:,.0f}"


def _money_axis(ax, axis: str = "x") -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(nbins=4))
    target.set_major_formatter(FuncFormatter(lambda v, _: _compact(v)))


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", color=GREY, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def by_kind(kinds: Sequence[tuple[str, int, dict[str, Decimal]]]) -> str:
    """Findings and Σ |amount_impact| per kind: two bar charts side by side, the
    amounts one bar per currency (never added together)."""
    with plt.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 0.45 * max(len(kinds), 3) + 1),
                                          sharey=True)
        labels = [k for k, _, _ in kinds][::-1]
        counts = [n for _, n, _ in kinds][::-1]
        currencies = sorted({c for _, _, amounts in kinds for c in amounts})
        if kinds:
            left.barh(labels, counts, color=BLUE)
            height = 0.8 / max(len(currencies), 1)
            for j, currency in enumerate(currencies):
                offsets = [i - 0.4 + height * (j + 0.5) for i in range(len(labels))]
                right.barh(offsets, [float(a.get(currency, 0)) for _, _, a in kinds][::-1],
                           height=height, color=PALETTE[j % len(PALETTE)], label=currency)
            if len(currencies) > 1:
                right.legend(frameon=False, loc="lower right")
            left.xaxis.set_major_locator(MaxNLocator(integer=True))
            _money_axis(right)
        else:
            _empty(left, "no findings")
            _empty(right, "no findings")
        left.set_title("findings")
        right.set_title("Σ |amount_impact|")
        return _svg(fig, "kinds")


def trend(days: Sequence[tuple[date, int, dict[str, Decimal]]]) -> str:
    """Findings (bars) and the unexplained difference (a line per currency) per
    reconciled date."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 2.8))
        if days:
            x = list(range(len(days)))
            ax.bar(x, [n for _, n, _ in days], color=BLUE, label="findings")
            ax.set_ylabel("findings")
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            twin = ax.twinx()
            currencies = sorted({c for _, _, amounts in days for c in amounts})
            for j, currency in enumerate(currencies):
                twin.plot(x, [float(u.get(currency, 0)) for _, _, u in days],
                          color=(RED, *PALETTE)[j % (len(PALETTE) + 1)], marker="o",
                          markersize=3, label=f"unexplained {currency}")
            twin.set_ylabel("unexplained difference")
            twin.spines["top"].set_visible(False)
            _money_axis(twin, "y")
            step = max(1, len(days) // 10)
            ax.set_xticks(x[::step], [d.strftime("%m-%d") for d, _, _ in days][::step])
            ax.set_ylim(bottom=0)
            twin.set_ylim(bottom=0)
            bars, bar_labels = ax.get_legend_handles_labels()
            lines, line_labels = twin.get_legend_handles_labels()
            ax.legend(bars + lines, bar_labels + line_labels, loc="upper left", frameon=False)
        else:
            _empty(ax, "no reconciled dates yet")
        ax.set_title(f"last {len(days)} reconciled date(s)")
        return _svg(fig, "trend")


def ageing(buckets: Sequence[tuple[str, int]], title: str = "open worklist items by age"
           ) -> str:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(4.5, 2.6))
        if any(n for _, n in buckets):
            ax.bar([b for b, _ in buckets], [n for _, n in buckets],
                   color=[BLUE, BLUE, ORANGE, RED][:len(buckets)])
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        else:
            _empty(ax, "nothing open")
        ax.set_title(title)
        return _svg(fig, "ageing")


def flows(rows: Sequence[tuple[str, str, Decimal]], title: str) -> str:
    """The difference v2 − v1 of each labelled flow row, one panel per currency (what
    finance checks: a totals chart would hide a difference of cents under millions, and
    currencies share no axis)."""
    currencies = sorted({c for _, c, _ in rows}) or [""]
    with plt.rc_context(STYLE):
        heights = [max(sum(1 for _, c, _ in rows if c == cur), 1) for cur in currencies]
        fig, axes = plt.subplots(len(currencies), 1, squeeze=False,
                                 figsize=(9, 0.35 * sum(heights) + 1.2 * len(currencies)),
                                 gridspec_kw={"height_ratios": heights})
        for ax, currency in zip(axes[:, 0], currencies, strict=True):
            mine = [(label, d) for label, c, d in rows if c == currency]
            if mine:
                labels = [label for label, _ in mine][::-1]
                values = [float(d) for _, d in mine][::-1]
                ax.barh(labels, values, color=[RED if v else GREY for v in values])
                ax.axvline(0, color=GREY, linewidth=0.8)
                _money_axis(ax)
                ax.set_title(f"{title}, {currency}: v2 − v1" if currency else title)
            else:
                _empty(ax, "no flows")
                ax.set_title(title)
        return _svg(fig, "flows")


def is_chart(svg: str) -> bool:
    """An SVG with drawn content (used by tests)."""
    return svg.startswith("<svg") and len(re.findall(r"<path", svg)) > 3
