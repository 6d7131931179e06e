"""Least privilege: every token does only what its role needs, and sees only its own hall."""

from __future__ import annotations

from tests.server.conftest import Hall


def test_without_credentials_the_api_says_who_you_must_be(hall: Hall) -> None:
    response = hall.client.get("/api/v1/hall")
    assert response.status_code == 401 and response.json()["code"] == "auth.required"
    wrong = hall.client.get("/api/v1/hall", headers={"Authorization": "Bearer nonsense"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "auth.invalid_token"


def test_a_kiosk_token_issues_tickets_but_cannot_call_next(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1", who="kiosk")
    response = hall.act("1", "call-next", who="kiosk")
    assert response.status_code == 403 and response.json()["code"] == "auth.forbidden"


def test_a_clerk_cannot_act_on_another_window(hall: Hall) -> None:
    response = hall.act("2", "open", who="clerk1")
    assert response.status_code == 403
    assert response.json()["code"] == "auth.wrong_window"
    assert "1 号窗口" in response.json()["message"]


def test_a_board_token_is_read_only(hall: Hall) -> None:
    assert hall.client.get("/api/v1/hall", headers=hall.as_("board")).status_code == 200
    issue = hall.client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=hall.as_("board"))
    assert issue.status_code == 403
    assert hall.act("1", "open", who="board").status_code == 403
    put = hall.client.put("/api/v1/windows/1/assignments", json=[], headers=hall.as_("board"))
    assert put.status_code == 403


def test_only_a_manager_changes_assignments(hall: Hall) -> None:
    body = [{"service_code": "S1"}]
    assert (
        hall.client.put("/api/v1/windows/2/assignments", json=body, headers=hall.as_("clerk2")).status_code
        == 403
    )
    assert (
        hall.client.put("/api/v1/windows/2/assignments", json=body, headers=hall.as_("manager")).status_code
        == 200
    )


def test_a_token_of_hall_two_sees_nothing_of_hall_one(hall: Hall) -> None:
    mine = hall.issue("S1", who="kiosk")
    theirs = hall.issue("S1", who="kiosk_t2")
    assert mine["number"] == theirs["number"] == "A001"  # each hall counts its own numbers
    snapshot = hall.client.get("/api/v1/hall", headers=hall.as_("manager_t2")).json()
    assert snapshot["hall"]["code"] == "t2"
    assert sum(q["waiting"] for q in snapshot["queues"]) == 1
    cancel = hall.client.post(f"/api/v1/tickets/{mine['token']}/cancel", headers=hall.as_("manager_t2"))
    assert cancel.status_code == 404


def test_a_clerk_logs_in_with_a_password_and_the_session_needs_its_csrf_token(hall: Hall) -> None:
    bad = hall.client.post(
        "/api/v1/auth/login", data={"staff_no": "C1", "password": "wrong", "window": "1", "hall": "t1"}
    )
    assert bad.status_code == 401 and bad.json()["code"] == "auth.bad_credentials"
    login = hall.client.post(
        "/api/v1/auth/login", data={"staff_no": "C1", "password": "pw-c1", "window": "1", "hall": "t1"}
    )
    assert login.status_code == 200
    me = login.json()
    assert (me["role"], me["window"], me["name"]) == ("clerk", "1", "张敏")
    assert hall.client.get("/api/v1/auth/me").json()["window"] == "1"
    no_csrf = hall.client.post("/api/v1/windows/1/open")
    assert no_csrf.status_code == 401 and no_csrf.json()["code"] == "auth.csrf"
    opened = hall.client.post("/api/v1/windows/1/open", headers={"X-CSRF-Token": me["csrf"]})
    assert opened.status_code == 200
    assert opened.json()["window"]["clerk"] == {"staff_no": "C1", "name": "张敏"}
    other = hall.client.post("/api/v1/windows/2/open", headers={"X-CSRF-Token": me["csrf"]})
    assert other.status_code == 403
    hall.client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": me["csrf"]})
    hall.client.cookies.clear()
    assert hall.client.get("/api/v1/auth/me").status_code == 401


def test_logins_and_manager_changes_are_in_the_audit_log(hall: Hall) -> None:
    hall.client.post("/api/v1/auth/login", data={"staff_no": "C1", "password": "nope", "hall": "t1"})
    hall.client.post("/api/v1/auth/login", data={"staff_no": "M1", "password": "pw-m1", "hall": "t1"})
    hall.client.put(
        "/api/v1/windows/2/assignments", json=[{"service_code": "S1"}], headers=hall.as_("manager")
    )
    with hall.runtime.read_engine.connect() as conn:
        actions = [r[0] for r in conn.exec_driver_sql("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-3:] == ["login.failed", "login", "assignments.replace"]
