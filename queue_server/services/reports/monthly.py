"""The printable monthly report: one self-contained HTML page (charts inline as SVG), styled for A4."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from queue_server import contract as c
from queue_server.domain.stats import Grouping, Period
from queue_server.messages import render
from queue_server.services.reports import charts as report_charts
from queue_server.services.reports.figures import Report

STYLE = """
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
       margin: 24px; color: #1a202c; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px;
     border-bottom: 2px solid #2b6cb0; padding-bottom: 2px; }
.en { color: #718096; font-size: 0.85em; margin-left: 6px; }
.meta { color: #4a5568; font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 11px; }
th, td { border: 1px solid #cbd5e0; padding: 3px 5px; text-align: right; }
th { background: #edf2f7; } td.l, th.l { text-align: left; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; }
.kpi { border: 1px solid #cbd5e0; border-radius: 6px; padding: 8px; }
.kpi b { display: block; font-size: 20px; color: #2b6cb0; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.charts svg { width: 100%; height: auto; }
.noprint { margin-bottom: 12px; }
@page { size: A4; margin: 12mm; }
@media print { .noprint { display: none; } body { margin: 0; } h2 { break-after: avoid; }
               table, .chart { break-inside: avoid; } .charts { grid-template-columns: 1fr 1fr; } }
"""


def _pair(key: str, fields: dict[str, object] | None = None) -> str:
    zh, en = render(key, fields)
    return f'{escape(zh)}<span class="en">{escape(en)}</span>'


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _min(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def _hours(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f}"


def _num(value: int | None) -> str:
    return "—" if value is None else str(value)


Column = tuple[str, Callable[[c.ReportRow], str]]

COLUMNS: dict[str, Column] = {
    "issued": ("reports.col.issued", lambda r: _num(r.issued)),
    "served": ("reports.col.served", lambda r: _num(r.served)),
    "no_shows": ("reports.col.no_shows", lambda r: _num(r.no_shows)),
    "transferred": ("reports.col.transferred", lambda r: _num(r.transferred)),
    "wait_mean": ("reports.col.waiting_mean", lambda r: _min(r.waiting.mean)),
    "wait_p90": ("reports.col.waiting_p90", lambda r: _min(r.waiting.p90)),
    "handle_mean": ("reports.col.handling_mean", lambda r: _min(r.handling.mean)),
    "handle_p90": ("reports.col.handling_p90", lambda r: _min(r.handling.p90)),
    "idle": ("reports.col.idle_seconds", lambda r: _hours(r.idle_seconds)),
    "paused": ("reports.col.paused_seconds", lambda r: _hours(r.paused_seconds)),
    "on_site_rate": ("reports.col.on_site_rate", lambda r: _pct(r.on_site_rate)),
    "correction_rate": ("reports.col.correction_rate", lambda r: _pct(r.correction_rate)),
    "good_rate": ("reports.col.good_rate", lambda r: _pct(r.evaluation.good_rate)),
    "bad": ("reports.col.bad", lambda r: _num(r.evaluation.bad)),
}
UNITS = {
    "wait_mean": "min",
    "wait_p90": "min",
    "handle_mean": "min",
    "handle_p90": "min",
    "idle": "h",
    "paused": "h",
}


def _table(rows: Sequence[c.ReportRow], columns: Sequence[str], first: str) -> str:
    head = [f'<th class="l">{_pair(first)}</th>']
    for name in columns:
        key, _ = COLUMNS[name]
        zh, en = render(key)
        zh = zh.replace("(秒)", f"({UNITS[name]})") if name in UNITS else zh
        en = en.replace("(s)", f"({UNITS[name]})") if name in UNITS else en
        head.append(f'<th>{escape(zh)}<span class="en">{escape(en)}</span></th>')
    body = []
    for row in rows:
        name = row.period if first == "reports.axis.day" else f"{row.key} {row.label}".strip()
        cells = [f'<td class="l">{escape(name)}</td>']
        cells += [f"<td>{escape(COLUMNS[col][1](row))}</td>" for col in columns]
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f'<tr><td class="l" colspan="{len(columns) + 1}">{_pair("reports.empty")}</td></tr>')
    return f"<table><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _kpis(row: c.ReportRow | None) -> str:
    if row is None:
        return f"<p>{_pair('reports.empty')}</p>"
    items: list[tuple[str, str]] = [
        ("reports.col.issued", _num(row.issued)),
        ("reports.col.served", _num(row.served)),
        ("reports.col.waiting_mean", _min(row.waiting.mean) + " min"),
        ("reports.col.handling_mean", _min(row.handling.mean) + " min"),
        ("reports.col.on_site_rate", _pct(row.on_site_rate)),
        ("reports.col.immediate_share", _pct(row.immediate_share)),
        ("reports.col.good_rate", _pct(row.evaluation.good_rate)),
        ("reports.col.no_shows", _num(row.no_shows)),
    ]
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi">{_pair(key).replace("(秒)", "")}<b>{escape(value)}</b></div>'
            for key, value in items
        )
        + "</div>"
    )


def _svg(report: Report, chart: report_charts.Chart) -> str:
    svg = report_charts.render_chart(report, chart, "svg").decode("utf-8")
    return '<div class="chart">' + svg[svg.index("<svg") :] + "</div>"


def monthly_html(report: Report, month: str) -> str:
    """The month's report as one printable page."""
    hall = report.rows(Grouping.HALL, Period.CUSTOM)
    title = _pair("reports.monthly_title", {"hall": report.hall_name, "month": month})
    title_zh = render("reports.monthly_title", {"hall": report.hall_name, "month": month})[0]
    generated = _pair("reports.generated", {"at": report.generated_at.strftime("%Y-%m-%d %H:%M UTC")})
    window_cols = [
        "served",
        "no_shows",
        "transferred",
        "wait_mean",
        "handle_mean",
        "handle_p90",
        "idle",
        "paused",
        "on_site_rate",
        "good_rate",
        "bad",
    ]
    service_cols = [
        "issued",
        "served",
        "no_shows",
        "wait_mean",
        "wait_p90",
        "handle_mean",
        "on_site_rate",
        "correction_rate",
        "good_rate",
        "bad",
    ]
    clerk_cols = ["served", "handle_mean", "idle", "paused", "on_site_rate", "good_rate", "bad"]
    day_cols = ["issued", "served", "no_shows", "wait_mean", "wait_p90", "handle_mean", "good_rate"]
    charts = "".join(_svg(report, chart) for chart in report_charts.Chart)
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{escape(title_zh)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f'<div class="noprint"><button type="button" data-print>{_pair("reports.print")}</button></div>',
        f"<h1>{title}</h1><p class='meta'>{generated} · {escape(report.hall)} · "
        f"{report.first.isoformat()} – {report.last.isoformat()}</p>",
        f"<h2>{_pair('reports.summary')}</h2>",
        _kpis(hall[0] if hall else None),
        f"<h2>{_pair('reports.charts')}</h2><div class='charts'>{charts}</div>",
        f"<h2>{_pair('reports.by_window')}</h2>",
        _table(report.rows(Grouping.WINDOW, Period.CUSTOM), window_cols, "reports.by.window"),
        f"<h2>{_pair('reports.by_service')}</h2>",
        _table(report.rows(Grouping.SERVICE, Period.CUSTOM), service_cols, "reports.by.service"),
        f"<h2>{_pair('reports.by_clerk')}</h2>",
        _table(report.rows(Grouping.CLERK, Period.CUSTOM), clerk_cols, "reports.by.clerk"),
        f"<h2>{_pair('reports.by_day')}</h2>",
        _table(report.rows(Grouping.HALL, Period.DAY), day_cols, "reports.axis.day"),
        '<script src="/static/print.js"></script></body></html>',
    ]
    return "".join(parts)
