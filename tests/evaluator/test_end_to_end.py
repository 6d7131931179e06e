"""End to end over a real pseudo-terminal: clerk concludes → pad asks → key pressed → evaluation stored."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from evaluator_device.bridge import Bridge, PadConfig
from evaluator_device.master import Line
from evaluator_device.protocol import Status, StatusFlag
from hardware_mocks.evaluator_pad import EmulatedPad, Faults, PadBus
from tests.evaluator.conftest import LiveServer

OUTAGE_SECONDS = float(os.environ.get("HALLQ_OUTAGE_SECONDS", "3"))


@pytest.fixture
def rig(
    live_server: LiveServer, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[EmulatedPad, Bridge]]:
    """An emulated pad on a pty at 9600 baud (faults from the test's marker) and a bridge for window 1."""
    faults = getattr(request, "param", None) or Faults()
    pad = EmulatedPad(address=1, baud=9600, faults=faults)
    port = pad.open_pty()
    pad.start()
    bridge = window_1_bridge(live_server, port, tmp_path / "outbox.db")
    bridge.start()
    yield pad, bridge
    bridge.stop()
    pad.stop()


def window_1_bridge(server: LiveServer, port: str, outbox: Path) -> Bridge:
    """A bridge (not started) for one pad, address 1, at window 1, on ``port``."""
    return Bridge(server.url, port, [PadConfig(1, "1", server.tokens["evaluator1"])], outbox)


def plugged_in(link: Path) -> EmulatedPad:
    """A pad (address 1) on a new pty, started, behind the device name ``link``."""
    pad = EmulatedPad(address=1)
    link.symlink_to(pad.open_pty())
    pad.start()
    return pad


def conclude(server: LiveServer, client: httpx.Client, headers: dict[str, str]) -> str:
    """Issue, call and conclude one ticket at window 1; its number."""
    ticket = client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=server.headers("kiosk"))
    assert ticket.status_code == 201, ticket.text
    assert client.post("/api/v1/windows/1/call-next", headers=headers).status_code == 200
    assert client.post("/api/v1/windows/1/conclude", headers=headers).status_code == 200
    return str(ticket.json()["number"])


def evaluations(server: LiveServer) -> list[dict]:
    response = httpx.get(f"{server.url}/api/v1/evaluations", headers=server.headers("manager"), timeout=10)
    assert response.status_code == 200, response.text
    return list(response.json())


def wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_rating_pressed_on_the_pad_is_stored_with_its_case_window_and_clerk(
    live_server: LiveServer, rig: tuple[EmulatedPad, Bridge]
) -> None:
    pad, bridge = rig
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        me = client.post(
            "/api/v1/auth/login", data={"staff_no": "C1", "password": "pw-c1", "window": "1", "hall": "t1"}
        ).json()
        headers = {"X-CSRF-Token": me["csrf"]}
        assert client.post("/api/v1/windows/1/open", headers=headers).status_code == 200
        assert wait_for(lambda: pad.screen.clerk_name == "张敏", 10), pad.screen
        number = conclude(live_server, client, headers)
    asked = pad.wait_asked(timeout=10)
    assert asked is not None and asked.ticket_number == number
    assert pad.press(2) == asked.evaluation_id
    assert bridge.wait_delivered(1, timeout=10)
    (stored,) = evaluations(live_server)
    assert (stored["id"], stored["ticket"], stored["status"], stored["level_name"]) == (
        asked.evaluation_id,
        number,
        "rated",
        "满意",
    )
    assert (stored["window"], stored["clerk_staff_no"], stored["clerk_name"], stored["channel"]) == (
        "1",
        "C1",
        "张敏",
        "pad",
    )
    assert stored["case_id"] is not None and stored["late"] is False
    assert wait_for(lambda: pad.unacknowledged == 0, 10)  # its ACK may still be on the line


