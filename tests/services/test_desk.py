"""What a clerk does at a window and how a manager reallocates windows, on the in-memory stores."""

from __future__ import annotations

from datetime import date

import pytest

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.errors import Rejected
from queue_server.services.cases.outcomes import ticket_notice
from queue_server.services.desk import windows
from queue_server.services.desk.actions import today
from queue_server.services.desk.assignments import replace_assignments
from queue_server.services.desk.profiles import apply_profile, save_profile
from queue_server.services.tickets.issue import issue_ticket, ticket_status
from tests.services.conftest import HALL, S1, S2, S3, W1, Hall

KIOSK = Actor(hall_id=HALL, role="kiosk", name="kiosk-1")
MANAGER = Actor(hall_id=HALL, role="manager", user_id=9, name="王主任")


def clerk(number: str) -> Actor:
    return Actor(hall_id=HALL, role="clerk", window=number, user_id=int(number), name=f"clerk {number}")


def issue(hall: Hall, service: str = "S1", **fields: object) -> str:
    command = c.IssueTicket.model_validate({"service_code": service, **fields})
    return issue_ticket(hall.unit(), KIOSK, command).number


def open_windows(hall: Hall, *numbers: str) -> None:
    for number in numbers:
        windows.open_window(hall.unit(), clerk(number), number)


def call(hall: Hall, number: str) -> str | None:
    """下一位 at window ``number``, then 过号 so the window is free for the next call."""
    result = windows.call_next(hall.unit(), clerk(number), number)
    if result.ticket is None:
        return None
    hall.advance(1)
    windows.no_show(hall.unit(), clerk(number), number)
    return result.ticket.number


def test_the_next_call_takes_the_oldest_ticket_the_window_serves(hall: Hall) -> None:
    issue(hall, "S2")
    hall.advance(1)
    issue(hall, "S1")
    issue(hall, "S3")
    open_windows(hall, "1")

    result = windows.call_next(hall.unit(), clerk("1"), "1")

    assert result.ticket is not None and result.ticket.number == "A001"
    assert result.window.current is not None and result.window.current.number == "A001"
    assert hall.stores.windows.row(W1).current_ticket_id == 1  # S2's, issued first (A002 is S1's)
    assert hall.event_types()[-1] == "ticket.called"
    assert "ticket.called" in [e.type for e in hall.published]


def test_a_window_that_is_not_open_calls_nobody(hall: Hall) -> None:
    issue(hall)

    with pytest.raises(Rejected) as refused:
        windows.call_next(hall.unit(), clerk("1"), "1")

    assert refused.value.code == "window.not_open"


def test_with_nobody_waiting_the_window_stays_free(hall: Hall) -> None:
    issue(hall, "S3")
    open_windows(hall, "2")

    result = windows.call_next(hall.unit(), clerk("2"), "2")

    assert result.ticket is None and result.window.current is None


def test_priority_goes_first_but_takes_one_call_in_two_while_others_wait(hall: Hall) -> None:
    issue(hall)
    issue(hall)
    issue(hall, priority_class="green")
    issue(hall, priority_class="green")
    open_windows(hall, "1")

    calls = [call(hall, "1") for _ in range(5)]

    assert calls == ["A003", "A001", "A004", "A002", None]


def test_a_transfer_keeps_the_place_in_the_new_queue(hall: Hall) -> None:
    issue(hall, "S1")
    hall.advance(1)
    issue(hall, "S2")
    open_windows(hall, "1", "2")
    windows.call_next(hall.unit(), clerk("1"), "1")
    to_s2 = c.Transfer(to_service="S2", reason="材料属二号窗口")

    sent = windows.transfer(hall.unit(), clerk("1"), "1", to_s2)

    assert sent.ticket is not None and sent.ticket.status == "waiting"
    assert sent.window.current is None
    assert hall.stores.tickets.rows[1].service_id == S2
    status = ticket_status(hall.unit(), hall.stores.tickets.rows[1].token)
    assert status.transferred_to_service == "事项S2"
    assert call(hall, "2") == "A001"  # issued first: ahead of A002 in its new queue
    assert call(hall, "2") == "A002"


