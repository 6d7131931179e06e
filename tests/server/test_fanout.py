"""Fan-out through a real uvicorn: a frame is built once for all boards, and a stalled board holds no one."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
import websockets
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.asyncio.client import ClientConnection
from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from hallq.bootstrap import build_runtime, make_runtime
from queue_server import contract as c
from queue_server.api.app import create_app
from queue_server.config import ServerSettings
from queue_server.runtime import Runtime
from queue_server.services.admin.accounts import create_token
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from queue_server.services.live import LiveEvent
from queue_server.ws import hub as hub_module
from queue_server.ws.wire import Wire
from tests.server.catalogue import small_hall
from tests.support.hall_server import free_port

BOARDS = 20
WAIT = 60.0  # generous: the machine is shared; every wait ends as soon as its condition holds


class Served:
    """uvicorn serving hall t1 from a thread, as ``hallq serve`` does (no per-message deflate)."""

    def __init__(self, folder: Path) -> None:
        db, key = str(folder / "hall.db"), str(folder / "secret.key")
        seeding = build_runtime(ServerSettings(db=db, secret_key_file=key))
        seeding.write_sync(lambda uow: import_catalogue(uow, CatalogueFile.model_validate(small_hall("t1"))))

        def token(role: c.Role, window: str | None = None) -> str:
            return seeding.write_sync(
                lambda uow: create_token(uow, seeding.tokens, hall="t1", role=role, window=window)
            )

        self.board, self.clerk = token(c.Role.BOARD), token(c.Role.CLERK, "1")
        self.kiosk = token(c.Role.KIOSK)
        seeding.stop()
        seeding.write_engine.dispose()
        self.runtime: Runtime = make_runtime(ServerSettings(db=db, secret_key_file=key))
        self.port = free_port()
        config = uvicorn.Config(
            create_app(self.runtime),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ws_per_message_deflate=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    self.hall_id = self.runtime.read_sync(
                        lambda uow: self.runtime.tokens.lookup(uow.stores.sessions, self.board)
                    ).hall_id  # type: ignore[union-attr]
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("fanout"))
    server.start()
    yield server
    server.stop()


async def board(served: Served) -> tuple[ClientConnection, int]:
    """A board following the hall: its socket and the seq of its snapshot."""
    ws = await websockets.connect(f"ws://127.0.0.1:{served.port}/ws?token={served.board}", compression=None)
    await ws.send(orjson.dumps({"type": "subscribe", "topics": ["hall"]}).decode())
    while True:
        data = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT))
        if data["type"] == "snapshot":
            return ws, int(data["seq"])


async def read_to(ws: ClientConnection, last: int, seq: int) -> list[dict[str, Any]]:
    """A board's hall frames after seq ``last`` up to ``seq``, checked consecutive."""
    frames = []
    while last < seq:
        data = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT))
        if data.get("topic") != "hall":
            continue  # a heartbeat
        assert data["seq"] == last + 1, f"expected seq {last + 1}, got {data['seq']}"
        last = data["seq"]
        frames.append(data)
    return frames


