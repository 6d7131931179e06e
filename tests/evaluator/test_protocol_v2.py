"""Protocol version 2 (PROTOCOL.md section 11) over real pseudo-terminals at 9600 baud.

A vendor's version-2 pad scripted from the document alone next to a version-1 pad on one line; then
the emulated pads (versions 1 and 2 on one bus) against the bridge and a real server, a question
lost on the line, and a noisy bus.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from evaluator_device import protocol as p
from evaluator_device.bridge import Bridge, PadConfig
from evaluator_device.link import HostLink
from evaluator_device.master import BusMaster, Line
from hallq.bootstrap import build_runtime
from hardware_mocks.evaluator_pad import EmulatedPad, Faults, PadBus
from queue_server.config import ServerSettings
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from tests.evaluator.conftest import LiveServer, make_tokens_t1
from tests.evaluator.test_end_to_end import evaluations, wait_for
from tests.evaluator.test_link import AskingPads, ScriptedPad
from tests.server.catalogue import small_hall

ROOT = Path(__file__).resolve().parents[2]


def test_the_short_rating_is_four_bytes_shorter_and_keeps_the_ratings_rules() -> None:
    short = p.ShortRating(0x2A, p.Level.DISSATISFIED, (p.Reason.ATTITUDE,), 850)
    wire = p.encode(1, 8, short)
    assert (
        len(wire) == len(p.encode(1, 8, p.Rating(0x2A, p.Level.DISSATISFIED, (p.Reason.ATTITUDE,), 850))) - 4
    )
    (frame,) = p.Framer().feed(wire)
    assert p.decode(frame) == short
    for bad in (
        p.Frame(1, 8, p.Command.SHORT_RATING, bytes.fromhex("002a 01 01 01 0352")),  # reason after 非常满意
        p.Frame(1, 8, p.Command.SHORT_RATING, bytes.fromhex("0000 02 00 0352")),  # id 0
        p.Frame(1, 8, p.Command.SHORT_RATING, bytes.fromhex("002a 02 00 ffff")),  # age beyond 65 534 ms
    ):
        with pytest.raises(p.ProtocolError):
            p.decode(bad)


def test_section_11_states_what_the_code_does() -> None:
    text = (ROOT / "evaluator_device" / "PROTOCOL.md").read_text(encoding="utf-8")
    section = text.split("## 11.")[1]
    flat = " ".join(section.split())
    assert f"**{p.TURNAROUND_BYTES[p.PROTOCOL_V2]:.0f} byte times**" in flat
    assert f"{p.TURNAROUND_BYTES[p.PROTOCOL_VERSION]} byte times" in flat
    assert f"POLL_ACK** (`{p.Command.POLL_ACK:02x}`" in flat
    assert p.SUPPORTED_VERSIONS == (1, 2)
    frames = [p.Framer().feed(bytes.fromhex(h)) for h in re.findall(r"a5 5a(?: [0-9a-f]{2})+", section)]
    commands = [p.decode(frame).__class__ for (frame,) in frames]
    assert p.PollAck in commands and p.ShortRating in commands and len(frames) >= 14


# ------------------------------------------------------------------ a vendor's pads, from the document


class DocumentPads:
    """Pad 1 speaks version 2, pad 2 version 1; each is asked once, rates at once and keeps its
    rating until acknowledged: pad 1 by a POLL_ACK naming the rating's SEQ, pad 2 by an ACK."""

    def __init__(self, line: ScriptedPad) -> None:
        self.line = line
        self.heard: list[p.Frame] = []
        self.pending: dict[int, tuple[int, p.Rating | p.ShortRating]] = {}  # address → (own SEQ, rating)
        self.acked: dict[int, int] = {}  # address → SEQ of the rating the host acknowledged
        self.lock = threading.Lock()

    def answer(self, frame: p.Frame) -> None:
        with self.lock:
            self.heard.append(frame)
            reply = self._reply(frame, p.decode(frame))
        if reply is not None:
            self.line.write(reply)

    def _reply(self, frame: p.Frame, message: p.Message) -> bytes | None:
        address, version = frame.address, 2 if frame.address == 1 else 1
        match message:
            case p.Identify():
                return p.encode(address, frame.seq, p.Identity(version, "V", "M", "1", str(address)))
            case p.AskRating(evaluation_id=eid):
                # the rater presses 满意 at once: the rating waits for the next poll (SEQ 100 + address);
                # version 2 sends the short form (the id's low 16 bits, a 16-bit age)
                rating: p.Rating | p.ShortRating = p.Rating(eid, p.Level.SATISFIED, (), 5)
                if version == 2:
                    rating = p.ShortRating(eid & 0xFFFF, p.Level.SATISFIED, (), 5)
                self.pending[address] = (100 + address, rating)
                return None if version == 2 else p.encode(address, frame.seq, p.Ack())
            case p.Ack() if address in self.pending and frame.seq == self.pending[address][0]:
                self.acked[address] = self.pending.pop(address)[0]
                return None
            case p.PollAck() | p.Heartbeat():
                acked = message.seq if isinstance(message, p.PollAck) else 0
                if address in self.pending and self.pending[address][0] == acked:
                    self.acked[address] = self.pending.pop(address)[0]
                if address in self.pending:
                    seq, rating = self.pending[address]
                    return p.encode(address, seq, rating)
                return p.encode(address, frame.seq, p.Status(p.StatusFlag.ONLINE))
        return None


