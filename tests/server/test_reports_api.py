"""Reports: every figure family checked against a small morning worked out by hand, on both databases.

The clock starts Monday 2026-03-02 09:00 in Shanghai; the hall is always open. The morning:

    09:00  windows 1–4 open (window 1 by clerk C1, logged in); A001 (S1) issued
    09:05  W1 calls A001 (waited 300 s)   09:06 starts   09:16 concludes, 即办 (handled 600 s), rated 满意
    09:10  A002 (S1, 绿色通道) issued
    09:20  W4 calls A002 (waited 600 s)        09:22 no-show
    09:30  B001 (S3) issued; W2 pauses
    09:40  W3 calls B001 (waited 600 s)        09:45 transfers it to S1
    09:50  W1 calls B001 (waited 300 s since the transfer); W2 resumes
    10:00  W1 concludes B001 without a start, 补正 (handled 600 s from the call), rated
           不满意 (unclear_rules); A003 (S2) issued, cancelled
    11:00  the report is read
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.server.conftest import Hall
from tests.server.test_cases_api import set_guide_limit

Row = dict[str, Any]


def at(hall: Hall, clock: str) -> None:
    """Move the clock to ``clock`` (HH:MM, Shanghai) on the test's Monday."""
    hours, minutes = map(int, clock.split(":"))
    hall.clock.now = hall.clock.now.replace(hour=hours - 8, minute=minutes, second=0, microsecond=0)


def ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def rate(hall: Hall, ticket: Row, level: str, *reasons: str) -> None:
    """The pad at window 1 rates ``ticket`` at once."""
    evaluation = ok(hall.client.get(f"/api/v1/tickets/{ticket['token']}/evaluation"))
    body = {"level": level, "reasons": list(reasons)}
    ok(
        hall.client.post(
            f"/api/v1/evaluations/{evaluation['id']}/rating", json=body, headers=hall.as_("evaluator1")
        )
    )


@pytest.fixture
def morning(hall: Hall) -> Hall:
    at(hall, "09:00")
    me = ok(
        hall.client.post(
            "/api/v1/auth/login", data={"staff_no": "C1", "password": "pw-c1", "window": "1", "hall": "t1"}
        )
    )
    c1 = {"X-CSRF-Token": me["csrf"]}

    def w1(action: str, body: Any = None) -> Any:
        return ok(hall.client.post(f"/api/v1/windows/1/{action}", json=body, headers=c1))

    w1("open")
    for number in ("2", "3", "4"):
        ok(hall.act(number, "open"))
    a001 = hall.issue("S1")
    at(hall, "09:05")
    assert w1("call-next")["ticket"]["number"] == "A001"
    at(hall, "09:06")
    w1("start")
    at(hall, "09:10")
    hall.issue("S1", priority_class="green")
    at(hall, "09:16")
    w1("conclude", {"outcome": "immediate"})
    rate(hall, a001, "satisfied")
    at(hall, "09:20")
    assert ok(hall.act("4", "call-next"))["ticket"]["number"] == "A002"
    at(hall, "09:22")
    ok(hall.act("4", "no-show"))
    at(hall, "09:30")
    b001 = hall.issue("S3")
    ok(hall.act("2", "pause", body={"reason": "away"}))
    at(hall, "09:40")
    assert ok(hall.act("3", "call-next"))["ticket"]["number"] == "B001"
    at(hall, "09:45")
    ok(hall.act("3", "transfer", body={"to_service": "S1", "reason": "应由综合窗口办理"}))
    at(hall, "09:50")
    assert w1("call-next")["ticket"]["number"] == "B001"
    ok(hall.act("2", "resume"))
    at(hall, "10:00")
    w1("conclude", {"outcome": "correction", "missing_items": ["居民身份证"]})
    rate(hall, b001, "dissatisfied", "unclear_rules")
    a003 = hall.issue("S2")
    ok(hall.client.post(f"/api/v1/tickets/{a003['token']}/cancel", headers=hall.as_("kiosk")))
    at(hall, "11:00")
    return hall


