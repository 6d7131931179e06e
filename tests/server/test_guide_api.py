"""The lobby guide's API: search by pinyin, issue for a citizen, confirm or decline a priority."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.services.admin.accounts import create_token
from tests.server.conftest import Hall


@pytest.fixture
def guide(hall: Hall) -> Hall:
    """The hall with a lobby guide's token (role ``guide``)."""
    runtime = hall.runtime
    hall.tokens["guide"] = runtime.write_sync(
        lambda uow: create_token(uow, runtime.tokens, hall="t1", role=c.Role.GUIDE)
    )
    return hall


def search(hall: Hall, q: str, who: str = "guide") -> list[str]:
    response = hall.client.get("/api/v1/guide/search", params={"q": q}, headers=hall.as_(who))
    assert response.status_code == 200, response.text
    return [s["code"] for s in response.json()]


def confirm(hall: Hall, token: str, who: str = "guide", **body: Any) -> Any:
    return hall.client.post(f"/api/v1/tickets/{token}/confirm-priority", json=body, headers=hall.as_(who))


def test_services_are_found_by_characters_pinyin_initials_and_pinyin(guide: Hall) -> None:
    assert search(guide, "事项S3") == ["S3"]
    assert search(guide, "S2") == ["S2"]  # by code
    assert search(guide, "sx")[:4] == ["S1", "S2", "S3", "S4"]  # 事项 → shi xiang
    assert search(guide, "shixiang")[:1] == ["S1"]
    assert search(guide, "csj") == ["S1", "S2", "S3", "S4"]  # by the department 测试局
    assert search(guide, "zzzz") == []


def test_a_guide_issues_a_ticket_on_a_citizens_behalf_with_masked_contact(guide: Hall) -> None:
    ticket = guide.issue("S1", who="guide", phone="13800138000", priority_class="elderly")
    assert ticket["phone_masked"] == "138****8000" and ticket["priority_class"] == "elderly"
    assert ticket["priority_confirmed"] is False
    issued = select(t.events.c.data).where(t.events.c.type == "ticket.issued")
    rows = guide.runtime.read_sync(lambda uow: list(uow.stores.conn.execute(issued)))
    channels = [r.data["channel"] for r in rows]
    assert channels == ["guide"]  # the ticket says it came through the lobby guide, not the kiosk


def test_a_declared_priority_is_confirmed_once_and_audited_with_before_and_after(guide: Hall) -> None:
    ticket = guide.issue("S1", priority_class="elderly")  # self-declared at the kiosk
    pending = guide.client.get("/api/v1/guide/priority", headers=guide.as_("guide")).json()
    assert [p["number"] for p in pending] == [ticket["number"]]
    done = confirm(guide, ticket["token"], priority_class="disabled")
    assert done.status_code == 200
    assert (done.json()["priority_class"], done.json()["priority_confirmed"]) == ("disabled", True)
    assert guide.client.get("/api/v1/guide/priority", headers=guide.as_("guide")).json() == []
    status = guide.client.get(f"/api/v1/tickets/{ticket['token']}").json()
    assert status["priority_confirmed"] is True
    [entry] = guide.client.get(
        "/api/v1/audit", params={"action": "ticket.priority"}, headers=guide.as_("manager")
    ).json()
    assert entry["subject"] == f"ticket:{ticket['number']}"
    assert entry["detail"]["before"] == {"priority_class": "elderly", "priority_confirmed": False}
    assert entry["detail"]["after"] == {"priority_class": "disabled", "priority_confirmed": True}


def test_a_declined_priority_puts_the_ticket_in_the_normal_queue_by_its_arrival(guide: Hall) -> None:
    guide.open_all()
    first = guide.issue("S1")
    guide.clock.advance(minutes=1)
    claimed = guide.issue("S1", priority_class="pregnant")
    declined = confirm(guide, claimed["token"], accept=False, note="未出示证明")
    assert declined.json()["priority_class"] is None
    called = guide.act("1", "call-next").json()["ticket"]["number"]
    assert called == first["number"]


def test_confirming_needs_a_priority_an_open_ticket_and_a_staff_role(guide: Hall) -> None:
    plain = guide.issue("S1")
    refused = confirm(guide, plain["token"])
    assert refused.status_code == 409 and refused.json()["code"] == "ticket.no_priority"
    assert "优先" in refused.json()["message"]
    claimed = guide.issue("S1", priority_class="military")
    assert confirm(guide, claimed["token"], who="kiosk").status_code == 403
    assert confirm(guide, claimed["token"], who="board").status_code == 403
    assert confirm(guide, claimed["token"], who="manager_t2").status_code == 404
    assert confirm(guide, "no-such-token").status_code == 404
    assert confirm(guide, claimed["token"], who="clerk1").status_code == 200  # at the window
    guide.client.post(f"/api/v1/tickets/{claimed['token']}/cancel", headers=guide.as_("manager"))
    late = confirm(guide, claimed["token"])
    assert late.status_code == 409 and late.json()["code"] == "ticket.illegal_transition"


def test_a_guide_may_not_manage_the_hall_or_operate_windows(guide: Hall) -> None:
    assert guide.client.get("/api/v1/audit", headers=guide.as_("guide")).status_code == 403
    assert guide.act("1", "call-next", who="guide").status_code == 403
    wanted = [{"service_code": "S1"}]
    put = guide.client.put("/api/v1/windows/1/assignments", json=wanted, headers=guide.as_("guide"))
    assert put.status_code == 403
    assert guide.client.get("/api/v1/guide/search", params={"q": "sx"}).status_code == 401
    assert search(guide, "sx", who="kiosk")[:1] == ["S1"]  # what a kiosk could show anyway
