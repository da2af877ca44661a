"""Static SVG charts for the close page, drawn with matplotlib.

Each function returns one `<svg>` element as text, ready to inline in a page that makes no
network request: text stays text (the page's fonts draw it), and the output is the same
bytes for the same figures (no date, fixed ids). Figures only read the values they are
given; money arrives as Decimal and is drawn as float, which is exact enough for a picture
(the tables beside it carry the exact values).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from decimal import Decimal

# One colour per series, in order; readable on white and distinguishable in grey.
PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#EECA3B", "#9D755D", "#BAB0AC", "#FF9DA6")
_RC = {"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
       "axes.spines.right": False, "font.family": "sans-serif"}


def _svg(fig, name: str) -> str:  # noqa: ANN001
    """The figure as an `<svg>` element whose ids (and the references to them) start with
    `name-`: matplotlib numbers its groups per figure, and a page holds several."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{name}-\1"', text)
    return re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", text)


def _figure(width: float, height: float):  # noqa: ANN202
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=96)


def usd(value: float | Decimal, places: int = 2, sign: bool = False) -> str:
    """`$1,234.50`, `−$5.96` (a true minus sign), `+$1.06` with `sign`; a Decimal is rounded
    as the tables round it, not through a float."""
    text = f"${abs(value):,.{places}f}"
    if value < 0 and round(abs(value), places):
        return "\u2212" + text
    return ("+" + text) if sign else text


def _usd_axis(axis) -> None:  # noqa: ANN001
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: usd(v, 0 if abs(v) >= 10 else 2)))


def _rc(name: str) -> dict:
    """matplotlib's settings for chart `name` (a fixed salt: the same figures, the same ids)."""
    return {**_RC, "svg.hashsalt": f"litecost-{name}"}


def stacked_days(name: str, days: Sequence[str], series: dict[str, Sequence[Decimal]], title: str) -> str:
    """Bars per day, stacked by series (e.g. providers), with a legend."""
    import matplotlib

    with matplotlib.rc_context(_rc(name)):
        fig = _figure(9, 3.6)
        ax = fig.subplots()
        bottom = [0.0] * len(days)
        positions = list(range(len(days)))
        for index, (label, values) in enumerate(series.items()):
            heights = [float(v) for v in values]
            ax.bar(positions, heights, bottom=bottom, label=label, color=PALETTE[index % len(PALETTE)], width=0.8)
            bottom = [b + h for b, h in zip(bottom, heights)]
        step = max(1, len(days) // 10)
        ax.set_xticks(positions[::step], [d[5:] for d in days[::step]])
        _usd_axis(ax.yaxis)
        ax.set_title(title, loc="left")
        ax.legend(ncols=min(len(series), 6), loc="upper left", bbox_to_anchor=(0, -0.12), frameon=False)
        return _svg(fig, name)


def horizontal_bars(name: str, labels: Sequence[str], values: Sequence[Decimal], title: str) -> str:
    """One bar per label, largest at the top; negative values point left."""
    import matplotlib

    with matplotlib.rc_context(_rc(name)):
        fig = _figure(7, 0.5 + 0.32 * max(len(labels), 1))
        ax = fig.subplots()
        positions = list(range(len(labels)))[::-1]
        numbers = [float(v) for v in values]
        ax.barh(positions, numbers, color=[PALETTE[0] if v >= 0 else PALETTE[3] for v in numbers], height=0.7)
        ax.set_yticks(positions, labels)
        for y, value in zip(positions, values):
            ax.annotate(usd(value), (float(value), y), xytext=(4 if value >= 0 else -4, 0),
                        textcoords="offset points", va="center", ha="left" if value >= 0 else "right", fontsize=8)
        ax.axvline(0, color="#888888", linewidth=0.8)
        _usd_axis(ax.xaxis)
        ax.margins(x=0.18)
        ax.set_title(title, loc="left")
        return _svg(fig, name)


def waterfall(name: str, start: tuple[str, Decimal], steps: Sequence[tuple[str, Decimal]], end: tuple[str, Decimal],
              title: str) -> str:
    """From `start` through each step's change to `end` (the steps add up to end − start)."""
    import matplotlib

    with matplotlib.rc_context(_rc(name)):
        fig = _figure(9, 3.8)
        ax = fig.subplots()
        labels = [start[0], *(s[0] for s in steps), end[0]]
        level = float(start[1])
        levels = [level]
        ax.bar(0, level, color=PALETTE[0], width=0.7)
        ax.annotate(usd(start[1]), (0, level), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
        for index, (_label, change) in enumerate(steps, start=1):
            delta = float(change)
            ax.bar(index, delta, bottom=level, color=PALETTE[2] if delta >= 0 else PALETTE[3], width=0.7)
            ax.annotate(usd(change, sign=True), (index, level + max(delta, 0)), xytext=(0, 3), textcoords="offset points",
                        ha="center", fontsize=8)
            level += delta
            levels.append(level)
        levels.append(float(end[1]))
        ax.bar(len(labels) - 1, float(end[1]), color=PALETTE[1], width=0.7)
        ax.annotate(usd(end[1]), (len(labels) - 1, float(end[1])), xytext=(0, 3), textcoords="offset points",
                    ha="center", fontsize=8)
        ax.set_xticks(range(len(labels)), [label.replace(" ", "\n", 1) for label in labels], fontsize=8)
        _usd_axis(ax.yaxis)
        # The steps are small beside the totals: the axis starts near the lowest level, and says so.
        low, high = min(levels), max(levels)
        floor = max(0.0, low - 1.5 * max(high - low, abs(high) * 0.01))
        ax.set_ylim(bottom=floor)
        ax.set_title(title + (" (the axis does not start at $0)" if floor > 0 else ""), loc="left")
        return _svg(fig, name)
