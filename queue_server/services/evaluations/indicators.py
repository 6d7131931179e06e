"""好差评 figures: 好评率, 主动评价好评率, 未评率, 差评回复率, 回访整改率, 回访整改满意率 per group."""

from __future__ import annotations

from datetime import date, tzinfo
from zoneinfo import ZoneInfo

from queue_server import contract as c
from queue_server.domain import evaluations as ev
from queue_server.domain.actors import Actor
from queue_server.services.evaluations.reading import list_evaluations
from queue_server.services.unit_of_work import UnitOfWork


def _group_key(by: str, item: c.EvaluationPublic, timezone: tzinfo) -> str:
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


def _record(item: c.EvaluationPublic) -> ev.Record:
    follow = item.follow_up
    return ev.Record(
        status=ev.Status(item.status),
        level=ev.Level(item.level.value) if item.level else None,
        stage=ev.Stage(follow.stage) if follow else None,
        verified=bool(follow and follow.verified_at),
        revisit_satisfied=follow.revisit_satisfied if follow else None,
    )


def indicators(
    uow: UnitOfWork, actor: Actor, by: str, start: date | None, end: date | None
) -> c.EvaluationIndicators:
    """好评率, 主动评价好评率, 未评率, 差评回复率, 回访整改率, 回访整改满意率 per group."""
    items = list_evaluations(uow, actor, start=start, end=end, limit=10**7)
    timezone = ZoneInfo(uow.catalogue(actor.hall_id).timezone)
    groups: dict[str, list[ev.Record]] = {}
    for item in items:
        groups.setdefault(_group_key(by, item, timezone), []).append(_record(item))
    rows = [
        c.IndicatorRow(key=key, **ev.indicators(records).__dict__) for key, records in sorted(groups.items())
    ]
    return c.EvaluationIndicators.model_validate({"by": by, "date_from": start, "date_to": end, "rows": rows})
