"""Evaluations as the API shows them: one, a period's list, a ticket's, a window's pending one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from queue_server import contract as c
from queue_server.domain import evaluations as ev
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Forbidden, NotFound
from queue_server.domain.numbering import business_day
from queue_server.services.evaluations.free_text import shown_to
from queue_server.services.evaluations.ports import Department, Evaluation, FollowUp, Person, TicketRef
from queue_server.services.unit_of_work import UnitOfWork


def settings_of(uow: UnitOfWork, hall_id: int) -> c.EvaluationSettings:
    """The hall's 好差评 settings as stored, defaults for anything missing (kept with the catalogue:
    they are changed with the hall's settings, which refresh it)."""
    return uow.memo(
        hall_id,
        "evaluation_settings",
        lambda: c.EvaluationSettings.model_validate(uow.stores.evaluations.settings(hall_id)),
    )


def row_of(uow: UnitOfWork, hall_id: int, evaluation_id: int) -> Evaluation:
    """The hall's evaluation ``evaluation_id``, or NotFound."""
    row = uow.stores.evaluations.get(evaluation_id)
    if row is None or row.hall_id != hall_id:
        raise NotFound("evaluation.not_found")
    return row


def window_number(uow: UnitOfWork, hall_id: int, window_id: int | None) -> str | None:
    """The number of a window of the hall (None for none or one no longer in the catalogue)."""
    window = uow.catalogue(hall_id).windows.get(window_id) if window_id is not None else None
    return window.number if window else None


def follow_up_public(row: FollowUp, today: date) -> c.FollowUpPublic:
    """A follow-up as the API shows it: the current stage's due day, and whether it passed."""
    stage = ev.Stage(row.stage)
    due = {
        ev.Stage.VERIFY: row.verify_due,
        ev.Stage.RECTIFY: row.rectify_due,
        ev.Stage.REVISIT: row.revisit_due,
    }.get(stage)
    return c.FollowUpPublic(
        id=row.id,
        evaluation_id=row.evaluation_id,
        stage=row.stage,
        owner=row.owner,
        verify_due=row.verify_due,
        rectify_due=row.rectify_due,
        revisit_due=row.revisit_due,
        due=due,
        overdue=due is not None and today > due,
        verified_at=row.verified_at,
        rectified_at=row.rectified_at,
        revisited_at=row.revisited_at,
        closed_at=row.closed_at,
        revisit_satisfied=row.revisit_satisfied,
        notes=list(row.notes),
        opened_at=row.opened_at,
    )


@dataclass
class Lookups:
    """What many evaluations' public forms name, read once for a whole list."""

    departments: dict[int, Department]
    tickets: dict[int, TicketRef] | None = None
    people: dict[int, Person] | None = None
    follow_ups: dict[int, FollowUp] | None = None


def lookups(uow: UnitOfWork, hall_id: int, rows: list[Evaluation] | None = None) -> Lookups:
    """The hall's departments, and for ``rows`` their tickets, clerks and follow-ups."""
    store = uow.stores.evaluations
    found = Lookups(uow.memo(hall_id, "departments", lambda: store.departments(hall_id)))
    if rows is not None:
        found.tickets = store.tickets({r.ticket_id for r in rows})
        found.people = store.people({r.clerk_user_id for r in rows})
        found.follow_ups = store.follow_ups_of([r.id for r in rows])
    return found


def clerk_of(uow: UnitOfWork, hall_id: int, clerk_id: int | None) -> Person | None:
    """The clerk an evaluation names, kept with the catalogue: a change of a name refreshes it."""
    if clerk_id is None:
        return None
    return uow.memo(
        hall_id, ("person", clerk_id), lambda: uow.stores.evaluations.people([clerk_id]).get(clerk_id)
    )


