"""The production layout for real: PostgreSQL, two ``hallq serve`` processes and Debian's nginx with
TLS in front of them, configured from ``deploy/nginx/hallq-site.conf``.

A kiosk issues through the proxy, a clerk on the other process calls, a board's websocket through the
proxy sees the call with a gap-free seq; one process killed, the hall keeps working through the other
and the board resyncs. The processes log JSON lines, which carry the proxy's request id and no
personal data.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from tests.support.hall_server import HallServer
from tests.support.postgres import PostgresCluster, create_database
from tests.support.proxy import SERVICE, WINDOW, Proxy, seed_hall

ID_NUMBER, PHONE = "11010519491231002X", "13812345678"


@dataclass
class Site:
    """Two processes on one PostgreSQL database behind nginx."""

    servers: list[HallServer]
    proxy: Proxy
    tokens: dict[str, str]

    def bearer(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def board(self, within: float = 90.0) -> Board:
        """A board's websocket through the proxy. Like the board's page, it tries again when an
        attempt fails (on a loaded machine nginx may still be skipping the dead process)."""
        deadline, failures = time.monotonic() + within, []
        while True:
            try:
                ws = connect(
                    f"wss://127.0.0.1:{self.proxy.https_port}/ws?token={self.tokens['board']}",
                    ssl=self.proxy.ssl_context(),
                    open_timeout=15,
                    legacy=True,  # held by the Board across calls, closed by the test
                )
                return Board(ws)
            except (OSError, TimeoutError, InvalidHandshake) as failure:
                failures.append(repr(failure))
                if time.monotonic() > deadline:
                    log = (self.proxy.root / "error.log").read_text(encoding="utf-8", errors="replace")
                    raise AssertionError(f"no board connection: {failures}\nnginx: {log[-3000:]}") from None
                time.sleep(1)

    def serving(self, request_id: str) -> HallServer:
        """The process whose log holds the access line of ``request_id`` (written just after the
        reply left, so it may take a moment to appear)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for server in self.servers:
                assert server.log is not None
                if request_id in server.log.read_text(encoding="utf-8"):  # a line may be half-written
                    return server
            time.sleep(0.1)
        raise AssertionError(f"no process logged request {request_id}")


@dataclass
class Board:
    """A lobby board's live stream: the frames of window 2's topic, seq checked frame by frame."""

    ws: ClientConnection
    seq: int = -1

    def subscribe(self) -> dict[str, Any]:
        self.ws.send(json.dumps({"type": "subscribe", "topics": [f"window:{WINDOW}"]}))
        snapshot = self.next_frame()
        assert snapshot["type"] == "snapshot"
        self.seq = snapshot["seq"]
        return snapshot

    def next_frame(self) -> dict[str, Any]:
        while True:
            frame = json.loads(self.ws.recv(timeout=30))
            if frame["type"] != "heartbeat":
                return dict(frame)

    def until(self, kind: str) -> dict[str, Any]:
        """Frames until one of ``kind``; every event's seq follows the one before (no gap)."""
        while True:
            frame = self.next_frame()
            assert frame["seq"] == self.seq + 1, f"gap: {self.seq} then {frame}"
            self.seq = frame["seq"]
            if frame["type"] == kind:
                return frame


def json_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of a process's log, each of which must be one JSON object."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


@pytest.fixture
def site(pg_cluster: PostgresCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setenv("HALLQ_SECRET_KEY_FILE", str(tmp_path / "secret.key"))
    db_url = create_database(pg_cluster.url, f"hallq_proxy_{uuid.uuid4().hex[:8]}")
    tokens = seed_hall(db_url)
    env = {"HALLQ_TRUSTED_PROXIES": "127.0.0.1", "HALLQ_LOG_FORMAT": "json", "HALLQ_ACCESS_LOG": "1"}
    servers = [  # ``db`` is passed as --db: here a PostgreSQL URL, not a file
        HallServer(db_url, tokens, log=tmp_path / f"server{n}.log", env=env)  # type: ignore[arg-type]
        for n in (1, 2)
    ]
    started: list[HallServer] = []
    proxy: Proxy | None = None
    try:
        for server in servers:
            started.append(server.start())
        proxy = Proxy(tmp_path / "nginx", [f"127.0.0.1:{s.port}" for s in servers]).start()
        yield Site(servers, proxy, tokens)
    finally:
        if proxy is not None:
            proxy.stop()
        for server in started:
            if server.process is not None:
                server.process.kill()
                server.process.wait(10)


def test_the_proxy_speaks_tls_with_http2_and_answers_readiness(site: Site) -> None:
    context = site.proxy.ssl_context()
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", site.proxy.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3") and tls.selected_alpn_protocol() == "h2"
    with site.proxy.client() as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["listener"] == "ok"
        assert client.get("/metrics").status_code == 404  # scraped on each process's own port only
        body = b"x" * (3 * 1024 * 1024)
        too_big = client.post("/api/v1/tickets", content=body, headers=site.bearer("kiosk"))
        assert too_big.status_code == 413
    plain = httpx.get(f"http://127.0.0.1:{site.proxy.http_port}/board", follow_redirects=False)
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://")
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):  # unknown certificate
        httpx.get(f"{site.proxy.url}/healthz")