async def test_a_call_is_encoded_once_and_written_to_every_board_without_an_asgi_send_each(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    boards = [await board(served) for _ in range(BOARDS)]
    counts = {"json": 0, "framed": 0, "asgi sends": 0}
    frame, text_frame, send = hub_module.frame, hub_module.text_frame, WebSocketsSansIOProtocol.send

    def counting_frame(type_: str, topic: str, *rest: Any) -> str:
        counts["json"] += topic == "hall"
        return frame(type_, topic, *rest)

    def counting_text_frame(payload: bytes) -> bytes:
        counts["framed"] += b'"topic":"hall"' in payload
        return text_frame(payload)

    async def counting_send(self: WebSocketsSansIOProtocol, message: Any) -> None:
        counts["asgi sends"] += message["type"] == "websocket.send"
        await send(self, message)

    monkeypatch.setattr(hub_module, "frame", counting_frame)
    monkeypatch.setattr(hub_module, "text_frame", counting_text_frame)
    monkeypatch.setattr(WebSocketsSansIOProtocol, "send", counting_send)
    start = served.runtime.hub.seq(served.hall_id, "hall")
    async with httpx.AsyncClient(base_url=served.url, timeout=WAIT) as client:
        auth = {"Authorization": f"Bearer {served.clerk}"}
        assert (await client.post("/api/v1/windows/1/open", headers=auth)).status_code == 200
        kiosk = {"Authorization": f"Bearer {served.kiosk}"}
        issued = await client.post("/api/v1/tickets", json={"service_code": "S1"}, headers=kiosk)
        assert issued.status_code == 201
        called = await client.post("/api/v1/windows/1/call-next", headers=auth)
        assert called.status_code == 200
    end = served.runtime.hub.seq(served.hall_id, "hall")
    seen = [await read_to(ws, seq, end) for ws, seq in boards]
    for ws, _ in boards:
        await ws.close()

    assert all(frames == seen[0] for frames in seen), "every board sees the same frames"
    assert "ticket.called" in [f["type"] for f in seen[0]]
    published = end - start
    assert counts == {"json": published, "framed": published, "asgi sends": 0}, f"{BOARDS} boards"


class StalledBoard:
    """A board that subscribes, reads its snapshot and then stops reading (a hung browser tab)."""

    def __init__(self, served: Served) -> None:
        self.protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{served.port}/ws?token={served.board}"))
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window fills soon
        self.sock.settimeout(WAIT)
        self.sock.connect(("127.0.0.1", served.port))
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        self.frames: list[Frame] = []
        while self.protocol.state is not State.OPEN:  # the handshake's reply
            self.protocol.receive_data(self.sock.recv(65536))
            assert self.protocol.handshake_exc is None, self.protocol.handshake_exc

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            self.sock.sendall(data)

    def send(self, message: dict[str, Any]) -> None:
        self.protocol.send_text(orjson.dumps(message))
        self._flush()

    def read_until(self, done: Any) -> None:
        """Read frames until ``done(frame)`` holds for one (or the connection ends)."""
        while True:
            data = self.sock.recv(65536)
            self.protocol.receive_data(data) if data else self.protocol.receive_eof()
            for event in self.protocol.events_received():
                if isinstance(event, Frame):
                    self.frames.append(event)
                    if done(event):
                        return
            if not data:
                return


async def test_a_stalled_board_is_cut_off_and_told_to_resync_while_the_others_get_every_frame(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    live, first = await board(served)  # with the usual limit
    monkeypatch.setattr(served.runtime.hub, "buffer_limit", 64 * 1024)  # the stalled board's: cut off soon
    stalled = await asyncio.to_thread(StalledBoard, served)
    await asyncio.to_thread(stalled.send, {"type": "subscribe", "topics": ["hall"]})
    await asyncio.to_thread(stalled.read_until, lambda f: b'"snapshot"' in f.data)
    stalled_from = orjson.loads(stalled.frames[-1].data)["seq"]
    dropped = served.runtime.hub.dropped
    notice = "x" * 32 * 1024  # big frames: the stalled socket's buffers fill in a few dozen
    batch = 4  # 128 KiB at a time: well under the live board's limit while it catches up

    def publish(n: int) -> None:
        event = LiveEvent("notice", ("hall",), {"n": n, "text": notice}, datetime.now(UTC), served.hall_id)
        served.runtime.hub.publish_threadsafe([event])

    sent = 0
    while served.runtime.hub.dropped == dropped:  # until the hub gives up on the stalled board
        assert sent < 4000, "the stalled board was never cut off"
        for _ in range(batch):
            publish(sent)
            sent += 1
        frames = await read_to(live, first + sent - batch, first + sent)  # each batch reaches the live board
    publish(sent)  # after the cut-off the others are served as before
    frames = await read_to(live, first + sent, first + sent + 1)
    assert frames[-1]["payload"]["n"] == sent
    await live.close()

    await asyncio.to_thread(stalled.read_until, lambda f: f.opcode is Opcode.CLOSE)
    texts = [orjson.loads(f.data) for f in stalled.frames if f.opcode is Opcode.TEXT]
    seqs = [t["seq"] for t in texts if t.get("topic") == "hall" and t["type"] != "snapshot"]
    assert seqs == list(range(stalled_from + 1, stalled_from + 1 + len(seqs))), "gap-free up to the cut"
    assert len(seqs) < sent
    assert Close.parse(stalled.frames[-1].data).code == 1013  # try again later: reconnect and resync
    stalled.sock.close()


class Transport:
    """A transport whose unsent bytes the test sets (the kernel's pace is not the point here)."""

    def __init__(self) -> None:
        self.unsent = 0
        self.written: list[bytes] = []

    def get_write_buffer_size(self) -> int:
        return self.unsent

    def is_closing(self) -> bool:
        return False

    def write(self, data: bytes) -> None:
        self.written.append(data)
        self.unsent += len(data)


def test_a_big_snapshot_still_unsent_on_a_slow_link_does_not_count_as_falling_behind() -> None:
    transport = Transport()
    connection = SimpleNamespace(
        close_sent=False, conn=SimpleNamespace(state=State.OPEN), transport=transport
    )
    wire = Wire(connection, limit=1000)
    assert wire.write(b"s" * 100_000, answer=True)  # a 223-window hall's snapshot, hardly sent yet
    events = 0
    while wire.write(b"e" * 100):
        events += 1
    assert events == 11  # the snapshot aside, 1,000 bytes of events may wait, and one more frame
    transport.unsent = 0  # the link caught up with everything ...
    assert wire.write(b"e" * 100)
    transport.unsent = 1001  # ... and then stalls: now only events wait, and the limit holds
    assert not wire.write(b"e" * 100)