def public(uow: UnitOfWork, row: Evaluation, known: Lookups | None = None) -> c.EvaluationPublic:
    """An evaluation as the API shows it (``known`` saves lookups when showing many)."""
    store = uow.stores.evaluations
    known = known if known is not None else lookups(uow, row.hall_id)
    catalogue = uow.catalogue(row.hall_id)
    tickets = known.tickets if known.tickets is not None else store.tickets([row.ticket_id])
    people = known.people
    if people is None:  # one evaluation (a pad's pending one, say): its clerk as the catalogue keeps it
        one = clerk_of(uow, row.hall_id, row.clerk_user_id)
        people = {one.id: one} if one is not None else {}
    follow_ups = known.follow_ups if known.follow_ups is not None else store.follow_ups_of([row.id])
    ticket = tickets[row.ticket_id]
    clerk = people.get(row.clerk_user_id) if row.clerk_user_id is not None else None
    follow = follow_ups.get(row.id)
    service = catalogue.services.get(row.service_id)
    department = known.departments.get(row.department_id) if row.department_id is not None else None
    level = ev.Level(row.level) if row.level else None
    today = business_day(uow.now, catalogue.timezone)
    return c.EvaluationPublic(
        id=row.id,
        ticket=ticket.number,
        case_id=row.case_id,
        service_code=service.code if service else "",
        service_name=service.name if service else "",
        department_code=department.code if department else "",
        department_name=department.name if department else "",
        window=window_number(uow, row.hall_id, row.window_id),
        clerk_staff_no=clerk.staff_no if clerk else None,
        clerk_name=clerk.name if clerk else None,
        status=row.status,
        channel=c.EvaluationChannel(row.channel) if row.channel else None,
        level=c.EvaluationLevel(level.value) if level else None,
        level_name=ev.LEVEL_NAMES[level] if level else None,
        reasons=list(row.reasons),
        comment=row.comment,
        requested_at=row.requested_at,
        deadline=row.deadline_at,
        pressed_at=row.pressed_at,
        recorded_at=row.recorded_at,
        late=row.late,
        is_default=row.is_default,
        follow_up=follow_up_public(follow, today) if follow is not None else None,
    )


def _day_bounds(
    uow: UnitOfWork, hall_id: int, start: date | None, end: date | None
) -> tuple[datetime | None, datetime | None]:
    """The instants bounding local days start..end (inclusive)."""
    zone = ZoneInfo(uow.catalogue(hall_id).timezone)
    first = datetime.combine(start, datetime.min.time(), zone) if start is not None else None
    after = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone) if end is not None else None
    return first, after


def list_evaluations(
    uow: UnitOfWork,
    actor: Actor,
    *,
    start: date | None = None,
    end: date | None = None,
    status: str | None = None,
    limit: int = 10000,
) -> list[c.EvaluationPublic]:
    """The hall's evaluations requested in a period (oldest first)."""
    actor.require(Permission.MANAGE_HALL)
    first, after = _day_bounds(uow, actor.hall_id, start, end)
    rows = uow.stores.evaluations.requested_between(actor.hall_id, first, after, status, limit)
    known = lookups(uow, actor.hall_id, rows)
    return [shown_to(actor, public(uow, r, known)) for r in rows]


def evaluation(uow: UnitOfWork, actor: Actor, evaluation_id: int) -> c.EvaluationPublic:
    """One evaluation (manager, or the evaluator/clerk of its window)."""
    row = row_of(uow, actor.hall_id, evaluation_id)
    if actor.role in ("evaluator", "clerk"):
        actor.require(Permission.READ_HALL, window=window_number(uow, actor.hall_id, row.window_id))
        if actor.window is not None and actor.window != window_number(uow, actor.hall_id, row.window_id):
            raise Forbidden("auth.wrong_window", number=actor.window)
    else:
        actor.require(Permission.MANAGE_HALL)
    return shown_to(actor, public(uow, row))


def ticket_evaluation(uow: UnitOfWork, token: str) -> c.EvaluationPublic:
    """The evaluation of a ticket, by its public token (the status page offers rating from it)."""
    ticket = uow.stores.evaluations.ticket_by_token(token)
    if ticket is None:
        raise NotFound("ticket.not_found")
    row = uow.stores.evaluations.of_ticket(ticket.id)
    if row is None:
        raise NotFound("evaluation.not_found")
    return public(uow, row)


def pending_at_window(uow: UnitOfWork, actor: Actor, number: str) -> c.EvaluationPublic | None:
    """The window's latest evaluation still waiting for a rating (a bridge catching up after a gap)."""
    actor.require(Permission.RECORD_EVALUATION, window=number)
    window = uow.catalogue(actor.hall_id).window(number)
    row = uow.stores.evaluations.latest_pending(window.id, uow.now)
    if row is None:
        return None
    # Pending in this read's snapshot, so it has no follow-up: only a bad rating opens one, in the
    # transaction that rates it (one statement less for every pad's question).
    known = lookups(uow, row.hall_id)
    known.follow_ups = {}
    return public(uow, row, known)
