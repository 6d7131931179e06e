"""Tickets: issuing one, its public view, print failures and the devices that report them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from queue_server.contract.base import Code, Language, Model, Personal
from queue_server.contract.vocabulary import PriorityClass


class IssueTicket(Model):
    """``POST /api/v1/tickets``: take a number for a service."""

    service_code: Code
    priority_class: PriorityClass | None = None
    appointment_code: Code | None = None
    id_number: Personal | None = Field(
        default=None, description="身份证号; stored as keyed hash + masked form"
    )
    phone: Personal | None = Field(default=None, description="手机号; stored as keyed hash + masked form")
    idempotency_key: str | None = Field(default=None, max_length=80)
    sms: bool = Field(default=False, description="短信告知: send this ticket's notices to ``phone``")
    language: Language = Field(
        default="zh-CN", description="the kiosk's or guide's language: the SMS notices' wording"
    )


class TicketPublic(Model):
    """A ticket as its holder and the screens may see it: nothing personal beyond masked forms."""

    token: str
    number: str
    service_code: str
    service_name: str
    status: str
    priority_class: PriorityClass | None = None
    priority_confirmed: bool = Field(default=False, description="staff saw the proof of the priority")
    people_ahead: int = 0
    estimated_wait_seconds: int | None = None
    issued_at: datetime
    window: str | None = None
    called_at: datetime | None = None
    recalls: int = 0
    status_url: str
    id_masked: str | None = None
    phone_masked: str | None = None
    paper: int = Field(
        default=1, description="which printed copy is valid; a reprint supersedes earlier ones"
    )
    print_failed: bool = False
    channel: str = Field(default="kiosk", description="where it was taken: kiosk, guide, appointment, …")
    appointment_at: datetime | None = Field(default=None, description="预约: the booked slot's start")
    # Where to go and how it ended, in the holder's words (the ticket page, the guide):
    serving_windows: int | None = Field(
        default=None, description="open windows serving its service now (0: nobody can call it)"
    )
    window_name: str | None = Field(default=None, description="the called window's name")
    zone_name: str | None = Field(default=None, description="the called window's zone (区)")
    floor: str | None = Field(default=None, description="the called window's floor")
    transferred_to_window: str | None = Field(default=None, description="转移: the window it waits for")
    transferred_to_service: str | None = Field(default=None, description="转移: the service's name")
    outcome: str | None = Field(default=None, description="办结: immediate, promised, correction, …")
    promised_date: date | None = Field(default=None, description="承诺件: the promised day")
    missing_items: list[str] = Field(default=[], description="补正: what to bring")
    refused_reasons: str = Field(default="", description="不予受理: the reasons")
    referred_to: str = Field(default="", description="转办: where to")


class TicketLookup(Model):
    """``POST /api/v1/tickets/lookup``: find today's open tickets of a citizen who lost theirs."""

    id_number: Personal | None = None
    phone: Personal | None = None


class AttachHolder(Model):
    """``POST /api/v1/tickets/{token}/holder``: a quick-path ticket that did not print gets its holder's
    ID or phone number (one of them), so that 补打 can find it later; kept as a keyed hash and masked."""

    id_number: Personal | None = None
    phone: Personal | None = None


class PrintFailed(Model):
    """``POST /api/v1/tickets/{token}/print-failed``: the kiosk could not print this ticket."""

    reason: str = Field(default="", max_length=200)


class DeviceKind(StrEnum):
    """Devices that report their health."""

    PRINTER = "printer"
    KIOSK = "kiosk"
    BOARD = "board"
    PAD = "pad"


class DeviceState(StrEnum):
    """What a device reports about itself."""

    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"


class DeviceStatus(Model):
    """``POST /api/v1/devices/status``: a device's health, for the manager's alarms."""

    kind: DeviceKind
    device: str = Field(
        min_length=1, max_length=80, description="the device's name in the hall, e.g. kiosk-1"
    )
    state: DeviceState
    detail: str = Field(default="", max_length=200)
