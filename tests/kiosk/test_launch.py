"""``hallq kiosk`` as a hall starts it: a clean log (no CRITICAL line, no traceback) and the public
address its QR codes will carry."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def test_a_start_logs_no_critical_noise_and_takes_the_public_url(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "offscreen",
        "SDL_AUDIODRIVER": "dummy",
        "KIVY_HOME": str(tmp_path / "kivy"),
        "HALLQ_KIOSK_WIDTH": "540",
        "HALLQ_KIOSK_HEIGHT": "960",
        "HALLQ_KIOSK_VOICE": "false",
    }
    env.pop("KIVY_CLIPBOARD", None)  # as on a hall's machine: nothing set
    log = tmp_path / "kiosk.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "hallq", "kiosk",
                "--server", "http://127.0.0.1:9",
                "--public-url", "https://q.example.cn",
                "--printer", "none",
                "--windowed",
                "--state-dir", str(tmp_path / "state"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while "first screen shown" not in log.read_text() and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                time.sleep(0.5)
            time.sleep(2)  # what a start logs right after its first frame
        finally:
            process.terminate()
            process.wait(30)
    text = log.read_text()
    assert "first screen shown" in text, text
    assert "QR codes → https://q.example.cn" in text
    assert "CRITICAL" not in text and "Traceback" not in text, text
