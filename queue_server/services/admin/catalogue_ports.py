"""The catalogue's port: the hall, its zones, departments, services, windows, assignments and staff,
as the catalogue file imports and exports them and the manager edits services live.

The SQLAlchemy store is ``queue_server.adapters.admin.SqlCatalogueStore``; the tests hand in a fake.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypedDict

from queue_server.services.admin.ports import UserValues

JsonObject = dict[str, Any]  # a JSON column's document, as stored (settings, a guide)


class ServiceValues(TypedDict):
    """A service's stored fields (everything but its id, hall and code)."""

    name: str
    name_en: str
    prefix: str
    theme: str
    daily_cap: int | None
    priority_allowed: bool
    weight: float
    keywords: list[str]
    category: str
    case_type: str
    department_id: int
    avg_handle_seconds: int
    guide: JsonObject
    active: bool
    notice_ahead_at: int | None


class HallValues(TypedDict):
    """A hall's stored fields (its code is the key)."""

    name: str
    name_en: str
    timezone: str
    notice: str
    settings: JsonObject


@dataclass(frozen=True, slots=True)
class HallRow:
    """A hall and its settings as stored."""

    id: int
    code: str
    name: str
    name_en: str
    timezone: str
    notice: str
    settings: JsonObject


@dataclass(frozen=True, slots=True)
class Zone:
    """A zone or floor of the hall."""

    id: int
    code: str
    name: str
    name_en: str
    floor: str


@dataclass(frozen=True, slots=True)
class Department:
    """A department (实施主体)."""

    id: int
    code: str
    name: str
    name_en: str


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """A service item as stored, with its department's code and name."""

    id: int
    hall_id: int
    code: str
    name: str
    name_en: str
    department_id: int
    department_code: str
    department_name: str
    prefix: str
    theme: str
    category: str
    case_type: str
    daily_cap: int | None
    priority_allowed: bool
    weight: float
    avg_handle_seconds: int
    keywords: list[str]
    guide: JsonObject
    active: bool
    notice_ahead_at: int | None = None


@dataclass(frozen=True, slots=True)
class WindowRow:
    """A window's fixed facts as stored."""

    id: int
    number: str
    name: str
    type: str
    zone_id: int | None


@dataclass(frozen=True, slots=True)
class Assignment:
    """A service on a window's list."""

    window_id: int
    service_id: int
    preference: int
    weight: float


@dataclass(frozen=True, slots=True)
class UserRow:
    """A staff account as the catalogue file knows it (never its password)."""

    id: int
    staff_no: str
    name: str
    role: str
    window_id: int | None
    ab_partner_id: int | None


class CatalogueStore(Protocol):
    """The hall's catalogue as stored; "put" updates the row found by its key or inserts it."""

    def hall(self, hall_id: int) -> HallRow:
        """A hall (it exists: the caller was given its id)."""
        ...

    def zones(self, hall_id: int) -> list[Zone]:
        """The hall's zones, by id."""
        ...

    def departments(self, hall_id: int) -> list[Department]:
        """The hall's departments, by id."""
        ...

    def services(
        self, hall_id: int, *, code: str | None = None, active_only: bool = False
    ) -> list[ServiceRow]:
        """The hall's services (or the one with ``code``; active ones only if asked), by code."""
        ...

    def windows(self, hall_id: int) -> list[WindowRow]:
        """The hall's windows, by id."""
        ...

    def assignments(self, hall_id: int) -> list[Assignment]:
        """The hall's assignments, by preference then id."""
        ...

    def users(self, hall_id: int) -> list[UserRow]:
        """The hall's accounts, by id."""
        ...

    def put_hall(self, code: str, values: HallValues, created_at: datetime) -> int:
        """Store a hall by code; returns its id."""
        ...

    def put_zone(self, hall_id: int, code: str, name: str, name_en: str, floor: str) -> int:
        """Store a zone by code; returns its id."""
        ...

    def put_department(self, hall_id: int, code: str, name: str, name_en: str) -> int:
        """Store a department by code; returns its id."""
        ...

    def put_service(self, hall_id: int, code: str, values: ServiceValues) -> int:
        """Store a service by code; returns its id."""
        ...

    def switch_off_services_except(self, hall_id: int, codes: Collection[str]) -> None:
        """Switch off the hall's services not in ``codes`` (nothing is deleted)."""
        ...

    def put_window(
        self, hall_id: int, number: str, name: str, type: str, zone_id: int | None, created_at: datetime
    ) -> int:
        """Store a window by number (a new one starts closed); returns its id."""
        ...

    def replace_assignments(self, hall_id: int, window_id: int, services: list[Assignment]) -> None:
        """Set a window's list of services in one go."""
        ...

    def put_user(
        self, hall_id: int, staff_no: str, values: UserValues, created_at: datetime, password_hash: str | None
    ) -> int:
        """Store an account by staff number (the password hash only on a new one); returns its id."""
        ...

    def set_partner(self, user_id: int, partner_id: int) -> None:
        """Link an account to its AB岗 partner (one way; the file lists both)."""
        ...

    def department_id(self, hall_id: int, code: str) -> int | None:
        """The id of the hall's department with ``code``, or None."""
        ...

    def prefix_user(self, hall_id: int, prefix: str, code: str, theme: str) -> ServiceRow | None:
        """An active service other than ``code``, of another theme, with this prefix (first by code)."""
        ...

    def open_tickets(self, hall_id: int, service_id: int, statuses: Collection[str]) -> int:
        """How many of the service's tickets are in these statuses."""
        ...

    def walk_ins(self, hall_id: int, service_id: int, day: date) -> int:
        """How many walk-in tickets (not appointments) of the service were issued on ``day``."""
        ...

    def raise_counter(self, hall_id: int, name: str, day: date, at_least: int) -> None:
        """Move a day's numbering counter up to ``at_least`` (never down)."""
        ...
