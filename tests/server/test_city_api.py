"""The city view across halls t1 and t2 on one database (SQLite and PostgreSQL): its figures, its
cost (the same statements for two halls as for four), and that only the city's role reads it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from queue_server import contract as c
from queue_server.auth.passwords import hash_password
from queue_server.services.admin.accounts import add_user, create_token
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from queue_server.services.operations.alerts import run_alerts
from tests.server.catalogue import small_hall
from tests.server.conftest import Hall
from tests.server.test_evaluations_api import evaluation_of, rate


def token(hall: Hall, role: c.Role, hall_code: str = "t1", window: str | None = None) -> dict[str, str]:
    made = hall.runtime.write_sync(
        lambda uow: create_token(uow, hall.runtime.tokens, hall=hall_code, role=role, window=window)
    )
    return {"Authorization": f"Bearer {made}"}


def run_rules(hall: Hall, *hall_codes: str) -> None:
    """The supervision rules' pass over these halls now (housekeeping does the same on its own)."""
    for code in hall_codes:
        hall.runtime.write_sync(lambda uow, code=code: run_alerts(uow, uow.stores.hall.hall_id(code)))


def by_code(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h["code"]: h for h in view["halls"]}


def city_reads(seen: list[str]) -> list[str]:
    """The city view's statements for its figures, each naming every hall at once (``hall_id IN``).
    Its first statement, the list of halls, is not counted: the housekeeping of the new halls runs
    meanwhile on the same engine and lists the halls with the very same statement."""
    return [s for s in seen if "hall_id IN" in s]


