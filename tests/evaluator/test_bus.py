"""Pads on an RS-485 bus and the document's promises: polling, one question, age, framing, versions.

Real pseudo-terminals at 9600 baud, a real server; the emulated pads record every frame they hear, so
a test counts what went over the wire.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from evaluator_device import protocol as p
from evaluator_device.bridge import Bridge, PadConfig
from evaluator_device.master import Line
from hardware_mocks.evaluator_pad import EmulatedPad, PadBus
from tests.evaluator.conftest import LiveServer
from tests.evaluator.test_end_to_end import conclude, device_state, evaluations, wait_for

ROOT = Path(__file__).resolve().parents[2]
HALLQ = [sys.executable, "-m", "hallq"]


class Rig:
    """Pads for windows 1 and 2 (addresses 1 and 2) on one pty, and a bridge on the other end."""

    def __init__(self, server: LiveServer, folder: Path, line: str, count: int = 1, **pad: object) -> None:
        self.server = server
        self.pads = [EmulatedPad(address=n + 1, line=line, **pad) for n in range(count)]  # type: ignore[arg-type]
        self.bus = PadBus(self.pads) if count > 1 else None
        if self.bus:
            port = self.bus.open_pty()
            self.bus.start()
        else:
            port = self.pads[0].open_pty()
            self.pads[0].start()
        configs = [
            PadConfig(n + 1, str(n + 1), server.tokens[f"evaluator{n + 1}"], Line(line)) for n in range(count)
        ]
        self.bridge = Bridge(server.url, port, configs, folder / "outbox.db")
        self.bridge.start()

    def close(self) -> None:
        self.bridge.stop()
        if self.bus:
            self.bus.stop()
        else:
            self.pads[0].stop()


@pytest.fixture
def open_windows(live_server: LiveServer) -> LiveServer:
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        for window in ("1", "2"):
            response = client.post(
                f"/api/v1/windows/{window}/open", headers=live_server.headers(f"clerk{window}")
            )
            assert response.status_code == 200
    return live_server


def heard(pad: EmulatedPad, command: p.Command) -> list[int]:
    """The SEQs of the frames of one command the pad heard, in order."""
    return [seq for seq, cmd in list(pad.heard) if cmd == command]


def asks(pad: EmulatedPad) -> Counter[int]:
    """ASK_RATING frames the pad acted on, by evaluation (retransmissions are not acted on)."""
    return Counter(m.evaluation_id for m in list(pad.commands) if isinstance(m, p.AskRating))


def conclude_and_ask(server: LiveServer, pad: EmulatedPad) -> p.AskRating:
    """Window 1's clerk concludes a case; the pad shows the question it was asked."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        conclude(server, client, server.headers("clerk1"))
    asked = pad.wait_asked(timeout=15)
    assert asked is not None
    return asked


def rate(server: LiveServer, pad: EmulatedPad, level: int = 2) -> int:
    asked = conclude_and_ask(server, pad)
    assert pad.press(level) == asked.evaluation_id
    return asked.evaluation_id


# ---------------------------------------------------------------------------------------- 1. polling


def test_an_rs485_bus_is_polled_continuously_round_robin(open_windows: LiveServer, tmp_path: Path) -> None:
    rig = Rig(open_windows, tmp_path, "rs485", count=2)
    try:
        # a fixed one-second heartbeat gives each pad one poll a second; the line allows ~20
        started = time.monotonic()
        assert wait_for(lambda: all(pad.screen.mode == "idle" for pad in rig.pads), 60)
        assert wait_for(lambda: all(len(heard(pad, p.Command.HEARTBEAT)) >= 30 for pad in rig.pads), 60), (
            [len(heard(pad, p.Command.HEARTBEAT)) for pad in rig.pads],
            time.monotonic() - started,
        )
        polls = [len(heard(pad, p.Command.HEARTBEAT)) for pad in rig.pads]
        # neither pad is starved: on a busy machine one emulator may fall a few frames behind the
        # other, but round robin keeps their counts within a quarter of each other
        assert min(polls) >= 0.75 * max(polls), polls
    finally:
        rig.close()


