"""The manager console's catalogue, staff, device tokens and audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from queue_server.contract.base import Code, Line, Model, Name, Password
from queue_server.contract.services import Guide
from queue_server.contract.tickets import DeviceState
from queue_server.contract.vocabulary import CaseType, Role, ServiceCategory


class ServiceFields(Model):
    """A service item as the manager edits it (the catalogue file's service entry, plus ``active``)."""

    name: Name
    name_en: Line = ""
    department: Code = Field(description="the department's code (实施主体)")
    prefix: Code = Field(description="1–2 capital letters; shared only by services of one theme")
    theme: Name = ""
    category: ServiceCategory
    case_type: CaseType
    daily_cap: int | None = Field(
        default=None, le=100_000, description="放号量: walk-in tickets a day; null = no cap"
    )
    priority_allowed: bool = True
    weight: float = 1.0
    avg_handle_minutes: float = 10
    keywords: list[Name] = Field(default=[], max_length=100)
    active: bool = True
    guide: Guide = Guide()
    notice_ahead_at: int | None = Field(
        default=None, ge=1, le=50, description="短信 前面还有 N 人 for this service; null = the hall's N"
    )


class ServiceCreate(ServiceFields):
    """``POST /api/v1/catalogue/services``: a new service item."""

    code: Code


class ServicePatch(Model):
    """``PATCH /api/v1/catalogue/services/{code}``: the fields given change, the others stay."""

    name: Name | None = None
    name_en: Line | None = None
    department: Code | None = None
    prefix: Code | None = None
    theme: Name | None = None
    category: ServiceCategory | None = None
    case_type: CaseType | None = None
    daily_cap: int | None = Field(default=None, le=100_000)
    priority_allowed: bool | None = None
    weight: float | None = None
    avg_handle_minutes: float | None = None
    keywords: list[Name] | None = Field(default=None, max_length=100)
    active: bool | None = None
    guide: Guide | None = None
    notice_ahead_at: int | None = Field(default=None, ge=1, le=50)


class ServiceAdmin(ServiceFields):
    """A service item with everything the manager sees: active or not, windows and zones serving it."""

    code: str
    department_name: str = ""
    windows: list[str] = Field(default=[], description="windows with this service on their list")
    zones: list[str] = Field(default=[], description="zones of those windows")


class DepartmentPublic(Model):
    """A department (实施主体) of the hall."""

    code: str
    name: str
    name_en: str = ""


class StaffCreate(Model):
    """``POST /api/v1/staff``: a new clerk or manager (only an admin creates an admin)."""

    staff_no: Code
    name: Name
    role: Role = Role.CLERK
    password: Password
    window: Code | None = Field(default=None, description="the window the clerk usually sits at")
    ab_partner: Code | None = Field(default=None, description="AB岗: the partner's staff number")


class StaffPatch(Model):
    """``PATCH /api/v1/staff/{staff_no}``: given fields change; ``null`` clears window or partner."""

    name: Name | None = None
    role: Role | None = None
    window: Code | None = None
    ab_partner: Code | None = None
    active: bool | None = None


class StaffPublic(Model):
    """A member of staff as the manager's list shows them (never a password or its hash)."""

    staff_no: str
    name: str
    role: Role
    window: str | None = None
    ab_partner: str | None = None
    ab_partner_name: str | None = None
    active: bool
    created_at: datetime


class PasswordReset(Model):
    """``POST /api/v1/staff/{staff_no}/password``: a new password, or none to get a temporary one."""

    password: Password | None = None


class PasswordResetDone(Model):
    """The reset's reply: the temporary password (shown once) when the server made one."""

    staff_no: str
    temporary_password: str | None = None


class IssueDeviceToken(Model):
    """``POST /api/v1/devices/tokens``: a token for a kiosk, board, evaluator pad or API client."""

    role: Role
    window: Code | None = Field(default=None, description="needed for evaluator and clerk tokens")
    label: str = Field(min_length=1, max_length=100, description="the device's name, e.g. kiosk-1")


class DeviceTokenPublic(Model):
    """A device or API token (never the token itself) with its device's last report."""

    id: int
    role: Role
    window: str | None = None
    label: str
    created_at: datetime
    revoked_at: datetime | None = None
    state: DeviceState | None = Field(default=None, description="the device's last reported state")
    detail: str = ""
    last_seen_at: datetime | None = None


class DeviceTokenIssued(DeviceTokenPublic):
    """A new token: shown this once, with the address and QR code that pair the device."""

    token: str
    pairing_url: str = Field(description="a board opens this; other devices take the token itself")
    pairing_qr: str = Field(description="the pairing QR code as an SVG data: URI")


class AuditEntry(Model):
    """One line of the audit log: who, when, what, and the before/after of a change."""

    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any] = {}
