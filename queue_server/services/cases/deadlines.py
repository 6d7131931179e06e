"""Open deadlines after a calendar change: a newly declared holiday or 调休 day moves what they count.

差评 follow-ups are the hall's own deadlines: their stages still to come are recounted on the new
statutory working days. A 承诺件's promised date was given to the citizen: it stands, and when it is
no longer a working day the manager is told (the change's answer, an event row and an audit line);
the 催办 reminders count working days left on the new calendar by themselves.
"""

from __future__ import annotations

import logging
from typing import Any

from queue_server import contract as c
from queue_server.domain import evaluations as ev
from queue_server.domain.actors import Actor
from queue_server.domain.numbering import business_day
from queue_server.domain.workdays import WorkingCalendar
from queue_server.services.cases.outcomes import deadline
from queue_server.services.cases.ports import FollowUpDues
from queue_server.services.evaluations.ratings import settings_of
from queue_server.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

DUES = (("verify", "verify_due"), ("rectify", "rectify_due"), ("revisit", "revisit_due"))


def recount(uow: UnitOfWork, actor: Actor, before: WorkingCalendar) -> list[c.DeadlineChange]:
    """Recount open 差评 follow-ups and flag open 承诺件 after the calendar changed from ``before``."""
    settings = uow.catalogue(actor.hall_id).settings
    after = settings.working_days
    if after == before:
        return []
    changes = _follow_ups(uow, actor, after)
    changes += _cases(uow, actor, before, after)
    if changes:
        log.info("calendar change in hall %d touched %d open deadlines", actor.hall_id, len(changes))
    return changes


def _follow_ups(uow: UnitOfWork, actor: Actor, calendar: WorkingCalendar) -> list[c.DeadlineChange]:
    rules = settings_of(uow, actor.hall_id)
    timezone = uow.catalogue(actor.hall_id).timezone
    rows = uow.stores.calendar.open_follow_ups(actor.hall_id)
    stages = [stage for stage, _ in DUES]
    out: list[c.DeadlineChange] = []
    updates: list[FollowUpDues] = []
    for row in rows:
        rated = business_day(row.opened_at, timezone)
        dues = ev.follow_up_dues(
            rated, calendar, rules.verify_working_days, rules.rectify_working_days, rules.revisit_working_days
        )
        # Stages already done keep the date they were held to; the current one and those to come move.
        todo = stages[stages.index(row.stage) :]
        new = {
            column: due if stage in todo else getattr(row, column)
            for (stage, column), due in zip(DUES, dues, strict=True)
        }
        moved = [(stage, column) for stage, column in DUES if getattr(row, column) != new[column]]
        if not moved:
            continue
        updates.append(FollowUpDues(row.id, new["verify_due"], new["rectify_due"], new["revisit_due"]))
        out.extend(
            c.DeadlineChange(
                kind="follow_up",
                id=row.id,
                ticket=row.ticket,
                stage=stage,
                before=getattr(row, column),
                after=new[column],
            )
            for stage, column in moved
        )
    if updates:
        # One statement for them all: a change may touch every open follow-up.
        uow.stores.calendar.move_follow_ups(updates)
        detail: dict[str, Any] = {
            "moved": [
                {"follow_up": d.id, "stage": d.stage, "before": d.before.isoformat(), "after": str(d.after)}
                for d in out
            ]
        }
        uow.record(actor, "follow_up.recounted", data=detail)
        uow.audit(actor, "follow_up.recounted", "follow_ups", detail)
    return out


def _cases(
    uow: UnitOfWork, actor: Actor, before: WorkingCalendar, after: WorkingCalendar
) -> list[c.DeadlineChange]:
    out = []
    for row, number in uow.stores.cases.open_promised(actor.hall_id):
        due = deadline(row)
        if due is None or after.is_working_day(due) or not before.is_working_day(due):
            continue
        detail = {"case": row.id, "ticket": number, "due": due.isoformat()}
        uow.record(actor, "case.deadline_flagged", ticket_id=row.ticket_id, data=detail)
        uow.audit(actor, "case.deadline_flagged", f"case:{row.id}", detail)
        out.append(c.DeadlineChange(kind="case", id=row.id, ticket=number, before=due, flagged=True))
    return out
