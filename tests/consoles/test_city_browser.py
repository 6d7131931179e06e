"""The city view in real Chromium: a 政务服务管理局 account made with ``hallq user add --role city``
logs in, sees every hall of the deployment side by side at a 1366×768 desk, and the page follows
the halls; a hall's manager is refused the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hallq.bootstrap import build_runtime
from queue_server import contract as c
from queue_server.config import ServerSettings
from queue_server.services.admin.accounts import create_token
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from tests.consoles.conftest import ServedHall, shot
from tests.server.catalogue import small_hall
from tests.server.test_cli import hallq
from tests.support.browser import checked_context
from tests.support.served_hall import prepared_hall

# The municipal centre is the small hall t1; a district, a county and a township centre join it.
HALLS = {
    "hy-dc": ("东城区政务服务中心", "Dongcheng District Centre"),
    "hy-xa": ("新安县政务服务中心", "Xin'an County Centre"),
    "hy-qt": ("桥头镇便民服务中心", "Qiaotou Township Centre"),
}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHall]:
    """``hallq serve`` on four halls, with a kiosk and a window-1 clerk token in each."""
    db = tmp_path_factory.mktemp("city") / "hall.db"
    tokens = prepared_hall(db)
    runtime = build_runtime(ServerSettings(db=str(db)))
    for code, (name, name_en) in HALLS.items():
        data = CatalogueFile.model_validate(small_hall(code, name=name, name_en=name_en))
        runtime.write_sync(lambda uow, data=data: import_catalogue(uow, data))
        for role, window in ((c.Role.KIOSK, None), (c.Role.CLERK, "1")):
            tokens[f"{role.value}-{code}"] = runtime.write_sync(
                lambda uow, code=code, role=role, window=window: create_token(
                    uow, runtime.tokens, hall=code, role=role, window=window
                )
            )
    runtime.stop()
    runtime.write_engine.dispose()
    made = hallq(
        "user", "add", "CITY1", "王局长", "--role", "city", "--hall", "t1", "--db", str(db),
        cwd=db.parent, stdin="city-pw-1\ncity-pw-1\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    tokens["kiosk-t1"] = tokens["kiosk"]
    with ServedHall(db, tokens) as server:
        yield server


def issue(city: ServedHall, hall: str, n: int) -> list[dict[str, Any]]:
    tickets = []
    for _ in range(n):
        response = httpx.post(
            city.url + "/api/v1/tickets", json={"service_code": "S1"}, headers=city.as_(f"kiosk-{hall}")
        )
        assert response.status_code == 201, response.text
        tickets.append(response.json())
    return tickets


def rate_on_the_ticket_page(city: ServedHall, ticket: dict[str, Any], level: str) -> None:
    """The citizen rates from their ticket's page (no token: the ticket's own link)."""
    asked = httpx.get(f"{city.url}/api/v1/tickets/{ticket['token']}/evaluation").json()
    done = httpx.post(
        f"{city.url}/api/v1/evaluations/{asked['id']}/rating",
        json={"level": level, "ticket_token": ticket["token"]},
    )
    assert done.status_code == 201, done.text


def serve(city: ServedHall, hall: str, n: int) -> None:
    """Window 1 of ``hall`` calls and concludes ``n`` tickets."""
    who = f"clerk-{hall}"
    city.act("1", "open", who=who)
    for _ in range(n):
        city.act("1", "call-next", who=who)
        city.act("1", "conclude", who=who)


@pytest.fixture
def small_desk(browser: Any) -> Iterator[Any]:
    """A 1366×768 desk monitor, as in the 政务服务管理局's offices."""
    with checked_context(browser, viewport={"width": 1366, "height": 768}) as context:
        yield context


def sign_in(page: Any, server: ServedHall, staff_no: str, password: str, hall: str, then: str = "") -> None:
    page.goto(server.url + "/login" + (f"?next={then}" if then else ""))
    page.fill("#staff_no", staff_no)
    page.fill("#password", password)
    page.select_option("#hall", hall)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def cell(page: Any, hall: str, what: str) -> str:
    return str(page.locator(f"#halls tr[data-hall='{hall}'] td.{what}").inner_text())


def test_the_city_account_sees_every_hall_side_by_side_and_follows_them(
    city: ServedHall, small_desk: Any
) -> None:
    first = issue(city, "t1", 7)
    city.act("1", "open", who="clerk1")
    for ticket, level in zip(first, ("very_satisfied", "dissatisfied"), strict=False):
        city.act("1", "call-next", who="clerk1")
        city.act("1", "conclude", who="clerk1")
        rate_on_the_ticket_page(city, ticket, level)
    issue(city, "hy-dc", 4)
    serve(city, "hy-dc", 1)
    issue(city, "hy-xa", 2)
    page = small_desk.new_page()
    sign_in(page, city, "CITY1", "city-pw-1", "t1", then="/city%3Fevery%3D5")
    assert page.url == city.url + "/city?every=5"
    page.wait_for_selector("body[data-ready='1']")
    rows = page.locator("#halls tbody tr")
    assert rows.count() == 4
    assert rows.first.locator("td").first.inner_text().startswith("测试大厅t1")
    assert (cell(page, "t1", "waiting"), cell(page, "t1", "served")) == ("5", "2")
    assert (cell(page, "hy-dc", "waiting"), cell(page, "hy-dc", "served")) == ("3", "1")
    assert (cell(page, "hy-qt", "waiting"), cell(page, "hy-qt", "served")) == ("0", "0")
    assert page.locator("#total-waiting").inner_text() == "10"
    assert page.locator("#halls tr[data-hall='t1'] td.low").count() == 2  # 好评率 50%: below the target
    assert page.locator("#chart-waiting svg g[data-hall] rect.bar").count() == 4
    assert "全市政务服务大厅" in page.inner_text("h1") and "The city's service halls" in page.inner_text("h1")
    fits = "() => document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits), "the page scrolls sideways at 1366×768"
    table_fits = (
        "() => { const w = document.querySelector('.table-wrap'); return w.scrollWidth <= w.clientWidth; }"
    )
    assert page.evaluate(table_fits), "the table scrolls sideways at 1366×768"
    shot(page, "city-1366x768")

    issue(city, "hy-qt", 3)  # the township's queue grows: the page follows without a reload
    page.wait_for_function(
        "() => document.querySelector(\"#halls tr[data-hall='hy-qt'] td.waiting\").textContent === '3'"
    )
    assert page.locator("#total-waiting").inner_text() == "13"


def test_a_hall_manager_is_refused_the_city_page(city: ServedHall, small_desk: Any) -> None:
    page = small_desk.new_page()
    sign_in(page, city, "M1", "pw-m1", "t1")
    response = page.goto(city.url + "/city")
    assert response is not None and response.status == 403
    assert "无权" in page.inner_text("body")
    status = page.evaluate("async () => (await fetch('/api/v1/city/halls')).status")
    assert status == 403