def test_a_rating_answering_a_poll_is_that_polls_answer(open_windows: LiveServer, tmp_path: Path) -> None:
    rig = Rig(open_windows, tmp_path, "rs485", count=2)
    pad = rig.pads[0]
    try:
        eids = [rate(open_windows, pad, level) for level in (1, 2, 3)]
        assert rig.bridge.wait_delivered(3, timeout=20)
        assert wait_for(lambda: pad.unacknowledged == 0, 10)
        polls = heard(pad, p.Command.HEARTBEAT)
        assert len(polls) == len(set(polls))  # no poll was repeated because a RATING answered it
        assert {e["id"]: e["level_name"] for e in evaluations(open_windows)} == dict(
            zip(eids, ["非常满意", "满意", "基本满意"], strict=True)
        )
        assert device_state(open_windows) == "ok"
    finally:
        rig.close()


def test_a_silent_pad_goes_offline_by_the_one_rule_and_is_identified_first_when_back(
    open_windows: LiveServer, tmp_path: Path
) -> None:
    rig = Rig(open_windows, tmp_path, "rs485", count=2)
    first, second = rig.pads
    try:
        assert wait_for(lambda: first.screen.mode == "idle" and second.screen.mode == "idle", 15)
        for pad in rig.pads:  # nothing before IDENTIFY at start
            assert pad.heard[0][1] == p.Command.IDENTIFY
        first.silent = True
        assert wait_for(lambda: device_state(open_windows) == "offline", 15)
        assert rig.bridge.pads[2].online is True  # the other pad on the bus is unaffected
        before = len(first.heard)
        first.silent = False
        assert wait_for(lambda: device_state(open_windows) == "ok", 15)
        assert first.heard[before][1] == p.Command.IDENTIFY  # IDENTIFY before anything else
    finally:
        rig.close()


# ---------------------------------------------------------------------------------------- 2. one question


@pytest.mark.parametrize("line", ["rs232", "rs485"])
def test_each_evaluation_is_asked_once(open_windows: LiveServer, tmp_path: Path, line: str) -> None:
    rig = Rig(open_windows, tmp_path, line)
    pad = rig.pads[0]
    try:
        eids = [rate(open_windows, pad) for _ in range(5)]
        assert rig.bridge.wait_delivered(5, timeout=20)
        assert asks(pad) == Counter({eid: 1 for eid in eids})
        # One frame an evaluation: five SEQs. A frame may be heard twice with its own SEQ when the
        # machine was slow to take its ACK (a retransmission, which the pad does not act on again;
        # a loaded CI box once made one), never as a new question.
        assert len(set(heard(pad, p.Command.ASK_RATING))) == 5
        assert rig.bridge.asks == {eid: 1 for eid in eids}
    finally:
        rig.close()


def test_a_rating_waiting_in_the_outbox_is_not_asked_again_after_an_outage(
    open_windows: LiveServer, tmp_path: Path
) -> None:
    rig = Rig(open_windows, tmp_path, "rs485")
    pad = rig.pads[0]
    try:
        asked = conclude_and_ask(open_windows, pad)
        open_windows.stop()
        pad.press(4, (1,))
        assert wait_for(lambda: rig.bridge.outbox.counts()["waiting"] == 1, 10)
        open_windows.start()  # the bridge reconnects and catches up on the window's pending evaluation
        assert rig.bridge.wait_delivered(1, timeout=30)
        assert wait_for(lambda: rig.bridge.pads[1].fresh_stream is False, 10)
        assert asks(pad) == Counter({asked.evaluation_id: 1})
        assert pad.screen.asking is None
    finally:
        rig.close()


def test_a_question_the_pad_lost_is_asked_again_once(open_windows: LiveServer, tmp_path: Path) -> None:
    rig = Rig(open_windows, tmp_path, "rs485")
    pad = rig.pads[0]
    try:
        asked = conclude_and_ask(open_windows, pad)
        with pad.lock:  # the pad reboots: the question is gone from its screen
            pad.screen.asking = None
            pad.screen.mode = "idle"
        assert wait_for(lambda: pad.screen.asking is not None, 15)
        assert asks(pad)[asked.evaluation_id] == 2
        pad.press(1)
        assert rig.bridge.wait_delivered(1, timeout=20)
        assert asks(pad)[asked.evaluation_id] == 2
    finally:
        rig.close()