@pytest.mark.parametrize("rig", [Faults(corrupt=0.01, drop=0.01, seed=11)], indirect=True)
def test_line_noise_never_stores_a_wrong_or_duplicate_rating(
    live_server: LiveServer, rig: tuple[EmulatedPad, Bridge]
) -> None:
    pad, bridge = rig
    rng = random.Random(5)
    pressed: dict[int, str] = {}
    names = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        headers = live_server.headers("clerk1")
        assert client.post("/api/v1/windows/1/open", headers=headers).status_code == 200
        for _ in range(12):
            conclude(live_server, client, headers)
            asked = pad.wait_asked(timeout=10)
            assert asked is not None
            level = rng.randint(1, 5)
            pad.press(level, (2,) if level >= 4 else ())
            pressed[asked.evaluation_id] = names[level]
            assert wait_for(lambda: pad.screen.asking is None, 5)
    assert bridge.wait_delivered(len(pressed), timeout=30)
    rated = {e["id"]: e["level_name"] for e in evaluations(live_server) if e["status"] == "rated"}
    assert rated == pressed
    assert bridge.outbox.counts() == {"waiting": 0, "delivered": len(pressed)}
    assert pad.stats.bytes_corrupted > 0


def test_ratings_given_while_the_server_is_away_arrive_exactly_once(
    live_server: LiveServer, rig: tuple[EmulatedPad, Bridge]
) -> None:
    pad, bridge = rig
    headers = live_server.headers("clerk1")
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        assert client.post("/api/v1/windows/1/open", headers=headers).status_code == 200
        conclude(live_server, client, headers)
        first = pad.wait_asked(timeout=10)
        assert first is not None
        live_server.stop()  # the server goes away just before the key is pressed
        pad.press(1)
        assert wait_for(lambda: pad.unacknowledged == 0, 5)  # the bridge keeps it on disk
        time.sleep(OUTAGE_SECONDS)
        assert bridge.outbox.counts()["waiting"] == 1
    live_server.start()
    assert bridge.wait_delivered(1, timeout=30)
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        conclude(live_server, client, headers)
        second = pad.wait_asked(timeout=15)
        assert second is not None and second.evaluation_id != first.evaluation_id
        pad.press(3)
    assert bridge.wait_delivered(2, timeout=15)
    stored = {e["id"]: e for e in evaluations(live_server)}
    assert stored[first.evaluation_id]["level_name"] == "非常满意"
    assert stored[second.evaluation_id]["level_name"] == "基本满意"
    manager = live_server.headers("manager")
    data = httpx.get(f"{live_server.url}/api/v1/evaluations/export?format=json", headers=manager).json()
    assert sorted(r["evaluation_id"] for r in data["records"] if r["status"] == "rated") == sorted(stored)


def device_state(server: LiveServer) -> str | None:
    with sqlite3.connect(server.db) as conn:
        row = conn.execute("SELECT state FROM devices WHERE kind = 'pad' AND device = 'pad-1'").fetchone()
    return row[0] if row else None


def bridged_pad(server: LiveServer, tmp_path: Path) -> tuple[Path, EmulatedPad, Bridge]:
    """Window 1's pad plugged in behind ``tmp_path/ttyPAD`` and its bridge started, once the
    server has the pad "ok": the device name, the pad and the bridge (the caller stops both)."""
    link = tmp_path / "ttyPAD"
    pad = plugged_in(link)
    bridge = window_1_bridge(server, str(link), tmp_path / "o.db")
    bridge.start()
    if not wait_for(lambda: device_state(server) == "ok", 60):
        bridge.stop()
        pad.stop()
        raise AssertionError("the server never had the pad ok")
    return link, pad, bridge


def test_an_unplugged_pad_is_reported_offline_and_taken_back_when_it_returns(
    live_server: LiveServer, tmp_path: Path
) -> None:
    link, pad, bridge = bridged_pad(live_server, tmp_path)
    try:
        # the cable is pulled: its name goes with the device. Removed the other way round, the bridge
        # could reopen the old node's number meanwhile, which a new pty elsewhere on a busy machine may
        # have taken, and then sit on that foreign line instead of finding the pad again.
        link.unlink()
        pad.stop()
        assert wait_for(lambda: device_state(live_server) == "offline", 60)
        pad = plugged_in(link)  # plugged in again (a new device node behind the same name)
        assert wait_for(lambda: device_state(live_server) == "ok", 60)
        assert wait_for(lambda: pad.screen.mode in ("idle", "paused"), 60)
    finally:
        bridge.stop()
        pad.stop()


