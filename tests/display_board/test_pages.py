"""The board's routes on the app the composition root builds, and what the zone topics carry."""

from __future__ import annotations

import io
import json
import re
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from display_board.voice import RATE
from hallq.bootstrap import build_app
from queue_server.config import ServerSettings
from queue_server.contract import DEVICE_COOKIE
from queue_server.messages import CATALOGUE
from tests.display_board.conftest import prepared_hall


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The whole app (API + board) on the small hall, in-process."""
    db = tmp_path_factory.mktemp("pages") / "hall.db"
    tokens = prepared_hall(db)
    with TestClient(build_app(ServerSettings(db=str(db)))) as client:
        yield client, tokens


def test_opening_a_board_with_its_token_keeps_the_token_in_a_cookie_and_off_the_url(served: Any) -> None:
    client, tokens = served
    response = client.get(f"/board?zone=A&token={tokens['board']}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/board?zone=A"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{DEVICE_COOKIE}={tokens['board']}")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=34560000" in cookie
    client.cookies.set(DEVICE_COOKIE, tokens["board"])
    page = client.get("/board?zone=A")
    client.cookies.clear()
    assert page.status_code == 200 and "board.js" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert DEVICE_COOKIE in page.headers["set-cookie"]  # renewed on every load: a TV never expires


def test_the_window_screen_and_the_ticket_page_are_served(served: Any) -> None:
    client, tokens = served
    screen = client.get(f"/board/window/3?token={tokens['board']}")
    assert screen.status_code == 200 and "window.js" in screen.text
    ticket = client.post(
        "/api/v1/tickets", json={"service_code": "S1"}, headers={"Authorization": f"Bearer {tokens['kiosk']}"}
    ).json()
    client.cookies.clear()
    page = client.get(ticket["status_url"])
    assert page.status_code == 200 and "ticket.js" in page.text
    assert "set-cookie" not in page.headers


def test_assets_carry_a_version_and_the_catalogue_comes_from_the_message_catalogue(served: Any) -> None:
    client, _tokens = served
    page = client.get("/t/anything").text
    version = page.split("ticket.css?v=")[1].split('"')[0]
    assert len(version) == 12 and "{{v}}" not in page
    assert client.get(f"/board/static/board.js?v={version}").status_code == 200
    script = client.get("/catalogue.js").text
    data = json.loads(script.split("\n")[0].removeprefix("window.HALLQ_CATALOGUE = ").rstrip(";"))
    assert data["api"] == "/api/v1"
    assert data["messages"]["board.call"] == list(CATALOGUE["board.call"])
    assert data["messages"]["board.away"][0] == "临时有事，请稍候"
    assert data["statuses"]["waiting"][0] == "等候中"
    assert client.get(f"/static/live.js?v={version}").status_code == 200


def test_a_calls_audio_is_a_wav_of_the_expected_length(served: Any) -> None:
    client, _tokens = served
    board = client.app.state.board
    response = client.get("/board/audio/call.wav", params={"number": "A001", "window": "3", "repeat": 1})
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    assert "max-age" in response.headers["cache-control"]
    with wave.open(io.BytesIO(response.content)) as reader:
        once = reader.getnframes() / RATE
    twice = client.get("/board/audio/call.wav", params={"number": "A001", "window": "3"}).content
    with wave.open(io.BytesIO(twice)) as reader:
        assert reader.getnframes() / RATE > once + 2
    assert board.voice.synthesised > 0


def test_a_busy_boards_batch_of_calls_is_one_wav_and_a_bad_call_in_it_is_refused(served: Any) -> None:
    client, _tokens = served
    terse = {"number": "A001", "window": "3", "repeat": 1, "chime": 0, "short": 1}
    alone = client.get("/board/audio/call.wav", params=terse)
    batch = client.get("/board/audio/call.wav", params={**terse, "then": ["B002:5", "C003:12"]})
    assert batch.status_code == 200 and batch.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(alone.content)) as one, wave.open(io.BytesIO(batch.content)) as three:
        assert three.getnframes() > 2.5 * one.getnframes()
    for bad in (["B002"], ["B002:三"], ["B002:5", "C003:6", "D004:7", "E005:8"]):
        refused = client.get("/board/audio/call.wav", params={**terse, "then": bad})
        assert refused.status_code == 422 and refused.json()["code"] == "request.invalid", bad


@pytest.mark.parametrize(
    "params",
    [
        {"number": "A001; rm -rf /", "window": "3"},
        {"number": "A001", "window": "三"},
        {"number": "A001", "window": "3", "repeat": 9},
        {"window": "3"},
    ],
)
def test_audio_for_something_unreadable_is_refused(served: Any, params: dict[str, Any]) -> None:
    client, _tokens = served
    response = client.get("/board/audio/call.wav", params=params)
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"


def receive_until(ws: Any, wanted: str) -> dict[str, Any]:
    while True:
        frame = ws.receive_json()
        if frame["type"] == wanted:
            return frame


def test_a_zone_board_hears_of_new_tickets_and_notices_for_its_zone(served: Any) -> None:
    client, tokens = served
    manager = {"Authorization": f"Bearer {tokens['manager']}"}
    client.cookies.set(DEVICE_COOKIE, tokens["board"])
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "subscribe", "topics": ["zone:B"]})
        snapshot = receive_until(ws, "snapshot")
        assert {w["number"] for w in snapshot["payload"]["windows"]} == {"3", "4"}
        client.post(
            "/api/v1/tickets",
            json={"service_code": "S3"},
            headers={"Authorization": f"Bearer {tokens['kiosk']}"},
        )
        issued = receive_until(ws, "ticket.issued")
        assert issued["payload"]["service_code"] == "S3" and issued["seq"] == snapshot["seq"] + 1
        settings = client.get("/api/v1/hall/settings", headers=manager).json()
        settings["notice"] = "B区今日延时服务"
        assert client.put("/api/v1/hall/settings", json=settings, headers=manager).status_code == 200
        notice = receive_until(ws, "hall.settings")
        assert notice["payload"]["notice"] == "B区今日延时服务" and notice["seq"] == issued["seq"] + 1
    client.cookies.clear()


def test_voice_settings_are_the_halls_and_round_trip(served: Any) -> None:
    client, tokens = served
    manager = {"Authorization": f"Bearer {tokens['manager']}"}
    settings = client.get("/api/v1/hall/settings", headers=manager).json()
    assert settings["voice"] == {
        "enabled": True,
        "repeat": 2,
        "chime": True,
        "english": False,
        "window_by_name": False,
    }
    settings["voice"].update(english=True, repeat=1)
    client.put("/api/v1/hall/settings", json=settings, headers=manager)
    board = {"Authorization": f"Bearer {tokens['board']}"}
    assert client.get("/api/v1/hall/settings", headers=board).json()["voice"]["english"] is True
    settings["voice"]["repeat"] = 5
    assert client.put("/api/v1/hall/settings", json=settings, headers=manager).status_code == 422


def test_the_static_folder_holds_no_string_table(served: Any) -> None:
    """Interface strings come from the message catalogue; the pages hold no Chinese of their own."""
    static = Path(__file__).resolve().parents[2] / "display_board" / "static"
    for path in static.glob("*.js"):
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text(encoding="utf-8"), flags=re.S)
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in code), f"{path.name} has its own Chinese strings"


def test_the_status_page_counts_only_the_people_ahead_of_the_ticket(served: Any) -> None:
    client, tokens = served
    kiosk = {"Authorization": f"Bearer {tokens['kiosk']}"}
    issued = [
        client.post("/api/v1/tickets", json={"service_code": "S2"}, headers=kiosk).json() for _ in range(3)
    ]
    ahead = [client.get(f"/api/v1/tickets/{t['token']}").json()["people_ahead"] for t in issued]
    assert ahead == [issued[0]["people_ahead"], issued[0]["people_ahead"] + 1, issued[0]["people_ahead"] + 2]
