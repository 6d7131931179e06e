"""The hall's floor work on the in-memory stores: 绿色通道 confirmed, windows closed after hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.hours import OpeningHours
from queue_server.services.desk import windows
from queue_server.services.hall.guide import confirm_priority, pending_priority
from queue_server.services.operations.closing import close_left_open
from queue_server.services.tickets.issue import issue_ticket
from tests.services.conftest import HALL, W1, W2, Hall

KIOSK = Actor(hall_id=HALL, role="kiosk", name="kiosk-1")
GUIDE = Actor(hall_id=HALL, role="manager", user_id=9, name="导办员")


def test_a_declared_priority_waits_for_a_confirmation_that_is_audited(hall: Hall) -> None:
    command = c.IssueTicket(service_code="S1", priority_class=c.PriorityClass.GREEN)
    ticket = issue_ticket(hall.unit(), KIOSK, command)
    assert [t.number for t in pending_priority(hall.unit(), GUIDE)] == ["A001"]

    confirmed = confirm_priority(hall.unit(), GUIDE, ticket.token, c.ConfirmPriority(accept=True))

    assert confirmed.priority_confirmed and confirmed.priority_class == c.PriorityClass.GREEN
    assert pending_priority(hall.unit(), GUIDE) == []
    [line] = hall.stores.hall.audit_log
    assert (line.action, line.subject) == ("ticket.priority_confirmed", "ticket:A001")
    assert line.detail["before"] == {"priority_class": "green", "priority_confirmed": False}
    assert hall.event_types()[-1] == "ticket.priority_confirmed"


def test_a_window_left_open_after_hours_is_closed_by_housekeeping(hall: Hall) -> None:
    catalogue = hall.stores.hall.catalogues[HALL]
    hours = OpeningHours.from_strings({"mon": [["09:00", "17:00"]]}, timezone="Asia/Shanghai")
    hall.stores.hall.put(replace(catalogue, settings=replace(catalogue.settings, hours=hours)))
    for number in ("1", "2"):
        windows.open_window(hall.unit(), Actor(hall_id=HALL, role="clerk", window=number, user_id=5), number)
    hall.now += timedelta(hours=8, minutes=30)  # 17:30 in Shanghai

    closed = close_left_open(hall.unit(), HALL)

    assert closed == 2
    assert {hall.stores.windows.row(w).status for w in (W1, W2)} == {"closed"}
    assert hall.stores.windows.row(W1).clerk_id is None
    last = hall.stores.events[-1]
    assert (last.type, last.data["reason"], last.data["from"]) == ("window.status", "housekeeping", "open")
