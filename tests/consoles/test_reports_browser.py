"""The manager's reports in Chromium: figures, charts drawn with Chinese text, exports, the monthly report."""

from __future__ import annotations

from typing import Any

import httpx

from tests.consoles.conftest import ServedHall, log_in, shot


def test_a_manager_reads_the_figures_charts_and_monthly_report(served: ServedHall, desk: Any) -> None:
    served.act("1", "open")
    for _ in range(3):
        served.issue("S1")
    served.act("1", "call-next")
    served.act("1", "conclude")
    served.act("1", "call-next")
    served.act("1", "no-show")
    page = desk.new_page()
    log_in(page, served, "M1", "pw-m1", then="/manager/reports")
    page.wait_for_url("**/manager/reports")
    page.wait_for_selector("body[data-ready='1']")
    row = page.locator("#figures tr[data-key='1']")
    cells = row.locator("td")
    assert cells.nth(2).inner_text() == "一号窗口"
    assert (cells.nth(4).inner_text(), cells.nth(5).inner_text()) == ("1", "1")  # served, no-shows
    assert page.locator("#figures thead").inner_text().count("平均等待") == 1
    for name in ("arrivals", "waiting", "windows", "trend"):
        width = page.locator(f"#chart-{name}").evaluate("img => img.naturalWidth")
        assert width > 300, name
    page.select_option("#by", "service")
    page.click("#show")
    page.wait_for_selector("#figures tr[data-key='S1']")
    shot(page, "reports", full_page=True)
    href = page.locator("#xlsx").get_attribute("href")
    assert href is not None and "format=xlsx" in href and "by=service" in href
    cookies = {c["name"]: c["value"] for c in desk.cookies()}
    xlsx = httpx.get(served.url + href, cookies=cookies)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    monthly = desk.new_page()
    monthly.goto(served.url + (page.locator("#monthly").get_attribute("href") or ""))
    monthly.wait_for_selector("h1")
    assert "月度运行报告" in monthly.locator("h1").inner_text()
    assert monthly.locator(".chart svg").count() == 4
    assert "系统内部错误" not in monthly.content()  # every label found in the catalogue
    shot(monthly, "reports-monthly", full_page=True)
    monthly.emulate_media(media="print")
    assert monthly.locator(".noprint").is_hidden()
    assert page.locator("#toast").is_hidden(), page.locator("#toast").inner_text()
