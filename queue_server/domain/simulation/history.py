"""Learning a hall from its event history (pure): demand, handling, what happens at the window.

The adapter turns the event rows into ``Journey``s (one per ticket: each time it queued, was
called, and how that visit ended); this module counts them into figures, each with the amount of
data behind it, and turns a recorded day back into arrivals to replay.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from queue_server.domain.simulation.breaks import WindowBreaks
from queue_server.domain.simulation.model import Arrival, Handling, Recorded, ServiceSpec, Shape
from queue_server.domain.workdays import WORKWEEK, WorkingCalendar

Shifts = Mapping[str, Sequence[tuple[float, float]]]
PAUSE_SECONDS = 300.0  # a window idle this long while people wait is paused (暂离), not slow
BUSY_TO_THE_END = 90.0  # a window whose last ticket ended this close to its break was busy up to it
MIN_SAMPLES = 20  # below this (on either side) a window's handling times are not tested as different
PACE_T = 3.0  # |Welch t| on log handling times from which a window's pace counts as its own
GapKind = Literal["busy", "idle", "moved"]
# Kinds of day demand is learned by: 0–6 the weekdays (0 = Monday) of ordinary days, and the
# working calendar's exceptions apart, so a 调休 Saturday is not taken for a Saturday nor a holiday
# Monday for a Monday. Their names are the catalogue's (``advisor.kind.<kind>``).
MAKEUP = 7  # 调休: a weekend day worked (people come as on a working day)
HOLIDAY = 8  # a declared holiday the hall opened on
SEASON_SPAN = 14  # days either side of the date a year back that make its season
SEASON_MIN_DAYS = 5  # fewer ordinary days on either side: no season factor (1.0)
YEAR = 364  # 52 weeks: a year back on the same weekday


def day_kind(day: date, calendar: WorkingCalendar) -> int:
    """The kind of ``day`` for demand: its weekday, or ``MAKEUP`` / ``HOLIDAY`` by the hall's calendar."""
    if day in calendar.holidays:
        return HOLIDAY
    if day in calendar.workdays and day.weekday() not in WORKWEEK:
        return MAKEUP
    return day.weekday()


@dataclass(frozen=True)
class Season:
    """How busy the season of a day is against the eight weeks before it, as seen a year earlier.

    ``factor`` = mean tickets a day on the ordinary days within ``SEASON_SPAN`` days of the date a
    year back (``days``) / the mean over the eight weeks before that date (``baseline_days``). The
    recent eight weeks' rates times the factor are the forecast: the seasonal swing of last year
    applied to this year's level. Without enough days on either side the factor is 1.
    """

    factor: float
    days: int
    baseline_days: int


def season(per_day: Mapping[date, int], day: date, calendar: WorkingCalendar, lookback: int) -> Season:
    """The season factor of ``day`` from the hall's tickets per day (``per_day``) a year earlier."""
    then = day - timedelta(days=YEAR)

    def ordinary(first: date, last: date) -> list[int]:
        return [
            n
            for d, n in per_day.items()
            if first <= d <= last and day_kind(d, calendar) < MAKEUP and calendar.is_working_day(d)
        ]

    around = ordinary(then - timedelta(days=SEASON_SPAN), then + timedelta(days=SEASON_SPAN))
    before = ordinary(then - timedelta(days=lookback), then - timedelta(days=1))
    if len(around) < SEASON_MIN_DAYS or len(before) < SEASON_MIN_DAYS or not sum(before):
        return Season(1.0, len(around), len(before))
    return Season(statistics.fmean(around) / statistics.fmean(before), len(around), len(before))


@dataclass
class Visit:
    """One stay of a ticket in a queue and at a window (a transfer starts another)."""

    service: str
    queued: float  # seconds from the day's start
    called: float | None = None
    window: str | None = None
    ended: float | None = None
    outcome: str | None = None  # concluded | no_show | transferred | parked | None (never ended)
    resumed: float | None = None  # called back after being parked (挂起 → 回呼)
    parked_for: float = 0.0  # seconds at the window before it was parked

    @property
    def busy(self) -> float | None:
        """Seconds the window spent on this visit (both stretches of a parked and called-back ticket)."""
        if self.called is None or self.ended is None:
            return None
        if self.resumed is not None:
            return self.parked_for + self.ended - self.resumed
        return self.ended - self.called


