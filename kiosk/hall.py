"""The hall as the kiosk knows it: name, rules, services by theme, and live queue figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from queue_server import contract as c

Frame = dict[str, Any]
# Events that change a queue without saying its new length: refresh the figures soon.
QUEUE_EVENTS = {
    "ticket.called",
    "ticket.cancelled",
    "ticket.no_show",
    "ticket.requeued",
    "ticket.transferred",
    "ticket.expired",
    "queue.changed",
    "window.status",
    "assignments.changed",
}


@dataclass
class Queue:
    """A service's live queue."""

    waiting: int = 0
    estimated_wait_seconds: int | None = None
    windows_open: int | None = None  # None: not known yet (the catalogue does not say)


@dataclass
class HallView:
    """What the screens show about the hall; updated from the API and the live feed."""

    info: c.HallInfo | None = None
    settings: c.HallSettingsModel = field(default_factory=c.HallSettingsModel)
    services: list[c.ServiceSummary] = field(default_factory=list)
    queues: dict[str, Queue] = field(default_factory=dict)

    def load(
        self, snapshot: c.HallSnapshot, services: list[c.ServiceSummary], settings: c.HallSettingsModel
    ) -> None:
        """Take a fresh copy from the API."""
        self.info, self.settings = snapshot.hall, settings
        self.services = services
        self.queues = {s.code: Queue(s.waiting, s.estimated_wait_seconds, s.windows_open) for s in services}
        self._queues_from(snapshot.model_dump(mode="json"))

    @property
    def loaded(self) -> bool:
        """Whether the catalogue has arrived."""
        return self.info is not None

    def themes(self) -> list[str]:
        """The themes in catalogue order (services without one go under their department)."""
        seen: dict[str, None] = {}
        for service in self.services:
            seen.setdefault(self.theme_of(service), None)
        return list(seen)

    @staticmethod
    def theme_of(service: c.ServiceSummary) -> str:
        """The button a service sits under on the start screen."""
        return service.theme or service.department_name or service.department

    def in_theme(self, theme: str | None) -> list[c.ServiceSummary]:
        """The services under ``theme`` (all when None)."""
        return [s for s in self.services if theme is None or self.theme_of(s) == theme]

    def service(self, code: str) -> c.ServiceSummary | None:
        """A service by its code."""
        return next((s for s in self.services if s.code == code), None)

    def queue(self, code: str) -> Queue:
        """A service's queue figures."""
        return self.queues.get(code, Queue())

    def apply(self, frame: Frame) -> tuple[set[str], bool]:
        """Apply a live frame: (services whose figures changed, whether a full refresh is due)."""
        kind, payload = frame.get("type"), frame.get("payload") or {}
        if kind == "snapshot" and frame.get("topic") == "hall":
            return self._queues_from(payload), False
        if kind == "ticket.issued" and "service_code" in payload and "waiting" in payload:
            queue = self.queues.setdefault(payload["service_code"], Queue())
            queue.waiting = int(payload["waiting"])
            return {payload["service_code"]}, True
        if kind == "hall.settings" and self.info is not None and "notice" in payload:
            self.info = self.info.model_copy(update={"notice": payload["notice"]})
        return set(), kind in QUEUE_EVENTS

    def _queues_from(self, snapshot: Frame) -> set[str]:
        changed = set()
        for item in snapshot.get("queues", []):
            queue = self.queues.setdefault(item["service_code"], Queue())
            fresh = Queue(item["waiting"], item.get("estimated_wait_seconds"), item.get("windows_open"))
            if fresh != queue:
                self.queues[item["service_code"]] = fresh
                changed.add(item["service_code"])
        return changed
