"""A real ``hallq serve`` on a fresh copy of the small test hall, for browser and process tests.

The hall (``tests.server.catalogue.small_hall``) has clerks C1 and C2 (passwords pw-c1, pw-c2) and
manager M1 (pw-m1); ``tokens`` holds a device token per role and one per clerk window.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hallq.bootstrap import build_runtime
from queue_server import contract as c
from queue_server.config import ServerSettings
from queue_server.services.admin.accounts import create_token
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from tests.server.catalogue import small_hall
from tests.support.hall_server import ROOT, free_port


def prepared_hall(db: Path) -> dict[str, str]:
    """Migrate ``db``, load the small hall t1 and make a token for each part of it."""
    runtime = build_runtime(ServerSettings(db=str(db)))
    runtime.write_sync(lambda uow: import_catalogue(uow, CatalogueFile.model_validate(small_hall("t1"))))

    def token(role: c.Role, window: str | None = None) -> str:
        return runtime.write_sync(
            lambda uow: create_token(uow, runtime.tokens, hall="t1", role=role, window=window)
        )

    tokens = {f"clerk{n}": token(c.Role.CLERK, n) for n in ("1", "2", "3", "4")}
    tokens.update(board=token(c.Role.BOARD), kiosk=token(c.Role.KIOSK), manager=token(c.Role.MANAGER))
    runtime.stop()
    runtime.write_engine.dispose()
    return tokens


@dataclass
class ServedHall:
    """``hallq serve`` in a subprocess on a prepared hall; it can be killed and started again."""

    db: Path
    tokens: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    clerk_sessions: dict[str, httpx.Client] = field(default_factory=dict)
    module: str = "hallq"  # or tests.support.newer_server: replies grow fields no client knows
    env: dict[str, str] = field(default_factory=dict)  # settings, e.g. HALLQ_TRUSTED_PROXIES

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = (self.db.parent / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, "serve", "--db", str(self.db), "--port", str(self.port)],
            cwd=self.db.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), **self.env},  # -m tests.support.… from its folder
        )
        log.close()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.db.parent / "server.log").read_text()
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the board server did not start")

    def kill(self) -> None:
        """SIGKILL: every websocket drops at once, as when the server's machine loses power."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        for client in self.clerk_sessions.values():
            client.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> ServedHall:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def issue(self, service: str = "S1") -> dict[str, Any]:
        response = httpx.post(
            self.url + "/api/v1/tickets", json={"service_code": service}, headers=self.as_("kiosk")
        )
        assert response.status_code == 201, response.text
        return response.json()

    def act(self, window: str, action: str, body: Any = None, who: str | None = None) -> dict[str, Any]:
        """A window action as the window's clerk (logged in, when they logged in) or a token."""
        session = self.clerk_sessions.get(window)
        if session is not None and who is None:
            response = session.post(f"/api/v1/windows/{window}/{action}", json=body)
        else:
            response = httpx.post(
                f"{self.url}/api/v1/windows/{window}/{action}",
                json=body,
                headers=self.as_(who or f"clerk{window}"),
            )
        assert response.status_code == 200, response.text
        return response.json()

    def log_in(self, staff_no: str, password: str, window: str) -> None:
        """A clerk logs in at a window (so its screen can show their name), keeping the session."""
        client = httpx.Client(base_url=self.url)
        response = client.post(
            "/api/v1/auth/login", data={"staff_no": staff_no, "password": password, "window": window}
        )
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf"]
        self.clerk_sessions[window] = client

    def settings(self, **changes: Any) -> None:
        """Change the hall's settings as the manager."""
        headers = self.as_("manager")
        current = httpx.get(self.url + "/api/v1/hall/settings", headers=headers).json()
        current.update(changes)
        response = httpx.put(self.url + "/api/v1/hall/settings", json=current, headers=headers)
        assert response.status_code == 200, response.text


BoardServer = ServedHall  # the board tests' name for it