def figures(hall: Hall, **query: str) -> list[Row]:
    params = {"date_from": "2026-03-02", "date_to": "2026-03-02", **query}
    response = hall.client.get("/api/v1/reports/figures", params=params, headers=hall.as_("manager"))
    assert response.status_code == 200, response.text
    rows: list[Row] = response.json()["rows"]
    return rows


def by_key(rows: list[Row]) -> dict[str, Row]:
    return {row["key"]: row for row in rows}


def test_the_hall_figures_of_the_morning(morning: Hall) -> None:
    (hall,) = figures(morning)
    assert hall["period"] == "2026-03-02..2026-03-02" and hall["key"] == "hall"
    counts = [hall[k] for k in ("issued", "served", "no_shows", "cancelled", "transferred", "expired")]
    assert counts == [4, 2, 1, 1, 1, 0]
    assert (hall["priority_share"], hall["appointment_share"]) == (0.25, 0.0)
    # waits 300, 600, 600, 300: mean 450, median 450, p90 = the 4th of 4 (nearest rank), max 600
    assert hall["waiting"] == {"count": 4, "mean": 450.0, "median": 450.0, "p90": 600.0, "max": 600.0}
    assert hall["handling"] == {"count": 2, "mean": 600.0, "median": 600.0, "p90": 600.0, "max": 600.0}
    assert hall["arrivals_by_hour"][9:11] == [3, 1] and sum(hall["arrivals_by_hour"]) == 4
    # four windows open 09:00–11:00 = 4 × 7200 s, W2 paused 1200 s of it
    assert (hall["open_seconds"], hall["paused_seconds"]) == (4 * 7200 - 1200, 1200)
    # busy: W1 09:05–09:16 and 09:50–10:00 (1260), W4 120, W3 300
    assert hall["busy_seconds"] == 1680 and hall["idle_seconds"] == 4 * 7200 - 1200 - 1680
    assert (hall["cases"], hall["on_site"], hall["corrections"]) == (2, 1, 1)
    assert (hall["on_site_rate"], hall["correction_rate"], hall["immediate_share"]) == (0.5, 0.5, 1.0)
    assert hall["on_time_rate"] is None  # no promised case
    evaluation = hall["evaluation"]
    assert (evaluation["total"], evaluation["rated"], evaluation["good"], evaluation["bad"]) == (2, 2, 1, 1)
    assert (evaluation["good_rate"], evaluation["active_good_rate"], evaluation["bad_reply_rate"]) == (
        0.5,
        0.5,
        0.0,
    )


def test_the_evaluation_figures_are_the_evaluations_pages_own(morning: Hall) -> None:
    (hall,) = figures(morning)
    page = morning.client.get(
        "/api/v1/evaluations/indicators",
        params={"date_from": "2026-03-02", "date_to": "2026-03-02"},
        headers=morning.as_("manager"),
    ).json()["rows"][0]
    assert {**hall["evaluation"], "key": "hall"} == page


def test_per_window_the_waits_handling_and_idle_time_are_the_windows_own(morning: Hall) -> None:
    windows = by_key(figures(morning, by="window"))
    assert sorted(windows) == ["1", "2", "3", "4"]
    one, two, three, four = (windows[n] for n in "1234")
    assert one["label"] == "一号窗口" and one["issued"] is None and one["cancelled"] is None
    assert (one["served"], one["waiting"]["count"], one["waiting"]["mean"]) == (2, 2, 300.0)
    assert (one["busy_seconds"], one["idle_seconds"], one["paused_seconds"]) == (1260, 7200 - 1260, 0)
    assert (two["open_seconds"], two["paused_seconds"], two["served"]) == (6000, 1200, 0)
    assert (three["transferred"], three["waiting"]["max"], three["busy_seconds"]) == (1, 600.0, 300)
    assert (four["no_shows"], four["busy_seconds"], four["handling"]["count"]) == (1, 120, 0)
    assert one["evaluation"]["total"] == 2 and three["evaluation"]["total"] == 0


