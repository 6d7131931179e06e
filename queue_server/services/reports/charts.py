"""Report charts a manager looks at: arrivals by hour, waiting-time distribution, windows compared,
and the daily trend. matplotlib (Agg, object API only: safe on worker threads), imported lazily.

Text is drawn as paths in SVG, so Chinese shows in any browser without the font installed there;
the server needs one CJK font (Debian: fonts-wqy-microhei).
"""

from __future__ import annotations

import io
import math
import threading
from enum import StrEnum
from functools import cache
from typing import Any

from queue_server.domain.stats import Grouping, Period, percentile, summarise
from queue_server.messages import render
from queue_server.services.reports.figures import Report

CJK_FONTS = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimHei", "Microsoft YaHei"]
BLUE, ORANGE, GREY = "#2b6cb0", "#dd6b20", "#a0aec0"
_LOCK = threading.RLock()


class Chart(StrEnum):
    """The charts the reports offer."""

    ARRIVALS = "arrivals"
    WAITING = "waiting"
    WINDOWS = "windows"
    TREND = "trend"


@cache
def _setup() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rcParams

    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [*CJK_FONTS, "DejaVu Sans"]
    rcParams["axes.unicode_minus"] = False
    rcParams["svg.fonttype"] = "path"
    rcParams["svg.hashsalt"] = "hallq"  # the same chart gives the same bytes
    from matplotlib.figure import Figure

    return Figure


def _title(key: str) -> str:
    zh, en = render(key)
    return f"{zh}  {en}"


