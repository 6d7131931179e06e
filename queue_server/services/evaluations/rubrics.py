"""The hall's assessment rubric (考核细则): stored as JSON per hall, the seeds' rubric by default."""

from __future__ import annotations

from typing import Any

from queue_server.domain import rubric as rb
from queue_server.domain.actors import Actor, Permission
from queue_server.services.evaluations.ports import AuditLine
from queue_server.services.unit_of_work import UnitOfWork


def rubric_of(uow: UnitOfWork, hall_id: int) -> rb.Rubric:
    """The hall's rubric as stored, or the default."""
    stored = uow.stores.rubrics.rubric(hall_id)
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
    uow.stores.rubrics.save_rubric(actor.hall_id, after, uow.now, actor.label)
    uow.record(actor, "assessment.rubric_changed")
    detail = {"before": before, "after": after}
    uow.stores.rubrics.audit(
        AuditLine(actor.hall_id, uow.now, actor.label, "assessment.rubric", "rubric", detail)
    )
    return after
