"""Issuing and cancelling tickets, on the in-memory stores."""

from __future__ import annotations

import pytest

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.errors import IllegalTransition, Rejected
from queue_server.services.tickets.issue import cancel_ticket, issue_ticket, lookup_tickets, ticket_status
from queue_server.services.unit_of_work import UnitOfWork
from tests.services.conftest import HALL, S1, S3, Hall

KIOSK = Actor(hall_id=HALL, role="kiosk", name="kiosk-1")


def issue(hall: Hall, service: str = "S1", **fields: object) -> c.TicketPublic:
    return issue_ticket(hall.unit(), KIOSK, c.IssueTicket.model_validate({"service_code": service, **fields}))


def test_numbers_follow_each_prefix_through_the_day(hall: Hall) -> None:
    numbers = [issue(hall, code).number for code in ("S1", "S2", "S3", "S1")]

    assert numbers == ["A001", "A002", "B001", "A003"]
    assert hall.event_types() == ["ticket.issued"] * 4
    assert [e.type for e in hall.published] == ["ticket.issued"] * 4


def test_a_ticket_counts_the_people_ahead_of_it_and_its_status_shows_nothing_personal(hall: Hall) -> None:
    issue(hall)
    issue(hall)
    third = issue(hall, phone="13812345678")

    assert third.people_ahead == 2
    assert third.phone_masked == "138****5678"
    assert third.estimated_wait_seconds is None  # no window is open: no estimate to promise
    status = ticket_status(hall.unit(), third.token)
    assert (status.number, status.people_ahead, status.phone_masked) == ("A003", 2, None)


def test_a_priority_ticket_has_only_priority_tickets_ahead(hall: Hall) -> None:
    issue(hall)
    issue(hall)

    green = issue(hall, priority_class="green")

    assert green.people_ahead == 0
    assert ticket_status(hall.unit(), green.token).people_ahead == 0


def test_a_retried_request_gets_the_same_ticket_back(hall: Hall) -> None:
    first = issue(hall, idempotency_key="kiosk-1:42")
    again = issue(hall, idempotency_key="kiosk-1:42")

    assert again.token == first.token
    assert len(hall.stores.tickets.rows) == 1
    with pytest.raises(Rejected) as refused:
        issue(hall, "S2", idempotency_key="kiosk-1:42")
    assert refused.value.code == "ticket.idempotency_conflict"


def test_the_daily_cap_refuses_the_ticket_past_it(hall: Hall) -> None:
    issue(hall, "S3")
    issue(hall, "S3")

    with pytest.raises(Rejected) as refused:
        issue(hall, "S3")

    assert refused.value.code == "service.daily_cap_reached"
    assert sum(1 for r in hall.stores.tickets.rows.values() if r.service_id == S3) == 2


def test_a_lost_paper_is_found_again_by_phone(hall: Hall) -> None:
    mine = issue(hall, phone="13812345678")
    issue(hall, phone="13900000000")

    found = lookup_tickets(hall.unit(), KIOSK, c.TicketLookup(phone="13812345678"))

    assert [t.token for t in found] == [mine.token]


def test_a_cancelled_ticket_leaves_the_queue_and_cannot_be_cancelled_twice(hall: Hall) -> None:
    first = issue(hall)
    second = issue(hall)

    cancelled = cancel_ticket(hall.unit(), first.token)

    assert cancelled.status == "cancelled"
    assert ticket_status(hall.unit(), second.token).people_ahead == 0
    assert hall.stores.tickets.count_waiting(HALL, S1) == 1
    with pytest.raises(IllegalTransition) as refused:
        cancel_ticket(hall.unit(), first.token)
    assert refused.value.code == "ticket.illegal_transition"


def test_an_issue_looks_up_the_open_windows_once(hall: Hall, monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[int] = []
    real = UnitOfWork.open_window_ids

    def counted(uow: UnitOfWork, hall_id: int) -> frozenset[int]:
        looked_up.append(hall_id)
        return real(uow, hall_id)

    monkeypatch.setattr(UnitOfWork, "open_window_ids", counted)

    ticket = issue(hall)

    assert looked_up == [HALL]  # the estimate and the reply's serving windows share the one count
    assert ticket.serving_windows == 0
    assert ticket.estimated_wait_seconds is None
