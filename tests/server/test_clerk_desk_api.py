"""The clerk console's API: the desk read, today's own work, and the guards against double calls and
stale pages (a press repeated with its request id, an action naming a ticket the window no longer holds)."""

from __future__ import annotations

import json
from typing import Any

from tests.server.conftest import Hall

ID_NUMBER = "11010519491231002X"


def desk(hall: Hall, window: str = "1", who: str | None = None) -> dict[str, Any]:
    response = hall.client.get(f"/api/v1/windows/{window}/desk", headers=hall.as_(who or f"clerk{window}"))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_desk_shows_the_ticket_masked_with_its_checklist_and_the_windows_queue(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1", id_number=ID_NUMBER, phone="13800138000")  # A001
    hall.clock.advance(seconds=30)
    hall.issue("S2")  # A002
    hall.issue("S1", priority_class="elderly")  # A003: priority, called before A002
    hall.clock.advance(seconds=60)
    hall.act("1", "call-next")
    seen = desk(hall)
    current = seen["current"]
    assert (current["number"], current["status"], current["recall_limit"]) == ("A003", "called", 3)
    assert current["priority_class"] == "elderly" and current["priority_confirmed"] is False
    assert [m["name"] for m in current["guide"]["materials"]] == ["居民身份证"]
    queue = {q["service_code"]: q for q in seen["queue"]}
    assert list(queue) == ["S1", "S2"]  # the window's order of preference
    assert (queue["S1"]["waiting"], queue["S1"]["next"]) == (1, ["A001"])
    assert (queue["S2"]["waiting"], queue["S2"]["longest_wait_seconds"]) == (1, 60)
    hall.act("1", "conclude")
    hall.act("1", "call-next")  # A001, with the personal data given at the kiosk
    current = desk(hall)["current"]
    assert current["number"] == "A001"
    assert current["id_masked"] not in (None, ID_NUMBER) and current["id_masked"].endswith("002X")
    assert current["phone_masked"] not in (None, "13800138000") and "****" in current["phone_masked"]
    assert ID_NUMBER not in str(desk(hall)) and "13800138000" not in str(desk(hall))


def test_a_clerk_reads_only_the_desk_of_their_own_window(hall: Hall) -> None:
    other = hall.client.get("/api/v1/windows/2/desk", headers=hall.as_("clerk1"))
    assert other.status_code == 403 and other.json()["code"] == "auth.wrong_window"
    board = hall.client.get("/api/v1/windows/1/desk", headers=hall.as_("board"))
    assert board.status_code == 403
    assert hall.client.get("/api/v1/windows/1/desk", headers=hall.as_("manager")).status_code == 200


def test_a_call_repeated_with_its_request_id_answers_the_first_ticket_and_calls_no_other(hall: Hall) -> None:
    hall.open_all()
    first, second = hall.issue("S1"), hall.issue("S1")
    press = {"expected": "", "request_id": "press-1"}
    one = hall.act("1", "call-next", body=press)
    again = hall.act("1", "call-next", body=press)  # the reply was lost; the page sends it again
    assert one.status_code == again.status_code == 200
    assert one.json()["ticket"]["number"] == again.json()["ticket"]["number"] == first["number"]
    status = hall.client.get(f"/api/v1/tickets/{second['token']}").json()["status"]
    assert status == "waiting"
    other = hall.act("1", "call-next", body={"expected": "", "request_id": "press-2"})  # a second tab
    assert other.status_code == 409 and other.json()["code"] == "window.changed"
    assert other.json()["fields"]["current"] == first["number"]
    assert desk(hall)["today"]["called"] == 1


def test_an_action_naming_a_ticket_the_window_no_longer_holds_is_refused(hall: Hall) -> None:
    hall.open_all()
    a, b = hall.issue("S1"), hall.issue("S1")
    hall.act("1", "call-next")
    hall.act("1", "conclude", body={"expected": a["number"]})
    hall.act("1", "call-next")  # another tab moved on to the next ticket
    for action, body in [
        ("conclude", {"expected": a["number"]}),
        ("recall", {"expected": a["number"]}),
        ("no-show", {"expected": a["number"]}),
        ("park", {"expected": a["number"]}),
        ("transfer", {"expected": a["number"], "to_window": "2", "reason": "二号窗口办理"}),
    ]:
        stale = hall.act("1", action, body=body)
        assert stale.status_code == 409 and stale.json()["code"] == "window.changed", action
    assert desk(hall)["current"]["number"] == b["number"]
    assert desk(hall)["current"]["status"] == "called" and desk(hall)["current"]["recalls"] == 0
    assert hall.act("1", "start", body={"expected": b["number"]}).status_code == 200


def test_today_counts_the_clerks_own_work_and_the_average_handling_time(hall: Hall) -> None:
    hall.open_all()
    for _ in range(4):
        hall.issue("S1")
    hall.act("1", "call-next")
    hall.act("1", "recall")
    hall.act("1", "start")
    hall.clock.advance(seconds=200)
    hall.act("1", "conclude")  # handled 200 s from its start
    hall.act("1", "call-next")
    hall.act("1", "no-show")
    hall.act("1", "call-next")
    hall.clock.advance(seconds=100)
    correction = {"outcome": "correction", "missing_items": ["居民身份证"]}
    hall.act("1", "conclude", body=correction)  # 100 s from its call
    hall.act("1", "call-next")
    hall.act("1", "park")
    today = hall.client.get("/api/v1/windows/1/today", headers=hall.as_("clerk1")).json()
    assert today == {
        "called": 4,
        "served": 2,
        "no_shows": 1,
        "transferred": 0,
        "parked": 1,
        "recalls": 1,
        "average_handling_seconds": 150,
        "outcomes": {"immediate": 1, "correction": 1},
    }
    seen = desk(hall)
    assert [(a["number"], a["status"]) for a in seen["aside"]] == [("A002", "no_show"), ("A004", "parked")]
    assert seen["evaluation"]["ticket"] == "A003" and seen["evaluation"]["status"] == "pending"
    assert seen["evaluation"]["case_outcome"] == "correction"


def test_a_transfer_to_a_window_shows_there_with_where_it_came_from_and_why(hall: Hall) -> None:
    hall.open_all()
    ticket = hall.issue("S1")
    hall.act("1", "call-next")
    body = {"to_window": "2", "keep_place": True, "reason": "需二号窗口审核", "expected": ticket["number"]}
    assert hall.act("1", "transfer", body=body).status_code == 200
    assert desk(hall, "2")["sent_here"] == [ticket["number"]]
    hall.act("2", "call-next")
    current = desk(hall, "2")["current"]
    assert (current["transferred_from"], current["transfer_reason"]) == ("1", "需二号窗口审核")


def test_an_ab_post_cover_is_recorded_as_the_clerk_who_served(hall: Hall) -> None:
    """C2 (home window 2, C1's AB partner) covers window 1: the window, the events and the rating
    name C2, and the opening records whom C2 covers for."""
    hall.runtime.write_sync(
        lambda uow: uow.stores.conn.exec_driver_sql(
            "UPDATE users SET ab_partner_id = (SELECT p.id FROM users p WHERE p.staff_no = 'C2' "
            "AND p.hall_id = users.hall_id) WHERE staff_no = 'C1'"
        )
    )
    hall.issue("S1")
    login = hall.client.post(
        "/api/v1/auth/login", data={"staff_no": "C2", "password": "pw-c2", "window": "1", "hall": "t1"}
    )
    csrf = {"X-CSRF-Token": login.json()["csrf"]}
    try:
        opened = hall.client.post("/api/v1/windows/1/open", headers=csrf).json()
        assert opened["window"]["clerk"]["staff_no"] == "C2"
        assert hall.client.post("/api/v1/windows/1/call-next", headers=csrf, json={}).status_code == 200
        assert hall.client.post("/api/v1/windows/1/conclude", headers=csrf, json={}).status_code == 200
        mine = hall.client.get("/api/v1/windows/1/today").json()
        assert (mine["called"], mine["served"]) == (1, 1)
        assert hall.client.get("/api/v1/windows/1/desk").json()["serving_here"] is True
    finally:
        hall.client.cookies.clear()
    rated = hall.client.get("/api/v1/evaluations", headers=hall.as_("manager")).json()
    assert [(e["window"], e["clerk_staff_no"]) for e in rated] == [("1", "C2")]
    served_by = hall.runtime.read_sync(
        lambda uow: uow.stores.conn.exec_driver_sql(
            "SELECT e.type, u.staff_no, e.data FROM events e JOIN users u ON u.id = e.actor_user_id "
            "WHERE e.type IN ('ticket.concluded', 'window.status') ORDER BY e.id"
        ).all()
    )
    assert [(kind, who) for kind, who, _ in served_by] == [
        ("window.status", "C2"),
        ("ticket.concluded", "C2"),
    ]
    opened = served_by[0][2] if isinstance(served_by[0][2], dict) else json.loads(served_by[0][2])
    assert (opened["cover_for"], opened["ab_partner"]) == (["C1"], True)