def test_per_service_issues_transfers_and_the_correction_rate(morning: Hall) -> None:
    services = by_key(figures(morning, by="service"))
    s1, s2, s3 = services["S1"], services["S2"], services["S3"]
    assert (s1["issued"], s1["served"], s1["no_shows"], s1["priority_share"]) == (2, 2, 1, 0.5)
    assert (s1["cases"], s1["correction_rate"]) == (2, 0.5)
    assert s1["waiting"]["count"] == 3  # A001, A002, and B001's second wait (now an S1 ticket)
    assert (s2["issued"], s2["cancelled"], s2["served"]) == (1, 1, 0)
    assert (s3["issued"], s3["transferred"], s3["waiting"]["mean"]) == (1, 1, 600.0)
    assert s1["open_seconds"] is None and s1["idle_seconds"] is None  # a service has no window time


def test_per_zone_department_and_clerk(morning: Hall) -> None:
    zones = by_key(figures(morning, by="zone"))
    assert zones["A"]["served"] == 2 and zones["A"]["open_seconds"] == 7200 + 6000
    assert zones["B"]["no_shows"] == 1 and zones["B"]["transferred"] == 1
    (department,) = figures(morning, by="department")
    assert (department["key"], department["issued"], department["served"]) == ("D1", 4, 2)
    clerks = by_key(figures(morning, by="clerk"))
    assert list(clerks) == ["C1"]  # the token-driven windows have no person behind them
    c1 = clerks["C1"]
    assert (c1["label"], c1["served"], c1["open_seconds"], c1["busy_seconds"]) == ("张敏", 2, 7200, 1260)
    assert c1["evaluation"]["bad"] == 1


def test_periods_bucket_by_local_day_week_month_and_quarter(morning: Hall) -> None:
    morning.clock.advance(days=1)  # Tuesday: one more ticket, issued 09:30 Shanghai = 01:30 UTC
    at(morning, "09:30")
    morning.issue("S3")
    at(morning, "11:00")
    query = {"date_from": "2026-03-01", "date_to": "2026-03-03"}
    days = figures(morning, period="day", **query)
    assert [(r["period"], r["issued"]) for r in days] == [("2026-03-02", 4), ("2026-03-03", 1)]
    # Sunday 03-01 closes ISO week 9 but had no activity: only week 10 has a row
    assert [r["period"] for r in figures(morning, period="week", **query)] == ["2026-W10"]
    assert [r["period"] for r in figures(morning, period="month", **query)] == ["2026-03"]
    assert [(r["period"], r["issued"]) for r in figures(morning, period="quarter", **query)] == [
        ("2026-Q1", 5)
    ]
    # Monday's windows were never closed: their open time runs through the night, split at midnight.
    windows = figures(morning, period="day", by="window", **query)
    monday = {r["key"]: r for r in windows if r["period"] == "2026-03-02"}
    tuesday = {r["key"]: r for r in windows if r["period"] == "2026-03-03"}
    assert monday["1"]["open_seconds"] == 15 * 3600  # 09:00 to midnight
    assert tuesday["1"]["open_seconds"] == 11 * 3600  # midnight to 11:00, when the report is read


