"""A hall as the rules see it: settings, services, windows and who serves what now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.hours import OpeningHours, Period
from queue_server.domain.notices import NoticeRules
from queue_server.domain.policy import Assignment, Mode, PolicySettings
from queue_server.domain.throttle import LoginPolicy
from queue_server.domain.workdays import WorkingCalendar


@dataclass(frozen=True)
class HallSettings:
    """Per-hall rules; where the source documents disagree, a hall chooses here."""

    hours: OpeningHours = field(default_factory=OpeningHours)
    # 法定工作日 for every deadline, kept apart from the opening hours (the calendar's holidays and 调休).
    working_days: WorkingCalendar = field(default_factory=WorkingCalendar)
    number_width: int = 3
    policy: PolicySettings = field(default_factory=PolicySettings)
    recall_limit: int = 3
    transfer_keeps_place: bool = True
    requeue_places_back: int = 3
    real_name_required: bool = False
    person_daily_limit: int | None = None
    print_failure: str = "flag"  # or "cancel": what happens to a ticket the kiosk could not print
    # 预约: check-in stays open this long after a slot's end; later, the booking is missed.
    appointment_late: timedelta = timedelta(minutes=15)
    login: LoginPolicy = field(default_factory=LoginPolicy)
    notices: NoticeRules = field(default_factory=NoticeRules)  # SMS notices to ticket holders
    evaluation_push: bool = False  # every rating to the provincial 好差评 platform

    @classmethod
    def from_dict(cls, raw: dict[str, Any], timezone: str) -> HallSettings:
        """Read the settings as stored (JSON) with defaults for anything missing."""
        policy = raw.get("policy", {})
        max_wait = policy.get("normal_max_wait_minutes")
        return cls(
            hours=OpeningHours.from_strings(
                raw.get("hours", {}),
                timezone=timezone,
                cutoff_minutes=int(raw.get("cutoff_minutes", 0)),
                always_open=bool(raw.get("always_open", False)),
                extended=raw.get("extended_hours") or {},
            ),
            number_width=int(raw.get("number_width", 3)),
            policy=PolicySettings(
                mode=Mode(policy.get("mode", Mode.OLDEST)),
                priority_max=policy.get("priority_max", 1),
                priority_span=int(policy.get("priority_span", 2)),
                normal_max_wait=None if max_wait is None else timedelta(minutes=float(max_wait)),
                appointment_grace=timedelta(minutes=float(policy.get("appointment_grace_minutes", 10))),
            ),
            recall_limit=int(raw.get("recall_limit", 3)),
            transfer_keeps_place=bool(raw.get("transfer_keeps_place", True)),
            requeue_places_back=int(raw.get("requeue_places_back", 3)),
            real_name_required=bool(raw.get("real_name_required", False)),
            person_daily_limit=raw.get("person_daily_limit"),
            print_failure=_choice(raw.get("print_failure", "flag"), ("flag", "cancel"), "print_failure"),
            appointment_late=timedelta(minutes=float(raw.get("appointment_late_minutes", 15))),
            login=LoginPolicy.from_dict(raw.get("login") or {}),
            notices=NoticeRules.from_dict(raw.get("notices") or {}),
            evaluation_push=bool((raw.get("evaluation_push") or {}).get("enabled", False)),
        )


@dataclass(frozen=True)
class ServiceItem:
    """A service item (事项) as the queue needs it."""

    id: int
    code: str
    name: str
    prefix: str
    department_id: int
    daily_cap: int | None
    priority_allowed: bool
    avg_handle_seconds: int
    zone: str | None = None
    notice_ahead_at: int | None = None  # 前面还有 N 人 for this service; None: the hall's N
    name_en: str = ""  # for English SMS notices; the Chinese name where none is given


@dataclass(frozen=True)
class AssignmentRule:
    """A window ↔ service assignment with its optional season (dates) and time of day."""

    service_id: int
    preference: int = 1
    weight: float = 1.0
    valid_from: date | None = None
    valid_until: date | None = None
    time_from: time | None = None
    time_until: time | None = None

    def applies(self, local: datetime) -> bool:
        """Whether the assignment is in force at hall-local time ``local``."""
        day, clock = local.date(), local.time()
        if self.valid_from and day < self.valid_from:
            return False
        if self.valid_until and day > self.valid_until:
            return False
        if self.time_from and clock < self.time_from:
            return False
        return not (self.time_until and clock >= self.time_until)


@dataclass(frozen=True)
class WindowItem:
    """A window's fixed facts (its live status is read fresh in each transaction)."""

    id: int
    number: str
    name: str
    type: str
    zone: str | None
    rules: tuple[AssignmentRule, ...] = ()
    # 延时服务 approved for this window: extra periods on given dates.
    extended: dict[date, tuple[Period, ...]] = field(default_factory=dict, compare=False)

    def extended_at(self, local: datetime, cutoff_minutes: int = 0) -> bool:
        """Whether the window works approved extended hours at hall-local time ``local``."""
        clock = local.replace(tzinfo=None)
        for start, end in self.extended.get(local.date(), ()):
            opens = datetime.combine(local.date(), start)
            last = datetime.combine(local.date(), end) - timedelta(minutes=cutoff_minutes)
            if opens <= clock < last:
                return True
        return False


