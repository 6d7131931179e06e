"""The pad bridge made for today's server keeps working against a newer one whose replies and events
carry fields it does not know (tests/support/newer_server.py adds one to every JSON object)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from evaluator_device.bridge import Bridge, PadConfig
from hallq.bootstrap import make_runtime
from hardware_mocks.evaluator_pad import EmulatedPad
from queue_server.api.app import create_app
from queue_server.config import ServerSettings
from tests.evaluator.conftest import LiveServer
from tests.evaluator.test_end_to_end import conclude, evaluations, wait_for
from tests.support.newer_server import GROWN_FIELD, NewerServer


class NewerLiveServer(LiveServer):
    """The evaluator tests' live server, grown."""

    def start(self) -> None:
        runtime = make_runtime(ServerSettings(db=self.db, secret_key_file=self.key))
        app = NewerServer(create_app(runtime))
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")


@pytest.fixture
def newer(live_server: LiveServer) -> Iterator[NewerLiveServer]:
    """The same hall and tokens, served grown (the plain server stops first)."""
    live_server.stop()
    server = NewerLiveServer(live_server.db, live_server.key, tokens=live_server.tokens)
    server.start()
    yield server
    server.stop()


def test_a_rating_flows_from_the_pad_through_the_bridge_to_a_newer_server(
    newer: NewerLiveServer, tmp_path: Path
) -> None:
    assert GROWN_FIELD in httpx.get(f"{newer.url}/api/v1/hall", headers=newer.headers("manager")).json()
    pad = EmulatedPad(address=1, baud=9600)
    port = pad.open_pty()
    pad.start()
    bridge = Bridge(newer.url, port, [PadConfig(1, "1", newer.tokens["evaluator1"])], tmp_path / "outbox.db")
    bridge.start()
    try:
        with httpx.Client(base_url=newer.url, timeout=10) as client:
            me = client.post(
                "/api/v1/auth/login", data={"staff_no": "C1", "password": "pw-c1", "window": "1"}
            ).json()
            headers = {"X-CSRF-Token": me["csrf"]}
            assert client.post("/api/v1/windows/1/open", headers=headers).status_code == 200
            assert wait_for(lambda: pad.screen.clerk_name == "张敏", 10), pad.screen
            number = conclude(newer, client, headers)
        asked = pad.wait_asked(timeout=10)
        assert asked is not None and asked.ticket_number == number
        assert pad.press(1) == asked.evaluation_id
        assert bridge.wait_delivered(1, timeout=10)
    finally:
        bridge.stop()
        pad.stop()
    (stored,) = evaluations(newer)
    assert (stored["id"], stored["status"], stored["level_name"]) == (
        asked.evaluation_id,
        "rated",
        "非常满意",
    )
