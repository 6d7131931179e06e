"""好差评: one evaluation per concluded case, ratings from pads and ticket pages, 差评 follow-up, figures."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.domain import evaluations as ev
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.cells import inert
from queue_server.domain.errors import Forbidden, NotFound, Rejected
from queue_server.domain.numbering import business_day
from queue_server.services.evaluations.free_text import shown_to
from queue_server.services.unit_of_work import UnitOfWork

PRESS_SLACK = timedelta(seconds=2)  # a pad's clock-less press time is estimated; forgive this much


def press_time(channel: c.EvaluationChannel, claimed: datetime | None, received: datetime) -> datetime:
    """When the key was pressed. Only a pad has a clock of its own (the bridge turns the pad's bounded
    ``age`` into ``pressed_at``); a web page, a kiosk or a console could claim any time, so on those
    channels the server's receipt time is the press time. A claim from the future is the receipt."""
    if channel is not c.EvaluationChannel.PAD or claimed is None:
        return received
    return min(claimed, received)


def settings_of(uow: UnitOfWork, hall_id: int) -> c.EvaluationSettings:
    """The hall's 好差评 settings as stored, defaults for anything missing."""
    stored = uow.repo.conn.execute(select(t.halls.c.settings).where(t.halls.c.id == hall_id)).scalar()
    return c.EvaluationSettings.model_validate((stored or {}).get("evaluation", {}))


def _clerk(uow: UnitOfWork, user_id: int | None) -> Any:
    return uow.repo.users_by_ids([user_id]).get(user_id) if user_id is not None else None


def request_evaluation(
    uow: UnitOfWork, actor: Actor, ticket: Any, window_id: int, window_number: str, clerk_id: int | None
) -> int:
    """At 办结: open the case's evaluation and ask the window's pad (and the ticket's page) for a rating."""
    catalogue = uow.catalogue(actor.hall_id)
    settings = settings_of(uow, actor.hall_id)
    service = catalogue.services[ticket.service_id]
    case_id = uow.repo.conn.execute(select(t.cases.c.id).where(t.cases.c.ticket_id == ticket.id)).scalar()
    deadline = uow.now + timedelta(seconds=settings.rating_timeout_seconds)
    clerk_id = clerk_id if clerk_id is not None else actor.user_id
    values = {
        "hall_id": actor.hall_id,
        "ticket_id": ticket.id,
        "case_id": case_id,
        "service_id": service.id,
        "department_id": service.department_id,
        "window_id": window_id,
        "clerk_user_id": clerk_id,
        "status": ev.Status.PENDING.value,
        "reasons": [],
        "comment": "",
        "requested_at": uow.now,
        "deadline_at": deadline,
        "late": False,
        "is_default": False,
    }
    evaluation_id = int(
        uow.repo.conn.execute(t.evaluations.insert().returning(t.evaluations.c.id), values).scalar_one()
    )
    clerk = _clerk(uow, clerk_id)
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


def _row(uow: UnitOfWork, hall_id: int, evaluation_id: int) -> Any:
    row = uow.repo.conn.execute(select(t.evaluations).where(t.evaluations.c.id == evaluation_id)).first()
    if row is None or row.hall_id != hall_id:
        raise NotFound("evaluation.not_found")
    return row


def _window_number(uow: UnitOfWork, hall_id: int, window_id: int | None) -> str | None:
    window = uow.catalogue(hall_id).windows.get(window_id) if window_id is not None else None
    return window.number if window else None