@dataclass(frozen=True)
class HallCatalogue:
    """One hall's settings and catalogue, loaded once per catalogue version."""

    id: int
    code: str
    name: str
    name_en: str
    timezone: str
    notice: str
    version: int
    settings: HallSettings
    services: dict[int, ServiceItem]
    windows: dict[int, WindowItem]
    by_code: dict[str, ServiceItem] = field(init=False, repr=False)
    by_number: dict[str, WindowItem] = field(init=False, repr=False)
    # Who serves what in the current minute; assignments change by date and time of day only.
    _minute: list[Any] = field(init=False, repr=False, compare=False)
    # What else the hall's requests read that changes only with the catalogue's version (the 好差评
    # settings, service guides, clerks' names): kept here, so a new version starts it afresh.
    memo: dict[Any, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {s.code: s for s in self.services.values()})
        object.__setattr__(self, "by_number", {w.number: w for w in self.windows.values()})
        object.__setattr__(self, "_minute", [None, {}, {}])
        object.__setattr__(self, "memo", {})

    def service(self, code: str) -> ServiceItem:
        """The service with ``code`` or NotFound."""
        found = self.by_code.get(code)
        if found is None:
            raise NotFound("service.not_found", code=code)
        return found

    def window(self, number: str) -> WindowItem:
        """The window people call ``number`` or NotFound."""
        found = self.by_number.get(number)
        if found is None:
            raise NotFound("window.not_found", number=number)
        return found

    def local(self, now: datetime) -> datetime:
        """``now`` on the hall's wall clock."""
        return now.astimezone(ZoneInfo(self.timezone))

    def _at_minute(
        self, now: datetime
    ) -> tuple[dict[int, tuple[Assignment, ...]], dict[str, list[WindowItem]]]:
        """Every window's assignments and every service's windows for the minute of ``now``."""
        local = self.local(now)
        key = local.replace(second=0, microsecond=0, tzinfo=None)
        cached = self._minute
        if cached[0] != key:
            by_window: dict[int, tuple[Assignment, ...]] = {}
            by_service: dict[str, list[WindowItem]] = {}
            for window in self.windows.values():
                rules = sorted((r for r in window.rules if r.applies(local)), key=lambda r: r.preference)
                by_window[window.id] = tuple(
                    Assignment(self.services[r.service_id].code, r.preference, r.weight)
                    for r in rules
                    if r.service_id in self.services
                )
                for assignment in by_window[window.id]:
                    by_service.setdefault(assignment.service, []).append(window)
            cached[:] = [key, by_window, by_service]
        return cached[1], cached[2]

    def assignments_now(self, window: WindowItem, now: datetime) -> tuple[Assignment, ...]:
        """The services ``window`` serves at ``now``, in its order of preference."""
        return self._at_minute(now)[0].get(window.id, ())

    def check_issue(self, service_code: str, now: datetime) -> None:
        """Raise Rejected unless tickets for the service may be issued now: within the hall's
        hours, or while a window serving it works approved extended hours (延时服务)."""
        hours = self.settings.hours
        try:
            hours.check_issue(now)
        except Rejected:
            local = self.local(now)
            if any(
                w.extended_at(local, hours.cutoff_minutes) for w in self.windows_serving(service_code, now)
            ):
                return
            raise

    def windows_serving(self, service_code: str, now: datetime) -> list[WindowItem]:
        """Windows whose assignments include ``service_code`` now (open or not)."""
        return list(self._at_minute(now)[1].get(service_code, ()))


def _choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}")
    return value
