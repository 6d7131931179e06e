"""A response's head and body reach the socket in one write, through a real uvicorn. Counted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tests.server.test_fanout import Served


class CountingTransport:
    """The connection's transport, keeping every chunk written to it."""

    def __init__(self, real: Any, writes: list[bytes]) -> None:
        self.real = real
        self.writes = writes

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))
        self.real.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("one_write"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """What uvicorn writes to the connections opened from now on."""
    written: list[bytes] = []
    made = HttpToolsProtocol.connection_made

    def counted(self: HttpToolsProtocol, transport: Any) -> None:
        made(self, CountingTransport(transport, written))

    monkeypatch.setattr(HttpToolsProtocol, "connection_made", counted)
    return written


def test_an_issued_ticket_and_a_refusal_are_each_written_in_one_piece(
    served: Served, writes: list[bytes], tmp_path: Path
) -> None:
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {served.kiosk}"}) as client:
        issued = client.post("/api/v1/tickets", json={"service_code": "S1"})
        assert issued.status_code == 201, issued.text
        assert len(writes) == 1, writes  # before: the head, then the body
        head, _, body = writes[0].partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 201 ") and body == issued.content
        assert b"\r\nx-request-id: " in head and b"\r\ncontent-length: " in head
        assert issued.json()["number"].startswith("A")

        writes.clear()
        refused = client.post("/api/v1/tickets", json={"service_code": "S1", "unknown": 1})
        assert refused.status_code == 422 and len(writes) == 1, writes
        assert writes[0].endswith(refused.content)

        writes.clear()
        health = client.get("/healthz")  # a route FastAPI answers itself, on the same connection
        assert health.status_code == 200 and len(writes) == 1 and writes[0].endswith(health.content)