@dataclass
class Journey:
    """A ticket's whole day, as the events tell it (times in seconds from its day's start)."""

    ticket: int
    day: date
    service: str
    issued: float
    priority: bool = False
    appointment: bool = False
    recalls: int = 0
    visits: list[Visit] = field(default_factory=list)


@dataclass(frozen=True)
class Rate:
    """A share with the count it is out of (how much data stands behind it)."""

    share: float
    of: int


@dataclass(frozen=True)
class Distribution:
    """Handling times of one service (or one window for it): n, mean, coefficient of variation, p90."""

    n: int
    mean: float
    cv: float
    p90: float


@dataclass(frozen=True)
class ServiceLearned:
    """What the history says about one service."""

    code: str
    tickets: int
    hourly: dict[int, tuple[float, ...]]  # kind of day (``day_kind``) → mean arrivals in each hour 0..23
    days: dict[int, int]  # kind of day → days observed
    handling: Distribution | None
    by_window: dict[str, Distribution]  # windows whose handling differs from the others' (``_differs``)
    no_show: Rate
    recall: Rate  # recalls per call
    transfer: Rate
    transfer_to: tuple[str, ...]  # where transfers went (repeated in proportion)
    priority: Rate
    appointment: Rate
    samples: tuple[float, ...] = ()

    def rates(self, kind: int | None = None) -> tuple[tuple[float, ...], int]:
        """Mean arrivals by hour on a ``kind`` of day, and the days behind them.

        A kind never seen: a 调休 day takes the working weekdays' mean (people come as on a working
        day), any other all days' mean."""
        if kind is not None and self.days.get(kind):
            return self.hourly[kind], self.days[kind]
        pool = {d: n for d, n in self.days.items() if d in WORKWEEK} if kind == MAKEUP else {}
        pool = pool or dict(self.days)
        total_days = sum(pool.values())
        if not total_days:
            return (0.0,) * 24, 0
        return tuple(
            sum(self.hourly[d][h] * n for d, n in pool.items()) / total_days for h in range(24)
        ), total_days

    def pace(self) -> dict[str, float]:
        """Window → its handling time for this service as a multiple of the service's mean."""
        if self.handling is None or not self.handling.mean:
            return {}
        return {w: d.mean / self.handling.mean for w, d in self.by_window.items()}

    def spec(self, kind: int | None = None, factor: float = 1.0) -> ServiceSpec:
        """The service as a simulation input: its ``kind`` of day's rates times the season ``factor``."""
        rates = tuple(r * factor for r in self.rates(kind)[0])
        handling = (
            Handling(self.handling.mean, self.handling.cv, Shape.SAMPLES, self.samples)
            if self.handling is not None
            else Handling(600.0)
        )
        return ServiceSpec(
            self.code,
            rates,
            handling,
            priority_share=self.priority.share,
            appointment_share=self.appointment.share,
            no_show=self.no_show.share,
            transfer=self.transfer.share,
            transfer_to=self.transfer_to,
        )


@dataclass(frozen=True)
class Learned:
    """The hall's history in figures."""

    days: int
    tickets: int
    services: dict[str, ServiceLearned]
    turnaround: float  # mean seconds from a window freeing to its next call when someone waited
    reaction: float  # mean seconds from a ticket's arrival to the call of an idle window
    no_show_seconds: float  # median seconds a window spends on a no-show
    season: Season = Season(1.0, 0, 0)  # the forecast day's season (set by the forecast)
    kind: int | None = None  # the forecast day's kind (``day_kind``; set by the forecast)
    # Each window's breaks and 暂离 from its recorded stretches (``breaks.learn_breaks``; set by
    # the forecast).
    breaks: Mapping[str, WindowBreaks] = field(default_factory=dict)

    def window_pace(self) -> dict[str, tuple[tuple[str, float], ...]]:
        """Window → (service, multiple of the service's mean handling) where the window differs."""
        out: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for code, known in sorted(self.services.items()):
            for window, factor in sorted(known.pace().items()):
                out[window].append((code, factor))
        return {w: tuple(p) for w, p in out.items()}


