"""The lobby guide (导办/帮办): find a service for a citizen, and confirm a declared priority.

A citizen says what they came for in their own words ("社保卡", "sbk", "shebao"); the guide's tablet
asks the server, which reads every service's texts in pinyin once (pypinyin, loaded on the first
search) and ranks: code, then exact, prefix and anywhere matches; names before keywords.
A priority (绿色通道) chosen at the kiosk is self-declared: staff who saw the proof confirm it, or
decline it and the ticket waits in the normal queue by its arrival time. Both are audited.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.numbering import business_day
from queue_server.domain.search import Reading, search
from queue_server.services.hall.snapshot import list_services
from queue_server.services.hall.views import ticket_public
from queue_server.services.live import queue_topics
from queue_server.services.tickets.issue import ticket_now
from queue_server.services.tickets.ports import TicketChanges
from queue_server.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

OPEN_STATUSES = ("waiting", "called", "serving", "parked")


@lru_cache(maxsize=8192)
def reading(text: str) -> Reading | None:
    """How ``text`` reads in pinyin; None (characters only) when pypinyin is not installed."""
    try:
        from pypinyin import Style, lazy_pinyin  # heavy (~50 MB): loaded on the first search
    except ImportError:  # pragma: no cover - the server extra installs it
        log.warning("pypinyin is not installed: services are found by characters only")
        return None
    plain = lazy_pinyin(text, style=Style.NORMAL)
    initials = "".join(p[0] for p in plain if p and p[0].isascii() and p[0].isalnum())
    return {"initials": initials.lower(), "plain": "".join(p for p in plain if p.isascii()).lower()}


def search_services(uow: UnitOfWork, actor: Actor, query: str, limit: int = 20) -> list[c.ServiceSummary]:
    """Active services matching ``query`` by characters, pinyin initials or pinyin, best first."""
    return search(list_services(uow, actor), query, reading)[:limit]


def pending_priority(uow: UnitOfWork, actor: Actor) -> list[c.TicketPublic]:
    """Today's open tickets with a declared priority nobody has confirmed yet, oldest first."""
    actor.require(Permission.CONFIRM_PRIORITY)
    catalogue = uow.catalogue(actor.hall_id)
    day = business_day(uow.now, catalogue.timezone)
    rows = uow.stores.tickets.unconfirmed_priority(actor.hall_id, day, OPEN_STATUSES, limit=200)
    return [ticket_public(uow, catalogue, row) for row in rows if row.service_id in catalogue.services]


def confirm_priority(uow: UnitOfWork, actor: Actor, token: str, command: c.ConfirmPriority) -> c.TicketPublic:
    """Confirm (or decline) a ticket's priority after seeing the proof; audited with before/after."""
    actor.require(Permission.CONFIRM_PRIORITY)
    row = uow.stores.tickets.by_token(token)
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("ticket.not_found")
    if row.status not in OPEN_STATUSES:
        raise Rejected(
            "ticket.illegal_transition", number=row.number, status=row.status, action="confirm_priority"
        )
    catalogue = uow.catalogue(actor.hall_id)
    service = catalogue.services[row.service_id]
    before = {"priority_class": row.priority_class, "priority_confirmed": bool(row.priority_confirmed)}
    if command.accept:
        wanted = command.priority_class.value if command.priority_class else row.priority_class
        if wanted is None:
            raise Rejected("ticket.no_priority", number=row.number)
        if not service.priority_allowed:
            raise Rejected("ticket.priority_not_allowed")
        after: TicketChanges = {"priority_class": wanted, "priority_confirmed": True}
    else:
        after = {"priority_class": None, "priority_confirmed": False}
    if not uow.stores.tickets.update(row.id, row.status, **after):
        raise Rejected(
            "ticket.illegal_transition", number=row.number, status=row.status, action="confirm_priority"
        )
    kind = "ticket.priority_confirmed" if command.accept else "ticket.priority_declined"
    data = {"number": row.number, "before": before, "after": after, "note": command.note}
    uow.record(actor, kind, ticket_id=row.id, service_id=row.service_id, data=data)
    uow.audit(actor, kind, f"ticket:{row.number}", data)
    topics = (*queue_topics(catalogue, service.code, uow.now), f"ticket:{row.token}")
    uow.emit(actor.hall_id, kind, topics, {"number": row.number, "service_code": service.code, **after})
    return ticket_public(uow, catalogue, ticket_now(uow, row.id))
