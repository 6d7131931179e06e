"""Free text as each caller may see it: ID-card and phone numbers typed into comments and notes are
masked for every role without the reveal right (only an admin holds it)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.personal import mask_free_text

M = TypeVar("M", bound=BaseModel)

# The fields of each reply that people fill in by hand.
FREE_TEXT: dict[type[BaseModel], tuple[str, ...]] = {
    c.EvaluationPublic: ("comment",),
    c.ComplaintPublic: ("summary", "finding", "outcome"),
    c.PraisePublic: ("note",),
}


def _notes(notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**n, "text": mask_free_text(n["text"])} if isinstance(n.get("text"), str) else n for n in notes]


def masked(item: M) -> M:
    """``item`` with the numbers in its free text masked."""
    update: dict[str, Any] = {
        name: mask_free_text(getattr(item, name)) for name in FREE_TEXT.get(type(item), ())
    }
    if isinstance(item, c.FollowUpPublic):
        update["notes"] = _notes(item.notes)
    if isinstance(item, c.EvaluationPublic) and item.follow_up is not None:
        update["follow_up"] = masked(item.follow_up)
    return item.model_copy(update=update)


def shown_to(actor: Actor, item: M) -> M:
    """``item`` as ``actor`` may see it."""
    return item if actor.may(Permission.REVEAL_PERSONAL) else masked(item)
