"""投诉 and 表扬 registers: register, judge and report back complaints; record praise.

Every change writes an event row and an audit line with the row before and after. A complainant's
phone is kept only masked and as a keyed hash (to see repeat complainants), never in clear.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from queue_server import contract as c
from queue_server.domain import complaints as cp
from queue_server.domain import personal
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.services.evaluations.free_text import shown_to
from queue_server.services.evaluations.ports import (
    AuditLine,
    Complaint,
    NewComplaint,
    NewPraise,
    Person,
    Praise,
)
from queue_server.services.evaluations.rubrics import rubric_of
from queue_server.services.unit_of_work import UnitOfWork

CATEGORY_NAMES = {
    cp.Category.WRONGLY_REFUSED: "应予批准而被否定",
    cp.Category.OVERDUE: "办件超过规定时限",
    cp.Category.FEES: "收费不符合规定",
    cp.Category.ATTITUDE: "服务态度",
    cp.Category.MISCONDUCT: "索、拿、卡、要",
    cp.Category.OTHER: "其他",
}


def clerk_id(uow: UnitOfWork, hall_id: int, staff_no: str | None) -> int | None:
    """The user id of a staff number in this hall (None for none), or NotFound."""
    if not staff_no:
        return None
    found = uow.stores.complaints.staff_id(hall_id, staff_no)
    if found is None:
        raise NotFound("staff.not_found", staff_no=staff_no)
    return found


def _window_id(uow: UnitOfWork, hall_id: int, number: str | None) -> int | None:
    return uow.catalogue(hall_id).window(number).id if number else None


def _complaint_row(uow: UnitOfWork, actor: Actor, complaint_id: int) -> Complaint:
    row = uow.stores.complaints.get(complaint_id)
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("complaint.not_found")
    return row


def complaint_public(
    uow: UnitOfWork, row: Complaint, users: dict[int, Person] | None = None
) -> c.ComplaintPublic:
    """A complaint as the register shows it."""
    catalogue = uow.catalogue(row.hall_id)
    window = catalogue.windows.get(row.window_id) if row.window_id else None
    people = users if users is not None else uow.stores.complaints.people([row.clerk_user_id])
    clerk = people.get(row.clerk_user_id) if row.clerk_user_id else None
    category = cp.Category(row.category)
    return c.ComplaintPublic(
        id=row.id,
        category=c.ComplaintCategory(category.value),
        category_name=CATEGORY_NAMES[category],
        received_at=row.received_at,
        channel=row.channel,
        window=window.number if window else None,
        clerk_staff_no=clerk.staff_no if clerk else None,
        clerk_name=clerk.name if clerk else None,
        ticket_number=row.ticket_number,
        summary=row.summary,
        contact_masked=row.contact_masked,
        verdict=c.ComplaintVerdict(row.verdict),
        points=row.points,
        finding=row.finding,
        verified_at=row.verified_at,
        verified_by=row.verified_by,
        outcome=row.outcome,
        reported_at=row.reported_at,
        reported_by=row.reported_by,
        created_by=row.created_by,
    )


def _changed(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    subject: str,
    before: BaseModel | None,
    after: BaseModel,
    window_id: int | None,
) -> None:
    """The event row and the audit line (before/after) of a register change."""
    old = before.model_dump(mode="json") if before is not None else None
    new = after.model_dump(mode="json")
    uow.record(actor, action, window_id=window_id, data={"subject": subject})
    detail = {"before": old, "after": new}
    uow.stores.complaints.audit(AuditLine(actor.hall_id, uow.now, actor.label, action, subject, detail))


def register_complaint(uow: UnitOfWork, actor: Actor, body: c.NewComplaint) -> c.ComplaintPublic:
    """登记: a complaint received by the 督查科 (phone, visit, letter, web)."""
    actor.require(Permission.MANAGE_HALL)
    window_id = _window_id(uow, actor.hall_id, body.window)
    masked = digest = None
    if body.contact_phone:
        phone = personal.normalise_phone(body.contact_phone)
        masked, digest = personal.mask_phone(phone), personal.keyed_hash(uow.caches.pii_key, phone)
    new = NewComplaint(
        hall_id=actor.hall_id,
        category=body.category.value,
        received_at=body.received_at or uow.now,
        channel=body.channel,
        window_id=window_id,
        clerk_user_id=clerk_id(uow, actor.hall_id, body.clerk_staff_no),
        ticket_number=body.ticket_number,
        summary=body.summary,
        contact_masked=masked,
        contact_hash=digest,
        verdict=cp.Verdict.PENDING.value,
        created_by=actor.label,
    )
    new_id = uow.stores.complaints.add(new)
    result = complaint_public(uow, _complaint_row(uow, actor, new_id))
    _changed(uow, actor, "complaint.registered", f"complaint:{new_id}", None, result, window_id)
    return shown_to(actor, result)


def judge_complaint(
    uow: UnitOfWork, actor: Actor, complaint_id: int, body: c.JudgeComplaint
) -> c.ComplaintPublic:
    """核实: verified (with its deduction, within the rubric's range) or unfounded."""
    actor.require(Permission.MANAGE_HALL)
    row = _complaint_row(uow, actor, complaint_id)
    before = complaint_public(uow, row)
    verdict = cp.Verdict(body.verdict)
    cp.check_verdict(cp.Verdict(row.verdict), verdict)
    points = None
    if verdict is cp.Verdict.VERIFIED:
        if row.window_id is None:
            raise Rejected("complaint.window_required")
        found = rubric_of(uow, actor.hall_id).window.rule("results.complaint")
        if found is not None:
            points = body.points if body.points is not None else found[1].points
            found[1].check_points(points, 1)
        else:
            points = body.points
    uow.stores.complaints.judge(complaint_id, verdict.value, points, body.finding, uow.now, actor.label)
    after = complaint_public(uow, _complaint_row(uow, actor, complaint_id))
    _changed(
        uow, actor, f"complaint.{verdict.value}", f"complaint:{complaint_id}", before, after, row.window_id
    )
    return shown_to(actor, after)


def report_complaint(
    uow: UnitOfWork, actor: Actor, complaint_id: int, body: c.ReportComplaint
) -> c.ComplaintPublic:
    """反馈: the outcome as told back to the complainant (once, after the verdict)."""
    actor.require(Permission.MANAGE_HALL)
    row = _complaint_row(uow, actor, complaint_id)
    before = complaint_public(uow, row)
    cp.check_report(cp.Verdict(row.verdict), row.reported_at is not None)
    uow.stores.complaints.report(complaint_id, body.outcome, uow.now, actor.label)
    after = complaint_public(uow, _complaint_row(uow, actor, complaint_id))
    _changed(uow, actor, "complaint.reported", f"complaint:{complaint_id}", before, after, row.window_id)
    return shown_to(actor, after)


def list_complaints(
    uow: UnitOfWork, actor: Actor, start: date | None = None, end: date | None = None
) -> list[c.ComplaintPublic]:
    """The register, newest first (received on local days start..end when given)."""
    actor.require(Permission.MANAGE_HALL)
    rows = uow.stores.complaints.complaints(actor.hall_id)
    users = uow.stores.complaints.people({r.clerk_user_id for r in rows})
    items = [complaint_public(uow, r, users) for r in rows]
    local = uow.catalogue(actor.hall_id).local
    return [
        shown_to(actor, i)
        for i in items
        if (start is None or local(i.received_at).date() >= start)
        and (end is None or local(i.received_at).date() <= end)
    ]


def complaint(uow: UnitOfWork, actor: Actor, complaint_id: int) -> c.ComplaintPublic:
    """One complaint."""
    actor.require(Permission.MANAGE_HALL)
    return shown_to(actor, complaint_public(uow, _complaint_row(uow, actor, complaint_id)))


# ------------------------------------------------------------------ praise


def praise_public(uow: UnitOfWork, row: Praise, users: dict[int, Person] | None = None) -> c.PraisePublic:
    """A praise as the register shows it."""
    window = uow.catalogue(row.hall_id).windows[row.window_id]
    people = users if users is not None else uow.stores.complaints.people([row.clerk_user_id])
    clerk = people.get(row.clerk_user_id) if row.clerk_user_id else None
    return c.PraisePublic(
        id=row.id,
        kind=c.PraiseKind(row.kind),
        window=window.number,
        clerk_staff_no=clerk.staff_no if clerk else None,
        clerk_name=clerk.name if clerk else None,
        day=row.day,
        note=row.note,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def record_praise(uow: UnitOfWork, actor: Actor, body: c.NewPraise) -> c.PraisePublic:
    """A praise letter or banner (锦旗) for a window, and its clerk when named: +2 in the month's bonus."""
    actor.require(Permission.MANAGE_HALL)
    window_id = uow.catalogue(actor.hall_id).window(body.window).id  # a praise always names its window
    clerk = clerk_id(uow, actor.hall_id, body.clerk_staff_no)
    new = NewPraise(
        actor.hall_id, body.kind.value, window_id, clerk, body.day, body.note, uow.now, actor.label
    )
    row = uow.stores.complaints.add_praise(new)
    result = praise_public(uow, row)
    _changed(uow, actor, "praise.recorded", f"praise:{row.id}", None, result, window_id)
    return shown_to(actor, result)


def list_praise(
    uow: UnitOfWork, actor: Actor, start: date | None = None, end: date | None = None
) -> list[c.PraisePublic]:
    """The praise register, newest first."""
    actor.require(Permission.MANAGE_HALL)
    rows = uow.stores.complaints.praise(actor.hall_id, start, end)
    users = uow.stores.complaints.people({r.clerk_user_id for r in rows})
    return [shown_to(actor, praise_public(uow, r, users)) for r in rows]
