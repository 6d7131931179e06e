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
from evaluator_device.master import BusMaster, Line, PadPhase
from evaluator_device.outbox import Outbox, StoredRating
from queue_server import contract as c

log = logging.getLogger(__name__)

REPORT_EVERY = 60.0  # seconds between device reports while nothing changes
REPORT_RETRY = 2.0  # seconds before a device report the server did not take is sent again
REASK_MARGIN = 2.0  # a question with less time left than this is not asked again
# The pad's millisecond counter may run a little fast and the host's clock reads arrivals a little
# late: a press time this much before the question still counts as "at the question".
AGE_SLACK_SECONDS = 0.25
AGE_SLACK_SHARE = 0.01


@dataclass
class PadConfig:
    """One pad on the port: its bus address, its window, that window's evaluator token and its line."""

    address: int
    window: str
    token: str
    line: Line = Line.RS232


@dataclass
class PadState:
    """What the bridge knows about a pad, and what it wants the pad to show."""

    config: PadConfig
    online: bool | None = None
    flags: p.StatusFlag = field(default_factory=lambda: p.StatusFlag(0))
    screen: tuple[str, ...] = ()
    shown: p.Message | None = None  # the screen command the pad acknowledged last
    question: p.AskRating | None = None  # the standing question (None: nothing to ask)
    question_acked: bool = False  # the pad acknowledged the ASK_RATING of `question`
    asking_until: float = 0.0
    cancel: int | None = None  # an evaluation whose question the pad must drop
    reported: float = 0.0
    report: tuple[str, str] | None = None  # (state, detail) last reported
    identity: p.Identity | None = None
    fresh_stream: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def asking(self) -> int | None:
        """The evaluation the pad is (to be) asked about."""
        question = self.question
        return question.evaluation_id if question else None


def reason_of(reason: p.Reason) -> str:
    """The pad's reason key as the wire contract names it."""
    return p.REASON_KEYS[reason]