@contextmanager
def statements(hall: Hall) -> Iterator[list[str]]:
    """The SQL statements the read engine runs meanwhile."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    engine = hall.runtime.read_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_the_city_sees_each_halls_queue_service_waits_ratings_and_alerts(hall: Hall) -> None:
    city = token(hall, c.Role.CITY)
    clerk_t2 = token(hall, c.Role.CLERK, "t2", "1")
    assert hall.client.post("/api/v1/windows/1/open", headers=hall.as_("clerk1")).status_code == 200
    assert hall.client.post("/api/v1/windows/1/open", headers=clerk_t2).status_code == 200
    served = [hall.issue("S1") for _ in range(3)]
    hall.issue("S1")  # still waiting
    hall.clock.advance(minutes=10)
    for n, ticket in enumerate(served):  # waits of 10, 12 and 14 minutes
        assert hall.client.post("/api/v1/windows/1/call-next", headers=hall.as_("clerk1")).status_code == 200
        assert hall.client.post("/api/v1/windows/1/conclude", headers=hall.as_("clerk1")).status_code == 200
        level = "very_dissatisfied" if n == 2 else "very_satisfied"
        assert rate(hall, evaluation_of(hall, ticket)["id"], level=level).status_code == 201
        hall.clock.advance(minutes=2)
    for _ in range(2):
        hall.issue("S1", who="kiosk_t2")
    hall.clock.advance(minutes=45)  # t1's last ticket has waited 61 min (red), t2's two 45 (yellow)
    run_rules(hall, "t1", "t2")

    response = hall.client.get("/api/v1/city/halls", headers=city)

    assert response.status_code == 200, response.text
    view = response.json()
    assert [h["code"] for h in view["halls"]] == ["t1", "t2"]
    assert view["day"] == "2026-03-02"
    t1, t2 = by_code(view)["t1"], by_code(view)["t2"]
    assert (t1["waiting"], t1["served"], t1["rated_month"]) == (1, 3, 3)
    assert (t1["wait_mean"], t1["wait_p90"]) == (720.0, 840.0)
    assert t1["good_rate_month"] == t1["good_rate_today"] == 0.6667
    assert (t1["alerts_open"], t1["alerts_red"]) == (1, 1)
    assert (t2["waiting"], t2["served"], t2["wait_mean"], t2["good_rate_month"]) == (2, 0, None, None)
    assert (t2["alerts_open"], t2["alerts_red"]) == (2, 0)


def test_today_and_this_month_are_the_halls_local_day_and_month(hall: Hall) -> None:
    city = token(hall, c.Role.CITY)
    hall.open_all()
    ticket = hall.issue("S1")
    hall.client.post("/api/v1/windows/1/call-next", headers=hall.as_("clerk1"))
    hall.client.post("/api/v1/windows/1/conclude", headers=hall.as_("clerk1"))
    assert rate(hall, evaluation_of(hall, ticket)["id"], level="satisfied").status_code == 201
    hall.clock.advance(hours=16)  # 01:00 Shanghai the next day: a new day, the same month

    t1 = by_code(hall.client.get("/api/v1/city/halls", headers=city).json())["t1"]

    assert (t1["served"], t1["wait_mean"], t1["good_rate_today"]) == (0, None, None)
    assert (t1["good_rate_month"], t1["rated_month"]) == (1.0, 1)


def test_more_halls_cost_no_more_statements(hall: Hall) -> None:
    city = token(hall, c.Role.CITY)
    with statements(hall) as two:
        assert hall.client.get("/api/v1/city/halls", headers=city).status_code == 200
    for code in ("t3", "t4"):
        data = CatalogueFile.model_validate(small_hall(code))
        hall.runtime.write_sync(lambda uow, data=data: import_catalogue(uow, data))
    with statements(hall) as four:
        view = hall.client.get("/api/v1/city/halls", headers=city).json()
    assert [h["code"] for h in view["halls"]] == ["t1", "t2", "t3", "t4"]
    assert len(city_reads(four)) == len(city_reads(two)) == 5, four  # one per figure, for every hall


def test_only_the_citys_role_reads_the_city_and_no_hall_can_make_one(hall: Hall) -> None:
    for who in ("manager", "admin", "clerk1", "kiosk", "board", "manager_t2"):
        refused = hall.client.get("/api/v1/city/halls", headers=hall.as_(who))
        assert refused.status_code == 403, who
        assert refused.json()["code"] == "auth.forbidden"
    for who in ("manager", "admin"):  # a hall's console cannot mint a token that reads every hall
        made = hall.client.post(
            "/api/v1/devices/tokens", json={"role": "city", "label": "x"}, headers=hall.as_(who)
        )
        assert made.status_code == 409 and made.json()["code"] == "device.role_invalid", made.text
        staff = {"staff_no": "X9", "name": "某某", "role": "city", "password": "long-enough-pw"}
        person = hall.client.post("/api/v1/staff", json=staff, headers=hall.as_(who))
        assert person.status_code == 409 and person.json()["code"] == "staff.role_invalid", person.text
    city = token(hall, c.Role.CITY)
    assert hall.client.get("/api/v1/hall", headers=city).status_code == 403  # the city reads, never runs


def test_no_hall_console_can_take_over_or_change_a_city_account(hall: Hall) -> None:
    hashed = hash_password("city-pw-1")
    hall.runtime.write_sync(
        lambda uow: add_user(
            uow, hall="t1", staff_no="CITY1", name="王局长", role=c.Role.CITY, password_hash=hashed
        )
    )
    for who in ("manager", "admin"):  # the hall's staff list does not hold it: nothing to reset or change
        reset = hall.client.post("/api/v1/staff/CITY1/password", json={}, headers=hall.as_(who))
        assert reset.status_code == 404 and reset.json()["code"] == "staff.not_found", reset.text
        patch = hall.client.patch("/api/v1/staff/CITY1", json={"active": False}, headers=hall.as_(who))
        assert patch.status_code == 404, patch.text
        clerk = {"staff_no": "CITY1", "name": "冒名", "role": "clerk", "password": "long-enough-pw"}
        taken = hall.client.post("/api/v1/staff", json=clerk, headers=hall.as_(who))
        assert taken.status_code == 409 and taken.json()["code"] == "staff.exists", taken.text
    login = {"staff_no": "CITY1", "password": "city-pw-1", "hall": "t1"}
    assert hall.client.post("/api/v1/auth/login", data=login).json()["role"] == "city"
    assert hall.client.get("/api/v1/city/halls").status_code == 200


def test_a_hall_manager_never_sees_another_halls_queue_or_alerts(hall: Hall) -> None:
    hall.issue("S1")
    mine = hall.issue("S1", who="kiosk_t2")
    hall.clock.advance(minutes=61)
    run_rules(hall, "t1", "t2")  # each hall's own long wait, with the same number A001 in both
    snapshot = hall.client.get("/api/v1/hall", headers=hall.as_("manager_t2")).json()
    numbers = {t["number"] for q in snapshot["queues"] for t in q.get("tickets", [])}
    waiting = sum(q["waiting"] for q in snapshot["queues"])
    assert waiting == 1 and numbers <= {mine["number"]}
    theirs = hall.client.get("/api/v1/alerts?history=true", headers=hall.as_("manager_t2")).json()
    ours = hall.client.get("/api/v1/alerts?history=true", headers=hall.as_("manager")).json()
    assert theirs and ours and not {a["id"] for a in theirs} & {a["id"] for a in ours}
