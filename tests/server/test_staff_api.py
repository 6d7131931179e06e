"""The manager keeps staff accounts and device tokens: audited, least privilege, revocation at once."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.server.conftest import Hall, start_hall

STAFF = "/api/v1/staff"
TOKENS = "/api/v1/devices/tokens"


def login(hall: Hall, staff_no: str, password: str, window: str | None = None) -> Any:
    form = {
        "staff_no": staff_no,
        "password": password,
        "hall": "t1",
        **({"window": window} if window else {}),
    }
    return hall.client.post("/api/v1/auth/login", data=form)


def add(hall: Hall, who: str = "manager", **body: Any) -> Any:
    fields = {"staff_no": "C9", "name": "赵雪", "role": "clerk", "password": "secret-99", **body}
    return hall.client.post(STAFF, json=fields, headers=hall.as_(who))


def patch(hall: Hall, staff_no: str, who: str = "manager", **changes: Any) -> Any:
    return hall.client.patch(f"{STAFF}/{staff_no}", json=changes, headers=hall.as_(who))


def people(hall: Hall) -> dict[str, dict[str, Any]]:
    return {p["staff_no"]: p for p in hall.client.get(STAFF, headers=hall.as_("manager")).json()}


def audit(hall: Hall, subject: str) -> list[dict[str, Any]]:
    return hall.client.get("/api/v1/audit", params={"subject": subject}, headers=hall.as_("manager")).json()


def test_a_manager_adds_a_clerk_who_can_then_log_in_at_their_window(hall: Hall) -> None:
    created = add(hall, window="3", ab_partner="C1")
    assert created.status_code == 201, created.text
    assert created.json()["window"] == "3" and created.json()["ab_partner"] == "C1"
    assert "password" not in json.dumps(created.json())
    me = login(hall, "C9", "secret-99")
    assert me.status_code == 200 and me.json()["window"] == "3" and me.json()["role"] == "clerk"
    (entry,) = audit(hall, "user:C9")
    assert entry["action"] == "staff.create" and entry["detail"]["after"]["name"] == "赵雪"
    assert "secret-99" not in json.dumps(entry)
    again = add(hall)
    assert again.status_code == 409 and again.json()["code"] == "staff.exists"
    weak = add(hall, staff_no="C10", password="short")
    assert weak.status_code == 409 and weak.json()["code"] == "staff.password_weak"


def test_only_an_admin_creates_or_changes_an_admin(hall: Hall) -> None:
    refused = add(hall, staff_no="X1", role="admin")
    assert refused.status_code == 403 and refused.json()["code"] == "staff.admin_only"
    assert "系统管理员" in refused.json()["message"] and "admin" in refused.json()["message_en"]
    assert add(hall, who="admin", staff_no="X1", role="admin").status_code == 201
    assert patch(hall, "X1", active=False).json()["code"] == "staff.admin_only"
    promote = patch(hall, "C1", role="admin")
    assert promote.status_code == 403 and promote.json()["code"] == "staff.admin_only"
    assert patch(hall, "C1", role="manager").json()["role"] == "manager"
    device = add(hall, staff_no="K1", role="kiosk")
    assert device.status_code == 409 and device.json()["code"] == "staff.role_invalid"


def test_a_reset_password_works_at_once_and_ends_the_old_sessions(hall: Hall) -> None:
    session = login(hall, "C1", "pw-c1")
    assert hall.client.get("/api/v1/auth/me").status_code == 200
    done = hall.client.post(f"{STAFF}/C1/password", json={}, headers=hall.as_("manager"))
    temporary = done.json()["temporary_password"]
    assert done.status_code == 200 and len(temporary) == 10
    assert session.cookies  # the old cookie is still in the client, but its session is gone
    assert hall.client.get("/api/v1/auth/me").status_code == 401
    assert login(hall, "C1", "pw-c1").status_code == 401
    assert login(hall, "C1", temporary).status_code == 200
    chosen = hall.client.post(
        f"{STAFF}/C1/password", json={"password": "new-pass-1"}, headers=hall.as_("manager")
    )
    assert chosen.json()["temporary_password"] is None
    assert login(hall, "C1", "new-pass-1").status_code == 200
    lines = audit(hall, "user:C1")
    assert [e["action"] for e in lines] == ["staff.password_reset", "staff.password_reset"]
    assert temporary not in json.dumps(lines) and "new-pass-1" not in json.dumps(lines)


def test_ab_partners_are_set_both_ways_moved_and_cleared(hall: Hall) -> None:
    assert patch(hall, "C1", ab_partner="C2").json()["ab_partner"] == "C2"
    assert people(hall)["C2"]["ab_partner"] == "C1" and people(hall)["C2"]["ab_partner_name"] == "张敏"
    add(hall)
    patch(hall, "C9", ab_partner="C1")
    staff = people(hall)
    assert staff["C1"]["ab_partner"] == "C9" and staff["C9"]["ab_partner"] == "C1"
    assert staff["C2"]["ab_partner"] is None  # C1's former partner is left without one
    assert patch(hall, "C1", ab_partner=None).json()["ab_partner"] is None
    assert people(hall)["C9"]["ab_partner"] is None
    assert patch(hall, "C1", ab_partner="C1").json()["code"] == "staff.partner_self"
    unknown = patch(hall, "C1", ab_partner="ZZ")
    assert unknown.status_code == 404 and unknown.json()["code"] == "staff.not_found"
    change = audit(hall, "user:C1")[0]
    assert (
        change["detail"]["before"]["ab_partner"] == "C9" and change["detail"]["after"]["ab_partner"] is None
    )


def test_a_deactivated_person_is_logged_out_and_cannot_log_in_until_reactivated(hall: Hall) -> None:
    login(hall, "C2", "pw-c2")
    assert patch(hall, "C2", active=False).json()["active"] is False
    assert hall.client.get("/api/v1/auth/me").status_code == 401
    assert login(hall, "C2", "pw-c2").status_code == 401
    assert patch(hall, "C2", active=True, window="4").json()["window"] == "4"
    assert login(hall, "C2", "pw-c2").json()["window"] == "4"
    assert patch(hall, "C2", window=None).json()["window"] is None


def test_a_manager_cannot_lock_themself_out(hall: Hall) -> None:
    body = login(hall, "M1", "pw-m1").json()
    headers = {"X-CSRF-Token": body["csrf"]}
    own = hall.client.patch(f"{STAFF}/M1", json={"active": False}, headers=headers)
    assert own.status_code == 409 and own.json()["code"] == "staff.self"
    demote = hall.client.patch(f"{STAFF}/M1", json={"role": "clerk"}, headers=headers)
    assert demote.json()["code"] == "staff.self"
    renamed = hall.client.patch(f"{STAFF}/M1", json={"name": "王主任（值班）"}, headers=headers)
    assert renamed.status_code == 200
    assert audit(hall, "user:M1")[0]["actor"].endswith("王主任")


def test_a_device_token_is_shown_once_with_its_pairing_qr_and_lists_with_its_last_report(hall: Hall) -> None:
    issued = hall.client.post(TOKENS, json={"role": "kiosk", "label": "kiosk-9"}, headers=hall.as_("manager"))
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["pairing_url"] == body["token"] and body["pairing_qr"].startswith(
        "data:image/svg+xml;base64,"
    )
    report = {"kind": "kiosk", "device": "kiosk-9", "state": "paper_low"}
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert hall.client.post("/api/v1/devices/status", json=report, headers=headers).status_code == 204
    listed = hall.client.get(TOKENS, headers=hall.as_("manager")).json()
    mine = next(d for d in listed if d["id"] == body["id"])
    assert mine["state"] == "paper_low" and mine["last_seen_at"] and "token" not in mine
    board = hall.client.post(
        TOKENS, json={"role": "board", "window": "3", "label": "三号窗口屏"}, headers=hall.as_("manager")
    ).json()
    assert board["pairing_url"] == f"http://testserver/board/window/3?token={board['token']}"
    pad = hall.client.post(TOKENS, json={"role": "evaluator", "label": "pad"}, headers=hall.as_("manager"))
    assert pad.status_code == 409 and pad.json()["code"] == "device.window_required"
    boss = hall.client.post(TOKENS, json={"role": "manager", "label": "api"}, headers=hall.as_("manager"))
    assert boss.status_code == 409 and boss.json()["code"] == "device.role_invalid"
    assert (
        hall.client.post(
            TOKENS, json={"role": "manager", "label": "api"}, headers=hall.as_("admin")
        ).status_code
        == 201
    )
    lines = hall.client.get("/api/v1/audit", params={"action": "token."}, headers=hall.as_("manager")).json()
    assert body["token"] not in json.dumps(lines)


def test_a_revoked_token_is_refused_at_once_and_its_websocket_closes(hall: Hall) -> None:
    issued = hall.client.post(
        TOKENS, json={"role": "board", "label": "大厅屏"}, headers=hall.as_("manager")
    ).json()
    headers = {"Authorization": f"Bearer {issued['token']}"}
    assert hall.client.get("/api/v1/hall", headers=headers).status_code == 200  # now cached
    with hall.client.websocket_connect(f"/ws?token={issued['token']}") as ws:
        ws.send_json({"type": "subscribe", "topics": ["hall"]})
        assert ws.receive_json()["type"] == "snapshot"
        revoked = hall.client.post(f"{TOKENS}/{issued['id']}/revoke", headers=hall.as_("manager"))
        assert revoked.status_code == 200 and revoked.json()["revoked_at"]
        with pytest.raises(WebSocketDisconnect):
            while True:
                ws.receive_json()
    refused = hall.client.get("/api/v1/hall", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_token"
    theirs = hall.client.post(f"{TOKENS}/{issued['id']}/revoke", headers=hall.as_("manager_t2"))
    assert theirs.status_code == 404 and theirs.json()["code"] == "device.token_not_found"
    (line,) = hall.client.get(
        "/api/v1/audit", params={"action": "token.revoke"}, headers=hall.as_("manager")
    ).json()
    assert line["subject"] == f"token:{issued['id']}" and line["actor"].startswith("token:")


@pytest.mark.parametrize("who", ["clerk1", "kiosk", "board", "evaluator1"])
def test_staff_and_devices_are_for_managers_only(hall: Hall, who: str) -> None:
    for response in (
        hall.client.get(STAFF, headers=hall.as_(who)),
        add(hall, who=who),
        patch(hall, "C1", who=who, active=False),
        hall.client.post(f"{STAFF}/C1/password", json={}, headers=hall.as_(who)),
        hall.client.get(TOKENS, headers=hall.as_(who)),
        hall.client.post(TOKENS, json={"role": "kiosk", "label": "x"}, headers=hall.as_(who)),
        hall.client.post(f"{TOKENS}/1/revoke", headers=hall.as_(who)),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "auth.forbidden"
    assert login(hall, "C1", "pw-c1").status_code == 200  # nothing changed


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # one process owns a SQLite file
def test_on_postgresql_every_server_process_forgets_a_revoked_token_at_once(
    hall: Hall, db_url: str, templates: dict[str, str]
) -> None:
    assert db_url.startswith("postgresql")
    issued = hall.client.post(TOKENS, json={"role": "kiosk", "label": "kiosk-8"}, headers=hall.as_("manager"))
    token = issued.json()["token"]
    other, _clock = start_hall(db_url, Path(templates["dir"]) / "secret.key")
    assert other.listener is not None
    other.listener.start()
    try:
        assert other.read_sync(lambda uow: other.tokens.lookup(uow.stores.sessions, token)) is not None
        assert other.tokens.cached(token) is not None
        hall.client.post(f"{TOKENS}/{issued.json()['id']}/revoke", headers=hall.as_("manager"))
        deadline = time.monotonic() + 30
        while other.tokens.cached(token) is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert other.tokens.cached(token) is None
        assert other.read_sync(lambda uow: other.tokens.lookup(uow.stores.sessions, token)) is None
    finally:
        other.stop()
