"""The manager console's and the lobby guide's commands: window status, devices, priority, bookings."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from queue_server.contract.appointments import AppointmentPublic
from queue_server.contract.base import Model
from queue_server.contract.tickets import DeviceKind, DeviceState
from queue_server.contract.vocabulary import PauseReason, PriorityClass, WindowStatus


class WindowStatusChange(Model):
    """``PUT /api/v1/windows/{window}/status``: the manager opens, pauses or closes a window (audited)."""

    status: WindowStatus
    reason: PauseReason = Field(default=PauseReason.OTHER, description="why, when pausing")


class DeviceReport(Model):
    """A device's last health report, as the manager's live hall lists it."""

    kind: DeviceKind
    device: str
    state: DeviceState
    detail: str = ""
    last_seen_at: datetime
    silent: bool = Field(description="no report within the hall's device_silence threshold")


class ConfirmPriority(Model):
    """``POST /api/v1/tickets/{token}/confirm-priority``: staff checked a declared priority (绿色通道)."""

    accept: bool = Field(default=True, description="false: no proof shown; the ticket joins the normal queue")
    priority_class: PriorityClass | None = Field(
        default=None, description="the class seen, when it differs from the one declared"
    )
    note: str = Field(default="", max_length=200)


class BookingsDay(Model):
    """``GET /api/v1/bookings``: a day's bookings with their check-ins, and the day's counts."""

    day: date
    bookings: list[AppointmentPublic]
    booked: int = Field(description="still expected (status booked)")
    checked_in: int
    missed: int
    cancelled: int
