"""Every ticket status change goes along the domain's transition table, in every service."""

from __future__ import annotations

import pytest

from queue_server.services.unit_of_work import UnitOfWork
from tests.server.conftest import Hall


def test_the_tickets_store_refuses_a_status_change_that_bypasses_the_transition_table(hall: Hall) -> None:
    ticket = hall.issue("S1")

    def jump(uow: UnitOfWork) -> bool:
        row = uow.stores.tickets.by_token(ticket["token"])
        assert row is not None
        return uow.stores.tickets.update(row.id, row.status, status="concluded")

    with pytest.raises(ValueError, match="transition table"):
        hall.runtime.write_sync(jump)
    status = hall.client.get(f"/api/v1/tickets/{ticket['token']}").json()["status"]
    assert status == "waiting"


def test_call_next_conclude_and_a_late_print_failure_follow_the_table(hall: Hall) -> None:
    hall.open_all()
    ticket = hall.issue("S1")
    called = hall.act("1", "call-next")
    assert called.status_code == 200 and called.json()["ticket"]["number"] == ticket["number"]
    assert hall.act("1", "conclude").status_code == 200
    late = hall.client.post(
        f"/api/v1/tickets/{ticket['token']}/print-failed", json={"reason": "缺纸"}, headers=hall.as_("kiosk")
    )
    assert late.status_code == 409 and late.json()["code"] == "ticket.illegal_transition"
    expected = {"number": ticket["number"], "status": "concluded", "action": "print_failed"}
    assert late.json()["fields"] == expected
    reprint = hall.client.post(f"/api/v1/tickets/{ticket['token']}/reprint", headers=hall.as_("kiosk"))
    assert reprint.status_code == 409 and reprint.json()["code"] == "ticket.illegal_transition"
    shown = hall.client.get(f"/api/v1/tickets/{ticket['token']}").json()
    assert shown["status"] == "concluded" and shown["paper"] == 1
