"""A real queue server in its own process (``hallq serve``) on a seeded SQLite file, for device tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hallq.bootstrap import build_runtime, demo_catalogue
from queue_server import contract as c
from queue_server.config import ServerSettings
from queue_server.services.admin.accounts import create_token
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seed(db: Path, catalogue: CatalogueFile | None = None) -> dict[str, str]:
    """Migrate ``db``, load a hall (the demo hall by default) and create a token per role."""
    runtime = build_runtime(ServerSettings(db=str(db)))
    data = catalogue or demo_catalogue()
    runtime.write_sync(lambda uow: import_catalogue(uow, data))
    tokens = {
        role.value: runtime.write_sync(
            lambda uow, role=role: create_token(
                uow, runtime.tokens, hall=None, role=role, label=f"test {role}"
            )
        )
        for role in (c.Role.KIOSK, c.Role.MANAGER, c.Role.BOARD)
    }
    runtime.stop()
    runtime.write_engine.dispose()
    return tokens


@dataclass
class HallServer:
    """``hallq serve`` on ``db`` at a fixed port, which can be stopped and started again."""

    db: Path
    tokens: dict[str, str]
    port: int = field(default_factory=free_port)
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    module: str = "hallq"  # or tests.support.newer_server: replies grow fields no client knows
    env: dict[str, str] = field(default_factory=dict)  # HALLQ_* settings of this process

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> HallServer:
        """Start the process and wait until it answers."""
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, "serve", "--db", str(self.db), "--port", str(self.port)],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("queue server did not start")

    def stop(self) -> None:
        """Stop the process (the hall's server goes away)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def call(self, method: str, path: str, who: str = "manager", **kwargs: Any) -> httpx.Response:
        """An API call as one of the seeded tokens."""
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=10, **kwargs)