class OneQuestionEach(AskingPads):
    """The bus master's driver: one question for each pad, ratings taken as they come."""

    def __init__(self) -> None:
        self.asked: set[int] = set()
        self.ratings: list[tuple[int, int]] = []  # (address, evaluation id, its low 16 bits if short)

    def on_pad(self, address: int, message: p.Message, arrived: float) -> p.Message | None:
        if isinstance(message, p.Rating):
            self.ratings.append((address, message.evaluation_id))
        elif isinstance(message, p.ShortRating):
            self.ratings.append((address, message.evaluation_low))
        return p.Ack()

    def command_for(self, address: int) -> p.Message | None:
        eid = 0x50000 + 40 + address  # above 16 bits: the short form names it by its low 16 bits
        return None if address in self.asked else p.AskRating(eid, f"A{address}", 60)

    def command_done(self, address: int, message: p.Message, reply: p.Message) -> None:
        self.asked.add(address)

    def priority(self, address: int) -> bool:
        return address in self.asked


def test_a_version_2_pad_built_from_the_document_shares_a_line_with_a_version_1_pad() -> None:
    line = ScriptedPad()
    pads = DocumentPads(line)
    line.answer = pads.answer
    driver = OneQuestionEach()
    link = HostLink(line.port, 9600, on_pad=driver.on_pad)
    master = BusMaster(link, {1: Line.RS485, 2: Line.RS485}, driver)
    stop = threading.Event()
    link.start()
    thread = threading.Thread(target=master.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: pads.acked == {1: 101, 2: 102} and len(pads.heard) > 20, 30), pads.acked
    finally:
        stop.set()
        thread.join(timeout=5)
        link.stop()
        line.close()
    assert sorted(driver.ratings) == [(1, 41), (2, 0x50000 + 42)]  # each once; pad 1's in the short form
    to = {address: [f for f in pads.heard if f.address == address] for address in (1, 2)}
    # version 2: the unanswered question went out once; the rating was acknowledged by the next
    # poll, a POLL_ACK naming its SEQ, and never by an ACK of its own
    assert [f.command for f in to[1]].count(p.Command.ASK_RATING) == 1
    assert p.Command.ACK not in {f.command for f in to[1]}
    after_rating = [f for f in to[1] if f.command in (p.Command.HEARTBEAT, p.Command.POLL_ACK)]
    first_ack = next(i for i, f in enumerate(after_rating) if f.command == p.Command.POLL_ACK)
    assert after_rating[first_ack].payload == bytes((101,))
    assert all(f.command == p.Command.HEARTBEAT for f in after_rating[first_ack + 1 :])  # owed once
    # version 1 exactly as before: ASK answered by ACK, the rating ACKed with its SEQ, no POLL_ACK
    assert [f.command for f in to[2]].count(p.Command.ASK_RATING) == 1
    assert p.Command.POLL_ACK not in {f.command for f in to[2]}
    assert [f.seq for f in to[2] if f.command == p.Command.ACK] == [102]
    assert master.unanswered == 0  # the unanswered question is not counted against the pad


