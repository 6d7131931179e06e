"""A queue server from the future: every reply and every event carries a field no client knows yet.

Requests keep refusing unknown fields, but responses and events may grow (DESIGN.md, "Clients read
tolerantly"): a kiosk, a pad bridge or a page made for today's server must keep working against
tomorrow's. ``NewerServer`` wraps the real app and adds ``GROWN_FIELD`` to every JSON object it
sends — HTTP bodies and websocket frames, at the top and in nested objects and list items — and a
frame of an unknown kind after every snapshot, so a client that refuses what it does not know
fails its test.

Run as ``python -m tests.support.newer_server serve --db FILE --port N`` (what ``HallServer`` and
``ServedHall`` start when given ``module="tests.support.newer_server"``).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GROWN_FIELD = "added_by_a_newer_server"
GROWN_VALUE = "a field this client does not know"
# Objects get the field; maps keyed by codes or numbers ("S1", "3") are left alone, since an extra
# entry there is not a new field but a new member.
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
WEEKDAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}  # keys of the weekly hours' maps
# After every snapshot, a frame of a kind no client knows yet (outside every topic's seq).
UNKNOWN_FRAME = {"type": "added_by_a_newer_server.notice", "payload": {"text": GROWN_VALUE}}


def grown(value: Any) -> Any:
    """``value`` with the unknown field added to every object in it."""
    if isinstance(value, list):
        return [grown(item) for item in value]
    if isinstance(value, dict):
        out = {key: grown(item) for key, item in value.items()}
        if out and all(FIELD_NAME.match(key) for key in out) and not set(out) <= WEEKDAYS:
            out[GROWN_FIELD] = GROWN_VALUE
        return out
    return value


class NewerServer:
    """ASGI middleware: JSON replies and websocket frames grow a field (see module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self.app(scope, receive, self._frames(send))
        elif scope["type"] == "http":
            await self.app(scope, receive, self._bodies(send))
        else:
            await self.app(scope, receive, send)

    @staticmethod
    def _frames(send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "websocket.send" and message.get("text"):
                frame = json.loads(message["text"])
                await send({**message, "text": json.dumps(grown(frame))})
                if isinstance(frame, dict) and frame.get("type") == "snapshot":
                    await send({**message, "text": json.dumps(UNKNOWN_FRAME)})  # a kind never seen
                return
            await send(message)

        return sending

    @staticmethod
    def _bodies(send: Send) -> Send:
        start: Message | None = None
        chunks: list[bytes] = []

        async def sending(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "json" in headers.get("content-type", ""):
                    start = message  # held until the whole body is here
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                if body:
                    body = json.dumps(grown(json.loads(body)), ensure_ascii=False).encode()
                MutableHeaders(scope=start)["content-length"] = str(len(body))
                await send(start)
                message = {"type": "http.response.body", "body": body}
            await send(message)

        return sending


def main() -> None:
    """``serve --db FILE --port N``: the whole server (as ``hallq serve``), grown."""
    import uvicorn

    from hallq.bootstrap import build_app
    from queue_server.config import ServerSettings

    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    app = build_app(ServerSettings(db=args.db, port=args.port))
    uvicorn.run(NewerServer(app), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