def test_a_pad_unplugged_while_the_server_is_away_is_reported_offline_once_it_is_back(
    live_server: LiveServer, tmp_path: Path
) -> None:
    link, pad, bridge = bridged_pad(live_server, tmp_path)
    try:
        live_server.stop()  # the server restarts (an upgrade, say) …
        link.unlink()  # … while the pad's cable is pulled: the bridge's report finds nobody
        pad.stop()
        assert wait_for(lambda: not bridge.link.connected.is_set(), 30)
        time.sleep(1.0)  # the report tried and failed meanwhile
        live_server.start()
        assert wait_for(lambda: device_state(live_server) == "offline", 60)  # sent again, not lost
    finally:
        bridge.stop()
        pad.stop()


def test_an_answer_read_just_before_the_port_went_does_not_report_the_pad_ok(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """The reader may hand the master a pad's last STATUS as the port goes: it must not undo the
    "offline" the port's going reported (the bridge here never opened its port)."""
    bridge = window_1_bridge(live_server, str(tmp_path / "none"), tmp_path / "o.db")
    bridge.polled(1, Status(StatusFlag.ONLINE))
    assert bridge.pads[1].online is None and not bridge._reports


def test_two_pads_on_one_rs485_line_rate_their_own_windows(live_server: LiveServer, tmp_path: Path) -> None:
    pads = [EmulatedPad(address=1, line="rs485"), EmulatedPad(address=2, line="rs485")]
    bus = PadBus(pads)
    port = bus.open_pty()
    bus.start()
    tokens = live_server.tokens
    configs = [
        PadConfig(1, "1", tokens["evaluator1"], Line.RS485),
        PadConfig(2, "2", tokens["evaluator2"], Line.RS485),
    ]
    bridge = Bridge(live_server.url, port, configs, tmp_path / "outbox.db")
    bridge.start()
    try:
        with httpx.Client(base_url=live_server.url, timeout=10) as client:
            for window in ("1", "2"):
                headers = live_server.headers(f"clerk{window}")
                assert client.post(f"/api/v1/windows/{window}/open", headers=headers).status_code == 200
            for window, service, pad, level in (("1", "S1", pads[0], 1), ("2", "S2", pads[1], 5)):
                headers = live_server.headers(f"clerk{window}")
                ticket = client.post(
                    "/api/v1/tickets", json={"service_code": service}, headers=live_server.headers("kiosk")
                )
                assert ticket.status_code == 201
                assert client.post(f"/api/v1/windows/{window}/call-next", headers=headers).status_code == 200
                assert client.post(f"/api/v1/windows/{window}/conclude", headers=headers).status_code == 200
                assert pad.wait_asked(timeout=10) is not None
                pad.press(level, (1,) if level >= 4 else ())
        assert bridge.wait_delivered(2, timeout=15)
        stored = {e["window"]: e["level_name"] for e in evaluations(live_server)}
        assert stored == {"1": "非常满意", "2": "非常不满意"}
    finally:
        bridge.stop()
        bus.stop()


def test_the_mock_pad_and_bridge_commands_rate_a_case(live_server: LiveServer, tmp_path: Path) -> None:
    link = tmp_path / "ttyPAD"
    root = Path(__file__).resolve().parents[2]
    pad = subprocess.Popen(
        [sys.executable, "-m", "hallq", "mock-pad", "--link", str(link), "--auto", "2", "--delay", "0.2"],
        cwd=root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = dict(os.environ, HALLQ_EVALUATOR_TOKENS=f"1={live_server.tokens['evaluator1']}")
    command = ["evaluator", "--serial", str(link), "--pad", "1=1", "--server", live_server.url]
    # the bridge refuses a port that does not exist yet (exit code 2): the pad's process, slow to
    # start on a loaded machine, must have made its pty first
    if not wait_for(link.exists, 120):
        pad.terminate()
        pad.wait(timeout=10)
        pytest.fail("the mock pad made no pty in 120 s")
    bridge = subprocess.Popen(
        [sys.executable, "-m", "hallq", *command, "--outbox", str(tmp_path / "outbox.db")],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # the bridge hears the pad (two Python processes to start first: slow on a loaded machine)
        assert wait_for(lambda: device_state(live_server) == "ok", 120)
        with httpx.Client(base_url=live_server.url, timeout=10) as client:
            headers = live_server.headers("clerk1")
            assert client.post("/api/v1/windows/1/open", headers=headers).status_code == 200
            conclude(live_server, client, headers)
        assert wait_for(lambda: [e["level_name"] for e in evaluations(live_server)] == ["满意"], 20)
    finally:
        for child in (bridge, pad):
            child.terminate()
            child.wait(timeout=10)
