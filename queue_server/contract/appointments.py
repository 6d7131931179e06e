"""Appointments (预约): slots, bookings, rescheduling and check-in."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from pydantic import Field

from queue_server.contract.base import ROW_ID_MAX, Code, Day, Language, Model, Personal, WallTime
from queue_server.contract.tickets import TicketPublic


class AppointmentChannel(StrEnum):
    """Where a booking was made."""

    WEB = "web"  # 网上预约 (an online booking platform)
    PHONE = "phone"  # 电话预约
    GUIDE = "guide"  # booked for the citizen by hall staff (lobby guide)


class AppointmentStatus(StrEnum):
    """booked → checked_in (it became a ticket) | cancelled | missed (爽约)."""

    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    MISSED = "missed"


class OpenSlot(Model):
    """``POST /api/v1/appointments/slots``: offer ``capacity`` bookings of a service at a time of a day."""

    service_code: Code
    day: Day
    start: WallTime
    end: WallTime
    capacity: int = Field(ge=1, le=1000)


class SlotPublic(Model):
    """A bookable slot with its places booked and free (free is 0 once closed)."""

    id: int
    service_code: str
    service_name: str
    day: date
    start: time
    end: time
    capacity: int
    booked: int
    free: int
    open: bool


class BookAppointment(Model):
    """``POST /api/v1/appointments``: book a place in a slot for a citizen."""

    slot_id: int = Field(ge=1, le=ROW_ID_MAX)
    phone: Personal = Field(description="手机号; stored encrypted, as a keyed hash and masked")
    id_number: Personal | None = Field(
        default=None, description="身份证号; stored as keyed hash + masked form"
    )
    channel: AppointmentChannel = AppointmentChannel.WEB
    language: Language = Field(
        default="zh-CN", description="the citizen's language: the reminder SMS's wording"
    )


class RescheduleAppointment(Model):
    """``POST /api/v1/appointments/{code}/reschedule``: move a booking to another slot of its service."""

    slot_id: int = Field(ge=1, le=ROW_ID_MAX)


class AppointmentCheckIn(Model):
    """``POST /api/v1/appointments/check-in``: the citizen arrived; the booking becomes a ticket."""

    code: str = Field(
        min_length=1, max_length=40, description="the 8-character booking code (spaces, dashes, any case)"
    )
    # ID card at the kiosk: with code "-", today's booking of the card's holder (found by keyed hash)
    id_number: Personal | None = Field(default=None, description="身份证号 read from the card; never stored")


class BookingLookup(Model):
    """``POST /api/v1/appointments/lookup``: today's bookings still to check in of an ID card's holder."""

    id_number: Personal = Field(description="身份证号 read from the card or typed; never stored")


class AppointmentPublic(Model):
    """A booking as the citizen and the hall see it: nothing personal beyond masked forms."""

    code: str
    status: AppointmentStatus
    channel: AppointmentChannel
    slot: SlotPublic
    phone_masked: str | None = None
    id_masked: str | None = None
    created_at: datetime
    checked_in_at: datetime | None = None
    ticket: str | None = Field(default=None, description="the ticket's number once checked in")


class CheckedIn(Model):
    """The reply to a check-in: the booking and the ticket it became (served from its slot time)."""

    appointment: AppointmentPublic
    ticket: TicketPublic
