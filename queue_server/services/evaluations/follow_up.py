"""差评 follow-up: every bad rating opens a case that goes 核实 → 整改 → 回访 → closed, each stage due
within statutory working days (法定工作日) of the rating."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from queue_server import contract as c
from queue_server.domain import evaluations as ev
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.numbering import business_day
from queue_server.services.evaluations.free_text import shown_to
from queue_server.services.evaluations.ports import FollowUp, NewFollowUp
from queue_server.services.evaluations.reading import follow_up_public, settings_of
from queue_server.services.outbox.ratings import push_follow_up
from queue_server.services.unit_of_work import UnitOfWork

# The timestamp each stage's step sets when it finishes that stage.
FINISHED_AT = {"verify": "verified_at", "rectify": "rectified_at", "revisit": "revisited_at"}


def open_follow_up(uow: UnitOfWork, hall_id: int, evaluation_id: int) -> None:
    """A 差评 opens its follow-up case with deadlines in statutory working days (法定工作日)."""
    hall = uow.catalogue(hall_id).settings
    today = business_day(uow.now, hall.hours.timezone)
    rules = settings_of(uow, hall_id)
    days = (rules.verify_working_days, rules.rectify_working_days, rules.revisit_working_days)
    verify, rectify, revisit = ev.follow_up_dues(today, hall.working_days, *days)
    uow.stores.evaluations.open_follow_up(
        NewFollowUp(hall_id, evaluation_id, verify, rectify, revisit, uow.now)
    )


def _today(uow: UnitOfWork, hall_id: int) -> date:
    return business_day(uow.now, uow.catalogue(hall_id).timezone)


def list_follow_ups(uow: UnitOfWork, actor: Actor, *, open_only: bool) -> list[c.FollowUpPublic]:
    """The hall's 差评 follow-up cases (open ones: not yet closed), earliest due first."""
    actor.require(Permission.MANAGE_HALL)
    today = _today(uow, actor.hall_id)
    rows = uow.stores.evaluations.follow_ups(actor.hall_id, open_only)
    items = [shown_to(actor, follow_up_public(r, today)) for r in rows]
    return sorted(items, key=lambda f: (f.due or date.max, f.id))


def _stepped(uow: UnitOfWork, row: FollowUp, step: c.FollowUpStep) -> dict[str, Any]:
    """The fields ``step`` changes on ``row`` (its note aside), or Rejected."""
    stage = ev.Stage(row.stage)
    if step.action in FINISHED_AT:
        if step.action != stage.value:
            raise Rejected("follow_up.wrong_stage", stage=stage.value)
        if not step.note.strip():
            raise Rejected("follow_up.note_required")
        changes: dict[str, Any] = {FINISHED_AT[step.action]: uow.now, "stage": ev.NEXT_STAGE[stage].value}
        if step.action == "revisit":
            if step.satisfied is None:
                raise Rejected("follow_up.satisfaction_required")
            changes.update(revisit_satisfied=step.satisfied, closed_at=uow.now)
        return changes
    if step.action == "assign":
        if not step.owner:
            raise Rejected("follow_up.owner_required")
        return {"owner": step.owner}
    return {}


def step_follow_up(
    uow: UnitOfWork, actor: Actor, follow_up_id: int, step: c.FollowUpStep
) -> c.FollowUpPublic:
    """Finish the current stage (核实, 整改, 回访 with the citizen's satisfaction), reassign, or note."""
    actor.require(Permission.MANAGE_HALL)
    store = uow.stores.evaluations
    row = store.follow_up(follow_up_id)
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("follow_up.not_found")
    changes = _stepped(uow, row, step)
    note = {"at": uow.now.isoformat(), "by": actor.label, "action": step.action, "text": step.note}
    if step.owner and step.action == "assign":
        note["owner"] = step.owner
    store.save_follow_up(replace(row, **changes, notes=(*row.notes, note)))
    uow.record(actor, f"follow_up.{step.action}", data={"follow_up": follow_up_id, **note})
    push_follow_up(uow, actor.hall_id, row.evaluation_id, step)  # an update of the 好差评 submission
    updated = store.follow_up(follow_up_id)
    if updated is None:  # cannot happen: stored just now in this transaction
        raise NotFound("follow_up.not_found")
    return shown_to(actor, follow_up_public(updated, _today(uow, actor.hall_id)))


def open_follow_up_dues(uow: UnitOfWork, hall_id: int) -> list[tuple[int, str, str, date]]:
    """(follow-up id, stage, ticket number, due date) of every open follow-up, for the alert engine."""
    dues = {"verify": "verify_due", "rectify": "rectify_due", "revisit": "revisit_due"}
    return [
        (f.id, f.stage, number, getattr(f, dues[f.stage]))
        for f, number in uow.stores.evaluations.open_follow_up_numbers(hall_id)
    ]
