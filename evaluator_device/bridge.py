"""The evaluator bridge: the pads on one serial port ↔ their windows on the queue server.

For each pad it follows ``evaluator:{window}`` on the live stream, shows the clerk and the window's
status, asks for a rating when the case is concluded, and sends the rating to the server. Ratings
go to the on-disk outbox before the pad is acknowledged and leave it only when the server has
answered, so a server outage or a bridge restart never loses or doubles one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from evaluator_device import protocol as p
from evaluator_device.link import HostLink
from evaluator_device.outbox import Outbox, StoredRating
from queue_server import contract as c

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
OFFLINE_AFTER = 3  # heartbeats unanswered
REPORT_EVERY = 60.0  # seconds between device reports while nothing changes


@dataclass
class PadConfig:
    """One pad on the port: its bus address, its window and that window's evaluator token."""

    address: int
    window: str
    token: str


@dataclass
class PadState:
    """What the bridge knows about a pad."""

    config: PadConfig
    online: bool | None = None
    missed: int = 0
    flags: p.StatusFlag = field(default_factory=lambda: p.StatusFlag(0))
    screen: tuple[str, ...] = ()
    asking: int | None = None
    question: p.AskRating | None = None
    asking_until: float = 0.0
    reported: float = 0.0
    identity: p.Identity | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def level_of(level: p.Level) -> c.EvaluationLevel:
    """The pad's level byte as the wire contract names it."""
    return c.EVALUATION_LEVEL_KEYS[int(level) - 1]


def reason_of(reason: p.Reason) -> str:
    """The pad's reason key as the wire contract names it."""
    return c.EVALUATION_REASONS[int(reason) - 1]


