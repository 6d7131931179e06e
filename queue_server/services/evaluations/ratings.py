"""好差评 ratings: one evaluation per concluded case, asked at 办结, rated once from a pad, the ticket's
page or a console, unrated past its deadline (and given the hall's default level later, if it has one).

The follow-up of a 差评, the reading side, the figures and the export live beside this module; their
names are re-exported here for the callers that knew them from here.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime, timedelta
from typing import Protocol

from queue_server import contract as c
from queue_server.domain import evaluations as ev
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.services.evaluations.exports import EXPORT_FIELDS, export_rows, to_csv, to_json
from queue_server.services.evaluations.follow_up import (
    list_follow_ups,
    open_follow_up,
    open_follow_up_dues,
    step_follow_up,
)
from queue_server.services.evaluations.indicators import indicators
from queue_server.services.evaluations.ports import Evaluation, NewEvaluation, Rating
from queue_server.services.evaluations.reading import (
    Lookups,
    clerk_of,
    evaluation,
    list_evaluations,
    lookups,
    pending_at_window,
    public,
    row_of,
    settings_of,
    ticket_evaluation,
    window_number,
)
from queue_server.services.outbox.ratings import push_rating
from queue_server.services.unit_of_work import UnitOfWork

__all__ = [
    "EXPORT_FIELDS",
    "PRESS_SLACK",
    "default_unrated",
    "evaluation",
    "expire_evaluations",
    "export_rows",
    "indicators",
    "list_evaluations",
    "list_follow_ups",
    "open_follow_up_dues",
    "pending_at_window",
    "press_time",
    "public",
    "rate",
    "request_evaluation",
    "settings_of",
    "step_follow_up",
    "ticket_evaluation",
    "to_csv",
    "to_json",
]

PRESS_SLACK = timedelta(seconds=2)  # a pad's clock-less press time is estimated; forgive this much


class ConcludedTicket(Protocol):
    """The ticket a window just concluded, as the desk holds it."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def service_id(self) -> int: ...


def press_time(channel: c.EvaluationChannel, claimed: datetime | None, received: datetime) -> datetime:
    """When the key was pressed. Only a pad has a clock of its own (the bridge turns the pad's bounded
    ``age`` into ``pressed_at``); a web page, a kiosk or a console could claim any time, so on those
    channels the server's receipt time is the press time. A claim from the future is the receipt."""
    if channel is not c.EvaluationChannel.PAD or claimed is None:
        return received
    return min(claimed, received)


def request_evaluation(
    uow: UnitOfWork,
    actor: Actor,
    ticket: ConcludedTicket,
    case_id: int | None,
    window_id: int,
    window_number: str,
    clerk_id: int | None,
) -> int:
    """At 办结: open the case's evaluation and ask the window's pad (and the ticket's page) for a rating."""
    store = uow.stores.evaluations
    settings = settings_of(uow, actor.hall_id)
    service = uow.catalogue(actor.hall_id).services[ticket.service_id]
    deadline = uow.now + timedelta(seconds=settings.rating_timeout_seconds)
    clerk_id = clerk_id if clerk_id is not None else actor.user_id
    new = NewEvaluation(
        hall_id=actor.hall_id,
        ticket_id=ticket.id,
        case_id=case_id,  # written a moment ago by the same 办结, not read back
        service_id=service.id,
        department_id=service.department_id,
        window_id=window_id,
        clerk_user_id=clerk_id,
        requested_at=uow.now,
        deadline_at=deadline,
    )
    evaluation_id = store.add(new)
    clerk = clerk_of(uow, actor.hall_id, clerk_id)
    payload = {
        "evaluation_id": evaluation_id,
        "number": ticket.number,
        "window": window_number,
        "service_code": service.code,
        "clerk_name": clerk.name if clerk else "",
        "staff_no": clerk.staff_no if clerk else "",
        "timeout_seconds": settings.rating_timeout_seconds,
        "deadline": deadline.isoformat(),
    }
    uow.record(
        actor,
        "evaluation.requested",
        ticket_id=ticket.id,
        window_id=window_id,
        service_id=service.id,
        data={"evaluation": evaluation_id},
    )
    topics = (f"evaluator:{window_number}", f"window:{window_number}", f"ticket:{ticket.token}")
    uow.emit(actor.hall_id, "evaluation.requested", topics, payload)
    return evaluation_id


def _rated(
    uow: UnitOfWork, actor: Actor | None, evaluation_id: int, body: c.RateEvaluation
) -> tuple[Evaluation, c.EvaluationChannel]:
    """The evaluation a rating is for, and its channel: the window's evaluator token rates on the pad
    channel (a console on the kiosk one), the ticket's public token on the web channel."""
    if actor is not None and not body.ticket_token:
        row = row_of(uow, actor.hall_id, evaluation_id)
        actor.require(Permission.RECORD_EVALUATION, window=window_number(uow, actor.hall_id, row.window_id))
        return row, c.EvaluationChannel.PAD if actor.role == "evaluator" else c.EvaluationChannel.KIOSK
    store = uow.stores.evaluations
    found = store.get(evaluation_id)
    ticket = store.tickets([found.ticket_id]).get(found.ticket_id) if found is not None else None
    if found is None or ticket is None or not body.ticket_token or body.ticket_token != ticket.token:
        raise NotFound("evaluation.not_found")
    return found, c.EvaluationChannel.WEB


VERDICT_ERRORS = {
    ev.Verdict.ALREADY_RATED: "evaluation.already_rated",
    ev.Verdict.TOO_LATE: "evaluation.closed",
    ev.Verdict.BAD_REASONS: "evaluation.bad_reasons",
}


