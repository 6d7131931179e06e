"""The hall's per-hall rules: read and change them live, audited."""

from __future__ import annotations

from typing import Any

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Rejected
from queue_server.domain.hall import HallSettings
from queue_server.domain.notices import check_wordings
from queue_server.services.hall.ports import HallRules
from queue_server.services.live import hall_topics
from queue_server.services.outbox.gateway_check import check_gateways
from queue_server.services.unit_of_work import UnitOfWork


def read_settings(uow: UnitOfWork, actor: Actor) -> c.HallSettingsModel:
    """The hall's settings as stored, with defaults filled in."""
    actor.require(Permission.READ_HALL)
    rules = uow.stores.hall.rules(actor.hall_id)
    return c.HallSettingsModel.model_validate({**rules.settings, "notice": rules.notice})


def replace_settings(uow: UnitOfWork, actor: Actor, wanted: c.HallSettingsModel) -> c.HallSettingsModel:
    """Change the hall's rules; every process applies them from its next transaction."""
    actor.require(Permission.MANAGE_HALL)
    check_gateways(wanted)
    check_wordings(wanted.notices.model_dump()["templates"])
    before = read_settings(uow, actor)
    stored: dict[str, Any] = wanted.model_dump(mode="json", exclude={"notice"})
    for key in ("hours", "extended_hours"):
        stored[key] = {day: [[a[:5], b[:5]] for a, b in spans] for day, spans in stored[key].items()}
    timezone = uow.catalogue(actor.hall_id).timezone
    try:
        HallSettings.from_dict(stored, timezone)
    except ValueError as error:
        raise Rejected("request.invalid", detail=str(error)) from error
    uow.stores.hall.save_rules(actor.hall_id, HallRules(settings=stored, notice=wanted.notice))
    uow.refresh_catalogue(actor.hall_id)
    after = read_settings(uow, actor)
    detail = {"before": before.model_dump(mode="json"), "after": after.model_dump(mode="json")}
    uow.audit(actor, "settings.replace", "hall", detail)
    topics = hall_topics(uow.catalogue(actor.hall_id))
    uow.emit(actor.hall_id, "hall.settings", topics, {"notice": wanted.notice})
    return after