def rate(
    uow: UnitOfWork, actor: Actor | None, evaluation_id: int, body: c.RateEvaluation
) -> tuple[c.EvaluationPublic, bool]:
    """Record a rating (一次一评); returns the evaluation and whether this call recorded it.

    The window's evaluator token rates on the pad channel, the ticket's public token on the web
    channel. A copy of the rating already stored returns it again; a different second rating is refused.
    """
    if actor is not None and not body.ticket_token:
        hall_id = actor.hall_id
        row = _row(uow, hall_id, evaluation_id)
        actor.require(Permission.RECORD_EVALUATION, window=_window_number(uow, hall_id, row.window_id))
        channel = c.EvaluationChannel.PAD if actor.role == "evaluator" else c.EvaluationChannel.KIOSK
    else:
        row = uow.repo.conn.execute(select(t.evaluations).where(t.evaluations.c.id == evaluation_id)).first()
        ticket = uow.repo.ticket(id=row.ticket_id) if row is not None else None
        if row is None or ticket is None or not body.ticket_token or body.ticket_token != ticket.token:
            raise NotFound("evaluation.not_found")
        hall_id = row.hall_id
        channel = c.EvaluationChannel.WEB
    level = ev.Level(body.level.value)
    reasons = tuple(body.reasons)
    pressed = press_time(channel, body.pressed_at, uow.now)
    if pressed + PRESS_SLACK < row.requested_at:
        raise Rejected("evaluation.pressed_before_question")
    stored = (ev.Level(row.level), tuple(row.reasons or ())) if row.level else None
    verdict = ev.judge_rating(
        ev.Status(row.status), stored, level, reasons, pressed - PRESS_SLACK, row.deadline_at
    )
    if verdict is ev.Verdict.REPEAT:
        return public(uow, _row(uow, hall_id, evaluation_id)), False
    if verdict is ev.Verdict.ALREADY_RATED:
        raise Rejected("evaluation.already_rated")
    if verdict is ev.Verdict.TOO_LATE:
        raise Rejected("evaluation.closed")
    if verdict is ev.Verdict.BAD_REASONS:
        raise Rejected("evaluation.bad_reasons")
    late = uow.now > row.deadline_at
    uow.repo.conn.execute(
        update(t.evaluations)
        .where(t.evaluations.c.id == evaluation_id)
        .values(
            status=ev.Status.RATED.value,
            channel=channel.value,
            level=level.value,
            reasons=list(reasons),
            comment=body.comment,
            pressed_at=pressed,
            recorded_at=uow.now,
            late=late,
            is_default=False,
            rater_token_id=actor.token_id if actor and channel is not c.EvaluationChannel.WEB else None,
        )
    )
    if level in ev.BAD:
        _open_follow_up(uow, hall_id, evaluation_id)
    who = (
        actor
        if actor and channel is not c.EvaluationChannel.WEB
        else Actor(hall_id, "citizen", name="ticket")
    )
    uow.record(
        who,
        "evaluation.recorded",
        ticket_id=row.ticket_id,
        window_id=row.window_id,
        service_id=row.service_id,
        data={"evaluation": evaluation_id, "level": level.value, "channel": channel.value, "late": late},
    )
    result = public(uow, _row(uow, hall_id, evaluation_id))
    _announce(uow, hall_id, row, result)
    return result, True


def _announce(uow: UnitOfWork, hall_id: int, row: Any, result: c.EvaluationPublic) -> None:
    ticket = uow.repo.ticket(id=row.ticket_id)
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


def _open_follow_up(uow: UnitOfWork, hall_id: int, evaluation_id: int) -> None:
    """A 差评 opens its follow-up case with deadlines in statutory working days (法定工作日)."""
    hall = uow.catalogue(hall_id).settings
    today = business_day(uow.now, hall.hours.timezone)
    rules = settings_of(uow, hall_id)
    days = (rules.verify_working_days, rules.rectify_working_days, rules.revisit_working_days)
    verify, rectify, revisit = ev.follow_up_dues(today, hall.working_days, *days)
    uow.repo.conn.execute(
        t.evaluation_follow_ups.insert(),
        {
            "hall_id": hall_id,
            "evaluation_id": evaluation_id,
            "stage": ev.Stage.VERIFY.value,
            "owner": "",
            "verify_due": verify,
            "rectify_due": rectify,
            "revisit_due": revisit,
            "notes": [],
            "opened_at": uow.now,
        },
    )


