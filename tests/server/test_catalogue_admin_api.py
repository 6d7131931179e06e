"""The manager edits the service catalogue live: prefixes, caps, guides, on/off — checked and audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from queue_server.adapters import tables as t
from tests.server.conftest import Hall
from tests.server.test_live_ws import receive_until

SERVICES = "/api/v1/catalogue/services"


def patch(hall: Hall, code: str, who: str = "manager", **changes: Any) -> Any:
    return hall.client.patch(f"{SERVICES}/{code}", json=changes, headers=hall.as_(who))


def audit(hall: Hall, subject: str) -> list[dict[str, Any]]:
    response = hall.client.get("/api/v1/audit", params={"subject": subject}, headers=hall.as_("manager"))
    assert response.status_code == 200, response.text
    return response.json()


def new_service(**changes: Any) -> dict[str, Any]:
    return {
        "code": "S9",
        "name": "新事项",
        "department": "D1",
        "prefix": "F",
        "category": "licensing",
        "case_type": "promised",
        "daily_cap": 50,
        **changes,
    }


def test_the_manager_sees_every_service_with_its_guide_windows_and_zones(hall: Hall) -> None:
    services = hall.client.get(SERVICES, headers=hall.as_("manager")).json()
    assert [s["code"] for s in services] == ["S1", "S2", "S3", "S4"]
    s1 = services[0]
    assert s1["windows"] == ["1", "4"] and s1["zones"] == ["A", "B"]
    assert s1["guide"]["materials"][0]["name"] == "居民身份证"
    assert s1["department_name"] == "测试局" and s1["active"] is True


def test_a_new_prefix_and_cap_apply_to_the_very_next_ticket(hall: Hall) -> None:
    assert hall.issue("S3")["number"] == "B001"
    changed = patch(hall, "S3", prefix="g", daily_cap=2)
    assert changed.status_code == 200, changed.text
    assert changed.json()["prefix"] == "G"
    assert hall.issue("S3")["number"] == "G001"  # the cap counts today's tickets: B001 and G001
    capped = hall.client.post("/api/v1/tickets", json={"service_code": "S3"}, headers=hall.as_("kiosk"))
    assert capped.status_code == 409 and capped.json()["code"] == "service.daily_cap_reached"
    assert patch(hall, "S3", daily_cap=None).json()["daily_cap"] is None
    assert hall.issue("S3")["number"] == "G002"


def test_a_changed_guide_is_what_the_kiosk_reads_and_the_audit_keeps_before_and_after(hall: Hall) -> None:
    guide = hall.client.get(f"{SERVICES}/S1", headers=hall.as_("manager")).json()["guide"]
    guide["materials"].append({"name": "户口簿", "originals": 1, "copies": 0, "note": "本人页"})
    guide["fee"] = "工本费20元"
    assert patch(hall, "S1", guide=guide, keywords=[" 户口 ", "户口", ""]).status_code == 200
    kiosk_view = hall.client.get("/api/v1/services/S1", headers=hall.as_("kiosk")).json()
    assert [m["name"] for m in kiosk_view["guide"]["materials"]] == ["居民身份证", "户口簿"]
    assert kiosk_view["guide"]["fee"] == "工本费20元" and kiosk_view["keywords"] == ["户口"]
    (entry,) = audit(hall, "service:S1")
    assert entry["action"] == "service.update" and entry["actor"].startswith("token:")
    assert entry["detail"]["changed"] == ["guide", "keywords"]
    assert len(entry["detail"]["before"]["guide"]["materials"]) == 1
    assert len(entry["detail"]["after"]["guide"]["materials"]) == 2


def test_a_created_service_issues_once_a_window_serves_it(hall: Hall) -> None:
    created = hall.client.post(SERVICES, json=new_service(), headers=hall.as_("manager"))
    assert created.status_code == 201, created.text
    assert created.json()["windows"] == [] and created.json()["case_type"] == "promised"
    assignments = [{"service_code": "S3"}, {"service_code": "S9"}]
    put = hall.client.put("/api/v1/windows/3/assignments", json=assignments, headers=hall.as_("manager"))
    assert put.status_code == 200, put.text
    assert hall.issue("S9")["number"] == "F001"
    assert audit(hall, "service:S9")[0]["detail"]["before"] is None
    again = hall.client.post(SERVICES, json=new_service(), headers=hall.as_("manager"))
    assert again.status_code == 409 and again.json()["code"] == "catalogue.code_exists"


def test_bad_fields_are_refused_with_their_own_code_in_both_languages(hall: Hall) -> None:
    cases = {
        "catalogue.prefix_invalid": {"prefix": "A1"},
        "catalogue.cap_invalid": {"daily_cap": -5},
        "catalogue.department_unknown": {"department": "NOPE"},
        "catalogue.name_required": {"name": "  "},
        "catalogue.number_invalid": {"weight": 0},
        "catalogue.material_invalid": {"guide": {"materials": [{"name": "", "copies": 1}]}},
    }
    for code, change in cases.items():
        refused = patch(hall, "S1", **change)
        assert refused.status_code == 409, (code, refused.text)
        body = refused.json()
        assert body["code"] == code and body["message"] and body["message_en"], body
    assert "-5" in patch(hall, "S1", daily_cap=-5).json()["message"]
    after = hall.client.get(f"{SERVICES}/S1", headers=hall.as_("manager")).json()
    assert after["prefix"] == "A" and after["daily_cap"] is None and after["name"] == "事项S1"
    assert audit(hall, "service:S1") == []


def test_a_prefix_is_shared_only_within_one_theme(hall: Hall) -> None:
    clash = patch(hall, "S3", prefix="A", theme="不动产")  # S1 and S2 (no theme) number as A
    assert clash.status_code == 409 and clash.json()["code"] == "catalogue.prefix_clash"
    assert "S1" in clash.json()["message"] and "S1" in clash.json()["message_en"]
    assert patch(hall, "S3", prefix="A").status_code == 200  # same theme: one shared sequence
    assert hall.issue("S1")["number"] == "A001"
    assert hall.issue("S3")["number"] == "A002"


def test_a_service_with_open_tickets_cannot_be_switched_off_and_an_idle_one_stops_issuing(
    hall: Hall,
) -> None:
    hall.issue("S4")
    busy = patch(hall, "S4", active=False)
    assert busy.status_code == 409 and busy.json()["code"] == "catalogue.in_use"
    assert busy.json()["fields"]["count"] == 1
    off = patch(hall, "S3", active=False)
    assert off.status_code == 200 and off.json()["active"] is False
    refused = hall.client.post("/api/v1/tickets", json={"service_code": "S3"}, headers=hall.as_("kiosk"))
    assert refused.status_code == 404 and refused.json()["code"] == "service.not_found"
    listed = hall.client.get("/api/v1/services", headers=hall.as_("kiosk")).json()
    assert "S3" not in [s["code"] for s in listed]
    assert patch(hall, "S3", active=True).status_code == 200
    assert hall.issue("S3")["number"] == "B001"


def test_only_managers_and_admins_edit_the_catalogue(hall: Hall) -> None:
    for who in ("clerk1", "kiosk", "board", "evaluator1"):
        for response in (
            hall.client.get(SERVICES, headers=hall.as_(who)),
            patch(hall, "S1", who=who, daily_cap=1),
            hall.client.post(SERVICES, json=new_service(), headers=hall.as_(who)),
        ):
            assert response.status_code == 403, (who, response.text)
            assert response.json()["code"] == "auth.forbidden"
    assert hall.client.get(SERVICES).status_code == 401
    assert patch(hall, "S1", who="admin", daily_cap=9).json()["daily_cap"] == 9
    # another hall's manager sees and changes only their own hall
    assert patch(hall, "S1", who="manager_t2", daily_cap=3).status_code == 200
    assert hall.client.get(f"{SERVICES}/S1", headers=hall.as_("manager")).json()["daily_cap"] == 9


def test_boards_and_consoles_hear_of_a_change_and_the_event_record_keeps_it(hall: Hall) -> None:
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['board']}") as ws:
        ws.send_json({"type": "subscribe", "topics": ["zone:B"]})
        assert receive_until(ws, "snapshot")["topic"] == "zone:B"
        patch(hall, "S4", name="事项S4（新）")
        frame = receive_until(ws, "catalogue.changed")
        assert frame["payload"] == {"service_code": "S4", "active": True, "changed": ["name"]}
    with hall.runtime.read_engine.connect() as conn:
        rows = conn.execute(select(t.events.c.data).where(t.events.c.type == "service.changed")).all()
    assert [r.data["code"] for r in rows] == ["S4"]
