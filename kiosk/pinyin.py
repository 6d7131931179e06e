"""Pinyin readings of texts, worked out by a short-lived helper process and cached on disk."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from pathlib import Path

from queue_server.domain.search import Reading as SearchReading

log = logging.getLogger(__name__)


class Reading(SearchReading):
    """How a text is read: tone-numbered syllables (for the voice) besides the search reading."""

    tones: str


class PinyinCache:
    """``text → Reading``; missing texts are read in one batch by ``kiosk.pinyin_worker``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._readings: dict[str, Reading] = {}
        if path is not None and path.exists():
            try:
                self._readings = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.warning("pinyin cache %s unreadable; starting afresh", path)

    def get(self, text: str) -> Reading | None:
        """The reading of ``text`` if known."""
        return self._readings.get(text)

    def ensure(self, texts: list[str]) -> None:
        """Read every text not yet known (blocking: run it off the UI thread)."""
        with self._lock:
            missing = sorted({t for t in texts if t and t not in self._readings})
            if not missing:
                return
            try:
                done = subprocess.run(
                    [sys.executable, "-m", "kiosk.pinyin_worker"],
                    input=json.dumps(missing, ensure_ascii=False),
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=True,
                )
                self._readings.update(json.loads(done.stdout))
            except (OSError, subprocess.SubprocessError, ValueError) as error:
                log.warning("pinyin helper failed: %r", error)
                return
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_text(json.dumps(self._readings, ensure_ascii=False), encoding="utf-8")
