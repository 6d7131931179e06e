"""The clerk console in headless Chromium: a clerk's morning driven by the keyboard and clicks, with
what the API and the lobby board show after each step; double presses, two tabs, a server killed
under the page, an AB-post cover and a clerk reaching for another window.

The tests of this module share one server, one clerk page (C1 at window 1) and one lobby board, and
follow each other through the morning: each starts from where the previous one left the window.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError

from hallq.bootstrap import build_runtime
from queue_server.config import ServerSettings
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from tests.consoles.conftest import WAIT_MS, ServedHall, log_in, shot
from tests.server.catalogue import small_hall
from tests.support.browser import checked_context
from tests.support.served_hall import prepared_hall

ID_NUMBER = "11010519491231002X"
CHECKLIST = [
    {"name": "居民身份证", "originals": 1, "copies": 1, "note": ""},
    {"name": "户口簿", "originals": 1, "copies": 1, "note": "本人页"},
    {"name": "近期免冠照片", "originals": 2, "copies": 0, "note": "二寸"},
]
# window.print is the browser's dialog: the page's call is counted instead
PRINT_COUNTER = "window.__printed = 0; window.print = () => { window.__printed += 1; };"


def _with_checklist(db: Path) -> None:
    """Give S1 a three-item materials checklist (the small hall's guide lists one)."""
    hall = small_hall("t1")
    for service in hall["services"]:
        service["guide"] = {**service["guide"], "materials": CHECKLIST, "consult_phone": "0551-12345"}
    runtime = build_runtime(ServerSettings(db=str(db)))
    runtime.write_sync(lambda uow: import_catalogue(uow, CatalogueFile.model_validate(hall)))
    runtime.stop()
    runtime.write_engine.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHall]:
    db = tmp_path_factory.mktemp("clerk") / "hall.db"
    tokens = prepared_hall(db)
    _with_checklist(db)
    with ServedHall(db, tokens) as server:
        yield server


@pytest.fixture(scope="module")
def clerk(browser: Any, served: ServedHall) -> Iterator[Any]:
    """C1's console at window 1, for the whole morning."""
    with checked_context(browser, viewport={"width": 1440, "height": 900}) as context:
        context.add_init_script(PRINT_COUNTER)
        page = context.new_page()
        log_in(page, served, "C1", "pw-c1", window="1")
        page.wait_for_selector("body[data-ready='1'][data-window-status='open']")
        yield page


@pytest.fixture(scope="module")
def board(browser: Any, served: ServedHall) -> Iterator[Any]:
    """The lobby board, opened with its device token in a context of its own."""
    with checked_context(browser) as context:
        page = context.new_page()
        page.goto(f"{served.url}/board?token={served.tokens['board']}")
        page.wait_for_selector("body[data-ready='1']")
        yield page


# ------------------------------------------------------------------ helpers


def api(served: ServedHall, path: str, who: str = "manager") -> Any:
    response = httpx.get(served.url + "/api/v1" + path, headers=served.as_(who))
    assert response.status_code == 200, response.text
    return response.json()


def window(served: ServedHall, number: str = "1") -> dict[str, Any]:
    """The window as the hall snapshot shows it."""
    return next(w for w in api(served, "/hall")["windows"] if w["number"] == number)


def status(served: ServedHall, ticket: dict[str, Any]) -> str:
    return str(api(served, f"/tickets/{ticket['token']}", "kiosk")["status"])


def showing(page: Any, number: str, state: str = "") -> None:
    """Wait until the console shows ``number`` ("" = no ticket) at the window, the action settled."""
    status_part = f"[data-status='{state}']" if state else ""
    page.wait_for_selector(f"#current[data-number='{number}']{status_part}", state="attached")
    page.wait_for_selector("body[data-busy='0']", state="attached")


def board_calls(board: Any, number: str, window_no: str = "1", recall: bool = False) -> None:
    flag = "[data-recall='1']" if recall else ""
    board.wait_for_selector(
        f"#call[data-number='{number}'][data-window='{window_no}']{flag}", state="attached"
    )