# ------------------------------------------------------------------ the emulated pads, bridge and server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for this module's bus tests (hall t1, windows 1 and 2 open)."""
    folder = tmp_path_factory.mktemp("v2-hall")
    db, key = str(folder / "hall.db"), str(folder / "secret.key")
    runtime = build_runtime(ServerSettings(db=db, secret_key_file=key))
    runtime.write_sync(lambda uow: import_catalogue(uow, CatalogueFile.model_validate(small_hall("t1"))))
    tokens = make_tokens_t1(runtime)
    runtime.stop()
    live = LiveServer(db, key, tokens=tokens)
    live.start()
    with httpx.Client(base_url=live.url, timeout=10) as client:
        for window in ("1", "2"):
            response = client.post(f"/api/v1/windows/{window}/open", headers=live.headers(f"clerk{window}"))
            assert response.status_code == 200
    yield live
    live.stop()


class Bus:
    """Emulated pads 1 and 2 (windows 1 and 2) on one pty and a bridge on the other end."""

    def __init__(self, server: LiveServer, folder: Path, pads: list[EmulatedPad]) -> None:
        self.pads = pads
        self.line = PadBus(pads)
        port = self.line.open_pty()
        self.line.start()
        line = Line(pads[0].line)
        configs = [
            PadConfig(pad.address, str(pad.address), server.tokens[f"evaluator{pad.address}"], line)
            for pad in pads
        ]
        self.bridge = Bridge(server.url, port, configs, folder / "outbox.db")
        self.bridge.start()

    def close(self) -> None:
        self.bridge.stop()
        self.line.stop()


def rate(server: LiveServer, pad: EmulatedPad, level: int) -> int:
    """The pad's window concludes a case; the pad is asked and its rater presses ``level``."""
    window, service = str(pad.address), f"S{pad.address}"
    headers = server.headers(f"clerk{window}")
    with httpx.Client(base_url=server.url, timeout=10) as client:
        ticket = client.post(
            "/api/v1/tickets", json={"service_code": service}, headers=server.headers("kiosk")
        )
        assert ticket.status_code == 201, ticket.text
        assert client.post(f"/api/v1/windows/{window}/call-next", headers=headers).status_code == 200
        assert client.post(f"/api/v1/windows/{window}/conclude", headers=headers).status_code == 200
    asked = pad.wait_asked(timeout=15)
    assert asked is not None
    assert pad.press(level, (1,) if level >= 4 else ()) == asked.evaluation_id
    return asked.evaluation_id


def stored(server: LiveServer) -> dict[int, str]:
    return {e["id"]: e["level_name"] for e in evaluations(server) if e["status"] == "rated"}


def heard(pad: EmulatedPad, command: p.Command) -> int:
    return sum(1 for _, cmd in list(pad.heard) if cmd == command)


NAMES = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}


