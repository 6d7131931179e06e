"""A seeded simulation of a hall's working days, driven through the service layer.

Every change goes through the same service functions the API calls (issue, check-in, call-next,
start, conclude, no-show, transfer, park, call back, pause, rate, complete a promised case, the
day's chores), each in its own unit of work at the simulated time, so the event rows, tickets,
cases and evaluations are exactly what a real hall would leave behind. Same seed, same hall, same
days → the same activity.

The model (all times hall-local):
- arrivals: a Poisson process whose rate follows the day's curve — a morning peak around 9–10,
  a dip before and after the lunch break, a smaller afternoon peak, a quiet last hour — scaled so
  the hall's staffed windows run at about 70 % of their capacity (before pauses);
- services weighted by how many windows serve them and a per-service popularity; 6 % of tickets
  priority (绿色通道) where allowed, 8 % booked appointments checked in at the kiosk;
- at the window: 4 % no-shows (after one recall), 3 % transfers to another service, 2 % parked and
  called back; handling times log-normal around each service's average; outcomes 即办 / 承诺 / 补正
  / 不予受理 by the service's case type, with a per-service 补正 propensity (some guides are unclear);
- the pad rates 85 % of cases, mostly 非常满意/满意, with 差评 more likely after a long wait;
- clerks open their windows at the first period, pause for lunch, take one or two short pauses
  (暂离, meeting), close at the end of the day; promised cases are completed on later days, and
  差评 follow-ups move through 核实 → 整改 → 回访 over the following days.

The simulation sets the runtime's clock to the simulated time while it runs (and restores it):
run it against a database no live server is using.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.domain import evaluations as ev
from queue_server.domain.actors import Actor
from queue_server.domain.errors import DomainError
from queue_server.domain.hall import HallCatalogue
from queue_server.runtime import Runtime
from queue_server.services.cases import appointments
from queue_server.services.cases import outcomes as cases
from queue_server.services.cases import slots as appointment_slots
from queue_server.services.desk import windows as w
from queue_server.services.evaluations import ratings as evaluations
from queue_server.services.operations.housekeeping import chores
from queue_server.services.tickets import check_in
from queue_server.services.tickets import issue as tickets
from queue_server.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

DEFAULT_PERIODS = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 0)))
UTILISATION = 0.7
PRIORITY_SHARE, APPOINTMENT_SHARE = 0.06, 0.08
NO_SHOW, TRANSFER, PARK = 0.04, 0.03, 0.02
RATED = 0.85
Progress = Callable[[int, int], None]


@dataclass
class Summary:
    """What a simulation did."""

    days: int = 0
    issued: int = 0
    appointments: int = 0
    refused: int = 0
    served: int = 0
    no_shows: int = 0
    transfers: int = 0
    rated: int = 0
    bad: int = 0
    pauses: int = 0
    errors: int = 0


@dataclass
class Desk:
    """A staffed window during the simulation."""

    number: str
    actor: Actor
    pad: Actor
    services: frozenset[int]
    state: str = "closed"  # closed | idle | busy | paused
    ticket: str | None = None  # the number at the window
    parked: list[str] = field(default_factory=list)
    want: str | None = None  # "lunch", "pause", "close": do it once the window is free
    paused_for: str | None = None


@dataclass
class ServiceFacts:
    """What the simulation needs about a service."""

    id: int
    code: str
    seconds: float
    case_type: str
    materials: list[str]
    priority_allowed: bool
    correction: float


def curve(minute_of_day: float, periods: tuple[tuple[time, time], ...]) -> float:
    """Relative arrival rate at a local minute of the day (0 outside the issuing periods)."""
    spans = [(p.hour * 60 + p.minute, q.hour * 60 + q.minute) for p, q in periods]
    inside = [(a, b) for a, b in spans if a <= minute_of_day < b]
    if not inside:
        return 0.0
    a, b = inside[0]
    hour = minute_of_day / 60
    shape = (
        0.6 + 0.9 * math.exp(-(((hour - 9.6) / 0.9) ** 2)) + 0.45 * math.exp(-(((hour - 15.0) / 1.0) ** 2))
    )
    if minute_of_day - a < 20:  # the doors just opened: the queue outside comes in
        shape += 0.5
    if b - minute_of_day < 45:  # before a break or the close people stop coming
        shape *= 0.55
    return shape


class Simulation:
    """One run: the hall's facts, the random source, the clock and the agenda of things to do."""

    def __init__(self, runtime: Runtime, hall: str | None, seed: int, load: float = UTILISATION) -> None:
        self.runtime = runtime
        self.load = load
        self.rng = random.Random(seed)
        self.now = datetime(2000, 1, 1, tzinfo=UTC)
        self.agenda: list[tuple[datetime, int, Callable[[], None]]] = []
        self.seq = itertools.count()
        self.summary = Summary()
        self.hall_id, self.catalogue = runtime.read_sync(lambda uow: self._hall(uow, hall))
        self.zone = ZoneInfo(self.catalogue.timezone)
        self.kiosk = Actor(self.hall_id, "kiosk", name="simulated kiosk")
        self.manager = Actor(self.hall_id, "manager", name="simulator")
        with runtime.read_engine.connect() as conn:
            self.services, self.desks = self._facts(conn)
        self.slots: dict[tuple[int, datetime], int] = {}
        self.waited: dict[str, float] = {}

    # ---------------------------------------------------------------- setup

    @staticmethod
    def _hall(uow: UnitOfWork, code: str | None) -> tuple[int, HallCatalogue]:
        hall_id = uow.stores.hall.hall_id(code)
        return hall_id, uow.catalogue(hall_id)

    def _facts(self, conn: Connection) -> tuple[dict[int, ServiceFacts], dict[str, Desk]]:
        s = t.services.c
        rows = conn.execute(
            select(s.id, s.code, s.avg_handle_seconds, s.case_type, s.guide, s.priority_allowed).where(
                s.hall_id == self.hall_id, s.active.is_(True)
            )
        )
        services = {
            r.id: ServiceFacts(
                r.id,
                r.code,
                float(r.avg_handle_seconds),
                r.case_type,
                [m.get("name", "") for m in (r.guide or {}).get("materials", []) if m.get("name")],
                bool(r.priority_allowed),
                self.rng.choice((0.03, 0.05, 0.08, 0.12, 0.25)),
            )
            for r in rows
        }
        u = t.users.c
        clerks = {
            r.window_id: r
            for r in conn.execute(
                select(u.id, u.name, u.window_id).where(
                    u.hall_id == self.hall_id, u.role == "clerk", u.active.is_(True)
                )
            )
        }
        desks = {}
        for window in self.catalogue.windows.values():
            served = frozenset(rule.service_id for rule in window.rules if rule.service_id in services)
            if not served:
                continue
            clerk = clerks.get(window.id)
            actor = Actor(
                self.hall_id,
                "clerk",
                window=window.number,
                user_id=clerk.id if clerk else None,
                name=clerk.name if clerk else "",
            )
            pad = Actor(self.hall_id, "evaluator", window=window.number, name="simulated pad")
            desks[window.number] = Desk(window.number, actor, pad, served)
        return services, desks

    # ---------------------------------------------------------------- clock and agenda

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        """Do ``action`` at ``when``."""
        heapq.heappush(self.agenda, (when, next(self.seq), action))

    def later(self, seconds: float, action: Callable[[], None]) -> None:
        """Do ``action`` ``seconds`` from now."""
        self.at(self.now + timedelta(seconds=seconds), action)

    def write(self, handler: Callable[[UnitOfWork], Any]) -> Any:
        """Run a service call at the simulated time; a refusal is logged and returns None."""
        try:
            return self.runtime.write_sync(handler)
        except DomainError as refused:
            log.debug("refused at %s: %s", self.now, refused)
            self.summary.errors += 1
            return None

    def run_until(self, end: datetime) -> None:
        """Work through the agenda up to ``end``."""
        while self.agenda and self.agenda[0][0] <= end:
            when, _, action = heapq.heappop(self.agenda)
            self.now = max(self.now, when)
            action()
        self.now = max(self.now, end)

    # ---------------------------------------------------------------- a day

    def local(self, day: date, clock: time) -> datetime:
        """A hall-local time of ``day`` as an aware instant."""
        return datetime.combine(day, clock, self.zone)

    def day(self, day: date) -> None:
        """Plan and run one business day."""
        hours = self.catalogue.settings.hours
        if not hours.is_open_day(day):
            return
        periods = hours.periods_on(day) or DEFAULT_PERIODS
        self.now = max(self.now, self.local(day, time(7, 30)))
        self.write(lambda uow: chores(uow, self.hall_id))
        self._complete_promised()
        self._follow_up()
        first, last = periods[0], periods[-1]
        for desk in self.desks.values():
            self.at(
                self.local(day, first[0]) - timedelta(minutes=self.rng.uniform(0, 10)),
                partial(self.open, desk),
            )
            for _ in range(self.rng.choice((0, 1, 1, 2))):
                moment = self.rng.uniform(self._minutes(first[0]) + 30, self._minutes(last[1]) - 40)
                self.at(
                    self.local(day, time(0)) + timedelta(minutes=moment),
                    partial(self.ask, desk, "pause"),
                )
            for (_, end), (start, _) in itertools.pairwise(periods):
                self.at(self.local(day, end), partial(self.ask, desk, "lunch"))
                self.at(
                    self.local(day, start) - timedelta(minutes=self.rng.uniform(0, 5)),
                    partial(self.back, desk),
                )
            self.at(
                self.local(day, last[1]) + timedelta(minutes=self.rng.uniform(0, 10)),
                partial(self.ask, desk, "close"),
            )
        self._arrivals(day, periods)
        self.run_until(self.local(day, time(20, 0)))
        self.summary.days += 1

    @staticmethod
    def _minutes(clock: time) -> float:
        return clock.hour * 60 + clock.minute

    def _arrivals(self, day: date, periods: tuple[tuple[time, time], ...]) -> None:
        """Plan the day's arrivals by thinning a Poisson process at the curve's peak rate."""
        capacity = sum(
            60.0 / (sum(self.services[s].seconds for s in d.services) / len(d.services) / 60)
            for d in self.desks.values()
        )  # tickets per hour the staffed windows can serve
        mean_shape = self._mean_shape(periods)
        peak = max(curve(m, periods) for m in range(24 * 60))
        rate = self.load * capacity / 60 / mean_shape  # per minute at shape 1.0
        cutoff = self.catalogue.settings.hours.cutoff_minutes
        issuing = tuple(
            (a, (datetime.combine(day, b) - timedelta(minutes=cutoff)).time()) for a, b in periods
        )
        minute = self._minutes(periods[0][0])
        end = self._minutes(periods[-1][1])
        while True:
            minute += self.rng.expovariate(rate * peak)
            if minute >= end:
                break
            if self.rng.random() * peak < curve(minute, issuing):
                when = self.local(day, time(0)) + timedelta(minutes=minute)
                self.at(when, self.arrive)

    @staticmethod
    def _mean_shape(periods: tuple[tuple[time, time], ...]) -> float:
        values = [curve(m, periods) for m in range(24 * 60)]
        inside = [v for v in values if v > 0]
        return sum(inside) / len(inside) if inside else 1.0

    # ---------------------------------------------------------------- citizens

    def _pick_service(self) -> ServiceFacts:
        weights: dict[int, float] = {}
        for desk in self.desks.values():
            for sid in desk.services:
                weights[sid] = weights.get(sid, 0.0) + 1.0 / len(desk.services)
        ids = sorted(weights)
        if not hasattr(self, "_popularity"):
            self._popularity = {sid: self.rng.lognormvariate(0, 0.3) for sid in ids}
        chosen = self.rng.choices(ids, [weights[i] * self._popularity[i] for i in ids])[0]
        return self.services[chosen]

    def arrive(self) -> None:
        """A citizen takes a ticket (or checks in a booking) at the kiosk."""
        service = self._pick_service()
        issued = None
        if self.rng.random() < APPOINTMENT_SHARE:
            issued = self._appointment(service)
        if issued is None:
            priority = None
            if service.priority_allowed and self.rng.random() < PRIORITY_SHARE:
                priority = self.rng.choice(list(c.PriorityClass))
            command = c.IssueTicket(service_code=service.code, priority_class=priority)
            issued = self.write(lambda uow: tickets.issue_ticket(uow, self.kiosk, command))
        if issued is None:
            self.summary.refused += 1
            return
        self.summary.issued += 1
        self.waited[issued.number] = self.now.timestamp()
        for desk in self.desks.values():
            if desk.state == "idle" and service.id in desk.services:
                self.later(self.rng.uniform(3, 20), partial(self.call, desk))

    def _appointment(self, service: ServiceFacts) -> c.TicketPublic | None:
        """A booked citizen checks in: their half-hour slot (opened and booked here) has begun."""
        local = self.now.astimezone(self.zone)
        start = local.replace(minute=local.minute // 30 * 30, second=0, microsecond=0)
        key = (service.id, start)
        if key not in self.slots:
            command = c.OpenSlot(
                service_code=service.code,
                day=start.date(),
                start=start.time(),
                end=(start + timedelta(minutes=30)).time(),
                capacity=200,
            )
            slot = self.write(lambda uow: appointment_slots.open_slot(uow, self.manager, command))
            if slot is None:
                return None
            self.slots[key] = slot.id
        phone = f"13{self.rng.randrange(10**9):09d}"
        booking = c.BookAppointment(slot_id=self.slots[key], phone=phone)
        booked = self.write(lambda uow: appointments.book(uow, self.kiosk, booking))
        if booked is None:
            return None
        result = self.write(
            lambda uow: check_in.check_in(uow, self.kiosk, c.AppointmentCheckIn(code=booked.code))
        )
        if not isinstance(result, c.CheckedIn):
            return None
        self.summary.appointments += 1
        return result.ticket

    # ---------------------------------------------------------------- windows

    def open(self, desk: Desk) -> None:
        """The clerk logs in and opens the window."""
        if self.write(lambda uow: w.open_window(uow, desk.actor, desk.number)) is not None:
            desk.state = "idle"
            self.later(self.rng.uniform(5, 60), lambda: self.call(desk))

    def ask(self, desk: Desk, what: str) -> None:
        """The clerk means to pause, break for lunch or close: at once if free, else after this case."""
        desk.want = what
        if desk.state == "idle":
            self._settle(desk)

    def back(self, desk: Desk, after: str = "lunch") -> None:
        """Back from lunch (or a short pause)."""
        if desk.state != "paused" or desk.paused_for != after:
            return
        if self.write(lambda uow: w.resume(uow, desk.actor, desk.number)):
            desk.state, desk.paused_for = "idle", None
            self.later(self.rng.uniform(5, 30), lambda: self.call(desk))

    def _settle(self, desk: Desk) -> bool:
        """Do what the clerk wanted once the window is free; True when the window stopped calling."""
        want, desk.want = desk.want, None
        if want is None or desk.state != "idle":
            return False
        if want == "close":
            if self.write(lambda uow: w.close_window(uow, desk.actor, desk.number)):
                desk.state = "closed"
            return True
        reason = (
            c.PauseReason.LUNCH
            if want == "lunch"
            else self.rng.choice(
                (c.PauseReason.AWAY, c.PauseReason.AWAY, c.PauseReason.MEETING, c.PauseReason.OTHER)
            )
        )
        if self.write(lambda uow: w.pause(uow, desk.actor, desk.number, c.Pause(reason=reason))):
            desk.state, desk.paused_for = "paused", want
            self.summary.pauses += want == "pause"
            if want == "pause":
                self.later(self.rng.uniform(5, 25) * 60, lambda: self.back(desk, "pause"))
        return True

    def call(self, desk: Desk) -> None:
        """下一位 (or call back a parked citizen who has returned)."""
        if desk.state != "idle" or self._settle(desk):
            return
        if desk.parked and self.rng.random() < 0.5:
            number = desk.parked.pop(0)
            result = self.write(
                lambda uow: w.callback(uow, desk.actor, desk.number, c.Callback(ticket=number))
            )
        else:
            result = self.write(lambda uow: w.call_next(uow, desk.actor, desk.number))
        if result is None or result.ticket is None:
            self.later(self.rng.uniform(150, 240), lambda: self.call(desk))  # nobody: look again later
            return
        desk.state, desk.ticket = "busy", result.ticket.number
        if self.rng.random() < NO_SHOW:
            self.later(30, lambda: self.write(lambda uow: w.recall(uow, desk.actor, desk.number)))
            self.later(self.rng.uniform(70, 120), lambda: self._finish(desk, "no_show"))
            return
        self.later(self.rng.uniform(20, 90), lambda: self.serve(desk))

    def serve(self, desk: Desk) -> None:
        """The citizen reaches the window: service starts, and ends some minutes later."""
        self.write(lambda uow: w.start(uow, desk.actor, desk.number))
        day = self.now.astimezone(self.zone).date()
        number = desk.ticket
        ticket = (
            self.runtime.read_sync(lambda uow: uow.stores.tickets.by_number(self.hall_id, day, number))
            if number is not None
            else None
        )
        service = self.services[ticket.service_id] if ticket is not None else self._pick_service()
        seconds = self.rng.lognormvariate(math.log(service.seconds) - 0.125, 0.5)
        roll = self.rng.random()
        end = "transfer" if roll < TRANSFER else "park" if roll < TRANSFER + PARK else "conclude"
        self.later(max(30.0, seconds), lambda: self._finish(desk, end, service))

    def _finish(self, desk: Desk, how: str, service: ServiceFacts | None = None) -> None:
        number = desk.ticket
        if how == "no_show":
            if self.write(lambda uow: w.no_show(uow, desk.actor, desk.number)):
                self.summary.no_shows += 1
        elif how == "transfer" and service is not None:
            others = [s for s in self.services.values() if s.id != service.id and self._served(s.id)]
            target = self.rng.choice(others) if others else service
            command = c.Transfer(to_service=target.code, reason="非本窗口事项，转至对应窗口")
            if self.write(lambda uow: w.transfer(uow, desk.actor, desk.number, command)):
                self.summary.transfers += 1
        elif how == "park" and number is not None:
            if self.write(lambda uow: w.park(uow, desk.actor, desk.number)):
                desk.parked.append(number)
        elif service is not None:
            self._conclude(desk, service)
        desk.state, desk.ticket = "idle", None
        self.later(self.rng.uniform(10, 60), lambda: self.call(desk))

    def _served(self, service_id: int) -> bool:
        return any(service_id in d.services for d in self.desks.values())

    def _conclude(self, desk: Desk, service: ServiceFacts) -> None:
        roll = self.rng.random()
        command = c.Conclude()
        if roll < service.correction and service.materials:
            missing = self.rng.sample(
                service.materials, k=min(len(service.materials), self.rng.choice((1, 1, 2)))
            )
            command = c.Conclude(outcome=c.Outcome.CORRECTION, missing_items=missing)
        elif roll < service.correction + 0.01:
            command = c.Conclude(outcome=c.Outcome.REFUSED, reasons="不符合受理条件")
        elif service.case_type != "immediate" or roll > 0.97:
            command = c.Conclude(outcome=c.Outcome.PROMISED)
        waited = self.now.timestamp() - self.waited.pop(desk.ticket or "", self.now.timestamp())
        if self.write(lambda uow: w.conclude(uow, desk.actor, desk.number, command)) is None:
            return
        self.summary.served += 1
        if self.rng.random() < RATED:
            self.later(self.rng.uniform(3, 40), lambda: self._rate(desk, waited))

    def _rate(self, desk: Desk, waited: float) -> None:
        """The citizen presses a key on the pad."""
        pending = self.write(lambda uow: evaluations.pending_at_window(uow, desk.pad, desk.number))
        if pending is None:
            return
        bad = 0.02 + (0.06 if waited > 45 * 60 else 0.0)
        roll = self.rng.random()
        if roll < bad:
            level = self.rng.choice(
                (ev.Level.DISSATISFIED, ev.Level.DISSATISFIED, ev.Level.VERY_DISSATISFIED)
            )
            reasons = ["long_wait"] if waited > 45 * 60 else [self.rng.choice(ev.REASONS)]
        else:
            level = self.rng.choices(
                (ev.Level.VERY_SATISFIED, ev.Level.SATISFIED, ev.Level.BASICALLY_SATISFIED), (72, 21, 7)
            )[0]
            reasons = []
        body = c.RateEvaluation(level=c.EvaluationLevel(level.value), reasons=reasons)
        if self.write(lambda uow: evaluations.rate(uow, desk.pad, pending.id, body)) is not None:
            self.summary.rated += 1
            self.summary.bad += level in ev.BAD

    def _complete_promised(self) -> None:
        """Back offices finish some promised cases each morning (most within their time limit)."""
        open_cases = self.write(lambda uow: cases.list_cases(uow, self.manager, status="open")) or []
        clerk = next((d.actor for d in self.desks.values() if d.actor.user_id is not None), self.manager)
        for case in open_cases:
            if case.outcome == "promised" and self.rng.random() < 0.45:
                self.write(partial(cases.complete_case, actor=clerk, case_id=case.id))

    def _follow_up(self) -> None:
        """The supervision office works on open 差评 follow-ups: most move one stage a day."""
        open_ones = (
            self.write(lambda uow: evaluations.list_follow_ups(uow, self.manager, open_only=True)) or []
        )
        notes = {"verify": "已电话核实情况", "rectify": "已约谈窗口人员并整改", "revisit": "已回访群众"}
        for item in open_ones:
            if item.stage not in notes or self.rng.random() > 0.7:
                continue
            satisfied = self.rng.random() < 0.85 if item.stage == "revisit" else None
            step = c.FollowUpStep(action=item.stage, note=notes[item.stage], satisfied=satisfied)
            self.write(
                partial(evaluations.step_follow_up, actor=self.manager, follow_up_id=item.id, step=step)
            )


def simulate(
    runtime: Runtime,
    hall: str | None,
    start: date,
    days: int,
    seed: int,
    progress: Progress | None = None,
    *,
    load: float = UTILISATION,
) -> Summary:
    """Simulate ``days`` calendar days of hall ``hall`` from ``start`` (non-working days pass quietly).

    ``load`` is the share of the staffed windows' capacity the arrivals ask for (before pauses).
    """
    simulation = Simulation(runtime, hall, seed, load)
    clock = runtime.clock
    runtime.clock = lambda: simulation.now
    try:
        for offset in range(days):
            simulation.day(start + timedelta(days=offset))
            if progress is not None:
                progress(offset + 1, days)
    finally:
        runtime.clock = clock
    return simulation.summary
