"""The board under test: a real ``hallq serve`` on the small test hall, and headless Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from hallq.bootstrap import build_runtime
from queue_server import contract as c
from queue_server.config import ServerSettings
from queue_server.services.admin import create_token
from queue_server.services.catalogue_file import CatalogueFile, import_catalogue
from tests.server.catalogue import small_hall

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "board"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
WAIT_MS = 20_000  # generous: speed is the benchmark's business, not the tests'


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
class BoardServer:
    """``hallq serve`` in a subprocess on a prepared hall; it can be killed and started again."""

    db: Path
    tokens: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    clerk_sessions: dict[str, httpx.Client] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = (self.db.parent / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hallq", "serve", "--db", str(self.db), "--port", str(self.port)],
            cwd=self.db.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 60
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


@pytest.fixture(scope="module")
def board_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoardServer]:
    """One server per test module on a fresh copy of the small hall (always open)."""
    db = tmp_path_factory.mktemp("board") / "hall.db"
    server = BoardServer(db, prepared_hall(db))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never ``playwright install``).

    Module-scoped: the sync API keeps its own event loop running while it is open, which the
    asyncio tests of other modules must not find.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def screens(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies) for one test; its pages' JS errors fail the test."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        yield context
    finally:
        context.close()
    assert not errors, errors


def shot(page: Any, name: str, **options: Any) -> Path:
    """Save a screenshot under artifacts/board/ (look at them: boxes instead of 汉字 mean no font)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **options)
    return path