# ---------------------------------------------------------------------------------------- 3. age


def send_rating(pad: EmulatedPad, seq: int, eid: int, age_ms: int) -> None:
    """A vendor's pad sends this RATING by itself (RS-232), age as it computed it."""
    pad._write(p.encode(pad.address, seq, p.Rating(eid, p.Level.SATISFIED, (), age_ms)))


def answer_to(pad: EmulatedPad, seq: int) -> int | None:
    for heard_seq, cmd in list(pad.heard):
        if heard_seq == seq and cmd in (p.Command.ACK, p.Command.NAK):
            return cmd
    return None


def test_a_rating_older_than_its_question_is_refused(open_windows: LiveServer, tmp_path: Path) -> None:
    rig = Rig(open_windows, tmp_path, "rs232")
    pad = rig.pads[0]
    try:
        asked = conclude_and_ask(open_windows, pad)
        for seq, age in ((201, 10 * 60 * 1000), (202, p.MAX_AGE_MS + 1)):
            send_rating(pad, seq, asked.evaluation_id, age)
            assert wait_for(lambda s=seq: answer_to(pad, s) is not None, 10)  # type: ignore[misc]
            assert answer_to(pad, seq) == p.Command.NAK
        assert rig.bridge.outbox.counts() == {"waiting": 0, "delivered": 0}
        before = datetime.now(UTC)
        send_rating(pad, 203, asked.evaluation_id, p.AGE_UNKNOWN)  # after power loss: unknown age
        assert wait_for(lambda: answer_to(pad, 203) == p.Command.ACK, 10)
        assert rig.bridge.wait_delivered(1, timeout=20)
        (stored,) = rig.bridge.outbox.db.execute("SELECT pressed_at FROM ratings").fetchall()
        assert datetime.fromisoformat(stored[0]) >= before - timedelta(seconds=1)  # dated at arrival
        (row,) = evaluations(open_windows)
        assert row["status"] == "rated" and row["late"] is False
    finally:
        rig.close()


def test_a_plausible_age_dates_the_press_between_question_and_arrival(
    open_windows: LiveServer, tmp_path: Path
) -> None:
    rig = Rig(open_windows, tmp_path, "rs232")
    pad = rig.pads[0]
    try:
        asked = conclude_and_ask(open_windows, pad)
        send_rating(pad, 210, asked.evaluation_id, 100)
        assert rig.bridge.wait_delivered(1, timeout=20)
        question = rig.bridge.outbox.question(asked.evaluation_id, 1)
        assert question is not None
        (stored,) = rig.bridge.outbox.db.execute("SELECT pressed_at FROM ratings").fetchall()
        assert question[1] <= datetime.fromisoformat(stored[0]) <= datetime.now(UTC)
    finally:
        rig.close()


# ---------------------------------------------------------------------------------------- 4. framing


def test_a_rating_with_silence_inside_it_is_never_taken(open_windows: LiveServer, tmp_path: Path) -> None:
    rig = Rig(open_windows, tmp_path, "rs232")
    pad = rig.pads[0]
    try:
        asked = conclude_and_ask(open_windows, pad)
        for seq in range(220, 228):
            wire = p.encode(1, seq, p.Rating(asked.evaluation_id, p.Level.SATISFIED, (), 10))
            stats = rig.bridge.link.framer.stats
            given_up = stats.timeouts + stats.crc_errors
            os.write(pad.fd, wire[:9])
            # Silence inside the frame, past the frame timeout (about 21 ms at 9600 baud). The rest is sent
            # once the host has given up the first part: a reader kept off the CPU longer than any fixed gap
            # would read both parts at once, and bytes read together were one frame to it. It gives up at
            # the silence, or sooner when a poll's answer lands behind the part and fails its CRC.
            assert wait_for(lambda: stats.timeouts + stats.crc_errors > given_up, 10)  # noqa: B023
            os.write(pad.fd, wire[9:])
        send_rating(pad, 230, asked.evaluation_id, 10)  # a whole frame after them is taken
        assert rig.bridge.wait_delivered(1, timeout=20)
        assert wait_for(lambda: answer_to(pad, 230) == p.Command.ACK, 10)  # the pad hears its ACK
        assert all(answer_to(pad, seq) is None for seq in range(220, 228))
    finally:
        rig.close()