def expire_evaluations(uow: UnitOfWork, hall_id: int, limit: int | None = None) -> int:
    """Housekeeping: pending evaluations past their deadline become unrated (at most ``limit`` of
    them, a housekeeping chunk); without a limit the hall's default rule runs too. Returns how many."""
    conn = uow.repo.conn
    query = select(t.evaluations).where(
        t.evaluations.c.hall_id == hall_id,
        t.evaluations.c.status == ev.Status.PENDING.value,
        t.evaluations.c.deadline_at < uow.now,
    )
    if limit is not None:
        query = query.order_by(t.evaluations.c.deadline_at, t.evaluations.c.id).limit(limit)
    overdue = list(conn.execute(query))
    context: dict[str, Any] = {}  # the hall's departments looked up once for the whole chunk
    for row in overdue:
        conn.execute(
            update(t.evaluations)
            .where(t.evaluations.c.id == row.id, t.evaluations.c.status == ev.Status.PENDING.value)
            .values(status=ev.Status.UNRATED.value)
        )
        _announce(uow, hall_id, row, public(uow, _row(uow, hall_id, row.id), context))
    if limit is None:
        default_unrated(uow, hall_id)
    return len(overdue)


def default_unrated(uow: UnitOfWork, hall_id: int, limit: int | None = None) -> int:
    """Housekeeping: the hall's default rule (if any) gives old unrated evaluations its default level,
    flagged as such (at most ``limit`` of them). Returns how many."""
    settings = settings_of(uow, hall_id)
    if settings.default_level is None:
        return 0
    e = t.evaluations.c
    due = select(e.id).where(
        e.hall_id == hall_id,
        e.status == ev.Status.UNRATED.value,
        e.deadline_at < uow.now - timedelta(days=settings.default_after_days),
    )
    if limit is not None:
        due = due.order_by(e.deadline_at, e.id).limit(limit)
    ids = list(uow.repo.conn.execute(due).scalars())
    if ids:
        uow.repo.conn.execute(
            update(t.evaluations)
            .where(e.id.in_(ids), e.status == ev.Status.UNRATED.value)
            .values(status=ev.Status.DEFAULTED.value, level=settings.default_level.value, is_default=True)
        )
    return len(ids)


# ------------------------------------------------------------------ reading


def _follow_up_public(row: Any, today: date) -> c.FollowUpPublic:
    stage = ev.Stage(row.stage)
    due = {
        ev.Stage.VERIFY: row.verify_due,
        ev.Stage.RECTIFY: row.rectify_due,
        ev.Stage.REVISIT: row.revisit_due,
    }.get(stage)
    return c.FollowUpPublic(
        id=row.id,
        evaluation_id=row.evaluation_id,
        stage=stage.value,
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
        notes=row.notes or [],
        opened_at=row.opened_at,
    )


def _departments(uow: UnitOfWork, hall_id: int) -> dict[int, Any]:
    rows = uow.repo.conn.execute(select(t.departments).where(t.departments.c.hall_id == hall_id))
    return {r.id: r for r in rows}


def public(uow: UnitOfWork, row: Any, context: dict[str, Any] | None = None) -> c.EvaluationPublic:
    """An evaluation as the API shows it (``context`` caches lookups when listing many)."""
    ctx = context if context is not None else {}
    catalogue = uow.catalogue(row.hall_id)
    if "departments" not in ctx:
        ctx["departments"] = _departments(uow, row.hall_id)
    ticket = ctx["tickets"][row.ticket_id] if "tickets" in ctx else uow.repo.ticket(id=row.ticket_id)
    clerk = ctx["users"].get(row.clerk_user_id) if "users" in ctx else _clerk(uow, row.clerk_user_id)
    if "follow_ups" in ctx:
        follow = ctx["follow_ups"].get(row.id)
    else:
        follow = uow.repo.conn.execute(
            select(t.evaluation_follow_ups).where(t.evaluation_follow_ups.c.evaluation_id == row.id)
        ).first()
    service = catalogue.services.get(row.service_id)
    department = ctx["departments"].get(row.department_id)
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
        window=_window_number(uow, row.hall_id, row.window_id),
        clerk_staff_no=clerk.staff_no if clerk else None,
        clerk_name=clerk.name if clerk else None,
        status=row.status,
        channel=row.channel,
        level=c.EvaluationLevel(level.value) if level else None,
        level_name=ev.LEVEL_NAMES[level] if level else None,
        reasons=list(row.reasons or []),
        comment=row.comment,
        requested_at=row.requested_at,
        deadline=row.deadline_at,
        pressed_at=row.pressed_at,
        recorded_at=row.recorded_at,
        late=row.late,
        is_default=row.is_default,
        follow_up=_follow_up_public(follow, today) if follow is not None else None,
    )


