"""SMS notices (短信告知): written to the outbox in the transaction of the change they tell about.

A holder opts in when the ticket is issued (``sms`` with the phone); the number is kept encrypted
beside the ticket's token and appears masked everywhere else. Each job's live events say what
happened to which ticket (``ticket:TOKEN`` topics), so ``react`` turns a call, a no-show or a
queue that moved into notices for the opted-in tickets among them, in that job's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.domain.hall import HallCatalogue
from queue_server.services.live import LiveEvent
from queue_server.services.outbox.ports import NewMessage, SmsSubscription
from queue_server.services.pii import ProtectedPhone, protect_phone, reveal
from queue_server.services.unit_of_work import UnitOfWork

DESTINATION = "sms"
# Live event type -> the notice it may cause.
CAUSES = {"ticket.ahead": "ahead", "ticket.called": "called", "ticket.no_show": "missed"}


def subscribe(
    uow: UnitOfWork,
    catalogue: HallCatalogue,
    ticket: tuple[int, str],
    number: str,
    phone: ProtectedPhone,
    values: dict[str, Any],
    language: str = "zh-CN",
) -> None:
    """Keep a new ticket's opt-in (``ticket``: its id and token) and write its "taken" notice
    (with the ticket page's link)."""
    ticket_id, token = ticket
    subscription = _subscription(catalogue.id, token, number, phone, language, ticket_id)
    uow.stores.outbox.subscribe(subscription, uow.now)
    write_notice(uow, catalogue, subscription, "taken", {**values, "link": ticket_link(catalogue, token)})


def ticket_link(catalogue: HallCatalogue, token: str) -> str:
    """The ticket page's address, as the hall publishes it."""
    base = catalogue.settings.notices.page_base
    return f"{base.rstrip('/')}/t/{token}" if base else f"/t/{token}"


def _subscription(
    hall_id: int, token: str, number: str, phone: ProtectedPhone, language: str, ticket_id: int = 0
) -> SmsSubscription:
    p = phone
    return SmsSubscription(token, hall_id, number, p.cipher, p.digest, p.masked, False, language, ticket_id)


def tell_holder(
    uow: UnitOfWork,
    catalogue: HallCatalogue,
    token: str,
    number: str,
    kind: str,
    values: dict[str, Any],
    phone_cipher: str | None = None,
) -> int:
    """Write a case's notice (补正, 承诺件 ready) to its ticket's holder: to the number the ticket
    opted in with, or else to the call-back number the clerk took at the window (``phone_cipher``,
    given for exactly this). How many were written (0 or 1)."""
    if not catalogue.settings.notices.sends(kind):
        return 0
    target = uow.stores.outbox.subscriptions([token]).get(token)
    if target is None and phone_cipher:
        phone = protect_phone(uow.caches.pii_key, reveal(uow.caches.pii_key, phone_cipher))
        target = _subscription(catalogue.id, token, number, phone, "zh-CN")
    if target is None:
        return 0
    return write_notice(uow, catalogue, target, kind, values)


def react(uow: UnitOfWork, events: Sequence[Any]) -> int:
    """Write the notices this job's live events call for; how many were written."""
    wanted: list[tuple[LiveEvent, str, str]] = []
    sends: dict[tuple[int, str], bool] = {}  # a call tells every waiting ticket: asked once a kind
    for event in events:
        kind = CAUSES.get(getattr(event, "type", ""))
        if kind is None:
            continue
        allowed = sends.get((event.hall_id, kind))
        if allowed is None:  # the catalogue is cached: a hall without SMS costs nothing
            allowed = sends[event.hall_id, kind] = uow.catalogue(event.hall_id).settings.notices.sends(kind)
        if not allowed:
            continue
        if kind == "ahead" and event.payload.get("people_ahead") != _ahead_at(uow, event):
            continue  # a call pushes every waiting ticket's figure: only those at N matter
        token = next((t[7:] for t in event.topics if t.startswith("ticket:")), None)
        if token is not None:
            wanted.append((event, kind, token))
    if not wanted:
        return 0
    written = 0
    subscribed = uow.stores.outbox.subscriptions(sorted({token for _, _, token in wanted}))
    for event, kind, token in wanted:
        sub = subscribed.get(token)
        if sub is None:
            continue
        catalogue = uow.catalogue(sub.hall_id)
        if kind == "ahead":
            if sub.ahead_sent:
                continue
            uow.stores.outbox.mark_ahead_sent(sub.ticket_id)
        if kind == "called" and event.payload.get("recall"):
            continue  # the first call told them already
        values = {"ahead": event.payload.get("people_ahead"), "window": event.payload.get("window")}
        written += write_notice(uow, catalogue, sub, kind, {**values, **_service_names(catalogue, event)})
    return written


def _service_names(catalogue: HallCatalogue, event: Any) -> dict[str, str]:
    """``{service}`` of a queue notice: the service the event's ticket is in now (its English name
    for English wordings), named by the event's ``service_code``."""
    service = catalogue.by_code.get(event.payload.get("service_code") or "")
    return {"service": service.name, "service_en": service.name_en or ""} if service else {}


def _ahead_at(uow: UnitOfWork, event: Any) -> int:
    """The N of "前面还有 N 人" for the event's ticket: its service's own, or the hall's."""
    catalogue = uow.catalogue(event.hall_id)
    service = catalogue.by_code.get(event.payload.get("service_code") or "")
    return catalogue.settings.notices.ahead_for(service.notice_ahead_at if service else None)


def write_notice(
    uow: UnitOfWork,
    catalogue: HallCatalogue,
    sub: SmsSubscription,
    kind: str,
    values: dict[str, Any],
    key: str | None = None,
) -> int:
    rules = catalogue.settings.notices
    local = uow.now.astimezone(ZoneInfo(catalogue.timezone))
    if not rules.sends(kind) or rules.quiet(local.time().replace(tzinfo=None)):
        return 0
    order = f"sms:{sub.phone_hash}"
    service, service_en = values.pop("service", ""), values.pop("service_en", "")
    template = rules.templates[kind]
    hall = catalogue.name
    if sub.language == "en" and template.en:  # English wording names hall and service in English
        hall, service = catalogue.name_en or hall, service_en or service
    text = template.render({"hall": hall, "number": sub.number, "service": service, **values}, sub.language)
    message = NewMessage(
        hall_id=catalogue.id,
        destination=DESTINATION,
        kind=f"sms.{kind}",
        idempotency_key=key or f"sms:{sub.token}:{kind}",
        ordering_key=order,
        payload={"phone_cipher": sub.phone_cipher, "phone_masked": sub.phone_masked, "text": text},
        created_at=uow.now,
    )
    # The number's daily cap is counted by the statement that stores the notice (one, not two).
    if not uow.stores.outbox.add_capped(message, _midnight(local), rules.daily_cap):
        return 0  # capped, or this notice's key was written before
    uow.stores.notes()["outbox_written"] = True  # wakes the dispatcher once this commits
    return 1


def _midnight(local: datetime) -> datetime:
    return local.replace(hour=0, minute=0, second=0, microsecond=0)