def test_a_hall_through_the_proxy_survives_losing_one_of_its_two_processes(site: Site) -> None:
    board = site.board()
    board.subscribe()
    with site.proxy.client() as kiosk:
        issued = kiosk.post(
            "/api/v1/tickets",
            json={"service_code": SERVICE, "id_number": ID_NUMBER, "phone": PHONE},
            headers={**site.bearer("kiosk"), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert issued.status_code == 201, issued.text
        number = issued.json()["number"]
        request_id = issued.headers["x-request-id"]
        assert len(request_id) == 32  # nginx's $request_id, carried through to the process
    # The clerk's console talks to the *other* process than the one that issued the ticket.
    issuer = site.serving(request_id)
    other = next(s for s in site.servers if s is not issuer)
    with httpx.Client(base_url=other.url, headers=site.bearer("clerk"), timeout=15) as clerk:
        assert clerk.post(f"/api/v1/windows/{WINDOW}/open").status_code == 200
        called = clerk.post(f"/api/v1/windows/{WINDOW}/call-next")
        assert called.status_code == 200 and called.json()["ticket"]["number"] == number
    assert board.until("ticket.called")["payload"]["number"] == number

    # The process holding the board's websocket dies (kill -9): the board reconnects through the
    # proxy, lands on the survivor and resyncs from a snapshot; the hall keeps issuing and calling.
    holder = next(s for s in site.servers if subscribers(s) == 1)
    survivor = next(s for s in site.servers if s is not holder)
    assert holder.process is not None
    holder.process.kill()
    holder.process.wait(10)
    with pytest.raises(Exception):  # noqa: B017 - the socket closes, however the library words it
        board.next_frame()
    board = site.board()
    snapshot = board.subscribe()
    assert number in json.dumps(snapshot["payload"], ensure_ascii=False)
    with site.proxy.client() as kiosk, site.proxy.client() as clerk:
        for _ in range(4):  # round robin would send half of these to the dead process
            again = kiosk.post(
                "/api/v1/tickets",
                json={"service_code": SERVICE},
                headers={**site.bearer("kiosk"), "Idempotency-Key": uuid.uuid4().hex},
            )
            assert again.status_code == 201, again.text
        concluded = clerk.post(f"/api/v1/windows/{WINDOW}/conclude", headers=site.bearer("clerk"))
        assert concluded.status_code == 200
        next_call = clerk.post(f"/api/v1/windows/{WINDOW}/call-next", headers=site.bearer("clerk"))
        assert next_call.status_code == 200
        second = next_call.json()["ticket"]["number"]
    assert board.until("ticket.called")["payload"]["number"] == second
    assert subscribers(survivor) == 1

    # The logs: JSON lines, the proxy's request id on the issuing request, no personal data.
    for server in site.servers:
        assert server.log is not None
        text = server.log.read_text(encoding="utf-8")
        assert ID_NUMBER not in text and PHONE not in text and ID_NUMBER.lower() not in text
        json_lines(server.log)
    access = [line for line in json_lines(issuer.log) if line.get("request_id") == request_id]  # type: ignore[arg-type]
    assert access and access[-1]["route"] == "/api/v1/tickets" and access[-1]["status"] == 201


def subscribers(server: HallServer) -> int:
    """Websocket clients connected to one process, from its own /metrics (loopback, no proxy)."""
    body = httpx.get(f"{server.url}/metrics", timeout=10).text
    for line in body.splitlines():
        if line.startswith("hallq_websocket_subscribers "):
            return int(float(line.split()[1]))
    raise AssertionError("no subscriber gauge")