def _day_bounds(uow: UnitOfWork, hall_id: int, start: date | None, end: date | None) -> list[Any]:
    """Conditions selecting evaluations requested on local days start..end (inclusive)."""
    zone = ZoneInfo(uow.catalogue(hall_id).timezone)
    where: list[Any] = [t.evaluations.c.hall_id == hall_id]
    if start is not None:
        where.append(t.evaluations.c.requested_at >= datetime.combine(start, datetime.min.time(), zone))
    if end is not None:
        after = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
        where.append(t.evaluations.c.requested_at < after)
    return where


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
    where = _day_bounds(uow, actor.hall_id, start, end)
    if status:
        where.append(t.evaluations.c.status == status)
    rows = list(
        uow.repo.conn.execute(select(t.evaluations).where(*where).order_by(t.evaluations.c.id).limit(limit))
    )
    context = _context(uow, actor.hall_id, rows)
    return [shown_to(actor, public(uow, r, context)) for r in rows]


def _context(uow: UnitOfWork, hall_id: int, rows: list[Any]) -> dict[str, Any]:
    ids = [r.id for r in rows]
    follow_ups: dict[int, Any] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        for f in uow.repo.conn.execute(
            select(t.evaluation_follow_ups).where(t.evaluation_follow_ups.c.evaluation_id.in_(part))
        ):
            follow_ups[f.evaluation_id] = f
    return {
        "tickets": uow.repo.tickets_by_ids({r.ticket_id for r in rows}),
        "users": uow.repo.users_by_ids({r.clerk_user_id for r in rows}),
        "follow_ups": follow_ups,
        "departments": _departments(uow, hall_id),
    }


def evaluation(uow: UnitOfWork, actor: Actor, evaluation_id: int) -> c.EvaluationPublic:
    """One evaluation (manager, or the evaluator/clerk of its window)."""
    row = _row(uow, actor.hall_id, evaluation_id)
    if actor.role in ("evaluator", "clerk"):
        actor.require(Permission.READ_HALL, window=_window_number(uow, actor.hall_id, row.window_id))
        if actor.window is not None and actor.window != _window_number(uow, actor.hall_id, row.window_id):
            raise Forbidden("auth.wrong_window", number=actor.window)
    else:
        actor.require(Permission.MANAGE_HALL)
    return shown_to(actor, public(uow, row))


def ticket_evaluation(uow: UnitOfWork, token: str) -> c.EvaluationPublic:
    """The evaluation of a ticket, by its public token (the status page offers rating from it)."""
    ticket = uow.repo.ticket(token=token)
    if ticket is None:
        raise NotFound("ticket.not_found")
    row = uow.repo.conn.execute(select(t.evaluations).where(t.evaluations.c.ticket_id == ticket.id)).first()
    if row is None:
        raise NotFound("evaluation.not_found")
    return public(uow, row)


def pending_at_window(uow: UnitOfWork, actor: Actor, number: str) -> c.EvaluationPublic | None:
    """The window's latest evaluation still waiting for a rating (a bridge catching up after a gap)."""
    actor.require(Permission.RECORD_EVALUATION, window=number)
    window = uow.catalogue(actor.hall_id).window(number)
    row = uow.repo.conn.execute(
        select(t.evaluations)
        .where(
            t.evaluations.c.window_id == window.id,
            t.evaluations.c.status == ev.Status.PENDING.value,
            t.evaluations.c.deadline_at > uow.now,
        )
        .order_by(t.evaluations.c.id.desc())
        .limit(1)
    ).first()
    return public(uow, row) if row is not None else None


# ------------------------------------------------------------------ 差评 follow-up