def _distribution(values: Sequence[float]) -> Distribution | None:
    if not values:
        return None
    ordered = sorted(values)
    mean = statistics.fmean(ordered)
    sd = statistics.pstdev(ordered) if len(ordered) > 1 else 0.0
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    return Distribution(len(ordered), mean, sd / mean if mean else 0.0, p90)


def _differs(mine: Sequence[float], others: Sequence[float]) -> bool:
    """Whether a window's handling times differ from the other windows' for the same service.

    Welch's t-test on the logarithms (handling times are skewed, their logarithms nearly normal),
    with at least ``MIN_SAMPLES`` times on each side and |t| ≥ ``PACE_T``: a strict level (about
    0.3 % two-sided), since a hall with hundreds of windows tests hundreds of pairs and a window
    wrongly made slow would move the recommendation."""
    if len(mine) < MIN_SAMPLES or len(others) < MIN_SAMPLES:
        return False
    a = [math.log(max(x, 1.0)) for x in mine]
    b = [math.log(max(x, 1.0)) for x in others]
    spread = statistics.variance(a) / len(a) + statistics.variance(b) / len(b)
    if spread <= 0:
        return statistics.fmean(a) != statistics.fmean(b)
    return abs(statistics.fmean(a) - statistics.fmean(b)) / math.sqrt(spread) >= PACE_T


def _rate(count: int, of: int) -> Rate:
    return Rate(count / of if of else 0.0, of)


def learn(journeys: Iterable[Journey], calendar: WorkingCalendar | None = None) -> Learned:
    """Count the journeys into the hall's figures (demand by kind of day on the hall's ``calendar``)."""
    journeys = list(journeys)
    calendar = calendar or WorkingCalendar()
    days_by_weekday: dict[int, set[date]] = defaultdict(set)
    for j in journeys:
        days_by_weekday[day_kind(j.day, calendar)].add(j.day)
    issued: dict[str, list[Journey]] = defaultdict(list)
    visits: dict[str, list[tuple[Journey, Visit]]] = defaultdict(list)
    for j in journeys:
        issued[j.service].append(j)
        for v in j.visits:
            visits[v.service].append((j, v))
    codes = sorted(set(issued) | set(visits))
    services = {code: _service(code, issued[code], visits[code], days_by_weekday, calendar) for code in codes}
    return Learned(
        days=len({j.day for j in journeys}),
        tickets=len(journeys),
        services=services,
        turnaround=_gap(journeys, "busy"),
        reaction=_gap(journeys, "idle"),
        no_show_seconds=_no_show_seconds(journeys),
    )


