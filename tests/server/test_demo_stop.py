"""``hallq demo`` stopped by SIGTERM (a service manager, ``kill``) stops its helpers as Ctrl-C does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.hall_server import ROOT, free_port

pytestmark = pytest.mark.long  # minutes of work: started first (tests/conftest.py)


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(p) for p in found]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_sigterm_stops_the_demo_and_every_helper_it_started(tmp_path: Path) -> None:
    port, printer = free_port(), free_port()
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hallq",
            "demo",
            "--db",
            str(tmp_path / "demo.db"),
            "--port",
            str(port),
            "--printer-port",
            str(printer),
            "--no-kiosk",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 240
        helpers: list[int] = []
        while time.monotonic() < deadline:
            assert demo.poll() is None, "the demo ended by itself"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    helpers = _children(demo.pid)
                    if len(helpers) >= 3:  # the mock printer, and a pad and a bridge per window
                        break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        assert len(helpers) >= 3, helpers
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(120) == 0  # it stopped itself, not killed by the signal (-15)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(_alive(p) for p in helpers):
            time.sleep(0.2)
        assert not [p for p in helpers if _alive(p)], "helpers left running after SIGTERM"
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