def board_window(board: Any, window_no: str, css: str) -> None:
    board.wait_for_selector(f".win[data-window='{window_no}'].{css}", state="attached")


def press(page: Any, key: str) -> None:
    page.wait_for_selector("body[data-busy='0']", state="attached")
    page.keyboard.press(key)


def issue(served: ServedHall, service: str = "S1", **body: Any) -> dict[str, Any]:
    response = httpx.post(
        served.url + "/api/v1/tickets", json={"service_code": service, **body}, headers=served.as_("kiosk")
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def served_by(served: ServedHall, event: str) -> list[str]:
    """Staff numbers of whoever did ``event``, oldest first, from the event record itself."""
    with sqlite3.connect(served.db) as db:
        rows = db.execute(
            "SELECT u.staff_no FROM events e JOIN users u ON u.id = e.actor_user_id WHERE e.type = ? "
            "ORDER BY e.id",
            (event,),
        ).fetchall()
    return [r[0] for r in rows]


# ------------------------------------------------------------------ the morning


def test_logging_in_opens_the_window_and_f1_calls_the_first_ticket(
    served: ServedHall, clerk: Any, board: Any
) -> None:
    first = issue(served, "S1", id_number=ID_NUMBER, phone="13800138000")
    for _ in range(3):
        issue(served, "S1")
    w = window(served)
    assert (w["status"], w["clerk"]["staff_no"]) == ("open", "C1")
    assert "张敏" in clerk.locator("#window-status").inner_text()
    press(clerk, "F1")
    showing(clerk, first["number"], "called")
    assert window(served)["current"]["number"] == first["number"]
    board_calls(board, first["number"])
    ticket = clerk.locator("#ticket")
    assert "事项S1" in ticket.inner_text()
    assert clerk.locator("#id-masked").inner_text().endswith("002X")
    assert ID_NUMBER not in clerk.content() and "13800138000" not in clerk.content()
    materials = clerk.locator("#materials li")
    assert materials.count() == 3 and "户口簿" in materials.nth(1).inner_text()
    assert clerk.locator("#queue tr[data-service='S1'] td.waiting").inner_text() == "3"
    assert "还可重呼 3 次" in clerk.locator("#recall").inner_text()
    shot(clerk, "clerk-called")


def test_recall_counts_down_to_the_cap_and_the_board_flashes_each_recall(
    served: ServedHall, clerk: Any, board: Any
) -> None:
    number = clerk.locator("#current").get_attribute("data-number")
    for left in (2, 1, 0):
        press(clerk, "r")
        clerk.wait_for_selector(f"#recall-hint:has-text('还可重呼 {left} 次')")
    board_calls(board, number, recall=True)
    assert window(served)["current"]["recalls"] == 3
    assert clerk.locator("#recall").is_disabled()
    press(clerk, "r")  # at the cap the key does nothing
    assert window(served)["current"]["recalls"] == 3
    shot(clerk, "clerk-recall-cap")


def test_no_show_sets_the_ticket_aside_where_it_can_be_requeued(served: ServedHall, clerk: Any) -> None:
    number = clerk.locator("#current").get_attribute("data-number")
    press(clerk, "n")
    showing(clerk, "")
    clerk.wait_for_selector(f"#aside li[data-number='{number}'][data-status='no_show']")
    assert window(served)["current"] is None
    assert api(served, "/windows/1/today", "clerk1")["no_shows"] == 1


def test_space_calls_s_starts_and_c_enter_concludes_on_the_spot(
    served: ServedHall, clerk: Any, board: Any
) -> None:
    press(clerk, "Space")
    clerk.wait_for_selector("#current[data-status='called']", state="attached")
    number = clerk.locator("#current").get_attribute("data-number")
    board_calls(board, number)
    press(clerk, "s")
    showing(clerk, number, "serving")
    assert window(served)["current"]["status"] == "serving"
    press(clerk, "c")
    clerk.wait_for_selector("#conclude-dialog[open]")
    shot(clerk, "clerk-conclude-dialog")
    clerk.keyboard.press("Enter")  # 即办件 is the default outcome
    showing(clerk, "")
    clerk.wait_for_selector(f"#toast:has-text('{number} 已办结（即办件）')")
    clerk.wait_for_selector(f"#evaluation[data-status='pending'][data-ticket='{number}']")
    assert window(served)["current"] is None
    board_window(board, "1", "free")
    # the citizen rates from the ticket's page; the console shows it
    token = api(served, "/windows/1/desk", "clerk1")["evaluation"]["ticket_token"]
    evaluation = httpx.get(f"{served.url}/api/v1/tickets/{token}/evaluation").json()
    rated = httpx.post(
        f"{served.url}/api/v1/evaluations/{evaluation['id']}/rating",
        json={"level": "very_satisfied", "ticket_token": token},
    )
    assert rated.status_code == 201, rated.text
    clerk.wait_for_selector("#evaluation[data-status='rated']:has-text('非常满意')")
    assert clerk.locator("#today dd[data-key='served']").inner_text() == "1"


def test_a_correction_ticks_two_missing_items_and_prints_the_notice(served: ServedHall, clerk: Any) -> None:
    press(clerk, "F1")
    clerk.wait_for_selector("#current[data-status='called']", state="attached")
    number = clerk.locator("#current").get_attribute("data-number")
    press(clerk, "c")
    clerk.wait_for_selector("#conclude-dialog[open]")
    clerk.keyboard.press("3")  # 补正
    clerk.wait_for_selector("#missing-box:not([hidden])")
    clerk.check("#missing-items input[value='户口簿']")
    clerk.check("#missing-items input[value='近期免冠照片']")
    shot(clerk, "clerk-correction-dialog")
    clerk.click("#conclude-ok")
    clerk.wait_for_selector("#notice-dialog[open]")
    # the clerk is told what happened, not "已办结": the case is open until the citizen comes back
    clerk.wait_for_selector(f"#toast:has-text('{number} 需补正 2 项材料')", state="attached")
    assert "已办结" not in clerk.locator("#toast").inner_text()
    notice = clerk.locator("#notice")
    assert notice.get_attribute("data-ticket") == number
    items = [clerk.locator("#notice-items li b").nth(i).inner_text() for i in range(2)]
    assert items == ["户口簿", "近期免冠照片"] and clerk.locator("#notice-items li").count() == 2
    text = notice.inner_text()
    assert "一次性告知书" in text and f"号票 {number}" in text and "尚缺以下材料" in text
    assert "0551-12345" in text and "张敏" in text and "测试大厅t1" in text
    clerk.keyboard.press("Enter")  # the focus is on 打印
    clerk.wait_for_function("window.__printed === 1")
    clerk.emulate_media(media="print")
    shot(clerk, "clerk-notice-print")
    clerk.emulate_media(media="screen")
    clerk.click("#notice-close")
    showing(clerk, "")
    token = api(served, "/windows/1/desk", "clerk1")["evaluation"]["ticket_token"]
    served_notice = httpx.get(f"{served.url}/api/v1/tickets/{token}/notice").json()
    assert [m["name"] for m in served_notice["missing_items"]] == ["户口簿", "近期免冠照片"]
    assert api(served, "/windows/1/today", "clerk1")["outcomes"] == {"immediate": 1, "correction": 1}


def test_a_transfer_to_window_two_keeps_its_place_with_the_reason(
    served: ServedHall, clerk: Any, board: Any
) -> None:
    press(clerk, "F1")
    clerk.wait_for_selector("#current[data-status='called']", state="attached")
    number = clerk.locator("#current").get_attribute("data-number")
    press(clerk, "t")
    clerk.wait_for_selector("#transfer-dialog[open]")
    clerk.check("#transfer-form input[value='window']")
    clerk.select_option("#to-window", "2")
    clerk.locator("#transfer-reason").press_sequentially("np c")  # typing is not a shortcut
    assert clerk.locator("#transfer-reason").input_value() == "np c"
    assert window(served)["current"]["status"] == "called"
    clerk.fill("#transfer-reason", "需二号窗口审核")
    shot(clerk, "clerk-transfer-dialog")
    clerk.keyboard.press("Enter")
    showing(clerk, "")
    clerk.wait_for_selector(f"#toast:has-text('{number} 已转至 2 号窗口，前面还有 0 人')")
    assert api(served, "/windows/2/desk", "clerk2")["sent_here"] == [number]
    board_window(board, "1", "free")
    assert api(served, "/windows/1/today", "clerk1")["transferred"] == 1


def test_park_and_call_back_bring_the_same_ticket_to_the_window(
    served: ServedHall, clerk: Any, board: Any
) -> None:
    number = issue(served, "S1")["number"]
    press(clerk, "F1")
    showing(clerk, number, "called")
    press(clerk, "p")
    showing(clerk, "")
    clerk.wait_for_selector(f"#aside li[data-number='{number}'][data-status='parked']")
    assert window(served)["current"] is None
    shot(clerk, "clerk-parked")
    press(clerk, "b")
    clerk.wait_for_selector("#callback-dialog[open]")
    clerk.keyboard.press("Enter")
    showing(clerk, number, "called")
    assert window(served)["current"]["number"] == number
    board_calls(board, number)
    press(clerk, "c")
    clerk.wait_for_selector("#conclude-dialog[open]")
    clerk.keyboard.press("Enter")
    showing(clerk, "")


def test_pause_with_a_reason_shows_on_the_board_and_z_resumes(
    served: ServedHall, clerk: Any, board: Any
) -> None:
    issue(served, "S1")
    press(clerk, "z")
    clerk.wait_for_selector("#pause-dialog[open]")
    clerk.keyboard.press("1")  # 暂离
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector("body[data-window-status='paused']")
    assert (window(served)["status"], window(served)["pause_reason"]) == ("paused", "away")
    board_window(board, "1", "away")
    assert "临时有事，请稍候" in board.locator(".win[data-window='1']").inner_text()
    assert clerk.locator("#call-next").is_disabled()
    shot(clerk, "clerk-paused")
    press(clerk, "F1")  # paused: the key does nothing
    assert window(served)["current"] is None
    press(clerk, "z")
    clerk.wait_for_selector("body[data-window-status='open']")
    assert window(served)["status"] == "open"
    board_window(board, "1", "free")
    today = api(served, "/windows/1/today", "clerk1")
    shown = {k: clerk.locator(f"#today dd[data-key='{k}']").inner_text() for k in ("called", "served")}
    assert shown == {"called": str(today["called"]), "served": str(today["served"])}
    assert (today["served"], today["no_shows"], today["parked"]) == (3, 1, 1)
    shot(clerk, "clerk-morning")


def test_a_declared_priority_waits_for_the_clerk_to_confirm_it(served: ServedHall, clerk: Any) -> None:
    elderly = issue(served, "S1", priority_class="elderly")
    press(clerk, "F1")
    showing(clerk, elderly["number"], "called")  # priority tickets are called first
    badge = clerk.locator("#ticket-priority")
    assert "老年人优先" in badge.inner_text() and "待核验" in badge.inner_text()
    shot(clerk, "clerk-priority")
    clerk.click("#confirm-priority")
    clerk.wait_for_selector("#ticket-priority:has-text('已核验')")
    assert clerk.locator("#priority-check").is_hidden()
    seen = api(served, f"/tickets/{elderly['token']}", "kiosk")
    assert (seen["priority_class"], seen["priority_confirmed"]) == ("elderly", True)
    press(clerk, "c")
    clerk.wait_for_selector("#conclude-dialog[open]")
    clerk.keyboard.press("Enter")
    showing(clerk, "")


# ------------------------------------------------------------------ presses that must not double-call


def test_a_double_click_on_call_next_calls_exactly_one_ticket(served: ServedHall, clerk: Any) -> None:
    for _ in range(2):
        issue(served, "S2")
    waiting = sum(q["waiting"] for q in api(served, "/windows/1/desk", "clerk1")["queue"])
    before = len(served_by(served, "ticket.called"))
    clerk.dblclick("#call-next")
    clerk.wait_for_selector("#current[data-status='called']", state="attached")
    clerk.wait_for_selector("body[data-busy='0']", state="attached")
    assert len(served_by(served, "ticket.called")) == before + 1
    after = api(served, "/windows/1/desk", "clerk1")
    assert sum(q["waiting"] for q in after["queue"]) == waiting - 1
    assert after["current"]["number"] == clerk.locator("#current").get_attribute("data-number")


def test_two_tabs_of_the_same_window_pressing_at_once_make_one_call(
    served: ServedHall, clerk: Any, browser: Any
) -> None:
    press(clerk, "c")
    clerk.wait_for_selector("#conclude-dialog[open]")
    clerk.keyboard.press("Enter")
    showing(clerk, "")
    for _ in range(2):
        issue(served, "S2")
    with checked_context(browser, viewport={"width": 1440, "height": 900}) as context:
        other = context.new_page()
        log_in(other, served, "C1", "pw-c1", window="1")
        other.wait_for_selector("body[data-ready='1']")
        showing(other, "")
        before = len(served_by(served, "ticket.called"))
        both = "document.getElementById('call-next').click()"
        clerk.evaluate(both)
        other.evaluate(both)
        clerk.wait_for_selector("#current[data-status='called']", state="attached")
        other.wait_for_selector("#current[data-status='called']", state="attached")
        assert len(served_by(served, "ticket.called")) == before + 1
        number = window(served)["current"]["number"]
        showing(clerk, number)
        showing(other, number)
        shot(other, "clerk-second-tab")


def test_a_lost_reply_leaves_the_called_ticket_on_the_page_and_calls_no_other(
    served: ServedHall, clerk: Any
) -> None:
    press(clerk, "c")
    clerk.wait_for_selector("#conclude-dialog[open]")
    clerk.keyboard.press("Enter")
    showing(clerk, "")
    issue(served, "S2")
    before = len(served_by(served, "ticket.called"))

    def reply_lost(route: Any) -> None:
        route.fetch()  # the server calls the ticket …
        route.abort("connectionreset")  # … and the answer never reaches the page

    clerk.route("**/call-next", reply_lost)
    try:
        press(clerk, "F1")
        clerk.wait_for_selector("#toast[data-code='console.offline']")
        clerk.wait_for_selector("#current[data-status='called']", state="attached")
    finally:
        clerk.unroute("**/call-next")
    assert len(served_by(served, "ticket.called")) == before + 1
    assert clerk.locator("#current").get_attribute("data-number") == window(served)["current"]["number"]


def test_a_server_killed_under_the_page_is_survived_and_the_page_resyncs_by_itself(
    served: ServedHall, clerk: Any
) -> None:
    press(clerk, "c")
    clerk.wait_for_selector("#conclude-dialog[open]")
    clerk.keyboard.press("Enter")
    showing(clerk, "")
    issue(served, "S2")
    served.kill()
    clerk.wait_for_selector("#link-state.offline:has-text('正在重新连接')")
    shot(clerk, "clerk-reconnecting")
    served.start()
    # the window moved on while the page was away (the clerk's other device)
    ticket = served.act("1", "call-next")["ticket"]
    showing(clerk, ticket["number"], "called")
    clerk.wait_for_selector("#link-state:not(.offline):has-text('实时')", timeout=WAIT_MS * 2)
    press(clerk, "c")
    clerk.wait_for_selector("#conclude-dialog[open]")
    clerk.keyboard.press("Enter")
    showing(clerk, "")
    assert status(served, ticket) == "concluded"


# ------------------------------------------------------------------ who serves, who may


def test_an_ab_post_cover_at_window_one_is_recorded_as_the_covering_clerk(
    served: ServedHall, desk: Any
) -> None:
    issue(served, "S1")
    page = desk.new_page()
    log_in(page, served, "C2", "pw-c2", window="1")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#window-status:has-text('李强')")
    assert window(served)["clerk"]["staff_no"] == "C2"
    press(page, "F1")
    page.wait_for_selector("#current[data-status='called']", state="attached")
    press(page, "c")
    page.wait_for_selector("#conclude-dialog[open]")
    page.keyboard.press("Enter")
    showing(page, "")
    assert served_by(served, "ticket.concluded")[-1] == "C2"
    assert served_by(served, "window.status")[-1] == "C2"
    token = api(served, "/windows/1/desk", "clerk1")["evaluation"]["ticket_token"]
    rating = httpx.get(f"{served.url}/api/v1/tickets/{token}/evaluation").json()
    assert (rating["window"], rating["clerk_staff_no"]) == ("1", "C2")
    shot(page, "clerk-ab-cover")


def test_a_late_no_show_is_put_back_in_the_queue_from_the_list(served: ServedHall, clerk: Any) -> None:
    item = clerk.locator("#aside li[data-status='no_show']").first
    number = item.get_attribute("data-number")
    item.locator("button.do-requeue").click()
    clerk.wait_for_selector(f"#aside li[data-number='{number}']", state="detached")
    seen = api(served, "/windows/1/desk", "clerk1")
    assert any(number in q["next"] for q in seen["queue"])
    assert number not in [a["number"] for a in seen["aside"]]


def test_a_clerk_cannot_work_another_window_from_the_browser(served: ServedHall, desk: Any) -> None:
    page = desk.new_page()
    log_in(page, served, "C2", "pw-c2", window="2")
    page.wait_for_selector("body[data-ready='1']")
    refused = page.evaluate(
        """async () => {
            try { await HallQ.api("POST", "/windows/1/call-next", {}); return null; }
            catch (error) { return [error.status, error.code]; }
        }"""
    )
    assert refused == [403, "auth.wrong_window"]
    page.goto(served.url + "/clerk?window=1")  # the page works the window of the login only
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#window-title").inner_text().startswith("二号窗口")
    board_page = httpx.get(served.url + "/clerk", follow_redirects=False)
    assert board_page.status_code == 303 and "/login?next=/clerk" in board_page.headers["location"]


def test_closing_the_window_at_the_end_of_the_day_logs_the_clerk_out(
    served: ServedHall, clerk: Any, board: Any
) -> None:
    showing(clerk, "")
    clerk.click("#close-window")
    reach_login(clerk)
    assert window(served)["status"] == "closed" and window(served)["clerk"] is None
    board.wait_for_selector(".win[data-window='1']", state="detached")  # a closed window leaves the board
    assert httpx.get(served.url + "/api/v1/auth/me", cookies=_cookies(clerk)).status_code == 401


def reach_login(page: Any) -> None:
    """Wait for the login page, with or without ?next=/clerk: the logout goes to /login and a desk
    read refused after it to /login?next=/clerk. Either may win, and the one that comes second
    aborts the other's navigation, which Playwright reports as an error (net::ERR_ABORTED) of the
    wait; the wait then goes on for the navigation that won."""
    for _ in range(5):
        try:
            page.wait_for_url(re.compile(r"/login(\?|$)"))
            return
        except PlaywrightError as error:
            if "ERR_ABORTED" not in str(error):
                raise
    raise AssertionError(f"never reached the login page: {page.url}")


def _cookies(page: Any) -> dict[str, str]:
    return {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}


def test_the_console_script_holds_no_strings_of_its_own() -> None:
    """Every word on the console comes from the message catalogue (zh-CN and English)."""
    static = Path(__file__).resolve().parents[2] / "queue_server" / "api" / "static"
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", (static / "clerk.js").read_text(encoding="utf-8"), flags=re.S)
    assert not [ch for ch in code if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"]
