"""Browser sessions: the device cookie, CSRF, a clerk's window, secure cookies and security headers.

The whole app as the composition root builds it (API, consoles and board pages), in-process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hallq.bootstrap import build_app
from queue_server.auth.sessions import COOKIE
from queue_server.config import ServerSettings
from queue_server.contract import DEVICE_COOKIE
from tests.server.conftest import make_tokens, start_hall

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def whole(db_url: str, templates: dict[str, str]) -> Iterator[tuple[Any, dict[str, str]]]:
    """A factory of clients on apps over one fresh copy of the two small halls (SQLite)."""
    key_file = str(Path(templates["dir"]) / "secret.key")
    runtime, _clock = start_hall(db_url, Path(key_file))
    tokens = make_tokens(runtime)
    runtime.stop()
    runtime.write_engine.dispose()
    opened: list[TestClient] = []

    def client(**settings: Any) -> TestClient:
        options = {k: settings.pop(k) for k in ("base_url", "client") if k in settings}
        app = build_app(ServerSettings(db=db_url, secret_key_file=key_file, **settings))
        made = TestClient(app, **options).__enter__()
        opened.append(made)
        return made

    yield client, tokens
    for made in opened:
        made.__exit__(None, None, None)


@pytest.fixture
def tmp_db_client(whole: Any) -> tuple[TestClient, dict[str, str]]:
    make, tokens = whole
    return make(), tokens


def log_in(client: TestClient, staff_no: str, password: str, **form: str) -> Any:
    return client.post(
        "/api/v1/auth/login", data={"staff_no": staff_no, "password": password, "hall": "t1", **form}
    )


def device_cookie_headers(response: Any) -> list[str]:
    return [v for v in response.headers.get_list("set-cookie") if v.startswith(DEVICE_COOKIE + "=")]


def test_a_board_link_with_a_garbage_token_stores_nothing_and_the_console_keeps_working(
    tmp_db_client: Any,
) -> None:
    client, _tokens = tmp_db_client
    opened = client.get("/board?token=garbage", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/board"
    assert device_cookie_headers(opened) == []
    assert DEVICE_COOKIE not in client.cookies
    login = log_in(client, "M1", "pw-m1")
    assert login.status_code == 200
    assert client.get("/api/v1/hall").status_code == 200
    assert client.get("/manager", follow_redirects=False).status_code == 200


@pytest.mark.parametrize("who", ["kiosk", "manager", "clerk1"])
def test_only_a_board_token_goes_into_a_screens_cookie(tmp_db_client: Any, who: str) -> None:
    client, tokens = tmp_db_client
    opened = client.get(f"/board/window/1?token={tokens[who]}", follow_redirects=False)
    assert opened.status_code == 303 and device_cookie_headers(opened) == []
    board = client.get(f"/board/window/1?token={tokens['board']}", follow_redirects=False)
    assert device_cookie_headers(board)[0].startswith(f"{DEVICE_COOKIE}={tokens['board']};")


def test_a_planted_kiosk_token_in_the_device_cookie_acts_as_nobody(tmp_db_client: Any) -> None:
    client, tokens = tmp_db_client
    client.cookies.set(DEVICE_COOKIE, tokens["kiosk"])
    issue = client.post("/api/v1/tickets", json={"service_code": "S1"})
    assert issue.status_code == 401 and issue.json()["code"] == "auth.device_cookie"
    assert client.get("/api/v1/hall").status_code == 401  # not a screen's token: nobody
    assert (
        client.get("/board", follow_redirects=False)
        .headers.get("set-cookie", "")
        .startswith(f'{DEVICE_COOKIE}=""')
    )  # and a page load drops it


def test_a_board_cookie_reads_the_hall_but_changes_nothing(tmp_db_client: Any) -> None:
    client, tokens = tmp_db_client
    client.get(f"/board?token={tokens['board']}")
    assert client.cookies.get(DEVICE_COOKIE) == tokens["board"]
    assert client.get("/api/v1/hall/settings").status_code == 200
    change = client.post("/api/v1/windows/1/open")
    assert change.status_code == 401 and change.json()["code"] == "auth.device_cookie"
    assert "message_en" in change.json() and change.json()["message"]


def test_the_staff_session_wins_over_a_device_cookie_and_login_and_logout_clear_it(
    tmp_db_client: Any,
) -> None:
    client, tokens = tmp_db_client
    client.cookies.set(DEVICE_COOKIE, tokens["board"])
    login = log_in(client, "M1", "pw-m1")
    assert login.status_code == 200
    cleared = device_cookie_headers(login)
    assert cleared and "Max-Age=0" in cleared[0]
    client.cookies.set(DEVICE_COOKIE, tokens["kiosk"])  # planted again after the login
    assert client.get("/api/v1/auth/me").json()["role"] == "manager"
    csrf = {"X-CSRF-Token": login.json()["csrf"]}
    no_csrf = client.put("/api/v1/windows/1/assignments", json=[{"service_code": "S1"}])
    assert no_csrf.status_code == 401 and no_csrf.json()["code"] == "auth.csrf"
    put = client.put("/api/v1/windows/1/assignments", json=[{"service_code": "S1"}], headers=csrf)
    assert put.status_code == 200
    with client.websocket_connect("/ws") as ws:  # the live stream, too, follows the session
        ws.send_json({"type": "subscribe", "topics": ["manager"]})
        assert ws.receive_json()["type"] == "snapshot"
    logout = client.post("/api/v1/auth/logout", headers=csrf)
    assert logout.status_code == 200
    assert device_cookie_headers(logout) and "Max-Age=0" in device_cookie_headers(logout)[0]


def test_a_clerk_without_a_home_window_must_name_one_to_log_in(tmp_db_client: Any) -> None:
    client, tokens = tmp_db_client
    made = client.post(
        "/api/v1/staff",
        json={"staff_no": "C9", "name": "赵六", "role": "clerk", "password": "pw-c9-long-enough"},
        headers={"Authorization": f"Bearer {tokens['manager']}"},
    )
    assert made.status_code == 201, made.text
    unbound = log_in(client, "C9", "pw-c9-long-enough")
    assert unbound.status_code == 400 and unbound.json()["code"] == "auth.window_required"
    assert COOKIE not in client.cookies
    bound = log_in(client, "C9", "pw-c9-long-enough", window="3")
    assert bound.status_code == 200 and bound.json()["window"] == "3"
    csrf = {"X-CSRF-Token": bound.json()["csrf"]}
    assert client.post("/api/v1/windows/3/open", headers=csrf).status_code == 200
    other = client.post("/api/v1/windows/4/open", headers=csrf)
    assert other.status_code == 403 and other.json()["code"] == "auth.wrong_window"


def test_a_clerk_with_a_home_window_is_bound_to_it_when_naming_none(tmp_db_client: Any) -> None:
    client, _tokens = tmp_db_client
    login = log_in(client, "C1", "pw-c1")
    assert login.status_code == 200 and login.json()["window"] == "1"


def test_the_login_form_can_offer_every_hall(tmp_db_client: Any) -> None:
    client, _tokens = tmp_db_client
    halls = client.get("/api/v1/auth/halls").json()
    assert [h["code"] for h in halls] == ["t1", "t2"] and all(h["name"] for h in halls)


def secure(response: Any, name: str) -> bool:
    cookie = next(v for v in response.headers.get_list("set-cookie") if v.startswith(name + "="))
    return "; secure" in cookie.lower()


def test_cookies_are_secure_over_https_and_from_a_trusted_proxy_only(whole: Any) -> None:
    make, tokens = whole
    direct = make(base_url="https://testserver")
    assert secure(log_in(direct, "M1", "pw-m1"), COOKIE)
    assert secure(direct.get(f"/board?token={tokens['board']}", follow_redirects=False), DEVICE_COOKIE)
    plain = make()
    assert not secure(log_in(plain, "M1", "pw-m1"), COOKIE)
    https = {"X-Forwarded-Proto": "https"}
    claimed = make(client=("10.0.0.9", 40000))  # anyone may send the header: not believed
    assert not secure(claimed.post("/api/v1/auth/login", data=_m1(), headers=https), COOKIE)
    proxied = make(client=("10.0.0.9", 40000), trusted_proxies="10.0.0.0/24")
    assert secure(proxied.post("/api/v1/auth/login", data=_m1(), headers=https), COOKIE)
    board = proxied.get(f"/board?token={tokens['board']}", headers=https, follow_redirects=False)
    assert secure(board, DEVICE_COOKIE)


def _m1() -> dict[str, str]:
    return {"staff_no": "M1", "password": "pw-m1", "hall": "t1"}


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/manager",
        "/board",
        "/board/window/1",
        "/t/unknown",
        "/api/v1/hall",
        "/api/v1/services",
        "/static/common.js",
        "/catalogue.js",
        "/openapi.json",
        "/nowhere",
    ],
)
def test_every_response_carries_the_security_headers(tmp_db_client: Any, path: str) -> None:
    client, _tokens = tmp_db_client
    response = client.get(path, follow_redirects=False)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_api_docs_get_a_policy_that_lets_them_load(tmp_db_client: Any) -> None:
    client, _tokens = tmp_db_client
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]


@pytest.mark.parametrize("held", ["session", "board cookie", "kiosk cookie"])
def test_a_cookie_without_a_csrf_token_changes_nothing_anywhere(tmp_db_client: Any, held: str) -> None:
    """Every change in the OpenAPI, made with a live session and a wrong CSRF token, or with a
    screen's device cookie, is refused as such — or, where the route never asks who calls, answers
    as it would to nobody."""
    client, tokens = tmp_db_client
    if held == "session":
        assert log_in(client, "M1", "pw-m1").status_code == 200
        refusal = (401, "auth.csrf")
    else:
        client.cookies.set(DEVICE_COOKIE, tokens[held.split()[0]])
        refusal = (401, "auth.device_cookie")
    cookies = dict(client.cookies)
    refused = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        for method in set(operations) & {"post", "put", "patch", "delete"}:
            if path == "/api/v1/auth/login":
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            client.cookies.update(cookies)
            answer = client.request(method, url, json={}, headers={"X-CSRF-Token": "not-it"})
            if (answer.status_code, answer.json().get("code")) == refusal:
                refused.append(f"{method.upper()} {path}")
                continue
            client.cookies.clear()
            anonymous = client.request(method, url, json={})
            assert (answer.status_code, answer.json().get("code")) == (
                anonymous.status_code,
                anonymous.json().get("code"),
            ), (method, path)
    assert len(refused) > 40 and "POST /api/v1/windows/{window}/call-next" in refused
