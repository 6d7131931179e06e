"""The 好差评 push: every rating stored, and each step of a 差评's follow-up, to the provincial platform.

Written to the outbox in the rating's own transaction (destination ``evaluation``), one ordering key
per evaluation so its follow-up updates never overtake it. The data items are those of GB/T 39735
that HallQ holds (see docs/notifications.md for the mapping); the platform refuses a submission
missing a mandatory one, and such a message is dead-lettered with the platform's reason.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.hall import HallCatalogue
from queue_server.services.outbox.ports import NewMessage
from queue_server.services.unit_of_work import UnitOfWork

DESTINATION = "evaluation"
# GB/T 39735 评价等级: 5 非常满意 … 1 非常不满意.
GRADES = {
    "very_satisfied": 5,
    "satisfied": 4,
    "basically_satisfied": 3,
    "dissatisfied": 2,
    "very_dissatisfied": 1,
}
# 评价渠道 as the platform names them.
CHANNELS = {"pad": "评价器", "web": "二维码", "kiosk": "自助终端", "phone": "电话"}
# A rating the hall's default rule gave (no citizen pressed anything): its channel, as the platforms
# name it, and the flag that keeps it out of the active figures.
DEFAULT_CHANNEL = "系统默认"


def push_rating(uow: UnitOfWork, hall_id: int, rating: c.EvaluationPublic) -> None:
    """Write a stored rating's submission to the platform (when the hall pushes ratings)."""
    catalogue = uow.catalogue(hall_id)
    if not catalogue.settings.evaluation_push or rating.level is None:
        return
    level = rating.level.value
    default = rating.is_default
    channel = DEFAULT_CHANNEL if default else CHANNELS.get(rating.channel.value if rating.channel else "", "")
    # A default has no moment of rating: it counts from when the rule gave it (this job).
    rated_at = uow.now if default or rating.recorded_at is None else rating.recorded_at
    items: dict[str, Any] = {
        "hall_code": catalogue.code,
        "hall_name": catalogue.name,
        "evaluation_id": f"{catalogue.code}-{rating.id}",
        "service_code": rating.service_code,
        "service_name": rating.service_name,
        "ticket": rating.ticket,
        "case_id": rating.case_id,
        "department_code": rating.department_code,
        "department_name": rating.department_name,
        "window": rating.window,
        "channel": channel,
        "level": GRADES[level],
        "level_name": rating.level_name,
        "reasons": list(rating.reasons),
        "comment": rating.comment,
        "rated_at": rated_at.isoformat(),
        "late": rating.late,
        "is_default": default,  # 默认评价: given by the hall's rule, not the citizen
    }
    _write(uow, hall_id, catalogue, rating.id, "rating", items)


def push_follow_up(uow: UnitOfWork, hall_id: int, evaluation_id: int, step: c.FollowUpStep) -> None:
    """Write a 差评 follow-up's finished stage (核实, 整改, 回访) as an update of its submission."""
    catalogue = uow.catalogue(hall_id)
    if not catalogue.settings.evaluation_push or step.action not in ("verify", "rectify", "revisit"):
        return
    items: dict[str, Any] = {
        "hall_code": catalogue.code,
        "evaluation_id": f"{catalogue.code}-{evaluation_id}",
        "stage": step.action,
        "note": step.note,
        "satisfied": step.satisfied,
        "at": uow.now.isoformat(),
    }
    _write(uow, hall_id, catalogue, evaluation_id, f"follow_up.{step.action}", items)


def _write(
    uow: UnitOfWork,
    hall_id: int,
    catalogue: HallCatalogue,
    evaluation_id: int,
    what: str,
    items: dict[str, Any],
) -> None:
    kind = "rating" if what == "rating" else "follow_up"
    uow.stores.outbox.add(
        [
            NewMessage(
                hall_id=hall_id,
                destination=DESTINATION,
                kind=f"evaluation.{kind}",
                idempotency_key=f"evaluation:{catalogue.code}:{evaluation_id}:{what}",
                ordering_key=f"evaluation:{catalogue.code}:{evaluation_id}",
                payload=items,
                created_at=uow.now,
            )
        ]
    )
    uow.stores.notes()["outbox_written"] = True


def reconciliation(uow: UnitOfWork, actor: Actor, start: date, end: date) -> list[dict[str, Any]]:
    """Per local day: ratings stored (pushed to the outbox) and accepted, pending, refused by the
    platform, with how many were refused for each of the platform's reasons."""
    actor.require(Permission.MANAGE_HALL)
    zone = ZoneInfo(uow.catalogue(actor.hall_id).timezone)
    lower = datetime.combine(start, datetime.min.time(), zone)
    upper = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    days: dict[date, dict[str, Any]] = {}
    rows = uow.stores.outbox.kinds_between(actor.hall_id, "evaluation.rating", lower, upper)
    for created, status, error in rows:
        day = created.astimezone(zone).date()
        row = days.setdefault(
            day,
            {"day": day.isoformat(), "stored": 0, "accepted": 0, "pending": 0, "refused": 0, "reasons": {}},
        )
        row["stored"] += 1
        verdict = {"sent": "accepted", "pending": "pending"}.get(status, "refused")
        row[verdict] += 1
        if verdict == "refused":
            reason = (error or "").strip() or "—"
            row["reasons"][reason] = row["reasons"].get(reason, 0) + 1
    return [days[d] for d in sorted(days)]
