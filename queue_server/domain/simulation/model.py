"""What a simulated day is made of: services with their demand, windows with their shifts and blocks.

Times are seconds from the start of the simulated day (hall-local midnight for a real day).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from enum import StrEnum

from queue_server.domain.policy import Assignment, PolicySettings

HOUR = 3600.0


class Shape(StrEnum):
    """How handling times are drawn."""

    EXPONENTIAL = "exponential"
    LOGNORMAL = "lognormal"
    SAMPLES = "samples"  # resampled from observed handling times (a bootstrap)


@dataclass(frozen=True)
class Handling:
    """A service's handling-time distribution (seconds a window is busy with one ticket)."""

    mean: float
    cv: float = 0.5
    shape: Shape = Shape.LOGNORMAL
    samples: tuple[float, ...] = ()

    def draw(self, rng: random.Random) -> float:
        """One handling time."""
        if self.shape is Shape.SAMPLES and self.samples:
            return self.samples[int(rng.random() * len(self.samples))]
        if self.shape is Shape.EXPONENTIAL:
            return rng.expovariate(1.0 / self.mean)
        sigma2 = math.log1p(self.cv * self.cv)
        return rng.lognormvariate(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2))


@dataclass(frozen=True)
class ServiceSpec:
    """A service's demand: arrivals per hour in consecutive slots, handling, what happens at the window."""

    code: str
    rates: tuple[float, ...]  # arrivals per hour in slot i = [i·slot, (i+1)·slot) of the day
    handling: Handling
    priority_share: float = 0.0
    appointment_share: float = 0.0
    no_show: float = 0.0
    transfer: float = 0.0
    transfer_to: tuple[str, ...] = ()
    department: str = ""

    def mean_rate(self, start: float, end: float, slot: float) -> float:
        """Mean arrivals per second between ``start`` and ``end``."""
        if end <= start:
            return 0.0
        total = 0.0
        for i, per_hour in enumerate(self.rates):
            a, b = max(start, i * slot), min(end, (i + 1) * slot)
            if b > a:
                total += per_hour / HOUR * (b - a)
        return total / (end - start)


@dataclass(frozen=True)
class Arrival:
    """One recorded ticket to replay: when it came, for what, and what it then took at the window."""

    at: float
    service: str
    priority: bool = False
    appointment: bool = False
    handle: float | None = None  # seconds at the window (None: drawn from the service)
    no_show: bool = False
    transfer_to: str | None = None
    handle_after: float | None = None  # seconds at the window it was transferred to
    # The window that called it on the recorded day: when it comes with several windows idle, that
    # one answers, as on the day (which idle clerk reacts first is the day's chance, like its
    # handling times; taking it from the record keeps one early difference from moving the whole day).
    window: str | None = None
    # Seconds from its arrival to its call on the recorded day, where an idle window called it: an
    # idle window it comes to calls after as long (``Recorded``).
    reaction: float | None = None


@dataclass(frozen=True)
class Block:
    """From ``start`` on, the window serves ``assignments`` (in preference order)."""

    start: float
    assignments: tuple[Assignment, ...]


@dataclass(frozen=True)
class WindowSpec:
    """A window: its blocks of assignments and the stretches it is open (breaks and 暂离 are the gaps)."""

    number: str
    blocks: tuple[Block, ...]
    shifts: tuple[tuple[float, float], ...]
    departments: frozenset[str] = frozenset()  # a window fixed to departments serves only theirs
    # (service, factor): services this window's clerks handle faster or slower than the hall's
    # mean (learned where the difference is significant): their handling times × factor here.
    pace: tuple[tuple[str, float], ...] = ()
    # AB岗: the windows this one covers for — while one of them is closed (a break, 暂离, a clerk
    # away), this window, when open, serves its services too, after its own.
    covers: tuple[str, ...] = ()
    # Breaks and 暂离 in a forecast: recorded days of closed pieces (``breaks.learn_breaks``); each
    # replication takes one of them out of ``shifts`` (``breaks.draw_breaks``).
    breaks: tuple[tuple[tuple[float, float], ...], ...] = ()

    def serves_at(self, at: float) -> tuple[Assignment, ...]:
        """The assignments in force at ``at``."""
        found: tuple[Assignment, ...] = ()
        for block in self.blocks:
            if block.start <= at:
                found = block.assignments
        return found


@dataclass(frozen=True)
class Recorded:
    """A recorded day's clerks for a replay: when each window called, as they did on the day.

    How soon a clerk calls after a ticket is the day's chance like its handling times: the same
    clerk is quicker where its services are busy, and of two windows freeing within seconds the
    one that called first on the day took the next ticket. A replay taking one mean delay for all
    broke such near-ties the other way, and every later call followed another path. So a window
    freeing while people wait calls after its own recorded gap nearest in time (``after``), a
    window opening or back from a break after its recorded delay for that stretch (``opened``),
    and an idle window answers a newcomer after that ticket's recorded delay (``Arrival.reaction``).
    Where the day has none of its own (a window with no such gap, a newcomer who waited on the
    day), one of the day's measured delays is drawn (``turnarounds``, ``reactions``): the
    replications then differ in the path they take, and the replay's figure is their mean.
    """

    after: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = ()  # window → (freed at, gap), by time
    opened: tuple[tuple[str, float, float], ...] = ()  # (window, opened at, seconds to its first call)
    turnarounds: tuple[float, ...] = ()  # every measured gap behind ``Scenario.turnaround``
    reactions: tuple[float, ...] = ()  # every measured delay behind ``Scenario.reaction``


@dataclass(frozen=True)
class Scenario:
    """A day to simulate: demand, windows and the hall's rules."""

    services: tuple[ServiceSpec, ...]
    windows: tuple[WindowSpec, ...]
    policy: PolicySettings = field(default_factory=PolicySettings)
    slot: float = HOUR  # length of a rate slot
    threshold: float = 1800.0  # the hall's waiting alert (yellow), seconds
    turnaround: float = 0.0  # seconds from a window's freeing to its next call
    reaction: float = 0.0  # seconds from a ticket's arrival to the call of an idle window serving it
    # Seconds from a window opening (or coming back from a break) to its first call: a stretch
    # shorter than this calls nobody, as the clerk who came back and left again called nobody.
    opening: float = 0.0
    # Seconds before an idle window calls a ticket transferred into its queue (None: ``reaction``).
    # A transfer does not come through the kiosk, so an idle clerk may notice it later.
    transfer_reaction: float | None = None
    no_show_seconds: float = 90.0  # a window's time lost calling someone who does not come
    transfer_keeps_place: bool = True
    count_from: float = 0.0  # waits of tickets arriving before this are not counted (a warm-up)
    replay: tuple[Arrival, ...] | None = None  # recorded arrivals instead of drawn ones
    recorded: Recorded | None = None  # a replay's clerks as on the day (None: the means above)

    def with_windows(self, windows: tuple[WindowSpec, ...]) -> Scenario:
        """The same day under another allocation."""
        return replace(self, windows=windows)

    def service(self, code: str) -> ServiceSpec:
        """The service ``code``."""
        for spec in self.services:
            if spec.code == code:
                return spec
        raise KeyError(code)