def test_a_pad_of_another_version_is_reported_and_not_driven(
    open_windows: LiveServer, tmp_path: Path
) -> None:
    rig = Rig(open_windows, tmp_path, "rs485", version=3)
    pad = rig.pads[0]
    try:
        assert wait_for(lambda: device_state(open_windows) == "error", 15)
        with httpx.Client(base_url=open_windows.url, timeout=10) as client:
            conclude(open_windows, client, open_windows.headers("clerk1"))
        manager = open_windows.headers("manager")
        assert wait_for(
            lambda: any(
                a["rule"] == "device.trouble" and a["subject"].endswith("pad-1")
                for a in httpx.get(f"{open_windows.url}/api/v1/alerts", headers=manager, timeout=10).json()
            ),
            45,  # the alert engine runs every 15 s
        )
        assert {cmd for _, cmd in pad.heard} == {p.Command.IDENTIFY}
        assert pad.screen.mode == "blank"
    finally:
        rig.close()


def test_nak_codes_are_as_written(open_windows: LiveServer, tmp_path: Path) -> None:
    rig = Rig(open_windows, tmp_path, "rs232")
    pad = rig.pads[0]
    try:
        assert wait_for(lambda: pad.screen.mode == "idle", 15)
        pad._write(p.Frame(1, 240, 0x85, b"").to_bytes())  # a command this version does not know
        pad._write(p.encode(1, 0, p.KeyEvent(15)))  # SEQ 0 is never sent by version 1
        assert wait_for(lambda: 240 in pad.naks and 0 in pad.naks, 10)
        assert pad.naks == {240: p.NakReason.UNKNOWN_COMMAND, 0: p.NakReason.BAD_PAYLOAD}
    finally:
        rig.close()


def test_the_mock_pad_bus_and_the_bridge_commands_rate_two_windows(
    open_windows: LiveServer, tmp_path: Path
) -> None:
    link = tmp_path / "ttyBUS"
    auto = ["--link", str(link), "--auto", "2", "--delay", "0.2"]
    pads = subprocess.Popen(
        [*HALLQ, "mock-pad", "--line", "rs485", "--protocol", "2", "--address", "1", "--address", "2", *auto],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    tokens = open_windows.tokens
    env = dict(os.environ, HALLQ_EVALUATOR_TOKENS=f"1={tokens['evaluator1']},2={tokens['evaluator2']}")
    try:
        assert wait_for(link.exists, 30)
        command = ["evaluator", "--serial", str(link), "--pad", "1=1", "--pad", "2=2", "--line", "rs485"]
        bridge = subprocess.Popen(
            [*HALLQ, *command, "--server", open_windows.url, "--outbox", str(tmp_path / "outbox.db")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with httpx.Client(base_url=open_windows.url, timeout=10) as client:
                for window, service in (("1", "S1"), ("2", "S2")):
                    headers = open_windows.headers(f"clerk{window}")
                    kiosk = open_windows.headers("kiosk")
                    assert client.post(
                        "/api/v1/tickets", json={"service_code": service}, headers=kiosk
                    ).is_success
                    assert client.post(f"/api/v1/windows/{window}/call-next", headers=headers).is_success
                    assert client.post(f"/api/v1/windows/{window}/conclude", headers=headers).is_success
            assert wait_for(
                lambda: (
                    sorted((e["window"], e["level_name"]) for e in evaluations(open_windows))
                    == [("1", "满意"), ("2", "满意")]
                ),
                30,
            )
        finally:
            bridge.terminate()
            bridge.wait(timeout=10)
    finally:
        pads.terminate()
        pads.wait(timeout=10)
