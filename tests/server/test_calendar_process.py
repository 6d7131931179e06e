"""The real ``hallq serve`` process at a given date (libfaketime): on the demo hall's Monday evening
its chores close a window left open at closing time, and its calendar keeps Saturday's 延时服务 apart
from the working days."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.hall_server import ROOT, HallServer, seed

pytestmark = pytest.mark.long  # minutes of work: started first (tests/conftest.py)

# 17:29:40 in Shanghai on Monday 2026-12-07; "@" makes the process's clock run on from there (without
# it libfaketime freezes the time), and the monotonic clock stays real so its timers keep firing.
START = "@2026-12-07 09:29:40"


class FakeTimeServer(HallServer):
    """``hallq serve`` started under ``faketime`` (the machine's clock is UTC)."""

    def start(self, timeout: float = 30.0) -> HallServer:
        self.process = subprocess.Popen(
            [
                "faketime",
                "-f",
                START,
                sys.executable,
                "-m",
                "hallq",
                "serve",
                "--db",
                str(self.db),
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env={"TZ": "UTC", "PATH": "/usr/bin:/bin", "FAKETIME_DONT_FAKE_MONOTONIC": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # faketime forks the server: stop() signals the whole group
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("queue server did not start")

    def stop(self) -> None:
        """Stop faketime and the server it forked (terminating faketime alone orphans the server)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(30)
            self.process = None


def test_the_real_process_closes_a_window_left_open_at_closing_time(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    server = FakeTimeServer(db, seed(db))
    server.start()
    try:
        settings = server.call("GET", "/hall/settings").json()
        assert settings["extended_hours"] == {"sat": [["09:00:00", "12:00:00"]]}  # the demo hall's Saturday
        changed = server.call("PUT", "/hall/settings", json={**settings, "always_open": False})
        assert changed.status_code == 200, changed.text
        (saturday,) = server.call("GET", "/calendar?start=2026-12-12&end=2026-12-12", who="board").json()
        assert (saturday["working"], saturday["workday"]) == (True, False)
        assert server.call("POST", "/windows/1/open").status_code == 200
        assert server.call("GET", "/windows/1").json()["status"] == "open"  # 17:29: still open
        deadline = time.monotonic() + 300  # the chores run every 15 s; closing time is 17:30 (a loaded
        # machine slows the faked clock's process, so the ceiling is generous; the loop ends at once)
        while server.call("GET", "/windows/1").json()["status"] != "closed":
            assert time.monotonic() < deadline, "the window was not closed at closing time"
            time.sleep(1)
        hall = server.call("GET", "/hall").json()
        assert hall["hall"]["now"].startswith("2026-12-07T09:3")  # the process did run at that date
    finally:
        server.stop()
