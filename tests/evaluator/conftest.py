"""A real HTTP server (uvicorn in a thread) on a SQLite file, stoppable and restartable on its port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from hallq.bootstrap import build_runtime, make_runtime
from queue_server import contract as c
from queue_server.api.app import create_app
from queue_server.config import ServerSettings
from queue_server.runtime import Runtime
from queue_server.services.admin.accounts import create_token
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from tests.server.catalogue import small_hall


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """uvicorn serving the app on a fixed port; ``stop`` and ``start`` again simulate an outage."""

    db: str
    key: str
    port: int = field(default_factory=free_port)
    tokens: dict[str, str] = field(default_factory=dict)
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        runtime = make_runtime(ServerSettings(db=self.db, secret_key_file=self.key))
        config = uvicorn.Config(create_app(runtime), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=15)
        self.server = self.thread = None

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server with hall t1 and a token for each role (evaluator1 bound to window 1)."""
    db, key = str(tmp_path / "hall.db"), str(tmp_path / "secret.key")
    runtime = build_runtime(ServerSettings(db=db, secret_key_file=key))
    runtime.write_sync(lambda uow: import_catalogue(uow, CatalogueFile.model_validate(small_hall("t1"))))
    tokens = make_tokens_t1(runtime)
    runtime.stop()
    server = LiveServer(db, key, tokens=tokens)
    server.start()
    yield server
    server.stop()


def make_tokens_t1(runtime: Runtime) -> dict[str, str]:
    """Tokens of hall t1: clerks and evaluators of windows 1 and 2, a kiosk and a manager."""

    def token(role: c.Role, window: str | None = None) -> str:
        return runtime.write_sync(
            lambda uow: create_token(uow, runtime.tokens, hall="t1", role=role, window=window)
        )

    tokens = {f"clerk{n}": token(c.Role.CLERK, n) for n in ("1", "2")}
    tokens.update(
        kiosk=token(c.Role.KIOSK),
        manager=token(c.Role.MANAGER),
        evaluator1=token(c.Role.EVALUATOR, "1"),
        evaluator2=token(c.Role.EVALUATOR, "2"),
    )
    return tokens
