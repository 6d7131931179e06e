"""Report tables as files: CSV (UTF-8 with BOM, so Excel opens Chinese right) and XLSX (openpyxl).

Both carry the same flat columns under the same three header lines: the Chinese column titles
(with their units, e.g. 平均等待(秒)), the English ones, then the machine names of ``FIELDS``
(documented in docs/reports.md). openpyxl is imported lazily: the server only pays for it when
someone exports.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from queue_server import contract as c
from queue_server.domain.cells import inert
from queue_server.messages import render

BASE = (
    "period",
    "key",
    "label",
    "issued",
    "served",
    "no_shows",
    "cancelled",
    "transferred",
    "expired",
    "priority_share",
    "appointment_share",
)
DURATIONS = tuple(
    f"{kind}_{part}" for kind in ("waiting", "handling") for part in ("count", "mean", "median", "p90", "max")
)
WINDOW_TIME = ("open_seconds", "paused_seconds", "busy_seconds", "idle_seconds")
CASES = (
    "cases",
    "on_site",
    "corrections",
    "on_site_rate",
    "immediate_share",
    "correction_rate",
    "on_time_rate",
)
EVALUATION = (
    "evaluations",
    "good_rate",
    "active_good_rate",
    "unrated_rate",
    "bad",
    "bad_reply_rate",
    "rectify_rate",
    "rectify_satisfaction_rate",
)
HOURS = tuple(f"arrivals_{h:02d}" for h in range(24))
FIELDS = (*BASE, *DURATIONS, *WINDOW_TIME, *CASES, *EVALUATION, *HOURS)


def flat(row: c.ReportRow) -> dict[str, Any]:
    """One report row as a flat record of ``FIELDS``."""
    out: dict[str, Any] = {name: getattr(row, name) for name in (*BASE, *WINDOW_TIME, *CASES)}
    for kind in ("waiting", "handling"):
        summary: c.DurationSummary = getattr(row, kind)
        for part in ("count", "mean", "median", "p90", "max"):
            out[f"{kind}_{part}"] = getattr(summary, part)
    e = row.evaluation
    out.update(
        evaluations=e.total,
        good_rate=e.good_rate,
        active_good_rate=e.active_good_rate,
        unrated_rate=e.unrated_rate,
        bad=e.bad,
        bad_reply_rate=e.bad_reply_rate,
        rectify_rate=e.rectify_rate,
        rectify_satisfaction_rate=e.rectify_satisfaction_rate,
    )
    hours = row.arrivals_by_hour
    for h, name in enumerate(HOURS):
        out[name] = hours[h] if hours is not None else None
    return out


def titles(name: str) -> tuple[str, str]:
    """The (zh, en) column title of a field."""
    if name.startswith("arrivals_"):
        return render("reports.col.arrivals", {"hour": int(name[-2:])})
    return render(f"reports.col.{name}")


def to_csv(figures: c.ReportFigures) -> bytes:
    """The rows as CSV: a BOM, the XLSX's header lines (zh titles, en titles, field names), empty
    cells for nulls."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    zh, en = zip(*(titles(name) for name in FIELDS), strict=True)
    writer.writerows([zh, en, FIELDS])
    for row in figures.rows:
        values = flat(row)
        writer.writerow(["" if values[name] is None else inert(values[name]) for name in FIELDS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(figures: c.ReportFigures) -> bytes:
    """The rows as an Excel workbook: zh titles, en titles, field names, then one line per row."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{figures.by}-{figures.period}"[:31]
    zh, en = zip(*(titles(name) for name in FIELDS), strict=True)
    sheet.append(list(zh))
    sheet.append(list(en))
    sheet.append(list(FIELDS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in figures.rows:
        sheet.append([inert(flat(row)[name]) for name in FIELDS])
    sheet.freeze_panes = "D4"
    for column, name in enumerate(FIELDS, start=1):
        letter = sheet.cell(row=1, column=column).column_letter
        sheet.column_dimensions[letter].width = 22 if name == "label" else 12
    info = book.create_sheet("about")
    info.append(["hall", inert(figures.hall), inert(figures.hall_name)])
    info.append(["date_from", figures.date_from.isoformat()])
    info.append(["date_to", figures.date_to.isoformat()])
    info.append(["period", figures.period])
    info.append(["by", figures.by])
    info.append(["generated_at", figures.generated_at.isoformat()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
