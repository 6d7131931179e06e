"""Tickets: issue, follow by token, cancel."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Header, Request

from queue_server import contract as c
from queue_server.api.deps import ActorDep, MaybeActorDep, RuntimeDep
from queue_server.api.lean import LeanRoute
from queue_server.auth.sessions import TooManyAttempts
from queue_server.domain.rate import Refusals
from queue_server.services.outbox import opt_in
from queue_server.services.tickets import check_in, holder, person
from queue_server.services.tickets import issue as tickets

router = APIRouter(prefix="/tickets", tags=["tickets"], route_class=LeanRoute)


@router.post("", response_model=c.TicketPublic, status_code=201)
async def issue_ticket(
    body: c.IssueTicket,
    runtime: RuntimeDep,
    actor: ActorDep,
    idempotency_key: Annotated[str | None, Header(max_length=80)] = None,
) -> c.TicketPublic:
    """Take a number. Repeat the same ``Idempotency-Key`` to get the same ticket back, never a second.

    With an ``appointment_code`` this is the booking's check-in (``POST /appointments/check-in``).
    """
    if body.appointment_code:
        command = c.AppointmentCheckIn(code=body.appointment_code)
        result = await runtime.write(lambda uow: check_in.check_in(uow, actor, command))
        return check_in.settled(result).ticket
    if idempotency_key and not body.idempotency_key:
        body = body.model_copy(update={"idempotency_key": idempotency_key})
    channel = "guide" if actor.role in ("manager", "admin") else actor.role
    return await runtime.write(lambda uow: tickets.issue_ticket(uow, actor, body, channel))


@router.post("/lookup", response_model=list[c.TicketPublic])
async def lookup_tickets(body: c.TicketLookup, runtime: RuntimeDep, actor: ActorDep) -> list[c.TicketPublic]:
    """Find today's open tickets of a citizen by ID or phone number (kiosk reprint, lobby guide)."""
    return await runtime.read(lambda uow: tickets.lookup_tickets(uow, actor, body))


@router.post("/person", response_model=c.PersonToday)
async def person_today(body: c.PersonLookup, runtime: RuntimeDep, actor: ActorDep) -> c.PersonToday:
    """The kiosk's service list for an ID card's holder: today's open tickets and bookings still to
    check in, in one answer (one round trip; the number is matched by keyed hash and never kept)."""
    return await runtime.read(lambda uow: person.person_today(uow, actor, body))


@router.post("/{token}/reprint", response_model=c.TicketPublic)
async def reprint_ticket(token: str, runtime: RuntimeDep, actor: ActorDep) -> c.TicketPublic:
    """补打: a new paper copy supersedes the earlier one."""
    return await runtime.write(lambda uow: tickets.reprint_ticket(uow, actor, token))


@router.post("/{token}/print-failed", response_model=c.TicketPublic)
async def print_failed(
    token: str, body: c.PrintFailed, runtime: RuntimeDep, actor: ActorDep
) -> c.TicketPublic:
    """The kiosk could not print: the ticket is flagged or cancelled, never silently left waiting."""
    return await runtime.write(lambda uow: tickets.print_failed(uow, actor, token, body))


@router.post("/{token}/holder", response_model=c.TicketPublic)
async def attach_holder(
    token: str, body: c.AttachHolder, runtime: RuntimeDep, actor: ActorDep
) -> c.TicketPublic:
    """An anonymous ticket that did not print gets its holder's ID or phone number, once, so that
    补打号票 finds it later (kept as a keyed hash and a masked form, as a real-name ticket's)."""
    return await runtime.write(lambda uow: holder.attach_holder(uow, actor, token, body))


@router.get("/{token}", response_model=c.TicketPublic)
async def ticket_status(token: str, runtime: RuntimeDep) -> c.TicketPublic:
    """A ticket's live status by its public token (the QR code); no login, nothing personal."""
    return await runtime.read_small(lambda uow: tickets.ticket_status(uow, token))


@router.get("/{token}/guide", response_model=c.ServiceDetail)
async def ticket_guide(token: str, runtime: RuntimeDep) -> c.ServiceDetail:
    """The ticket's service guide with the full materials checklist (一次性告知), no login."""
    return await runtime.read(lambda uow: tickets.ticket_guide(uow, token))


@router.post("/{token}/cancel", response_model=c.TicketPublic)
async def cancel_ticket(token: str, runtime: RuntimeDep, actor: MaybeActorDep) -> c.TicketPublic:
    """Give up a waiting ticket (its holder, by token, or hall staff)."""
    return await runtime.write(lambda uow: tickets.cancel_ticket(uow, token, actor))


@router.get("/{token}/sms", response_model=c.TicketSms)
async def ticket_sms(token: str, runtime: RuntimeDep) -> c.TicketSms:
    """Whether the hall sends SMS notices and to which (masked) number this ticket's go; no login."""
    return await runtime.read(lambda uow: opt_in.sms_state(uow, token))


@router.put("/{token}/sms", response_model=c.TicketSms)
async def ticket_sms_opt_in(
    token: str, body: c.TicketSmsOptIn, request: Request, runtime: RuntimeDep
) -> c.TicketSms:
    """短信告知 from the ticket page: this ticket's notices go to ``phone`` (kept encrypted)."""
    hall = await _limit(token, request, runtime)
    return await runtime.write(lambda uow: opt_in.opt_in(uow, token, body), hall=hall)


@router.delete("/{token}/sms", response_model=c.TicketSms)
async def ticket_sms_opt_out(token: str, request: Request, runtime: RuntimeDep) -> c.TicketSms:
    """No more SMS notices for this ticket."""
    hall = await _limit(token, request, runtime)
    return await runtime.write(lambda uow: opt_in.opt_out(uow, token), hall=hall)


async def _limit(token: str, request: Request, runtime: RuntimeDep) -> int:
    """The ticket's hall, which the change then acts for (on PostgreSQL it holds that hall, not the
    whole site); refused once the client's address used its allowance there, counted in the
    database. An address refused is answered from this process's memory until its wait is over,
    so one that keeps asking costs no writer job."""
    hall = await runtime.read_small(lambda uow: opt_in.ticket_hall(uow, token))
    address = request.client.host if request.client else ""
    state = request.app.state
    if getattr(state, "sms_refusals", None) is None:
        state.sms_refusals = Refusals()
    refusals: Refusals = state.sms_refusals
    key, now = f"{hall}:{address}", runtime.clock()
    wait = refusals.wait(key, now)
    if not wait:
        wait = await runtime.write(lambda uow: opt_in.take_turn(uow, hall, address), hall=hall)
        if wait:
            refusals.refuse(key, now, wait)
    if wait:
        raise TooManyAttempts("ticket.sms_busy", retry_after=math.ceil(wait))
    return hall
