"""Browser security in real Chromium: every page works under the CSP, ``next=`` stays on the site,
and the login form offers the hall where a server keeps several.

``two_halls`` keeps halls t1 and t2 (the same staff numbers in each); ``served`` only t1.
``checked_context`` fails a test on any JavaScript error or Content-Security-Policy violation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hallq.bootstrap import build_runtime
from queue_server.api.routes.pages import PAGES
from queue_server.config import ServerSettings
from queue_server.contract import Role
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from tests.consoles.conftest import ServedHall, log_in, shot
from tests.server.catalogue import small_hall
from tests.support.served_hall import prepared_hall


@pytest.fixture(scope="module")
def two_halls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHall]:
    """``hallq serve`` on the small hall t1 and a second hall t2."""
    db = tmp_path_factory.mktemp("two-halls") / "hall.db"
    tokens = prepared_hall(db)
    runtime = build_runtime(ServerSettings(db=str(db)))
    second = CatalogueFile.model_validate(small_hall("t2"))
    runtime.write_sync(lambda uow: import_catalogue(uow, second))
    runtime.stop()
    runtime.write_engine.dispose()
    with ServedHall(db, tokens) as server:
        yield server


def sign_in(page: Any, server: ServedHall, staff_no: str, password: str, **form: str) -> None:
    """Fill the login form as a person does (the hall is chosen in the list)."""
    page.fill("#staff_no", staff_no)
    page.fill("#password", password)
    page.select_option("#hall", form.get("hall", "t1"))
    page.fill("#window", form.get("window", ""))
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def rendered(page: Any) -> None:
    """Wait until the page's scripts ran: the catalogue's words are in its first heading or label."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-t]')].some(n => n.textContent.trim().length > 0)"
    )


def test_the_login_form_offers_both_halls_and_logs_in_to_the_one_chosen(
    two_halls: ServedHall, desk: Any
) -> None:
    page = desk.new_page()
    page.goto(two_halls.url + "/login")
    choice = page.locator("#hall")
    choice.wait_for(state="visible")
    assert choice.locator("option").all_inner_texts() == ["测试大厅t1", "测试大厅t2"]
    shot(page, "login-two-halls")
    sign_in(page, two_halls, "M1", "pw-m1", hall="t2")
    assert page.url == two_halls.url + "/manager"
    hall = page.evaluate("async () => (await (await fetch('/api/v1/hall')).json()).hall.code")
    assert hall == "t2"


@pytest.mark.parametrize("next_path", ["/%5Cexample.invalid/", "/%09/example.invalid/"])
def test_next_never_leads_off_the_site(served: ServedHall, desk: Any, next_path: str) -> None:
    page = desk.new_page()
    log_in(page, served, "M1", "pw-m1", then=next_path)
    page.wait_for_load_state()
    assert page.url == served.url + "/manager"


def test_next_leads_to_a_page_of_the_site_and_one_hall_is_not_asked_for(
    served: ServedHall, desk: Any
) -> None:
    page = desk.new_page()
    page.goto(served.url + "/login")
    rendered(page)
    assert page.locator("#hall-choice").is_hidden()
    log_in(page, served, "M1", "pw-m1", then="/manager/staff%3Fq%3D1")
    assert page.url == served.url + "/manager/staff?q=1"


def test_every_console_page_works_under_the_content_security_policy(two_halls: ServedHall, desk: Any) -> None:
    page = desk.new_page()
    page.goto(two_halls.url + "/login")
    rendered(page)
    sign_in(page, two_halls, "M1", "pw-m1")
    for path in sorted(p for p, page in PAGES.items() if Role.MANAGER in page.roles):
        response = page.goto(two_halls.url + path)
        assert response is not None and response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        rendered(page)
        page.wait_for_load_state("networkidle")
    clerk = desk.browser.new_context()
    try:
        clerk_page = clerk.new_page()
        clerk_page.goto(two_halls.url + "/login")
        sign_in(clerk_page, two_halls, "C1", "pw-c1", window="1")
        assert clerk_page.url == two_halls.url + "/clerk"
        rendered(clerk_page)
    finally:
        clerk.close()


def test_the_board_window_screen_and_ticket_page_work_under_the_content_security_policy(
    two_halls: ServedHall, desk: Any
) -> None:
    ticket = two_halls.issue("S1")
    page = desk.new_page()
    page.goto(f"{two_halls.url}/board?token={two_halls.tokens['board']}")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_load_state("networkidle")
    page.goto(f"{two_halls.url}/board/window/1")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_load_state("networkidle")
    page.goto(two_halls.url + ticket["status_url"])
    page.get_by_text(ticket["number"]).first.wait_for()
    page.wait_for_load_state("networkidle")
    shot(page, "ticket-under-csp")


def test_hallq_serve_believes_no_forwarded_https_from_a_proxy_nobody_configured(served: ServedHall) -> None:
    """uvicorn on its own would trust 127.0.0.1's X-Forwarded-Proto; the server trusts only
    HALLQ_TRUSTED_PROXIES (none here)."""
    response = httpx.post(
        served.url + "/api/v1/auth/login",
        data={"staff_no": "M1", "password": "pw-m1"},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
    )
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    assert cookies and not any("secure" in cookie.lower() for cookie in cookies)
    assert response.headers["content-security-policy"].endswith("frame-ancestors 'none'")


def test_the_printable_monthly_report_prints_under_the_content_security_policy(
    served: ServedHall, desk: Any
) -> None:
    desk.add_init_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
    page = desk.new_page()
    log_in(page, served, "M1", "pw-m1", then="/manager/reports/monthly")
    page.wait_for_selector("h1")
    page.click("button[data-print]")
    page.wait_for_function("() => window.__printed === 1")


def test_hallq_serve_behind_a_configured_proxy_makes_secure_cookies_for_https_it_vouched_for(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    db = tmp_path_factory.mktemp("proxied") / "hall.db"
    with ServedHall(db, prepared_hall(db), env={"HALLQ_TRUSTED_PROXIES": "127.0.0.1"}) as server:
        login = {"staff_no": "M1", "password": "pw-m1"}
        https = httpx.post(
            server.url + "/api/v1/auth/login", data=login, headers={"X-Forwarded-Proto": "https"}
        )
        plain = httpx.post(server.url + "/api/v1/auth/login", data=login)
    assert https.status_code == plain.status_code == 200
    assert all("secure" in cookie.lower() for cookie in https.headers.get_list("set-cookie"))
    assert not any("secure" in cookie.lower() for cookie in plain.headers.get_list("set-cookie"))
