"""What the settings page needs to word notices and to try the SMS gateway before turning them on.

The notice editors read each notice's placeholders and sample values from ``domain.notices`` (the
one place they are defined). A test SMS goes to a number the manager types, through the hall's
saved gateway, and its answer comes back at once: unlike a notice it is not caused by a change of
the hall's state, so nothing is lost if it never goes, and the manager waits for the verdict. The
send itself runs on a worker thread after three short jobs (``prepare`` reads, ``take_turn``
counts it against the hall's allowance, kept in the database so every server process shares it)
and before one (``record`` audits), never on the writer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from queue_server import contract as c
from queue_server.domain import notices
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.gateway_body import PLACEHOLDERS as GATEWAY_PLACEHOLDERS
from queue_server.domain.gateway_body import PUSH_PLACEHOLDERS
from queue_server.messages import FIELD_WORDS, render
from queue_server.services.outbox import allowance
from queue_server.services.outbox.ports import MessageRow, Receipt
from queue_server.services.pii import protect_phone
from queue_server.services.unit_of_work import UnitOfWork

# Test texts a hall may send in any 10 minutes, whichever server process the manager reaches.
ALLOWANCE = (5, timedelta(minutes=10))


def notice_kinds(uow: UnitOfWork, actor: Actor) -> c.NoticeKinds:
    """Each notice's name, placeholders and default wording, sample values for a preview, and what
    each gateway's request fields may name (the SMS gateway's, the 好差评 push's)."""
    actor.require(Permission.MANAGE_HALL)
    catalogue = uow.catalogue(actor.hall_id)
    names = FIELD_WORDS["notice"]
    kinds = [
        c.NoticeKind(
            kind=kind,
            name=names[kind][0],
            name_en=names[kind][1],
            placeholders=list(notices.PLACEHOLDERS[kind]),
            default_zh=notices.DEFAULT_TEMPLATES[kind],
        )
        for kind in notices.KINDS
    ]
    samples = {**notices.SAMPLES, "hall": catalogue.name or notices.SAMPLES["hall"]}
    return c.NoticeKinds(
        kinds=kinds,
        samples=samples,
        sample_phone=notices.SAMPLE_PHONE,
        gateway_placeholders=list(GATEWAY_PLACEHOLDERS),
        push_placeholders=list(PUSH_PLACEHOLDERS),
    )


@dataclass(frozen=True)
class TrialSend:
    """A test text ready to go: the message as the gateway takes it and the gateway's settings."""

    message: MessageRow
    gateway: dict[str, Any]
    phone_masked: str


def prepare(uow: UnitOfWork, actor: Actor, body: c.SmsTrial) -> TrialSend:
    """The test text to ``body.phone`` (refused if it is no mobile number), kept encrypted like a
    notice's until the gateway sends it."""
    actor.require(Permission.MANAGE_HALL)
    protected = protect_phone(uow.caches.pii_key, body.phone)
    catalogue = uow.catalogue(actor.hall_id)
    text, _ = render("outbox.test_sms_text", {"hall": catalogue.name})
    gateway = dict((uow.stores.hall.rules(actor.hall_id).settings.get("notices") or {}).get("gateway") or {})
    message = MessageRow(
        id=0,
        hall_id=actor.hall_id,
        destination="sms",
        kind="sms.test",
        idempotency_key=f"sms:test:{secrets.token_hex(8)}",  # a new key: every test is sent
        ordering_key=f"sms:{protected.digest}",
        payload={"phone_cipher": protected.cipher, "phone_masked": protected.masked, "text": text},
        status="pending",
        attempts=0,
        created_at=uow.now,
        next_at=uow.now,
        last_error=None,
        sent_at=None,
    )
    return TrialSend(message, gateway, protected.masked)


def take_turn(uow: UnitOfWork, actor: Actor) -> float:
    """Count a test text against the hall's allowance: 0 when it may go now, else the seconds to
    wait (a refused one is not counted). A writer job: it holds the hall, so two server processes
    never both take the last turn."""
    actor.require(Permission.MANAGE_HALL)
    return allowance.take_turn(uow, actor.hall_id, "sms.test", "", ALLOWANCE)


def record(uow: UnitOfWork, actor: Actor, sent: TrialSend, receipt: Receipt) -> c.SmsTrialResult:
    """Audit the test (the number masked) and say what the gateway answered."""
    kind = str(sent.gateway.get("kind") or "log")
    outcome: Literal["delivered", "refused", "failed"] = "failed"
    if receipt.outcome in ("delivered", "refused"):
        outcome = "delivered" if receipt.outcome == "delivered" else "refused"
    detail = {"phone": sent.phone_masked, "gateway": kind, "outcome": outcome, "detail": receipt.detail}
    uow.audit(actor, "outbox.test_sms", "hall", detail)
    return c.SmsTrialResult(
        phone_masked=sent.phone_masked, gateway=kind, outcome=outcome, detail=receipt.detail
    )
