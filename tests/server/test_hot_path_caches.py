"""What a window request no longer reads each time, and how it learns of a manager's change at once.

The 好差评 settings, a service's guide and a clerk's name are kept with the hall's catalogue, which
every change of them refreshes (a new version): the next request after the change sees it. Each
test first concludes once, so the value is kept before the manager changes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.server.conftest import Hall
from tests.server.test_evaluations_api import evaluation_of, login_clerk
from tests.server.test_settings_api import put_settings


def serve(
    hall: Hall, headers: dict[str, str] | None = None, conclude: Any = None
) -> tuple[dict[str, Any], Any]:
    """Issue a ticket, call it at window 1 and conclude it (with ``conclude`` as the body)."""
    ticket = hall.issue("S1")
    auth = headers if headers is not None else hall.as_("clerk1")
    assert hall.client.post("/api/v1/windows/1/call-next", headers=auth).status_code == 200
    done = hall.client.post("/api/v1/windows/1/conclude", json=conclude, headers=auth)
    return ticket, done


def rating_window(hall: Hall, ticket: dict[str, Any]) -> float:
    """Seconds between the evaluation's request and its deadline."""
    found = evaluation_of(hall, ticket)
    return (datetime.fromisoformat(found["deadline"]) - datetime.fromisoformat(found["requested_at"])).seconds


def test_a_changed_rating_timeout_is_the_next_conclusions(hall: Hall) -> None:
    assert hall.act("1", "open").status_code == 200
    before, done = serve(hall)
    assert done.status_code == 200 and rating_window(hall, before) == 120
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()["evaluation"]
    assert put_settings(hall, evaluation={**current, "rating_timeout_seconds": 300}).status_code == 200
    after, done = serve(hall)
    assert done.status_code == 200 and rating_window(hall, after) == 300


def test_a_material_added_to_the_guide_may_be_missing_at_the_next_conclusion(hall: Hall) -> None:
    assert hall.act("1", "open").status_code == 200
    correction = {"outcome": "correction", "missing_items": ["户口簿"]}
    _, refused = serve(hall, conclude=correction)
    assert refused.status_code == 409 and refused.json()["code"] == "case.unknown_material"
    assert hall.act("1", "conclude").status_code == 200
    services = "/api/v1/catalogue/services/S1"
    guide = hall.client.get(services, headers=hall.as_("manager")).json()["guide"]
    guide["materials"].append({"name": "户口簿", "originals": 1, "copies": 0, "note": ""})
    changed = hall.client.patch(services, json={"guide": guide}, headers=hall.as_("manager"))
    assert changed.status_code == 200, changed.text
    ticket, done = serve(hall, conclude=correction)
    assert done.status_code == 200, done.text
    notice = hall.client.get(f"/api/v1/tickets/{ticket['token']}/notice").json()
    assert [m["name"] for m in notice["missing_items"]] == ["户口簿"]


def test_a_renamed_clerk_is_named_so_by_the_next_reply_and_evaluation(hall: Hall) -> None:
    headers = login_clerk(hall)
    first, done = serve(hall, headers)
    assert done.json()["window"]["clerk"]["name"] == "张敏"
    assert evaluation_of(hall, first)["clerk_name"] == "张敏"
    renamed = hall.client.patch("/api/v1/staff/C1", json={"name": "张敏华"}, headers=hall.as_("manager"))
    assert renamed.status_code == 200, renamed.text
    second, done = serve(hall, headers)
    assert done.json()["window"]["clerk"]["name"] == "张敏华"
    assert evaluation_of(hall, second)["clerk_name"] == "张敏华"