def list_follow_ups(uow: UnitOfWork, actor: Actor, *, open_only: bool) -> list[c.FollowUpPublic]:
    """The hall's 差评 follow-up cases (open ones: not yet closed), earliest due first."""
    actor.require(Permission.MANAGE_HALL)
    query = select(t.evaluation_follow_ups).where(t.evaluation_follow_ups.c.hall_id == actor.hall_id)
    if open_only:
        query = query.where(t.evaluation_follow_ups.c.stage != ev.Stage.CLOSED.value)
    today = business_day(uow.now, uow.catalogue(actor.hall_id).timezone)
    items = [shown_to(actor, _follow_up_public(r, today)) for r in uow.repo.conn.execute(query)]
    return sorted(items, key=lambda f: (f.due or date.max, f.id))


def step_follow_up(
    uow: UnitOfWork, actor: Actor, follow_up_id: int, step: c.FollowUpStep
) -> c.FollowUpPublic:
    """Finish the current stage (核实, 整改, 回访 with the citizen's satisfaction), reassign, or note."""
    actor.require(Permission.MANAGE_HALL)
    conn = uow.repo.conn
    row = conn.execute(
        select(t.evaluation_follow_ups).where(t.evaluation_follow_ups.c.id == follow_up_id)
    ).first()
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("follow_up.not_found")
    stage = ev.Stage(row.stage)
    values: dict[str, Any] = {}
    if step.action in ("verify", "rectify", "revisit"):
        if step.action != stage.value:
            raise Rejected("follow_up.wrong_stage", stage=stage.value)
        if not step.note.strip():
            raise Rejected("follow_up.note_required")
        if step.action == "revisit":
            if step.satisfied is None:
                raise Rejected("follow_up.satisfaction_required")
            values.update(revisit_satisfied=step.satisfied, closed_at=uow.now)
        values[
            {"verify": "verified_at", "rectify": "rectified_at", "revisit": "revisited_at"}[step.action]
        ] = uow.now
        values["stage"] = ev.NEXT_STAGE[stage].value
    elif step.action == "assign":
        if not step.owner:
            raise Rejected("follow_up.owner_required")
        values["owner"] = step.owner
    note = {"at": uow.now.isoformat(), "by": actor.label, "action": step.action, "text": step.note}
    if step.owner and step.action == "assign":
        note["owner"] = step.owner
    values["notes"] = [*(row.notes or []), note]
    conn.execute(
        update(t.evaluation_follow_ups).where(t.evaluation_follow_ups.c.id == follow_up_id).values(**values)
    )
    uow.record(actor, f"follow_up.{step.action}", data={"follow_up": follow_up_id, **note})
    updated = conn.execute(
        select(t.evaluation_follow_ups).where(t.evaluation_follow_ups.c.id == follow_up_id)
    ).one()
    today = business_day(uow.now, uow.catalogue(actor.hall_id).timezone)
    return shown_to(actor, _follow_up_public(updated, today))


def open_follow_up_dues(uow: UnitOfWork, hall_id: int) -> list[tuple[int, str, str, date]]:
    """(follow-up id, stage, ticket number, due date) of every open follow-up, for the alert engine."""
    rows = uow.repo.conn.execute(
        select(t.evaluation_follow_ups, t.tickets.c.number)
        .join(t.evaluations, t.evaluations.c.id == t.evaluation_follow_ups.c.evaluation_id)
        .join(t.tickets, t.tickets.c.id == t.evaluations.c.ticket_id)
        .where(
            t.evaluation_follow_ups.c.hall_id == hall_id,
            t.evaluation_follow_ups.c.stage != ev.Stage.CLOSED.value,
        )
    )
    dues = {"verify": "verify_due", "rectify": "rectify_due", "revisit": "revisit_due"}
    return [(r.id, r.stage, r.number, getattr(r, dues[r.stage])) for r in rows]


# ------------------------------------------------------------------ figures and export


def _group_key(by: str, item: c.EvaluationPublic, timezone: Any) -> str:
    if by == "window":
        return item.window or ""
    if by == "clerk":
        return f"{item.clerk_staff_no or ''} {item.clerk_name or ''}".strip()
    if by == "service":
        return item.service_code
    if by == "department":
        return item.department_code
    local = item.requested_at.astimezone(timezone)
    if by == "day":
        return local.date().isoformat()
    if by == "month":
        return local.strftime("%Y-%m")
    return "hall"