def rate(
    uow: UnitOfWork, actor: Actor | None, evaluation_id: int, body: c.RateEvaluation
) -> tuple[c.EvaluationPublic, bool]:
    """Record a rating (一次一评); returns the evaluation and whether this call recorded it.

    A copy of the rating already stored returns it again; a different second rating is refused.
    """
    row, channel = _rated(uow, actor, evaluation_id, body)
    hall_id = row.hall_id
    level = ev.Level(body.level.value)
    reasons = tuple(body.reasons)
    pressed = press_time(channel, body.pressed_at, uow.now)
    if pressed + PRESS_SLACK < row.requested_at:
        raise Rejected("evaluation.pressed_before_question")
    stored = (ev.Level(row.level), row.reasons) if row.level else None
    verdict = ev.judge_rating(
        ev.Status(row.status), stored, level, reasons, pressed - PRESS_SLACK, row.deadline_at
    )
    if verdict is ev.Verdict.REPEAT:
        return public(uow, row_of(uow, hall_id, evaluation_id)), False
    if verdict in VERDICT_ERRORS:
        raise Rejected(VERDICT_ERRORS[verdict])
    late = uow.now > row.deadline_at
    by_token = actor is not None and channel is not c.EvaluationChannel.WEB
    rating = Rating(
        channel=channel.value,
        level=level.value,
        reasons=reasons,
        comment=body.comment,
        pressed_at=pressed,
        recorded_at=uow.now,
        late=late,
        rater_token_id=actor.token_id if actor is not None and by_token else None,
    )
    uow.stores.evaluations.rate(evaluation_id, rating)
    if level in ev.BAD:
        open_follow_up(uow, hall_id, evaluation_id)
    who = actor if actor is not None and by_token else Actor(hall_id, "citizen", name="ticket")
    uow.record(
        who,
        "evaluation.recorded",
        ticket_id=row.ticket_id,
        window_id=row.window_id,
        service_id=row.service_id,
        data={"evaluation": evaluation_id, "level": level.value, "channel": channel.value, "late": late},
    )
    # What the rating stored is known (no read back); the reply's and the announcement's lookups are
    # read once for both.
    rated_as = {f.name: getattr(rating, f.name) for f in fields(rating)}  # asdict would deep-copy each
    rated = replace(row, status="rated", is_default=False, **rated_as)
    known = lookups(uow, hall_id)
    known.tickets = uow.stores.evaluations.tickets([row.ticket_id])
    # Its clerk as the catalogue keeps them; and it was pending until now, so the only follow-up it
    # can have is the one a 差评 opened a moment ago.
    clerk = clerk_of(uow, hall_id, row.clerk_user_id)
    known.people = {clerk.id: clerk} if clerk is not None else {}
    if level not in ev.BAD:
        known.follow_ups = {}
    result = public(uow, rated, known)
    _announce(uow, hall_id, rated, result, known)
    push_rating(uow, hall_id, result)  # the 好差评 platform hears of it through the outbox
    return result, True


def _announce(
    uow: UnitOfWork, hall_id: int, row: Evaluation, result: c.EvaluationPublic, known: Lookups | None = None
) -> None:
    tickets = known.tickets if known is not None and known.tickets is not None else None
    if tickets is None:
        tickets = uow.stores.evaluations.tickets([row.ticket_id])
    ticket = tickets[row.ticket_id]
    topics: tuple[str, ...] = ("manager", f"ticket:{ticket.token}")
    if result.window:
        topics = (*topics, f"evaluator:{result.window}", f"window:{result.window}")
    payload = {
        "evaluation_id": result.id,
        "number": result.ticket,
        "window": result.window,
        "status": result.status,
        "level": result.level.value if result.level else None,
        "channel": result.channel.value if result.channel else None,
    }
    uow.emit(hall_id, "evaluation.recorded", topics, payload)


def expire_evaluations(uow: UnitOfWork, hall_id: int, limit: int | None = None) -> int:
    """Housekeeping: pending evaluations past their deadline become unrated (at most ``limit`` of
    them, a housekeeping chunk); without a limit the hall's default rule runs too. Returns how many."""
    store = uow.stores.evaluations
    overdue = store.overdue(hall_id, uow.now, limit)
    for row in overdue:
        store.mark_unrated(row.id)
    # Read in this transaction, so pending until now: unrated is all that changed (no re-read), and
    # the chunk's tickets, clerks and follow-ups are looked up once for all of them, not per row.
    expired = [replace(row, status="unrated") for row in overdue]
    known = lookups(uow, hall_id, expired)
    for row in expired:
        _announce(uow, hall_id, row, public(uow, row, known), known)
    if limit is None:
        default_unrated(uow, hall_id)
    return len(overdue)


def default_unrated(uow: UnitOfWork, hall_id: int, limit: int | None = None) -> int:
    """Housekeeping: the hall's default rule (if any) gives old unrated evaluations its default level,
    flagged as such (at most ``limit`` of them). Returns how many."""
    settings = settings_of(uow, hall_id)
    if settings.default_level is None:
        return 0
    store = uow.stores.evaluations
    ids = store.unrated_before(hall_id, uow.now - timedelta(days=settings.default_after_days), limit)
    store.give_default(ids, settings.default_level.value)
    if ids and uow.catalogue(hall_id).settings.evaluation_push:
        # The platform hears of a default like any rating, flagged as one; the chunk's rows and
        # their tickets, clerks and follow-ups are read once for all of them.
        defaulted = [row for row in (store.get(i) for i in ids) if row is not None]
        known = lookups(uow, hall_id, defaulted)
        for row in defaulted:
            push_rating(uow, hall_id, public(uow, row, known))
    return len(ids)
