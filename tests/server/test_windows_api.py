"""A clerk's day through the API: call, recall, no-show, requeue, transfer, park, conclude, pause."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.server.conftest import Hall


def current(response) -> str | None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    ticket = response.json()["ticket"]
    return ticket["number"] if ticket else None


def test_a_closed_window_cannot_call(hall: Hall) -> None:
    hall.issue("S1")
    response = hall.act("1", "call-next")
    assert response.status_code == 409 and response.json()["code"] == "window.not_open"


def test_call_next_takes_the_oldest_ticket_of_the_windows_services(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S2")  # A001, served by windows 1 and 2
    hall.clock.advance(seconds=1)
    hall.issue("S1")  # A002, served by windows 1 and 4
    assert current(hall.act("1", "call-next")) == "A001"
    assert current(hall.act("4", "call-next")) == "A002"
    assert current(hall.act("2", "call-next")) is None  # nothing left for window 2


def test_a_window_holding_a_ticket_must_finish_it_before_calling_again(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")
    hall.issue("S1")
    assert current(hall.act("1", "call-next")) == "A001"
    busy = hall.act("1", "call-next")
    assert busy.status_code == 409 and busy.json()["code"] == "window.busy"
    assert busy.json()["fields"]["ticket"] == "A001"
    assert hall.act("1", "conclude").status_code == 200
    assert current(hall.act("1", "call-next")) == "A002"


def test_recall_is_capped_by_the_halls_limit(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")
    hall.act("1", "call-next")
    for n in (1, 2, 3):
        assert hall.act("1", "recall").json()["ticket"]["recalls"] == n
    refused = hall.act("1", "recall")
    assert refused.status_code == 409 and refused.json()["code"] == "ticket.recall_limit"


def test_a_no_show_frees_the_window_and_a_late_arrival_is_requeued_behind_the_head(hall: Hall) -> None:
    hall.open_all()
    for _ in range(5):
        hall.issue("S2")
        hall.clock.advance(seconds=10)
    assert current(hall.act("2", "call-next")) == "A001"
    assert hall.act("2", "no-show").json()["ticket"]["status"] == "no_show"
    requeued = hall.act("2", "requeue", body={"ticket": "A001", "places_back": 2})
    assert requeued.json()["ticket"]["status"] == "waiting"
    calls = [current(hall.act("2", "call-next"))]
    hall.act("2", "conclude")
    calls.append(current(hall.act("2", "call-next")))
    hall.act("2", "conclude")
    calls.append(current(hall.act("2", "call-next")))
    assert calls == ["A002", "A003", "A001"]


def test_a_transfer_keeping_its_place_is_served_before_later_arrivals_of_the_new_service(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")  # A001, the one we transfer
    hall.clock.advance(minutes=1)
    hall.issue("S3")  # B001, arrived later
    assert current(hall.act("1", "call-next")) == "A001"
    moved = hall.act(
        "1", "transfer", body={"to_service": "S3", "reason": "应办理不动产事项", "keep_place": True}
    )
    assert moved.json()["ticket"]["service_code"] == "S3"
    assert moved.json()["window"]["current"] is None
    assert current(hall.act("3", "call-next")) == "A001"


def test_a_transfer_to_a_window_goes_only_to_that_window_and_first(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")
    hall.issue("S1")
    assert current(hall.act("1", "call-next")) == "A001"
    hall.act("1", "transfer", body={"to_window": "4", "reason": "需绿色通道办理", "keep_place": False})
    assert current(hall.act("1", "call-next")) == "A002"  # window 1 never gets A001 back
    assert current(hall.act("4", "call-next")) == "A001"


def test_a_transfer_needs_a_reason(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")
    hall.act("1", "call-next")
    response = hall.act("1", "transfer", body={"to_service": "S3"})
    assert response.status_code == 422 and response.json()["code"] == "request.invalid"


def test_a_parked_ticket_is_called_back_to_the_window(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")
    hall.issue("S1")
    hall.act("1", "call-next")
    assert hall.act("1", "park").json()["ticket"]["status"] == "parked"
    assert current(hall.act("1", "call-next")) == "A002"
    hall.act("1", "conclude")
    back = hall.act("1", "callback", body={"ticket": "A001"})
    assert current(back) == "A001" and back.json()["ticket"]["status"] == "called"


def test_start_then_conclude_feeds_the_handling_time_into_the_wait_estimate(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S3")
    hall.act("3", "call-next")
    hall.act("3", "start")
    hall.clock.advance(minutes=1)
    assert hall.act("3", "conclude").json()["ticket"]["status"] == "concluded"
    for _ in range(2):
        hall.issue("S3")
    ticket = hall.issue("S3")
    # seeded 300 s and one case of 60 s, equally weighted: 180 s; 2 ahead, windows 3 and 4 open
    assert ticket["estimated_wait_seconds"] == 180


def test_a_paused_window_gets_nothing_until_it_resumes(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S2")
    paused = hall.act("2", "pause", body={"reason": "away", "note": "取材料"})
    assert paused.json()["window"]["status"] == "paused"
    assert paused.json()["window"]["pause_reason"] == "away"
    assert hall.act("2", "call-next").json()["code"] == "window.not_open"
    hall.act("2", "resume")
    assert current(hall.act("2", "call-next")) == "A001"


def test_priority_tickets_go_first_but_at_most_one_in_two_calls(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")  # A001 normal
    hall.issue("S1")  # A002 normal
    hall.issue("S1", priority_class="elderly")  # A003
    hall.issue("S1", priority_class="disabled")  # A004
    calls = []
    for _ in range(4):
        calls.append(current(hall.act("1", "call-next")))
        hall.act("1", "conclude")
    assert calls == ["A003", "A001", "A004", "A002"]


def test_a_recall_does_not_hide_the_last_priority_call_from_the_one_in_two_rule(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1", priority_class="elderly")  # A001
    hall.issue("S1", priority_class="disabled")  # A002
    hall.issue("S1")  # A003 normal
    assert current(hall.act("1", "call-next")) == "A001"
    assert hall.act("1", "recall").status_code == 200
    hall.act("1", "conclude")
    assert current(hall.act("1", "call-next")) == "A003"  # A001 was priority: a normal one now


def test_a_manager_reassigns_a_window_and_the_next_call_follows_at_once(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S3")
    assert current(hall.act("2", "call-next")) is None
    put = hall.client.put(
        "/api/v1/windows/2/assignments",
        json=[{"service_code": "S3", "preference": 1}, {"service_code": "S2", "preference": 2}],
        headers=hall.as_("manager"),
    )
    assert put.status_code == 200
    assert [a["service_code"] for a in put.json()["assignments"]] == ["S3", "S2"]
    assert current(hall.act("2", "call-next")) == "B001"
    snapshot = hall.client.get("/api/v1/hall", headers=hall.as_("board")).json()
    window2 = next(w for w in snapshot["windows"] if w["number"] == "2")
    assert window2["services"] == ["S3", "S2"]


def test_a_seasonal_assignment_applies_only_within_its_dates(hall: Hall) -> None:
    hall.open_all()
    hall.client.put(
        "/api/v1/windows/2/assignments",
        json=[{"service_code": "S3", "valid_from": "2026-03-03", "valid_until": "2026-03-31"}],
        headers=hall.as_("manager"),
    )
    hall.issue("S3")
    assert current(hall.act("2", "call-next")) is None  # 2026-03-02: not yet in season
    hall.clock.advance(days=1)
    hall.issue("S3")
    assert current(hall.act("2", "call-next")) == "B001"


def test_two_windows_pressing_at_once_never_get_the_same_ticket(hall: Hall) -> None:
    hall.open_all()
    for _ in range(30):
        hall.issue("S1")

    def work(window: str) -> list[str]:
        got = []
        for _ in range(20):
            number = current(hall.act(window, "call-next"))
            if number is None:
                break
            got.append(number)
            assert hall.act(window, "conclude").status_code == 200
        return got

    with ThreadPoolExecutor(2) as pool:
        one, four = pool.map(work, ["1", "4"])
    assert not set(one) & set(four)
    assert sorted(one + four) == [f"A{n:03d}" for n in range(1, 31)]


def test_every_change_is_an_event_row_with_who_and_where(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")
    hall.act("1", "call-next")
    hall.act("1", "start")
    hall.act("1", "conclude")
    with hall.runtime.read_engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, window_id IS NOT NULL, actor_token_id IS NOT NULL FROM events "
            "WHERE ticket_id IS NOT NULL ORDER BY id"
        ).all()
    assert [r[0] for r in rows] == [
        "ticket.issued",
        "ticket.called",
        "ticket.started",
        "ticket.concluded",
        "evaluation.requested",  # 一次一评: the conclusion opens the case's evaluation
    ]
    assert all(r[2] for r in rows) and all(r[1] for r in rows[1:])


def test_tickets_left_open_at_the_close_expire_and_leave_the_next_days_queue(hall: Hall) -> None:
    from queue_server.services.tickets.day import expire_past_days

    hall.open_all()
    waiting = hall.issue("S2")
    hall.clock.advance(days=1)
    expired = hall.runtime.write_sync(lambda uow: expire_past_days(uow, 1))
    assert expired == 1
    assert hall.client.get(f"/api/v1/tickets/{waiting['token']}").json()["status"] == "expired"
    assert current(hall.act("2", "call-next")) is None