def test_version_1_and_2_pads_on_one_bus_each_get_their_own_exchange(
    server: LiveServer, tmp_path: Path
) -> None:
    v2, v1 = EmulatedPad(address=1, line="rs485", version=2), EmulatedPad(address=2, line="rs485")
    bus = Bus(server, tmp_path, [v2, v1])
    try:
        given = {
            rate(server, pad, level): NAMES[level] for pad, level in ((v2, 1), (v1, 5), (v2, 4), (v1, 2))
        }
        assert bus.bridge.wait_delivered(4, timeout=30)
        assert wait_for(lambda: v2.unacknowledged == 0 and v1.unacknowledged == 0, 15)
        assert {eid: stored(server)[eid] for eid in given} == given
        assert bus.bridge.asks == {eid: 1 for eid in given}  # each question asked once
        # version 2: ratings acknowledged by POLL_ACK, never by an ACK; version 1 never sees POLL_ACK
        assert heard(v2, p.Command.POLL_ACK) >= 2 and heard(v2, p.Command.ACK) == 0
        assert heard(v1, p.Command.POLL_ACK) == 0 and heard(v1, p.Command.ACK) >= 2
        assert v2.stats.ratings_acked == 2 and v1.stats.ratings_acked == 2
        assert bus.bridge.went_offline == 0
    finally:
        bus.close()


class LosesFirstQuestion(EmulatedPad):
    """A version-2 pad whose first ASK_RATING is lost on the line (it never sees it)."""

    lost = 0

    def _heard(self, frame: p.Frame) -> None:
        if frame.command == p.Command.ASK_RATING and frame.address == self.address and not self.lost:
            self.lost += 1
            return
        super()._heard(frame)


def test_a_version_2_question_lost_on_the_line_is_asked_again_from_the_pads_status(
    server: LiveServer, tmp_path: Path
) -> None:
    pad = LosesFirstQuestion(address=1, line="rs485", version=2)
    bus = Bus(server, tmp_path, [pad])
    try:
        eid = rate(server, pad, 3)  # shown only after the second ASK_RATING
        assert bus.bridge.wait_delivered(1, timeout=30)
        assert pad.lost == 1 and bus.bridge.asks == {eid: 2}
        assert Counter(m.evaluation_id for m in pad.commands if isinstance(m, p.AskRating)) == {eid: 1}
        assert stored(server)[eid] == "基本满意"
    finally:
        bus.close()


def test_version_2_on_a_noisy_bus_loses_and_doubles_nothing(server: LiveServer, tmp_path: Path) -> None:
    noisy = [
        EmulatedPad(address=n, line="rs485", version=2, faults=Faults(corrupt=0.01, drop=0.03, seed=n))
        for n in (1, 2)
    ]
    bus = Bus(server, tmp_path, noisy)
    try:
        given: dict[int, str] = {}
        for i in range(6):
            pad, level = noisy[i % 2], i % 5 + 1
            given[rate(server, pad, level)] = NAMES[level]
        assert bus.bridge.wait_delivered(6, timeout=60)
        assert wait_for(lambda: all(pad.unacknowledged == 0 for pad in noisy), 30)
        assert {eid: stored(server)[eid] for eid in given} == given  # none wrong, none lost
        rows = bus.bridge.outbox.db.execute("SELECT COUNT(*) FROM ratings WHERE result LIKE 'refused%'")
        assert rows.fetchone()[0] == 0  # none delivered twice
        assert bus.bridge.went_offline == 0
    finally:
        bus.close()


def test_a_version_2_pad_on_rs232_has_its_ratings_acknowledged_at_once(
    server: LiveServer, tmp_path: Path
) -> None:
    pad = EmulatedPad(address=2, line="rs232", version=2)
    bus = Bus(server, tmp_path, [pad])
    try:
        given = {rate(server, pad, level): NAMES[level] for level in (2, 5)}
        assert bus.bridge.wait_delivered(2, timeout=30)
        assert wait_for(lambda: pad.unacknowledged == 0, 15)
        assert {eid: stored(server)[eid] for eid in given} == given
        assert bus.bridge.asks == {eid: 1 for eid in given}  # the unanswered question, asked once
        # it sends its ratings by itself: the host cannot tell them from answers to a poll, so it ACKs
        assert heard(pad, p.Command.ACK) >= 2 and heard(pad, p.Command.POLL_ACK) == 0
    finally:
        bus.close()