def test_exports_carry_the_same_numbers(morning: Hall) -> None:
    params = {"date_from": "2026-03-02", "date_to": "2026-03-02", "by": "window"}
    headers = morning.as_("manager")
    response = morning.client.get(
        "/api/v1/reports/figures", params={**params, "format": "csv"}, headers=headers
    )
    assert response.status_code == 200 and response.content.startswith("\ufeff".encode())
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    zh_titles, en_titles, names = list(csv.reader(io.StringIO(text)))[:3]
    assert zh_titles[names.index("served")] == "办结数"  # the XLSX's headers and units
    assert zh_titles[names.index("waiting_mean")] == "平均等待(秒)"
    assert en_titles[names.index("served")] == "served"
    rows = list(csv.DictReader(io.StringIO("\r\n".join(text.splitlines()[2:]))))
    one = next(r for r in rows if r["key"] == "1")
    assert (one["label"], one["served"], one["waiting_mean"], one["busy_seconds"]) == (
        "一号窗口",
        "2",
        "300.0",
        "1260.0",
    )
    assert one["issued"] == "" and one["good_rate"] == "0.5"
    response = morning.client.get(
        "/api/v1/reports/figures", params={**params, "format": "xlsx"}, headers=headers
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[3]]
    assert [cell.value for cell in sheet[1]][header.index("served")] == "办结数"
    lines = {r[1]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert (lines["1"]["served"], lines["1"]["handling_mean"], lines["4"]["no_shows"]) == (2, 600.0, 1)


def test_only_managers_read_reports_and_bad_ranges_are_refused(morning: Hall) -> None:
    url = "/api/v1/reports/figures"
    assert morning.client.get(url, headers=morning.as_("clerk1")).status_code == 403
    assert morning.client.get(url, headers=morning.as_("admin")).status_code == 200
    reversed_ = morning.client.get(
        url, params={"date_from": "2026-03-05", "date_to": "2026-03-01"}, headers=morning.as_("manager")
    )
    assert reversed_.status_code in (409, 422) and reversed_.json()["code"] == "request.invalid"
    assert morning.client.get(url, params={"by": "planet"}, headers=morning.as_("manager")).status_code == 422


def test_charts_render_with_chinese_text(morning: Hall) -> None:
    out = Path("artifacts/reports")
    out.mkdir(parents=True, exist_ok=True)
    params = {"date_from": "2026-03-02", "date_to": "2026-03-02"}
    for name in ("arrivals", "waiting", "windows", "trend"):
        svg = morning.client.get(
            f"/api/v1/reports/charts/{name}.svg", params=params, headers=morning.as_("manager")
        )
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        assert svg.text.count("<path") > 50  # text drawn as paths: the CJK titles are there in any browser
        png = morning.client.get(
            f"/api/v1/reports/charts/{name}.png", params=params, headers=morning.as_("manager")
        )
        assert png.content.startswith(b"\x89PNG")
        (out / f"morning-{name}.png").write_bytes(png.content)
    assert (
        morning.client.get("/api/v1/reports/charts/pie.svg", headers=morning.as_("manager")).status_code
        == 422
    )


def test_the_printable_monthly_report(morning: Hall) -> None:
    page = morning.client.get("/manager/reports/monthly?month=2026-03", headers=morning.as_("manager"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "测试大厅t1 2026-03 月度运行报告" in html and html.count("<svg") == 4
    assert "一号窗口" in html and "张敏" in html and "@media print" in html
    assert "系统内部错误" not in html
    Path("artifacts/reports/morning-monthly.html").write_text(html, encoding="utf-8")
    bad = morning.client.get("/manager/reports/monthly?month=2026-13", headers=morning.as_("manager"))
    assert bad.status_code == 409 and bad.json()["code"] == "reports.bad_month"
    assert morning.client.get("/manager/reports/monthly", headers=morning.as_("clerk1")).status_code == 403
    morning.client.cookies.clear()  # forget clerk C1's session from the morning
    anonymous = morning.client.get("/manager/reports/monthly", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_promised_cases_count_on_time_against_their_promised_date(hall: Hall) -> None:
    set_guide_limit(hall, 5)  # Monday + 5 working days (always open: every day works) = 2026-03-07
    hall.open_all()
    for _ in range(2):
        hall.issue("S1")
        ok(hall.act("1", "call-next"))
        ok(hall.act("1", "conclude", body={"outcome": "promised"}))
    early, late = sorted(
        ok(hall.client.get("/api/v1/cases?status=open", headers=hall.as_("manager"))), key=lambda c: c["id"]
    )
    hall.clock.advance(days=1)
    ok(hall.client.post(f"/api/v1/cases/{early['id']}/complete", headers=hall.as_("manager")))
    hall.clock.advance(days=14)
    ok(hall.client.post(f"/api/v1/cases/{late['id']}/complete", headers=hall.as_("manager")))
    (row,) = figures(hall)
    assert (row["cases"], row["on_site"], row["on_site_rate"], row["on_time_rate"]) == (2, 0, 0.0, 0.5)
