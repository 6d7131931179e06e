"""Work profiles (工作模板): a named set of services applied to many windows in one step, with a
preview of what it would leave uncovered, audited per window, live at once."""

from __future__ import annotations

from tests.server.conftest import Hall


def _profile(hall: Hall, name: str, services: list[str]) -> dict:  # type: ignore[type-arg]
    response = hall.client.post(
        "/api/v1/work-profiles", json={"name": name, "services": services}, headers=hall.as_("manager")
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_applying_a_profile_gives_each_window_its_services_in_order_and_is_audited(hall: Hall) -> None:
    hall.open_all()
    profile = _profile(hall, "综合受理-下午", ["S3", "S1"])
    body = {"windows": ["1", "2"]}
    applied = hall.client.post(
        f"/api/v1/work-profiles/{profile['id']}/apply", json=body, headers=hall.as_("manager")
    )
    assert applied.status_code == 200, applied.text
    for window in ("1", "2"):
        got = hall.client.get(f"/api/v1/windows/{window}/assignments", headers=hall.as_("manager")).json()
        assert [(a["service_code"], a["preference"]) for a in got["assignments"]] == [("S3", 1), ("S1", 2)]
    hall.issue("S3")
    called = hall.act("2", "call-next").json()["ticket"]  # window 2 serves S3 now: live at once
    assert called["service_code"] == "S3"
    audit = hall.client.get("/api/v1/audit?action=assignments.replace", headers=hall.as_("manager"))
    assert audit.status_code == 200, audit.text
    entries = {e["subject"]: e for e in audit.json() if e["detail"].get("profile") == "综合受理-下午"}
    assert set(entries) == {"window:1", "window:2"}
    before = [a["service_code"] for a in entries["window:2"]["detail"]["before"]["assignments"]]
    after = [a["service_code"] for a in entries["window:2"]["detail"]["after"]["assignments"]]
    assert (before, after) == (["S2"], ["S3", "S1"])


def test_the_preview_names_the_services_a_profile_would_leave_without_an_open_window(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S2")
    profile = _profile(hall, "只办S1", ["S1"])
    preview = hall.client.post(
        f"/api/v1/work-profiles/{profile['id']}/preview",
        json={"windows": ["1", "2"]},
        headers=hall.as_("manager"),
    )
    assert preview.status_code == 200, preview.text
    found = preview.json()
    # S2 is served by windows 1 and 2 only: both would lose it, with one citizen waiting for it
    assert [(s["code"], s["name"], s["waiting"]) for s in found["newly_uncovered"]] == [("S2", "事项S2", 1)]
    assert found["still_uncovered"] == []
    # nothing changed yet
    got = hall.client.get("/api/v1/windows/2/assignments", headers=hall.as_("manager")).json()
    assert [a["service_code"] for a in got["assignments"]] == ["S2"]


def test_profiles_refuse_unknown_services_and_duplicate_names_with_a_clear_error(hall: Hall) -> None:
    _profile(hall, "上午", ["S1"])
    again = hall.client.post(
        "/api/v1/work-profiles", json={"name": "上午", "services": ["S2"]}, headers=hall.as_("manager")
    )
    assert again.status_code == 409 and again.json()["code"] == "profile.name_taken"
    assert "上午" in again.json()["message"] and again.json()["message_en"]
    unknown = hall.client.post(
        "/api/v1/work-profiles", json={"name": "下午", "services": ["NOPE"]}, headers=hall.as_("manager")
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "service.not_found"
    clerk = hall.client.post(
        "/api/v1/work-profiles", json={"name": "x", "services": ["S1"]}, headers=hall.as_("clerk1")
    )
    assert clerk.status_code == 403
