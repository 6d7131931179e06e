"""The kiosk's live feed: the hall's queues over ``/ws``, reconnecting by itself.

Protocol (see queue_server/api/routes/live.py): connect with ``?token=``, send
``{"type": "subscribe", "topics": ["hall"]}``, get a ``snapshot`` frame, then events with a
per-topic consecutive ``seq``; on a gap send ``{"type": "resync", "topics": [...]}``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

log = logging.getLogger(__name__)

Frame = dict[str, Any]
QUIET_SECONDS = 45.0  # the server sends a heartbeat every 20 s


class LiveFeed:
    """A background thread following some topics; calls back on every frame and on (dis)connection."""

    def __init__(
        self,
        server: str,
        token: str,
        topics: list[str],
        on_frame: Callable[[Frame], None],
        on_connected: Callable[[bool], None],
    ) -> None:
        base = server.rstrip("/").replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        self.url = f"{base}/ws?token={quote(token)}"
        self.topics = topics
        self._on_frame = on_frame
        self._on_connected = on_connected
        self._stop = threading.Event()
        self._socket: ClientConnection | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start following in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="kiosk-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop and wait for the thread."""
        self._stop.set()
        if self._socket is not None:
            self._socket.close()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                with connect(self.url, open_timeout=5, close_timeout=1) as socket:
                    self._socket = socket
                    socket.send(json.dumps({"type": "subscribe", "topics": self.topics}))
                    delay = 0.5
                    self._follow(socket)
            except (OSError, TimeoutError, WebSocketException) as error:
                log.info("live feed down (%r); reconnecting in %.1f s", error, delay)
            finally:
                self._socket = None
            if not self._stop.is_set():
                self._on_connected(False)
            self._stop.wait(delay)
            delay = min(delay * 2, 5.0)

    def _follow(self, socket: ClientConnection) -> None:
        seqs: dict[str, int] = {}
        connected = False
        while not self._stop.is_set():
            frame = json.loads(socket.recv(timeout=QUIET_SECONDS))
            kind, topic = frame.get("type"), frame.get("topic")
            if kind == "snapshot":
                seqs[topic] = frame["seq"]
                if not connected:
                    connected = True
                    self._on_connected(True)
            elif topic in seqs and "seq" in frame:
                if frame["seq"] != seqs[topic] + 1:
                    log.info("gap on %s (%d → %d): resync", topic, seqs[topic], frame["seq"])
                    socket.send(json.dumps({"type": "resync", "topics": [topic]}))
                seqs[topic] = frame["seq"]
            elif kind == "error":
                log.warning("live feed error: %s", frame.get("code"))
            self._on_frame(frame)
