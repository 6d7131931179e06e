"""Window handlers: what a clerk does at a window (叫号, 重呼, 过号, 转移, 挂起, 办结, 暂停…)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Unpack

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.hall import HallCatalogue, WindowItem
from queue_server.domain.lifecycle import Action, Status, next_status
from queue_server.domain.numbering import business_day
from queue_server.domain.policy import WindowView, choose_next, requeue_rank
from queue_server.services.cases.outcomes import record_outcome
from queue_server.services.desk.ports import Clerk, WindowChanges, WindowRow
from queue_server.services.evaluations.ratings import request_evaluation
from queue_server.services.hall.views import call_payload, window_public, window_ticket
from queue_server.services.tickets.ahead import push_people_ahead
from queue_server.services.tickets.issue import ticket_now
from queue_server.services.tickets.ports import TicketChanges, TicketRow
from queue_server.services.unit_of_work import UnitOfWork


@dataclass
class At:
    """A window under a clerk's hands in this transaction: its catalogue entry and locked live row,
    and the ticket it held when read (read with the row, in one statement; forgotten once the job
    moves that ticket or changes the window's ticket, after which it is read again if needed)."""

    catalogue: HallCatalogue
    window: WindowItem
    row: WindowRow
    held: TicketRow | None = None

    @property
    def topics(self) -> tuple[str, ...]:
        """Who hears about what happens at this window."""
        zone = (f"zone:{self.window.zone}",) if self.window.zone else ()
        return ("hall", "manager", f"window:{self.window.number}", *zone)


def _at(uow: UnitOfWork, actor: Actor, number: str) -> At:
    actor.require(Permission.OPERATE_WINDOW, window=number)
    catalogue = uow.catalogue(actor.hall_id)
    window = catalogue.window(number)
    row, held = uow.stores.windows.row_and_ticket(window.id)
    return At(catalogue, window, row, held)


def _held(uow: UnitOfWork, at: At) -> TicketRow | None:
    """The window's ticket now: as read with the window, unless the job has since changed either."""
    ticket_id = at.row.current_ticket_id
    if ticket_id is None:
        return None
    if at.held is not None and at.held.id == ticket_id:
        return at.held
    return ticket_now(uow, ticket_id)


def _current(uow: UnitOfWork, at: At) -> TicketRow:
    ticket = _held(uow, at)
    if ticket is None:
        raise Rejected("window.no_current_ticket", number=at.window.number)
    return ticket


def _result(uow: UnitOfWork, at: At, ticket: TicketRow | None) -> c.WindowActionResult:
    # The window's row is locked for this job and changed only through ``_set_window``, and a moved
    # ticket is built from its move: what the reply shows is known, nothing is read back.
    row = at.row
    if ticket is not None and row.current_ticket_id == ticket.id:
        current: TicketRow | None = ticket
    else:
        current = _held(uow, at)
    clerk = _clerk(uow, at, row.clerk_id) if row.clerk_id else None
    return c.WindowActionResult(
        window=window_public(at.catalogue, row, current, clerk, uow.now),
        ticket=window_ticket(at.catalogue, ticket, uow.now) if ticket is not None else None,
    )


def _clerk(uow: UnitOfWork, at: At, clerk_id: int) -> Clerk | None:
    """Who serves at the window, kept with the catalogue (a change of a name refreshes it)."""
    hall_id = at.catalogue.id
    return uow.memo(hall_id, ("clerk", clerk_id), lambda: uow.stores.windows.clerks([clerk_id]).get(clerk_id))


def _move(
    uow: UnitOfWork,
    actor: Actor,
    at: At,
    ticket: TicketRow,
    action: Action,
    note: dict[str, Any] | None = None,
    **values: Unpack[TicketChanges],
) -> TicketRow:
    """Apply one lifecycle edge with compare-and-set, write its event (with ``note``), return the new row."""
    if not uow.stores.tickets.move(ticket.id, ticket.status, action, number=ticket.number, **values):
        raise Rejected(
            "ticket.illegal_transition", number=ticket.number, status=ticket.status, action=action.value
        )
    at.held = None  # the row read with the window is no longer the ticket's
    uow.record(
        actor,
        f"ticket.{action.value}",
        ticket_id=ticket.id,
        window_id=at.window.id,
        service_id=values.get("service_id", ticket.service_id),
        data={
            "number": ticket.number,
            **{k: _plain(v) for k, v in values.items() if k in _LOGGED},
            **(note or {}),
        },
    )
    return _moved(ticket, action, values)


def _moved(ticket: TicketRow, action: Action, values: TicketChanges) -> TicketRow:
    """The row a successful move left (the compare-and-set matched ``ticket``, so nothing else changed
    it): no need to read it back."""
    status = next_status(Status(ticket.status), action, number=ticket.number)
    return replace(ticket, status=status.value, **values)


def _set_window(uow: UnitOfWork, at: At, **changes: Unpack[WindowChanges]) -> None:
    """Change the window's live row, and the job's copy of it (the reply is built from that)."""
    uow.stores.windows.update(at.window.id, **changes)
    at.row = replace(at.row, **changes)
    if "current_ticket_id" in changes:
        at.held = None


_LOGGED = {"recalls", "service_id", "target_window_id"}


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def _require_free(uow: UnitOfWork, at: At) -> None:
    """Refuse while the window still holds a ticket (finish or transfer it first)."""
    if at.row.current_ticket_id is not None:
        busy = _held(uow, at)
        raise Rejected("window.busy", number=at.window.number, ticket=busy.number if busy else "")


def _today_ticket(uow: UnitOfWork, actor: Actor, at: At, number: str) -> TicketRow:
    """Today's ticket people call ``number`` (A001), or NotFound."""
    day = business_day(uow.now, at.catalogue.timezone)
    ticket = uow.stores.tickets.by_number(actor.hall_id, day, number)
    if ticket is None:
        raise NotFound("ticket.not_found")
    return ticket


def _free_window(uow: UnitOfWork, at: At) -> None:
    _set_window(uow, at, current_ticket_id=None)


def _expect(uow: UnitOfWork, at: At, expected: str | None) -> None:
    """Refuse when the clerk's screen shows another ticket than the window holds (a stale page, a
    second tab, a double click): acting on a ticket the clerk has not seen is never right."""
    if expected is None:
        return
    current = _held(uow, at)
    holds = current.number if current is not None else ""
    if holds != expected:
        raise Rejected(
            "window.changed", number=at.window.number, expected=expected or "—", current=holds or "—"
        )


def _answered(uow: UnitOfWork, at: At, request_id: str | None) -> TicketRow | None:
    """The window's ticket when the call that put it there carried ``request_id`` (a retried press)."""
    if not request_id or at.row.current_ticket_id is None:
        return None
    if uow.stores.windows.call_request(at.window.id, at.row.current_ticket_id) != request_id:
        return None
    return _held(uow, at)


def _serving_clerk(actor: Actor, at: At) -> int | None:
    """Who serves at the window now: the clerk acting (an AB-post cover too), else who opened it."""
    if actor.role == "clerk" and actor.user_id is not None:
        return actor.user_id
    return at.row.clerk_id


# ------------------------------------------------------------------ calling


def call_next(
    uow: UnitOfWork, actor: Actor, number: str, command: c.WindowCommand | None = None
) -> c.WindowActionResult:
    """下一位: claim the ticket the policy picks for this window; None when nobody waits for it.

    With ``command.request_id``, pressing again (a retry after a dropped reply, a double click)
    answers with the ticket the first press called; with ``command.expected`` a page that does not
    know the window's ticket is refused instead of calling another.
    """
    command = command or c.WindowCommand()
    at = _at(uow, actor, number)
    already = _answered(uow, at, command.request_id)
    if already is not None:
        return _result(uow, at, already)
    _expect(uow, at, command.expected)
    if at.row.status != c.WindowStatus.OPEN:
        raise Rejected("window.not_open", number=number)
    _require_free(uow, at)
    settings = at.catalogue.settings.policy
    assignments = at.catalogue.assignments_now(at.window, uow.now)
    service_ids = [at.catalogue.by_code[a.service].id for a in assignments]
    candidates = uow.stores.tickets.waiting_candidates(at.catalogue, service_ids, at.window.id)
    pool = {t.ticket_id: t for t in candidates}
    flags: tuple[bool, ...] = ()
    if any(t.priority for t in pool.values()):  # the anti-starvation rule looks at the latest calls
        # Calls only: a recall repeats a call and must not push the one before out of the span.
        recent = uow.stores.windows.call_priorities(at.window.id, max(settings.priority_span - 1, 1))
        flags = tuple(reversed(recent))
    view = WindowView(at.window.number, True, assignments, flags)
    while pool:
        choice = choose_next(view, pool.values(), uow.now, settings)
        if choice is None:
            break
        changes: TicketChanges = {"window_id": at.window.id, "target_window_id": None, "called_at": uow.now}
        row = uow.stores.tickets.claim(choice.ticket_id, Action.CALL, **changes)
        if row is None:  # another server process took it a moment ago
            del pool[choice.ticket_id]
            continue
        _set_window(uow, at, current_ticket_id=row.id)
        uow.record(
            actor,
            "ticket.called",
            ticket_id=row.id,
            window_id=at.window.id,
            service_id=row.service_id,
            data={
                "number": row.number,
                "priority": row.priority_class is not None,
                **({"request_id": command.request_id} if command.request_id else {}),
            },
        )
        payload = call_payload(at.catalogue, row, number, recall=False)
        uow.emit(actor.hall_id, "ticket.called", (*at.topics, f"ticket:{row.token}"), payload)
        push_people_ahead(uow, at.catalogue, row.service_id)
        return _result(uow, at, row)
    return _result(uow, at, None)


def recall(
    uow: UnitOfWork, actor: Actor, number: str, command: c.WindowCommand | None = None
) -> c.WindowActionResult:
    """重呼: call the window's ticket again, up to the hall's limit."""
    at = _at(uow, actor, number)
    _expect(uow, at, command.expected if command else None)
    ticket = _current(uow, at)
    limit = at.catalogue.settings.recall_limit
    if ticket.recalls >= limit:
        raise Rejected("ticket.recall_limit", number=ticket.number, recalls=ticket.recalls)
    ticket = _move(uow, actor, at, ticket, Action.RECALL, recalls=ticket.recalls + 1)
    payload = call_payload(at.catalogue, ticket, number, recall=True)
    uow.emit(actor.hall_id, "ticket.recalled", (*at.topics, f"ticket:{ticket.token}"), payload)
    return _result(uow, at, ticket)


def start(
    uow: UnitOfWork, actor: Actor, number: str, command: c.WindowCommand | None = None
) -> c.WindowActionResult:
    """The citizen arrived at the window: service starts (handling time counts from here)."""
    at = _at(uow, actor, number)
    _expect(uow, at, command.expected if command else None)
    ticket = _move(uow, actor, at, _current(uow, at), Action.START, started_at=uow.now)
    uow.emit(actor.hall_id, "ticket.started", at.topics, {"number": ticket.number, "window": number})
    return _result(uow, at, ticket)


def conclude(
    uow: UnitOfWork, actor: Actor, number: str, command: c.Conclude | None = None
) -> c.WindowActionResult:
    """办结: the case ends at this window with its outcome; its handling time feeds the wait estimates."""
    at = _at(uow, actor, number)
    _expect(uow, at, command.expected if command else None)
    ticket = _current(uow, at)
    started = ticket.started_at or ticket.called_at or uow.now
    outcome, case_id = record_outcome(uow, actor, ticket, at.window.id, command or c.Conclude())
    ticket = _move(uow, actor, at, ticket, Action.CONCLUDE, note=outcome)
    _free_window(uow, at)
    service = at.catalogue.services[ticket.service_id]
    seconds = (uow.now - started).total_seconds()
    uow.observe_handling(actor.hall_id, service.id, service.avg_handle_seconds, seconds)
    payload = {
        "number": ticket.number,
        "window": number,
        "service_code": service.code,
        "ticket_token": ticket.token,
        "outcome": outcome["outcome"],
        "promised_date": outcome["promised_date"],
        "referred_to": command.referred_to if command else "",
    }
    uow.emit(
        actor.hall_id,
        "ticket.concluded",
        (*at.topics, f"evaluator:{number}", f"ticket:{ticket.token}"),
        payload,
    )
    clerk_id = _serving_clerk(actor, at)
    request_evaluation(uow, actor, ticket, case_id, at.window.id, number, clerk_id)  # 一次一评
    return _result(uow, at, ticket)


def no_show(
    uow: UnitOfWork, actor: Actor, number: str, command: c.WindowCommand | None = None
) -> c.WindowActionResult:
    """过号: the citizen did not come; the window is free again."""
    return _set_aside(uow, actor, number, Action.NO_SHOW, command)


def _set_aside(
    uow: UnitOfWork, actor: Actor, number: str, action: Action, command: c.WindowCommand | None
) -> c.WindowActionResult:
    """Move the window's ticket off it (no-show or parked) and free the window."""
    at = _at(uow, actor, number)
    _expect(uow, at, command.expected if command else None)
    ticket = _move(uow, actor, at, _current(uow, at), action)
    _free_window(uow, at)
    topics = (*at.topics, f"ticket:{ticket.token}")
    service_code = at.catalogue.services[ticket.service_id].code  # the "missed" notice names its service
    payload = {"number": ticket.number, "service_code": service_code}
    uow.emit(actor.hall_id, f"ticket.{action.value}", topics, payload)
    return _result(uow, at, ticket)


def requeue(uow: UnitOfWork, actor: Actor, number: str, command: c.Requeue) -> c.WindowActionResult:
    """过号召回: a late no-show comes back, a few places behind the head of its queue."""
    at = _at(uow, actor, number)
    ticket = _today_ticket(uow, actor, at, command.ticket)
    places = (
        command.places_back if command.places_back is not None else at.catalogue.settings.requeue_places_back
    )
    ranks = uow.stores.tickets.waiting_ranks(actor.hall_id, ticket.service_id)
    ticket = _move(uow, actor, at, ticket, Action.REQUEUE, rank_at=requeue_rank(ranks, places, uow.now))
    uow.emit(
        actor.hall_id, "ticket.requeued", (*at.topics, f"ticket:{ticket.token}"), {"number": ticket.number}
    )
    push_people_ahead(uow, at.catalogue, ticket.service_id)
    return _result(uow, at, ticket)


def transfer(uow: UnitOfWork, actor: Actor, number: str, command: c.Transfer) -> c.WindowActionResult:
    """转移 (首问负责制): send the window's ticket to another service or window, recording who and why."""
    at = _at(uow, actor, number)
    if not command.to_service and not command.to_window:
        raise Rejected("request.invalid", detail="to_service or to_window")
    _expect(uow, at, command.expected)
    ticket = _current(uow, at)
    service_id = at.catalogue.service(command.to_service).id if command.to_service else ticket.service_id
    target = at.catalogue.window(command.to_window).id if command.to_window else None
    keep = at.catalogue.settings.transfer_keeps_place if command.keep_place is None else command.keep_place
    ticket = _move(
        uow,
        actor,
        at,
        ticket,
        Action.TRANSFER,
        service_id=service_id,
        target_window_id=target,
        window_id=None,
        rank_at=ticket.rank_at if keep else uow.now,
        recalls=0,
        note={"reason": command.reason, "keep_place": keep, "from_service_id": ticket.service_id},
    )
    _free_window(uow, at)
    payload = {
        "number": ticket.number,
        "from_window": number,
        "to_window": command.to_window,
        "to_service": at.catalogue.services[service_id].code,
        "reason": command.reason,
    }
    topics = (*at.topics, f"ticket:{ticket.token}")
    if command.to_window:
        topics = (*topics, f"window:{command.to_window}")
    uow.emit(actor.hall_id, "ticket.transferred", topics, payload)
    push_people_ahead(uow, at.catalogue, service_id)
    return _result(uow, at, ticket)


def park(
    uow: UnitOfWork, actor: Actor, number: str, command: c.WindowCommand | None = None
) -> c.WindowActionResult:
    """挂起: set the ticket aside (the citizen fetches a document); the window is free meanwhile."""
    return _set_aside(uow, actor, number, Action.PARK, command)


def callback(uow: UnitOfWork, actor: Actor, number: str, command: c.Callback) -> c.WindowActionResult:
    """回呼: call a parked ticket back to this window."""
    at = _at(uow, actor, number)
    already = _answered(uow, at, command.request_id)
    if already is not None and already.number == command.ticket:
        return _result(uow, at, already)
    _require_free(uow, at)
    ticket = _today_ticket(uow, actor, at, command.ticket)
    ticket = _move(
        uow,
        actor,
        at,
        ticket,
        Action.CALLBACK,
        note={"request_id": command.request_id} if command.request_id else None,
        window_id=at.window.id,
        called_at=uow.now,
    )
    _set_window(uow, at, current_ticket_id=ticket.id)
    payload = call_payload(at.catalogue, ticket, number, recall=False)
    uow.emit(actor.hall_id, "ticket.called", (*at.topics, f"ticket:{ticket.token}"), payload)
    return _result(uow, at, ticket)


# ------------------------------------------------------------------ window status


def _set_status(
    uow: UnitOfWork,
    actor: Actor,
    at: At,
    status: c.WindowStatus,
    reason: c.PauseReason | None,
    detail: dict[str, Any] | None = None,
    clerk: WindowChanges | None = None,
) -> c.WindowActionResult:
    changes: WindowChanges = {"status": status.value, "pause_reason": reason, "status_since": uow.now}
    changes.update(clerk or {})  # who serves there now, when that changes (open, close)
    _set_window(uow, at, **changes)
    uow.record(
        actor,
        "window.status",
        window_id=at.window.id,
        data={
            "status": status.value,
            "reason": reason.value if reason else None,
            "from": at.row.status,
            **(detail or {}),
        },
    )
    uow.forget_open_windows(actor.hall_id)
    payload = {"window": at.window.number, "status": status.value, "reason": reason.value if reason else None}
    uow.emit(actor.hall_id, "window.status", at.topics, payload)
    if (at.row.status == c.WindowStatus.OPEN) != (status == c.WindowStatus.OPEN):
        # the waits of what it serves change (or become "no window"): tell those tickets' pages
        for assignment in at.catalogue.assignments_now(at.window, uow.now):
            push_people_ahead(uow, at.catalogue, at.catalogue.by_code[assignment.service].id)
    return _result(uow, at, None)


def open_window(uow: UnitOfWork, actor: Actor, number: str) -> c.WindowActionResult:
    """A clerk takes the window (login, AB-post cover): it opens and records who serves there."""
    at = _at(uow, actor, number)
    detail = _cover(uow, actor, at)
    return _set_status(uow, actor, at, c.WindowStatus.OPEN, None, detail, {"clerk_id": actor.user_id})


def _cover(uow: UnitOfWork, actor: Actor, at: At) -> dict[str, Any] | None:
    """AB岗: a clerk opening another clerk's home window covers for them; the event says for whom
    and whether the two are AB partners, so attendance and assessment can tell cover from absence."""
    if actor.role != "clerk" or actor.user_id is None:
        return None
    rows = uow.stores.windows.posts(actor.hall_id, at.window.id, actor.user_id)
    me = next((r for r in rows if r.id == actor.user_id), None)
    if me is None or me.window_id == at.window.id:
        return None
    homes = [r for r in rows if r.id != actor.user_id and r.window_id == at.window.id]
    if not homes:
        return None
    partners = any(r.ab_partner_id == me.id or me.ab_partner_id == r.id for r in homes)
    return {"cover_for": sorted(r.staff_no for r in homes), "ab_partner": partners}


def close_window(uow: UnitOfWork, actor: Actor, number: str) -> c.WindowActionResult:
    """注销: the clerk leaves; a window with a ticket at it must finish or transfer it first."""
    at = _at(uow, actor, number)
    _require_free(uow, at)
    return _set_status(uow, actor, at, c.WindowStatus.CLOSED, None, clerk={"clerk_id": None})


def pause(uow: UnitOfWork, actor: Actor, number: str, command: c.Pause) -> c.WindowActionResult:
    """暂停: the window stops taking calls, with a reason the screens show."""
    at = _at(uow, actor, number)
    if at.row.status == c.WindowStatus.CLOSED:
        raise Rejected("window.not_open", number=number)
    detail = {"note": command.note} if command.note else None
    return _set_status(uow, actor, at, c.WindowStatus.PAUSED, command.reason, detail)


def resume(uow: UnitOfWork, actor: Actor, number: str) -> c.WindowActionResult:
    """恢复: a paused window takes calls again."""
    at = _at(uow, actor, number)
    if at.row.status != c.WindowStatus.PAUSED:
        raise Rejected("window.not_open", number=number)
    return _set_status(uow, actor, at, c.WindowStatus.OPEN, None)