def _service(
    code: str,
    tickets: list[Journey],
    visits: list[tuple[Journey, Visit]],
    days_by_weekday: dict[int, set[date]],
    calendar: WorkingCalendar,
) -> ServiceLearned:
    counts: dict[int, list[float]] = {d: [0.0] * 24 for d in days_by_weekday}
    for j in tickets:
        counts[day_kind(j.day, calendar)][min(23, int(j.issued // 3600))] += 1
    hourly = {d: tuple(n / len(days_by_weekday[d]) for n in row) for d, row in counts.items()}
    called = [(j, v) for j, v in visits if v.called is not None]
    ended = [(j, v) for j, v in called if v.outcome is not None]
    handles = [b for _, v in ended if v.outcome == "concluded" and (b := v.busy) is not None]
    by_window_values: dict[str, list[float]] = defaultdict(list)
    for _, v in ended:
        if v.outcome == "concluded" and (b := v.busy) is not None and v.window:
            by_window_values[v.window].append(b)
    overall = _distribution(handles)
    by_window = {}
    for window, values in sorted(by_window_values.items()):
        others = [b for w, vs in by_window_values.items() if w != window for b in vs]
        found = _distribution(values)
        if found and overall and _differs(values, others):
            by_window[window] = found
    transfers = [v for _, v in ended if v.outcome == "transferred"]
    targets = Counter(
        j.visits[j.visits.index(v) + 1].service
        for j, v in ended
        if v.outcome == "transferred" and j.visits.index(v) + 1 < len(j.visits)
    )
    return ServiceLearned(
        code=code,
        tickets=len(tickets),
        hourly=hourly,
        days={d: len(s) for d, s in days_by_weekday.items()},
        handling=overall,
        by_window=by_window,
        no_show=_rate(sum(v.outcome == "no_show" for _, v in ended), len(ended)),
        recall=_rate(sum(j.recalls for j in tickets), len(called)),
        transfer=_rate(len(transfers), len(ended)),
        transfer_to=tuple(sorted(targets.elements())),
        priority=_rate(sum(j.priority for j in tickets), len(tickets)),
        appointment=_rate(sum(j.appointment for j in tickets), len(tickets)),
        samples=tuple(sorted(handles)),
    )


def _gap(journeys: list[Journey], kind: GapKind, shifts: Shifts | None = None) -> float:
    """Mean delay of a window's call of ``kind`` (``_spans``), in seconds."""
    kept = [called - at for _, at, called, _ in _kept(_spans(journeys, kind), shifts)]
    return statistics.fmean(kept) if kept else 0.0


def _spans(journeys: list[Journey], kind: GapKind) -> list[tuple[str, float, float, int]]:
    """Each delay of a window's call, as (window, from, call, ticket called): after its previous
    ticket when the next already waited (``busy``), else after the next ticket joined the idle
    window's queue — from the kiosk (``idle``) or by a transfer or requeue (``moved``).

    A parked ticket occupies its window twice (until it is parked, and from its call back to its
    end) and the window serves others in between: both are stays of the window, and the call back
    is a call like another (the clerk pressed for it after the previous ticket). Taken as one stay
    from the first call to the end, the gap before the next call would hold the call back's whole
    time, which the replay already spends on the ticket at its first call: the pace counted twice.

    With one day's ``shifts`` a gap counts whatever its length when the window stayed open through
    it (a slow clerk, a call that found nobody), and not when it spans a break; without, gaps over
    five minutes are taken for breaks."""
    by_window: dict[tuple[date, str], list[tuple[float, float, float, bool, int]]] = defaultdict(list)
    for j in journeys:
        for i, v in enumerate(j.visits):
            if not v.window or v.called is None or v.ended is None:
                continue
            stays = by_window[(j.day, v.window)]
            if v.resumed is None:
                stays.append((v.called, v.ended, v.queued, i > 0, j.ticket))
                continue
            parked = v.called + v.parked_for
            stays.append((v.called, parked, v.queued, i > 0, j.ticket))
            # Waiting (parked) since then; not a queue's newcomer, so no idle window's reaction.
            stays.append((v.resumed, v.ended, parked if kind == "busy" else math.inf, False, j.ticket))
    gaps: list[tuple[str, float, float, int]] = []
    for (_, window), stays in by_window.items():
        stays.sort()
        for (_, ended, _, _, _), (called, _, queued, moved, ticket) in itertools.pairwise(stays):
            if kind == "busy" and queued <= ended <= called:
                gaps.append((window, ended, called, ticket))
            elif kind != "busy" and ended < queued <= called and moved == (kind == "moved"):
                gaps.append((window, queued, called, ticket))
    return gaps


def _kept(
    gaps: Sequence[tuple[str, float, float, int]], shifts: Shifts | None
) -> list[tuple[str, float, float, int]]:
    """The gaps that are the clerk's pace, not a break."""
    if shifts is None:
        return [g for g in gaps if g[2] - g[1] < PAUSE_SECONDS]  # longer: a pause
    return [g for g in gaps if any(s <= g[1] and g[2] <= e for s, e in shifts.get(g[0], ()))]


def _openings(journeys: list[Journey], shifts: Shifts) -> list[tuple[str, float, float]]:
    """(window, opened at, delay) of each opening (or return from a break) followed by a call
    of someone who already waited."""
    calls: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for j in journeys:
        for v in j.visits:
            if v.window and v.called is not None:
                calls[v.window].append((v.called, v.queued))
    gaps = []
    for window, stretches in shifts.items():
        mine = sorted(calls.get(window, ()))
        for start, end in stretches:
            first = next(((c, q) for c, q in mine if start <= c <= end), None)
            if first is not None and first[1] <= start:
                gaps.append((window, start, first[0] - start))
    return gaps


@dataclass(frozen=True)
class Pace:
    """How quickly a day's clerks called (seconds; see ``Learned`` and ``Scenario``), and each
    delay itself for a replay (``Recorded``; ``answered``: ticket → the delay before an idle
    window called it, for ``replay_arrivals``)."""

    turnaround: float
    reaction: float
    opening: float
    transfer_reaction: float | None  # None: no transferred ticket found an idle window
    recorded: Recorded = field(default_factory=Recorded)
    answered: Mapping[int, float] = field(default_factory=dict)


def clerk_pace(journeys: Iterable[Journey], shifts: Shifts) -> Pace:
    """One recorded day's pace of calling, knowing its windows' open stretches."""
    day = list(journeys)
    moved = _gap(day, "moved", shifts)
    freed, answered = _kept(_spans(day, "busy"), shifts), _kept(_spans(day, "idle"), shifts)
    after: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for window, at, called, _ in freed:
        after[window].append((at, called - at))
    opened = _openings(day, shifts)
    recorded = Recorded(
        after=tuple((w, tuple(sorted(gaps))) for w, gaps in sorted(after.items())),
        opened=tuple(opened),
        turnarounds=tuple(called - at for _, at, called, _ in freed),
        reactions=tuple(called - at for _, at, called, _ in answered),
    )
    return Pace(
        turnaround=statistics.fmean(recorded.turnarounds) if freed else 0.0,
        reaction=statistics.fmean(recorded.reactions) if answered else 0.0,
        opening=statistics.fmean(d for _, _, d in opened) if opened else 0.0,
        transfer_reaction=moved or None,
        recorded=recorded,
        answered={ticket: called - at for _, at, called, ticket in answered},
    )


def _no_show_seconds(journeys: list[Journey]) -> float:
    spent = [
        v.ended - v.called
        for j in journeys
        for v in j.visits
        if v.outcome == "no_show" and v.ended is not None and v.called is not None
    ]
    return statistics.median(spent) if spent else 90.0


def replay_arrivals(
    journeys: Iterable[Journey], answered: Mapping[int, float] | None = None
) -> tuple[Arrival, ...]:
    """A recorded day's tickets as arrivals, each with the time it actually took at the window
    (and, from ``answered``, the delay before an idle window called it: ``Pace.answered``)."""
    answered = answered or {}
    out = []
    for j in journeys:
        if not j.visits:
            continue
        first = j.visits[0]
        handle = _busy(first)
        no_show = first.outcome == "no_show"
        transfer_to = handle_after = None
        if first.outcome == "transferred" and len(j.visits) > 1:
            transfer_to, handle_after = j.visits[1].service, _busy(j.visits[1])
        out.append(
            Arrival(
                first.queued,
                first.service,
                j.priority,
                j.appointment,
                handle,
                no_show,
                transfer_to,
                handle_after,
                first.window,
                answered.get(j.ticket),
            )
        )
    return tuple(sorted(out, key=lambda a: a.at))


def _busy(visit: Visit) -> float | None:
    return visit.busy


def calling_stretches(
    journeys: Iterable[Journey], shifts: Mapping[str, Sequence[tuple[float, float]]]
) -> dict[str, list[tuple[float, float]]]:
    """Recorded open stretches, each cut at its last call when the window was busy to its end.

    A clerk who wants a break while serving finishes the ticket first, so such a stretch ends
    after the last ticket: the window called until that last call. The simulator stops calling at
    a stretch's end and finishes what it holds, so that call is the end to give it. A window idle
    before its break keeps the recorded end.
    """
    stays: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for j in journeys:
        for v in j.visits:
            start = v.resumed if v.resumed is not None else v.called
            if v.window is not None and start is not None and v.ended is not None:
                stays[v.window].append((start, v.ended))
    out: dict[str, list[tuple[float, float]]] = {}
    for window, stretches in shifts.items():
        mine = sorted(stays.get(window, ()))
        cut = []
        for start, end in stretches:
            inside = [s for s in mine if start <= s[0] <= end]
            if inside and inside[-1][1] >= end - BUSY_TO_THE_END:
                # The clerk asked for the break somewhere between that last call and the end.
                cut.append((start, (inside[-1][0] + end) / 2))
            else:
                cut.append((start, end))
        out[window] = cut
    return out


def observed_waits(journeys: Iterable[Journey]) -> dict[str, list[float]]:
    """Each service's recorded waits (queue entry to call), as the reports count them."""
    out: dict[str, list[float]] = defaultdict(list)
    for j in journeys:
        for v in j.visits:
            if v.called is not None:
                out[v.service].append(v.called - v.queued)
    return dict(out)