def test_a_ticket_sent_to_a_window_waits_for_that_window_alone(hall: Hall) -> None:
    issue(hall, "S1")
    open_windows(hall, "1", "2", "3")
    windows.call_next(hall.unit(), clerk("1"), "1")

    windows.transfer(hall.unit(), clerk("1"), "1", c.Transfer(to_window="2", reason="复核"))

    assert call(hall, "1") is None
    assert call(hall, "3") is None
    assert call(hall, "2") == "A001"


def test_replaced_assignments_change_what_the_window_calls_at_once(hall: Hall) -> None:
    issue(hall, "S3")
    open_windows(hall, "2")
    assert call(hall, "2") is None

    after = replace_assignments(hall.unit(), MANAGER, "2", [c.AssignmentIn(service_code="S3")])

    assert [a.service_code for a in after.assignments] == ["S3"]
    assert hall.stores.hall.catalogues[HALL].version == 2
    [line] = hall.stores.hall.audit_log
    assert (line.action, line.subject) == ("assignments.replace", "window:2")
    assert [a["service_code"] for a in line.detail["before"]["assignments"]] == ["S2"]
    assert "assignments.changed" in hall.event_types()
    assert call(hall, "2") == "B001"


def test_a_work_profile_applied_gives_each_window_its_services_in_order(hall: Hall) -> None:
    profile = save_profile(hall.unit(), MANAGER, c.WorkProfileIn(name="下午", services=["S3", "S2"]))

    results = apply_profile(hall.unit(), MANAGER, profile.id, c.ApplyProfile(windows=["1", "2"]))

    assert [[a.service_code for a in r.assignments] for r in results] == [["S3", "S2"], ["S3", "S2"]]
    window = hall.stores.hall.catalogues[HALL].by_number["1"]
    assert [(r.service_id, r.preference) for r in window.rules] == [(S3, 1), (S2, 2)]
    assert [line.subject for line in hall.stores.hall.audit_log] == ["profile:下午", "window:1", "window:2"]
    changed = [e for e in hall.published if e.type == "assignments.changed"]
    assert [e.payload["window"] for e in changed] == ["1", "2"]
    with pytest.raises(Rejected) as refused:
        save_profile(hall.unit(), MANAGER, c.WorkProfileIn(name="下午", services=["S1"]))
    assert refused.value.code == "profile.name_taken"


def test_the_clerks_day_counts_their_own_calls_at_the_window(hall: Hall) -> None:
    for _ in range(3):
        issue(hall)
    open_windows(hall, "1")
    call(hall, "1")
    call(hall, "1")
    windows.call_next(hall.unit(), clerk("1"), "1")
    windows.recall(hall.unit(), clerk("1"), "1")

    day = today(hall.unit(), clerk("1"), "1")

    assert (day.called, day.no_shows, day.recalls, day.served) == (3, 2, 1, 0)
    assert today(hall.unit(), Actor(hall_id=HALL, role="clerk", window="1", user_id=7), "1").called == 0


def serve(hall: Hall, conclude: c.Conclude, minutes: float = 10) -> c.WindowActionResult:
    """A1 issued for S1, called and started at window 1, concluded ``minutes`` later with ``conclude``."""
    issue(hall, "S1")
    open_windows(hall, "1")
    windows.call_next(hall.unit(), clerk("1"), "1")
    hall.advance(1)
    windows.start(hall.unit(), clerk("1"), "1")
    hall.advance(minutes)
    return windows.conclude(hall.unit(), clerk("1"), "1", conclude)