class Bridge:
    """One process per serial port: a link, a bus master, an outbox, a live-stream follower per window."""

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
        self.master = BusMaster(self.link, {cfg.address: cfg.line for cfg in pads}, self)
        self.name = name or port
        self.http = httpx.Client(base_url=self.server, timeout=5.0)
        self.reports_http = httpx.Client(base_url=self.server, timeout=5.0)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.delivered = threading.Condition()
        self.delivered_at: dict[int, float] = {}  # evaluation id → monotonic time the server had it
        self.heard_at: dict[int, float] = {}  # evaluation id → monotonic time its rating came off the line
        self.asks: dict[int, int] = {}  # evaluation id → ASK_RATING commands sent (new SEQs)
        self.went_offline = 0  # times a pad was declared offline by the offline rule
        self._reports: dict[int, tuple[c.DeviceState, str]] = {}
        self._reported = threading.Condition()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Open the port and start polling the pads, following the windows and delivering ratings."""
        self.link.start()
        targets: list[tuple[str, Any, tuple[Any, ...]]] = [
            ("courier", self._courier, ()),
            ("master", self.master.run, (self._stop,)),
            ("reporter", self._reporter, ()),
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
        with self._reported:
            self._reported.notify_all()
        for thread in self._threads:
            thread.join(timeout=3)
        self.link.stop()
        self.http.close()
        self.reports_http.close()
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
        if isinstance(message, p.ShortRating):
            # version 2: the id's low 16 bits name one of the questions this pad was asked
            eid = self.outbox.asked_as(message.evaluation_low, address)
            if eid is None:
                log.warning("pad %d rated evaluation …%d it was not asked", address, message.evaluation_low)
                return p.Nak(p.NakReason.NOT_ASKED)
            rating = p.Rating(eid, message.level, message.reasons, message.age_ms)
            return self._take_rating(state, rating, arrived, short=True)
        if isinstance(message, p.Status):
            self._pad_status(state, message.flags)
        elif isinstance(message, p.KeyEvent):
            log.info("pad %d (window %s) key %d", address, state.config.window, message.key)
        return p.Ack()

    def _take_rating(
        self, state: PadState, rating: p.Rating, arrived: float, short: bool = False
    ) -> p.Message:
        address, eid = state.config.address, rating.evaluation_id
        question = self.outbox.question(eid, address)
        if question is None:
            log.warning("pad %d rated evaluation %d it was not asked", address, eid)
            return p.Nak(p.NakReason.NOT_ASKED)
        window, asked_at = question
        pressed = self._pressed_at(state, rating, arrived, asked_at, short)
        if pressed is None:
            return p.Nak(p.NakReason.BAD_PAYLOAD)
        stored = StoredRating(
            eid, window, rating.level.value, [reason_of(r) for r in rating.reasons], pressed
        )
        if self.outbox.add(stored):
            self.heard_at[eid] = arrived
            log.info("window %s: evaluation %d rated %s", window, eid, stored.level)
        with state.lock:
            if state.asking == eid:
                state.question = None
        return p.Ack()

    def _pressed_at(
        self, state: PadState, rating: p.Rating, arrived: float, asked_at: datetime, short: bool = False
    ) -> datetime | None:
        """When the key was pressed, from the rating's age; None when the age is impossible.

        The press cannot precede the question: an age reaching further back than the first ASK_RATING
        (or beyond the document's maximum) is a broken counter, and taking it would date a late
        rating inside the deadline, so the rating is refused (NAK 2). An unknown age (the pad lost
        power) dates the press at its arrival, the latest it can be, so it is never early either.
        """
        arrival = datetime.now(UTC) - timedelta(seconds=time.monotonic() - arrived)
        if rating.age_ms == p.AGE_UNKNOWN:
            return arrival
        frame_seconds = (8 + (6 if short else 10) + len(rating.reasons)) * self.link.byte_time
        pressed = arrival - timedelta(seconds=rating.age_ms / 1000 + frame_seconds)
        slack = timedelta(seconds=AGE_SLACK_SECONDS + AGE_SLACK_SHARE * rating.age_ms / 1000)
        if rating.age_ms > p.MAX_AGE_MS or pressed < asked_at - slack:
            log.warning(
                "pad %d rated evaluation %d with an impossible age of %d ms (asked %.1f s before it "
                "arrived); refused",
                state.config.address,
                rating.evaluation_id,
                rating.age_ms,
                (arrival - asked_at).total_seconds(),
            )
            return None
        return max(pressed, asked_at)

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
            self.delivered_at[rating.evaluation_id] = time.monotonic()
            self.delivered.notify_all()
        return True

    # ------------------------------------------------------------------ server → pad

    def _follow(self, state: PadState) -> None:
        """Follow ``window:{window}`` live (one subscription: it carries the status, the clerk and the
        evaluations); reconnect when the stream drops."""
        ws_url = self.server.replace("http://", "ws://").replace("https://", "wss://") + "/ws"
        topic = f"window:{state.config.window}"
        while not self._stop.is_set():
            try:
                with connect(f"{ws_url}?token={state.config.token}", open_timeout=5, close_timeout=1) as ws:
                    state.fresh_stream = True
                    ws.send(json.dumps({"type": "subscribe", "topics": [topic]}))
                    while not self._stop.is_set():
                        try:
                            raw = ws.recv(timeout=1.0)
                        except TimeoutError:
                            continue
                        event = json.loads(raw)
                        if event.get("type") == "window.status":  # who sits there now: ask afresh
                            ws.send(json.dumps({"type": "resync", "topics": [topic]}))
                        self._on_event(state, event)
            except (OSError, WebSocketException, TimeoutError) as error:
                log.debug("live stream for window %s: %s", state.config.window, error)
            self._stop.wait(1.0)

    def _on_event(self, state: PadState, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        payload = frame.get("payload") or {}
        if kind == "snapshot":
            self._show(state, payload)
            if state.fresh_stream:  # the first snapshot of a connection, not a resync
                state.fresh_stream = False
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
                state.question = None
                state.cancel = eid  # the pad may show it: withdraw it
            self.master.wake()

    def _catch_up(self, state: PadState) -> None:
        """After (re)connecting: the window's pending evaluation the stream may have missed, unless
        the pad has it already or its rating waits in the outbox."""
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
        seconds = (datetime.fromisoformat(pending["deadline"]) - datetime.now(UTC)).total_seconds()
        if seconds > 1:
            payload = {
                "evaluation_id": pending["id"],
                "number": pending["ticket"],
                "timeout_seconds": int(seconds),
            }
            self._ask(state, payload)

    def _show(self, state: PadState, window: dict[str, Any]) -> None:
        """What the idle screen should say, from a window snapshot or status change."""
        clerk = window.get("clerk") or {}
        with state.lock:
            status = window.get("status") or (state.screen[0] if state.screen else "open")
            name = clerk.get("name") if clerk else (state.screen[1] if len(state.screen) > 1 else "")
            no = clerk.get("staff_no") if clerk else (state.screen[2] if len(state.screen) > 2 else "")
            state.screen = (str(status), str(name or ""), str(no or ""))
        self.master.wake()

    def _screen_message(self, state: PadState) -> p.Message | None:
        if not state.screen:
            return None
        status, name, no = state.screen
        number = state.config.window
        if status == "open":
            return p.ShowIdle(number, name[:20], no[:20], 0)
        return p.ShowPaused(number, "暂停服务" if status == "paused" else "窗口关闭")

    def _ask(self, state: PadState, payload: dict[str, Any]) -> None:
        """Ask for a rating once: not again while the question stands, nor once the outbox has it."""
        eid = int(payload["evaluation_id"])
        if self.outbox.has(eid):
            return
        timeout = int(payload.get("timeout_seconds") or 120)
        question = p.AskRating(eid, str(payload.get("number", ""))[:20], min(timeout, 0xFFFF))
        with state.lock:
            if state.asking == eid:
                return
            self.outbox.asked(eid, state.config.window, state.config.address)
            state.question, state.question_acked = question, False
            state.asking_until = time.monotonic() + timeout
        self.master.wake()

    # ------------------------------------------------------------------ the bus master's driver

    def command_for(self, address: int) -> p.Message | None:
        """The next command this pad should get: a withdrawal, its screen, then the question."""
        state = self.pads[address]
        with state.lock:
            if state.cancel is not None:
                return p.Cancel(state.cancel)
            screen = self._screen_message(state)
            if screen is not None and screen != state.shown:
                return screen
            question = state.question
            if question is None or state.question_acked:
                return None
            if time.monotonic() > state.asking_until - 1:
                state.question = None  # its time ran out before the pad could be reached
                return None
        if self.outbox.has(question.evaluation_id):
            return None
        return question

    def command_done(self, address: int, message: p.Message, reply: p.Message) -> None:
        """The pad answered a command."""
        state = self.pads[address]
        refused = isinstance(reply, p.Nak)
        if refused:
            log.warning("pad %d refused %s: %s", address, type(message).__name__, reply)
        with state.lock:
            if isinstance(message, p.Cancel):
                if state.cancel == message.evaluation_id:
                    state.cancel = None
            elif isinstance(message, p.ShowIdle | p.ShowPaused):
                state.shown = message  # a refused screen is not sent again unchanged either
            elif isinstance(message, p.AskRating):
                self.asks[message.evaluation_id] = self.asks.get(message.evaluation_id, 0) + 1
                if state.question is not None and state.question.evaluation_id == message.evaluation_id:
                    if refused:
                        state.question = None
                    else:
                        state.question_acked = True

    def polled(self, address: int, reply: p.Message) -> None:
        """A poll's answer: a STATUS tells whether the acknowledged question is still on screen."""
        state = self.pads[address]
        if isinstance(reply, p.Status):
            self._pad_status(state, reply.flags)
            self._repair_question(state, reply.flags)
        elif state.online is not True:
            self._pad_status(state, state.flags | p.StatusFlag.ONLINE)

    def identified(self, address: int, identity: p.Identity) -> bool:
        """A pad said who it is (at start or back from offline): drive it only if it speaks version 1 or 2."""
        state = self.pads[address]
        state.identity = identity
        if identity.protocol_version not in p.SUPPORTED_VERSIONS:
            spoken = " and ".join(str(v) for v in p.SUPPORTED_VERSIONS)
            detail = f"protocol version {identity.protocol_version} not supported (bridge speaks {spoken})"
            if state.report != (c.DeviceState.ERROR.value, detail):
                log.warning(
                    "pad %d (window %s, %s %s) speaks %s; not driven",
                    address,
                    state.config.window,
                    identity.vendor,
                    identity.model,
                    detail,
                )
            state.online = False
            self._report(state, c.DeviceState.ERROR, detail)
            return False
        with state.lock:
            state.shown = None  # paint it afresh, and ask again what stands unanswered
            state.question_acked = False
        self._pad_status(state, p.StatusFlag.ONLINE, force=state.online is not True)
        return True

    def lost(self, address: int) -> None:
        """The pad went silent (the one offline rule)."""
        state = self.pads[address]
        with state.lock:
            state.shown = None
            state.question_acked = False
        self.went_offline += 1
        if state.online is not False:
            state.online = False
            log.warning("pad %d (window %s) offline", address, state.config.window)
            self._report(state, c.DeviceState.OFFLINE, "no answer on the serial line")

    def priority(self, address: int) -> bool:
        """A pad with a question on screen is served first: its rating is the one a person waits for."""
        state = self.pads[address]
        return state.question is not None and state.question_acked

    # ------------------------------------------------------------------ health

    def _repair_question(self, state: PadState, flags: p.StatusFlag) -> None:
        """The pad acknowledged the question, yet its own report (a STATUS polled after that ACK) says it
        shows none and holds no rating: it lost it (a reboot). Ask again while the question stands."""
        if flags & (p.StatusFlag.ASKING | p.StatusFlag.RATING_PENDING):
            return
        with state.lock:
            question = state.question
            left = state.asking_until - time.monotonic()
            if question is None or not state.question_acked or left < REASK_MARGIN:
                return
        if self.outbox.has(question.evaluation_id):
            return
        log.info(
            "pad %d lost the question for evaluation %d; asking again",
            state.config.address,
            question.evaluation_id,
        )
        with state.lock:
            if state.question is question:
                state.question = p.AskRating(question.evaluation_id, question.ticket_number, int(left))
                state.question_acked = False

    def _pad_status(self, state: PadState, flags: p.StatusFlag, force: bool = False) -> None:
        if not self.link.connected.is_set():
            return  # an answer read just before the port went: the pad is offline now, not "ok"
        changed = force or state.online is not True or flags != state.flags
        state.online = True
        state.flags = flags
        if changed or time.monotonic() - state.reported > REPORT_EVERY:
            if flags & p.StatusFlag.TAMPER:
                self._report(state, c.DeviceState.ERROR, "tamper")
            else:
                self._report(state, c.DeviceState.OK, "low power" if flags & p.StatusFlag.LOW_POWER else "")

    def _on_port(self, up: bool, detail: str) -> None:
        if up:
            return
        for slot in self.master.slots.values():
            slot.inflight = None
            if slot.phase is not PadPhase.UNSUPPORTED:
                slot.phase = PadPhase.OFFLINE
        for state in self.pads.values():
            with state.lock:
                state.shown = None
                state.question_acked = False
            state.online = False
            self._report(state, c.DeviceState.OFFLINE, detail)

    def _report(self, state: PadState, device_state: c.DeviceState, detail: str) -> None:
        """Queue a device report (sent by the reporter thread: the bus never waits for the server)."""
        with self._reported:
            # What a pad said (ok, error) is queued only while its port is there, checked under the
            # lock that the port's going queues "offline" under: a late answer cannot outrun it.
            if device_state is not c.DeviceState.OFFLINE and not self.link.connected.is_set():
                return
            state.reported = time.monotonic()
            state.report = (device_state.value, detail)
            self._reports[state.config.address] = (device_state, detail[:200])  # the contract's limit
            self._reported.notify_all()

    def _reporter(self) -> None:
        while not self._stop.is_set():
            with self._reported:
                while not self._reports and not self._stop.is_set():
                    self._reported.wait(1.0)
                reports, self._reports = self._reports, {}
            unsent = {
                address: report
                for address, report in reports.items()
                if not self._send_report(address, *report)
            }
            if unsent:  # the server away or too busy: each pad's latest state goes again shortly,
                with self._reported:  # unless a newer one came meanwhile
                    self._reports = {**unsent, **self._reports}
                self._stop.wait(REPORT_RETRY)

    def _send_report(self, address: int, device_state: c.DeviceState, detail: str) -> bool:
        """POST one pad's state to the server; whether the server took it."""
        state = self.pads[address]
        body = c.DeviceStatus(
            kind=c.DeviceKind.PAD, device=f"pad-{state.config.window}", state=device_state, detail=detail
        )
        try:
            answer = self.reports_http.post(
                f"{c.API_PREFIX}/devices/status",
                content=body.model_dump_json(),
                headers={"Authorization": f"Bearer {state.config.token}", "Content-Type": "application/json"},
            )
        except httpx.HTTPError:
            return False
        return answer.is_success or answer.status_code in (401, 403, 422)  # refused for good: not retried

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