def _figure(key: str, width: float = 8.0, height: float = 3.6) -> tuple[Any, Any]:
    figure = _setup()(figsize=(width, height), dpi=100)
    figure.subplots_adjust(left=0.1, right=0.9, top=0.88, bottom=0.17)  # fixed: layout engines cost
    axes = figure.add_subplot()
    axes.set_title(_title(key), fontsize=12, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#e2e8f0", linewidth=0.8)
    axes.set_axisbelow(True)
    return figure, axes


def _label(axes: Any, x: str, y: str) -> None:
    axes.set_xlabel(" / ".join(render(x)))
    axes.set_ylabel(" / ".join(render(y)))


def _empty(axes: Any) -> None:
    axes.text(
        0.5,
        0.5,
        " / ".join(render("reports.empty")),
        ha="center",
        va="center",
        transform=axes.transAxes,
        color=GREY,
        fontsize=13,
    )


def _bars(axes: Any, x: list[int], heights: list[float], width: float = 0.8) -> None:
    """Bars from zero as one collection: a patch per bar costs about a millisecond each to lay out
    and draw, which a hall of 200 windows notices."""
    from matplotlib.collections import PolyCollection

    half = width / 2
    boxes = [
        [(i - half, 0.0), (i - half, h), (i + half, h), (i + half, 0.0)]
        for i, h in zip(x, heights, strict=True)
    ]
    axes.add_collection(PolyCollection(boxes, facecolors=BLUE, edgecolors="none"))
    axes.set_xlim(min(x) - 0.6, max(x) + 0.6)
    axes.set_ylim(0, max(heights, default=0.0) * 1.05 or 1.0)


def arrivals(report: Report, axes: Any) -> None:
    """Tickets issued per local hour, averaged over the days that had any (the daily curve)."""
    total = report.total()
    days = sum(1 for cell in report.cells(Grouping.HALL, Period.DAY).values() if cell.issued)
    _label(axes, "reports.axis.hour", "reports.axis.tickets")
    if not days:
        _empty(axes)
        return
    hours = [h for h, n in enumerate(total.hours) if n] or [8, 17]
    span = range(max(0, min(hours) - 1), min(24, max(hours) + 2))
    _bars(axes, list(span), [total.hours[h] / days for h in span])
    axes.set_xticks(list(span), [f"{h}" for h in span])


def waiting(report: Report, axes: Any) -> None:
    """How long people waited: a histogram in minutes with the mean, median and p90 marked."""
    minutes = [w / 60 for w in report.total().waits]
    _label(axes, "reports.axis.wait_minutes", "reports.axis.tickets")
    if not minutes:
        _empty(axes)
        return
    summary = summarise(minutes)
    # the x axis ends at the 99th percentile; the few longer waits are counted in the last bar
    top = max(5.0, math.ceil(percentile(sorted(minutes), 0.99) / 5) * 5)
    bins = [i * top / 24 for i in range(25)]
    import numpy

    clipped = numpy.minimum(numpy.asarray(minutes, dtype=float), top)
    counts, edges = numpy.histogram(clipped, bins=bins)
    axes.stairs(counts, edges, fill=True, color=BLUE)
    for value, name, colour in (
        (summary.mean, "mean 平均", ORANGE),
        (summary.median, "median 中位", "#38a169"),
        (summary.p90, "P90", "#c53030"),
    ):
        if value is not None:
            axes.axvline(value, color=colour, linestyle="--", linewidth=1.4, label=f"{name} {value:.1f}")
    axes.legend(frameon=False)


def windows(report: Report, axes: Any) -> None:
    """Each window's served tickets (bars) and mean handling time (dots, right axis)."""
    cells = report.cells(Grouping.WINDOW, Period.CUSTOM)
    _label(axes, "reports.by.window", "reports.axis.tickets")
    rows = sorted(((key, cell) for (_, key), cell in cells.items()), key=lambda kv: _natural(kv[0]))
    rows = [(k, cell) for k, cell in rows if cell.served or cell.open]
    if not rows:
        _empty(axes)
        return
    names = [k for k, _ in rows]
    x = list(range(len(names)))
    _bars(axes, x, [cell.served for _, cell in rows])
    step = math.ceil(len(names) / 30)  # a big hall: label every n-th window only
    axes.set_xticks(
        x[::step], names[::step], rotation=90 if step > 1 else 0, fontsize=7 if step > 1 else None
    )
    right = axes.twinx()
    means = [summarise(cell.handles).mean for _, cell in rows]
    dot = 6 if len(x) <= 40 else 3
    right.plot(x, [m / 60 if m is not None else math.nan for m in means], "o", color=ORANGE, markersize=dot)
    right.set_ylabel(" / ".join(render("reports.axis.mean_handling")), color=ORANGE)
    right.set_ylim(bottom=0)
    right.spines[["top"]].set_visible(False)


def trend(report: Report, axes: Any) -> None:
    """Tickets issued and served per day (lines) and the mean wait (dashed, right axis)."""
    cells = report.cells(Grouping.HALL, Period.DAY)
    _label(axes, "reports.axis.day", "reports.axis.tickets")
    days = sorted(day for day, _ in cells)
    if not days:
        _empty(axes)
        return
    labels = [d.strftime("%m-%d") for d in days]
    x = list(range(len(days)))
    rows = [cells[(d, "hall")] for d in days]
    axes.plot(x, [r.issued for r in rows], "-o", color=BLUE, label="取号 issued", markersize=3)
    axes.plot(x, [r.served for r in rows], "-o", color="#38a169", label="办结 served", markersize=3)
    axes.set_xticks(x, labels)
    right = axes.twinx()
    means = [summarise(r.waits).mean for r in rows]
    right.plot(
        labels,
        [m / 60 if m is not None else math.nan for m in means],
        "--",
        color=ORANGE,
        label="平均等待 mean wait",
    )
    right.set_ylabel(" / ".join(render("reports.axis.mean_wait")), color=ORANGE)
    right.set_ylim(bottom=0)
    right.spines[["top"]].set_visible(False)
    axes.set_ylim(bottom=0)  # counts from zero: a trend must not look steeper than it is
    axes.legend(loc="lower left", frameon=False)
    axes.tick_params(axis="x", rotation=60, labelsize=8)


def _natural(key: str) -> tuple[Any, ...]:
    digits = "".join(ch for ch in key if ch.isdigit())
    return (key.rstrip("0123456789"), int(digits) if digits else 0, key)


DRAW = {Chart.ARRIVALS: arrivals, Chart.WAITING: waiting, Chart.WINDOWS: windows, Chart.TREND: trend}


def render_chart(report: Report, chart: Chart, fmt: str = "svg") -> bytes:
    """One chart of ``report`` as SVG or PNG bytes (one at a time: matplotlib's caches are shared)."""
    with _LOCK:
        figure, axes = _figure(f"reports.chart.{chart.value}")
        DRAW[chart](report, axes)
        out = io.BytesIO()
        figure.savefig(out, format=fmt, dpi=110 if fmt == "png" else None, metadata=_metadata(fmt))
        return out.getvalue()


def _metadata(fmt: str) -> dict[str, Any]:
    return {"Date": None} if fmt == "svg" else {}