def test_an_immediate_case_concludes_frees_the_window_and_asks_the_pad_for_a_rating(hall: Hall) -> None:
    result = serve(hall, c.Conclude(), minutes=10)

    assert result.ticket is not None and (result.ticket.number, result.ticket.status) == ("A001", "concluded")
    assert result.window.current is None and hall.stores.windows.row(W1).current_ticket_id is None
    ticket = hall.stores.tickets.rows[1]
    assert ticket.status == "concluded"
    (case,) = hall.stores.cases.rows.values()
    assert (case.ticket_id, case.window_id, case.clerk_user_id) == (1, W1, 1)
    assert (case.outcome, case.status, case.promised_date) == ("immediate", "done", None)
    assert case.completed_at == hall.now
    evaluation = hall.stores.evaluations.of_ticket(1)  # 一次一评: one per concluded case, at its window
    assert evaluation is not None
    assert (evaluation.window_id, evaluation.clerk_user_id, evaluation.case_id) == (W1, 1, case.id)
    assert (evaluation.status, evaluation.requested_at) == ("pending", hall.now)
    assert hall.stores.evaluations.tickets([1])[1].token == ticket.token
    # the 10 minutes from start to 办结 fold into S1's figure, seeded with its configured 300 s
    assert hall.stores.hall.stats[S1] == (450.0, 1)
    assert hall.caches.stats[S1].samples == 1  # the process's cache follows
    types = [e.type for e in hall.published]
    after_start = types[types.index("ticket.started") :]
    assert after_start == ["ticket.started", "ticket.concluded", "evaluation.requested"]
    concluded = next(e for e in hall.published if e.type == "ticket.concluded")
    assert "evaluator:1" in concluded.topics and f"ticket:{ticket.token}" in concluded.topics
    assert (concluded.payload["outcome"], concluded.payload["promised_date"]) == ("immediate", None)
    asked = next(e for e in hall.published if e.type == "evaluation.requested")
    assert asked.payload["number"] == "A001" and "evaluator:1" in asked.topics
    assert hall.event_types()[-2:] == ["ticket.concluded", "evaluation.requested"]
    assert windows.call_next(hall.unit(), clerk("1"), "1").ticket is None  # free, and nobody waits


def test_a_promised_case_stays_open_until_its_date_in_working_days(hall: Hall) -> None:
    hall.stores.cases.guides[S1] = {"promised_limit_days": 5}

    result = serve(hall, c.Conclude(outcome=c.Outcome.PROMISED, phone="13800138000"))

    assert result.ticket is not None and result.ticket.status == "concluded"
    (case,) = hall.stores.cases.rows.values()
    # accepted Monday 2 March: five working days later is the next Monday (the weekend skipped)
    assert (case.outcome, case.status, case.promised_date) == ("promised", "open", date(2026, 3, 9))
    assert case.completed_at is None and case.phone_masked is not None and "13800138000" not in str(case)
    assert [(r.id, number) for r, number in hall.stores.cases.open_promised(HALL)] == [(case.id, "A001")]
    concluded = next(e for e in hall.published if e.type == "ticket.concluded")
    assert concluded.payload["promised_date"] == "2026-03-09"
    evaluation = hall.stores.evaluations.of_ticket(1)
    assert evaluation is not None and evaluation.case_id == case.id
    assert hall.stores.windows.row(W1).current_ticket_id is None


def test_missing_materials_conclude_with_a_notice_of_what_to_bring(hall: Hall) -> None:
    hall.stores.cases.guides[S1] = {"materials": [{"name": "身份证"}, {"name": "户口簿"}], "location": "二楼"}

    result = serve(hall, c.Conclude(outcome=c.Outcome.CORRECTION, missing_items=["户口簿"]))

    assert result.ticket is not None and result.ticket.status == "concluded"
    (case,) = hall.stores.cases.rows.values()
    assert (case.outcome, case.missing_items, case.status) == ("correction", ["户口簿"], "done")
    notice = ticket_notice(hall.unit(), hall.stores.tickets.rows[1].token)  # 一次性告知, by the ticket
    assert (notice.ticket, notice.location) == ("A001", "二楼")
    assert [m.name for m in notice.missing_items] == ["户口簿"]
    assert hall.stores.evaluations.of_ticket(1) is not None
    assert hall.stores.hall.stats[S1][1] == 1


def test_missing_materials_not_in_the_checklist_are_refused_and_the_ticket_stays_at_the_window(
    hall: Hall,
) -> None:
    hall.stores.cases.guides[S1] = {"materials": [{"name": "身份证"}]}

    with pytest.raises(Rejected) as refused:
        serve(hall, c.Conclude(outcome=c.Outcome.CORRECTION, missing_items=["护照"]))

    assert refused.value.code == "case.unknown_material"
    assert hall.stores.windows.row(W1).current_ticket_id == 1
    assert not hall.stores.cases.rows and not hall.stores.evaluations.rows