class Bridge:
    """One process per serial port: a link, an outbox, a live-stream follower per window, a courier."""

    def __init__(
        self,
        server: str,
        port: str,
        pads: list[PadConfig],
        outbox: str | Path,
        baud: int = 9600,
        name: str = "",
    ) -> None:
        self.server = server.rstrip("/")
        self.pads = {cfg.address: PadState(cfg) for cfg in pads}
        self.by_window = {cfg.window: self.pads[cfg.address] for cfg in pads}
        self.outbox = Outbox(outbox)
        self.link = HostLink(port, baud, on_pad=self._on_pad)
        self.link.on_port = self._on_port
        self.name = name or port
        self.http = httpx.Client(base_url=self.server, timeout=5.0)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.delivered = threading.Condition()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Open the port and start following the windows and delivering ratings."""
        self.link.start()
        targets: list[tuple[str, Any, tuple[Any, ...]]] = [
            ("courier", self._courier, ()),
            ("heartbeat", self._heartbeats, ()),
        ]
        targets += [(f"follow-{s.config.window}", self._follow, (s,)) for s in self.pads.values()]
        for name, target, args in targets:
            thread = threading.Thread(target=target, args=args, name=f"bridge-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop everything (ratings not yet delivered stay in the outbox for the next start)."""
        self._stop.set()
        self.outbox.changed.set()
        for thread in self._threads:
            thread.join(timeout=3)
        self.link.stop()
        self.http.close()
        self.outbox.close()

    def run_forever(self) -> None:
        """Run until interrupted."""
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            log.info("stopping")
        finally:
            self.stop()

    # ------------------------------------------------------------------ pad → server

    def _on_pad(self, address: int, message: p.Message, arrived: float) -> p.Message | None:
        """A pad's frame (called on the link's thread before its ACK goes out)."""
        state = self.pads.get(address)
        if state is None:
            return None  # not ours on a shared bus: stay silent
        if isinstance(message, p.Rating):
            return self._take_rating(state, message, arrived)
        if isinstance(message, p.Status):
            self._pad_status(state, message.flags)
        elif isinstance(message, p.KeyEvent):
            log.info("pad %d (window %s) key %d", address, state.config.window, message.key)
        return p.Ack()

    def _take_rating(self, state: PadState, rating: p.Rating, arrived: float) -> p.Message:
        window = self.outbox.was_asked(rating.evaluation_id, state.config.address)
        if window is None:
            log.warning(
                "pad %d rated evaluation %d it was not asked", state.config.address, rating.evaluation_id
            )
            return p.Nak(p.NakReason.NOT_ASKED)
        frame_seconds = (8 + 10 + len(rating.reasons)) * self.link.byte_time
        ago = time.monotonic() - arrived + rating.age_ms / 1000 + frame_seconds
        pressed = datetime.now(UTC) - timedelta(seconds=ago)
        stored = StoredRating(
            rating.evaluation_id,
            window,
            level_of(rating.level).value,
            [reason_of(r) for r in rating.reasons],
            pressed,
        )
        if self.outbox.add(stored):
            log.info("window %s: evaluation %d rated %s", window, rating.evaluation_id, stored.level)
        with state.lock:
            if state.asking == rating.evaluation_id:
                state.asking = None
        return p.Ack()

    def _courier(self) -> None:
        """Deliver the outbox to the server, oldest first, retrying with back-off while it is away."""
        delay = 0.5
        while not self._stop.is_set():
            self.outbox.changed.clear()
            pending = self.outbox.undelivered()
            failed = False
            for rating in pending:
                if self._stop.is_set():
                    return
                if not self._deliver(rating):
                    failed = True
                    break
            if failed:
                self._stop.wait(delay)
                delay = min(delay * 2, 2.0)
                continue
            delay = 0.5
            self.outbox.changed.wait(1.0)

    def _deliver(self, rating: StoredRating) -> bool:
        """POST one rating; True when the server's answer is final."""
        state = self.by_window.get(rating.window)
        if state is None:
            self.outbox.delivered(rating.evaluation_id, "refused:no_window")
            return True
        body = c.RateEvaluation(
            level=c.EvaluationLevel(rating.level), reasons=rating.reasons, pressed_at=rating.pressed_at
        )
        try:
            response = self.http.post(
                f"{c.API_PREFIX}/evaluations/{rating.evaluation_id}/rating",
                content=body.model_dump_json(exclude_none=True),
                headers={
                    "Authorization": f"Bearer {state.config.token}",
                    "Content-Type": "application/json",
                },
            )
        except httpx.HTTPError as error:
            log.info("server away (%s); %d rating(s) wait on disk", error, self.outbox.counts()["waiting"])
            return False
        if response.status_code in (200, 201):
            result = "recorded"
        elif response.status_code in (403, 404, 409, 422):
            result = f"refused:{_code(response)}"
            log.warning("evaluation %d refused by the server: %s", rating.evaluation_id, result)
        else:
            log.info("server answered %d; retrying", response.status_code)
            return False
        self.outbox.delivered(rating.evaluation_id, result)
        with self.delivered:
            self.delivered.notify_all()
        return True

    # ------------------------------------------------------------------ server → pad

    def _follow(self, state: PadState) -> None:
        """Follow ``evaluator:{window}`` and ``window:{window}`` live; reconnect when the stream drops."""
        ws_url = self.server.replace("http://", "ws://").replace("https://", "wss://") + "/ws"
        topic = f"evaluator:{state.config.window}"
        window_topic = f"window:{state.config.window}"  # status and clerk changes travel here
        while not self._stop.is_set():
            try:
                with connect(f"{ws_url}?token={state.config.token}", open_timeout=5, close_timeout=1) as ws:
                    ws.send(json.dumps({"type": "subscribe", "topics": [topic, window_topic]}))
                    while not self._stop.is_set():
                        try:
                            raw = ws.recv(timeout=1.0)
                        except TimeoutError:
                            continue
                        event = json.loads(raw)
                        if event.get("type") == "window.status":  # who sits there now: ask afresh
                            ws.send(json.dumps({"type": "resync", "topics": [window_topic]}))
                        self._on_event(state, event)
            except (OSError, WebSocketException, TimeoutError) as error:
                log.debug("live stream for window %s: %s", state.config.window, error)
            self._stop.wait(1.0)

    def _on_event(self, state: PadState, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        payload = frame.get("payload") or {}
        if kind == "snapshot":
            self._show(state, payload)
            if frame.get("topic", "").startswith("evaluator:"):
                self._catch_up(state)
        elif kind == "window.status":
            self._show(state, {"status": payload.get("status"), "reason": payload.get("reason")})
        elif kind == "evaluation.requested":
            self._ask(state, payload)
        elif kind == "evaluation.recorded" and payload.get("status") != "pending":
            eid = int(payload.get("evaluation_id") or 0)
            with state.lock:
                if state.asking != eid:
                    return
                state.asking = None
            self.link.request(state.config.address, p.Cancel(eid))

    def _catch_up(self, state: PadState) -> None:
        """After (re)connecting: ask for the window's pending evaluation the stream may have missed."""
        try:
            response = self.http.get(
                f"{c.API_PREFIX}/windows/{state.config.window}/pending-evaluation",
                headers={"Authorization": f"Bearer {state.config.token}"},
            )
            pending = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as error:
            log.info("cannot read window %s's pending evaluation: %s", state.config.window, error)
            return
        if not pending:
            return
        with state.lock:
            if state.asking == pending["id"]:
                return
        seconds = (datetime.fromisoformat(pending["deadline"]) - datetime.now(UTC)).total_seconds()
        if seconds > 1:
            payload = {
                "evaluation_id": pending["id"],
                "number": pending["ticket"],
                "timeout_seconds": int(seconds),
            }
            self._ask(state, payload)

    def _show(self, state: PadState, window: dict[str, Any]) -> None:
        """SHOW_IDLE or SHOW_PAUSED from a window snapshot or status change."""
        clerk = window.get("clerk") or {}
        with state.lock:
            status = window.get("status") or (state.screen[0] if state.screen else "open")
            name = clerk.get("name") if clerk else (state.screen[1] if len(state.screen) > 1 else "")
            no = clerk.get("staff_no") if clerk else (state.screen[2] if len(state.screen) > 2 else "")
            state.screen = (str(status), str(name or ""), str(no or ""))
        self._paint(state)

    def _paint(self, state: PadState) -> None:
        if not state.screen:
            return
        status, name, no = state.screen
        number = state.config.window
        message: p.Message = (
            p.ShowIdle(number, name[:20], no[:20], 0)
            if status == "open"
            else p.ShowPaused(number, "暂停服务" if status == "paused" else "窗口关闭")
        )
        self.link.request(state.config.address, message)

    def _ask(self, state: PadState, payload: dict[str, Any]) -> None:
        eid = int(payload["evaluation_id"])
        self.outbox.asked(eid, state.config.window, state.config.address)
        with state.lock:
            state.asking = eid
        timeout = int(payload.get("timeout_seconds") or 120)
        question = p.AskRating(eid, str(payload.get("number", ""))[:20], min(timeout, 0xFFFF))
        with state.lock:
            state.question, state.asking_until = question, time.monotonic() + timeout
        if self.link.request(state.config.address, question) is None:
            log.warning("pad %d did not take the question for evaluation %d", state.config.address, eid)

    # ------------------------------------------------------------------ health

    def _heartbeats(self) -> None:
        """Poll every pad each second (one retry); three silent polls make it offline, reported."""
        while not self._stop.wait(HEARTBEAT_SECONDS):
            for state in self.pads.values():
                if self._stop.is_set():
                    return
                reply = self.link.request(state.config.address, p.Heartbeat(), retries=1)
                if isinstance(reply, p.Status):
                    back = state.online is not True
                    state.missed = 0
                    self._pad_status(state, reply.flags)
                    self._repair_question(state, reply.flags)
                    if back:
                        identity = self.link.request(state.config.address, p.Identify())
                        if isinstance(identity, p.Identity):
                            state.identity = identity
                        self._paint(state)
                else:
                    state.missed += 1
                    if state.missed >= OFFLINE_AFTER and state.online is not False:
                        state.online = False
                        log.warning("pad %d (window %s) offline", state.config.address, state.config.window)
                        self._report(state, c.DeviceState.OFFLINE, "no answer on the serial line")
                    elif state.online is False and time.monotonic() - state.reported > REPORT_EVERY:
                        self._report(state, c.DeviceState.OFFLINE, "no answer on the serial line")

    def _repair_question(self, state: PadState, flags: p.StatusFlag) -> None:
        """A question the pad never got (every copy lost on a noisy line): ask again while it stands."""
        if flags & (p.StatusFlag.ASKING | p.StatusFlag.RATING_PENDING):
            return
        with state.lock:
            question = state.question if state.asking is not None else None
            if question is None or time.monotonic() > state.asking_until:
                return
        if self.outbox.has(question.evaluation_id):
            return
        left = max(1, int(state.asking_until - time.monotonic()))
        log.info(
            "pad %d lost the question for evaluation %d; asking again",
            state.config.address,
            question.evaluation_id,
        )
        self.link.request(
            state.config.address, p.AskRating(question.evaluation_id, question.ticket_number, left)
        )

    def _pad_status(self, state: PadState, flags: p.StatusFlag) -> None:
        changed = state.online is not True or flags != state.flags
        state.online = True
        state.flags = flags
        if changed or time.monotonic() - state.reported > REPORT_EVERY:
            if flags & p.StatusFlag.TAMPER:
                self._report(state, c.DeviceState.ERROR, "tamper")
            else:
                self._report(state, c.DeviceState.OK, "low power" if flags & p.StatusFlag.LOW_POWER else "")

    def _on_port(self, up: bool) -> None:
        if not up:
            for state in self.pads.values():
                state.missed = OFFLINE_AFTER
                if state.online is not False:
                    state.online = False
                    self._report(state, c.DeviceState.OFFLINE, "serial port gone")

    def _report(self, state: PadState, device_state: c.DeviceState, detail: str) -> None:
        state.reported = time.monotonic()
        body = c.DeviceStatus(
            kind=c.DeviceKind.PAD, device=f"pad-{state.config.window}", state=device_state, detail=detail
        )
        with contextlib.suppress(httpx.HTTPError):
            self.http.post(
                f"{c.API_PREFIX}/devices/status",
                content=body.model_dump_json(),
                headers={"Authorization": f"Bearer {state.config.token}", "Content-Type": "application/json"},
            )

    def wait_delivered(self, count: int, timeout: float) -> bool:
        """Block until at least ``count`` ratings were delivered (tests and the benchmark)."""
        deadline = time.monotonic() + timeout
        with self.delivered:
            while self.outbox.counts()["delivered"] < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.delivered.wait(min(left, 0.2))
        return True


def _code(response: httpx.Response) -> str:
    with contextlib.suppress(ValueError, AttributeError):
        return str(response.json().get("code", response.status_code))
    return str(response.status_code)
