"""The hall's assessment rubric (考核细则): stored as JSON per hall, the seeds' rubric by default."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from queue_server.adapters import tables as t
from queue_server.domain import rubric as rb
from queue_server.domain.actors import Actor, Permission
from queue_server.services.unit_of_work import UnitOfWork


def rubric_of(uow: UnitOfWork, hall_id: int) -> rb.Rubric:
    """The hall's rubric as stored, or the default."""
    stored = uow.repo.conn.execute(
        select(t.assessment_rubrics.c.rubric).where(t.assessment_rubrics.c.hall_id == hall_id)
    ).scalar()
    return rb.from_dict(stored) if stored else rb.default_rubric()


def get_rubric(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    """The rubric as the API shows it."""
    actor.require(Permission.MANAGE_HALL)
    return rb.to_dict(rubric_of(uow, actor.hall_id))


def put_rubric(uow: UnitOfWork, actor: Actor, raw: dict[str, Any]) -> dict[str, Any]:
    """Replace the hall's rubric (validated; audited with before and after)."""
    actor.require(Permission.MANAGE_HALL)
    before = get_rubric(uow, actor)
    after = rb.to_dict(rb.from_dict(raw))
    table = t.assessment_rubrics
    exists = uow.repo.conn.execute(select(table.c.hall_id).where(table.c.hall_id == actor.hall_id)).first()
    values = {"rubric": after, "updated_at": uow.now, "updated_by": actor.label}
    if exists:
        uow.repo.conn.execute(update(table).where(table.c.hall_id == actor.hall_id).values(**values))
    else:
        uow.repo.conn.execute(table.insert(), {"hall_id": actor.hall_id, **values})
    uow.record(actor, "assessment.rubric_changed")
    uow.repo.audit(
        actor.hall_id, uow.now, actor.label, "assessment.rubric", "rubric", {"before": before, "after": after}
    )
    return after