def indicators(
    uow: UnitOfWork, actor: Actor, by: str, start: date | None, end: date | None
) -> c.EvaluationIndicators:
    """好评率, 主动评价好评率, 未评率, 差评回复率, 回访整改率, 回访整改满意率 per group."""
    items = list_evaluations(uow, actor, start=start, end=end, limit=10**7)
    timezone = ZoneInfo(uow.catalogue(actor.hall_id).timezone)
    groups: dict[str, list[ev.Record]] = {}
    for item in items:
        follow = item.follow_up
        record = ev.Record(
            status=ev.Status(item.status),
            level=ev.Level(item.level.value) if item.level else None,
            stage=ev.Stage(follow.stage) if follow else None,
            verified=bool(follow and follow.verified_at),
            revisit_satisfied=follow.revisit_satisfied if follow else None,
        )
        groups.setdefault(_group_key(by, item, timezone), []).append(record)
    rows = [
        c.IndicatorRow(key=key, **ev.indicators(records).__dict__) for key, records in sorted(groups.items())
    ]
    return c.EvaluationIndicators(by=by, date_from=start, date_to=end, rows=rows)  # type: ignore[arg-type]


EXPORT_FIELDS = (
    "evaluation_id",
    "hall_code",
    "ticket_number",
    "case_id",
    "service_code",
    "service_name",
    "department_code",
    "department_name",
    "window",
    "clerk_staff_no",
    "clerk_name",
    "channel",
    "status",
    "level",
    "level_code",
    "level_name",
    "reasons",
    "comment",
    "is_default",
    "late",
    "requested_at",
    "deadline",
    "pressed_at",
    "recorded_at",
    "follow_up_stage",
)


def export_rows(uow: UnitOfWork, actor: Actor, start: date | None, end: date | None) -> list[dict[str, Any]]:
    """Every evaluation of the period as flat records (docs/evaluations.md describes each field)."""
    hall_code = uow.catalogue(actor.hall_id).code
    out = []
    for item in list_evaluations(uow, actor, start=start, end=end, limit=10**7):
        level = ev.Level(item.level.value) if item.level else None
        out.append(
            {
                "evaluation_id": item.id,
                "hall_code": hall_code,
                "ticket_number": item.ticket,
                "case_id": item.case_id,
                "service_code": item.service_code,
                "service_name": item.service_name,
                "department_code": item.department_code,
                "department_name": item.department_name,
                "window": item.window,
                "clerk_staff_no": item.clerk_staff_no,
                "clerk_name": item.clerk_name,
                "channel": item.channel.value if item.channel else None,
                "status": item.status,
                "level": level.value if level else None,
                "level_code": ev.LEVEL_CODES[level] if level else None,
                "level_name": ev.LEVEL_NAMES[level] if level else None,
                "reasons": list(item.reasons),
                "comment": item.comment,
                "is_default": item.is_default,
                "late": item.late,
                "requested_at": _iso(item.requested_at),
                "deadline": _iso(item.deadline),
                "pressed_at": _iso(item.pressed_at),
                "recorded_at": _iso(item.recorded_at),
                "follow_up_stage": item.follow_up.stage if item.follow_up else None,
            }
        )
    return out


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """UTF-8 CSV with a header (reasons joined by ``|``; empty cell for null)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        flat = {k: ("|".join(v) if isinstance(v, list) else ("" if v is None else v)) for k, v in row.items()}
        flat["is_default"] = "1" if row["is_default"] else "0"
        flat["late"] = "1" if row["late"] else "0"
        writer.writerow({k: inert(v) for k, v in flat.items()})
    return buffer.getvalue()


def to_json(rows: list[dict[str, Any]], hall_code: str) -> str:
    """The JSON export: a header object and the records."""
    return json.dumps(
        {"format": "hallq-evaluations/1", "hall": hall_code, "records": rows}, ensure_ascii=False
    )
