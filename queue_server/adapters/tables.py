"""The database schema (SQLAlchemy Core). Alembic migrations are written against this metadata.

Every row belongs to a hall. ``events`` is the record of truth for everything that happened;
``tickets``, ``service_stats`` and window status are projections kept beside it for speed and
rebuildable from the events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import false as sa_false
from sqlalchemy.types import TypeDecorator

from queue_server.adapters import utc
from queue_server.adapters.queue_lengths import keep_counts

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC on every dialect."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else utc.to_stored(value)  # the raw cursor's converter too

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return utc.from_stored(value)


def _id() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _hall() -> Column[int]:
    return Column("hall_id", Id, ForeignKey("halls.id"), nullable=False)


halls = Table(
    "halls",
    metadata,
    _id(),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=False, default=""),
    Column("timezone", String(64), nullable=False, default="Asia/Shanghai"),
    Column("settings", JSON, nullable=False, default=dict),
    Column("notice", Text, nullable=False, default=""),
    Column("catalogue_version", Integer, nullable=False, default=1),
    Column("created_at", UtcDateTime, nullable=False),
)

zones = Table(
    "zones",
    metadata,
    _id(),
    _hall(),
    Column("code", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("name_en", String(100), nullable=False, default=""),
    Column("floor", String(20), nullable=False, default=""),
    UniqueConstraint("hall_id", "code"),
)

departments = Table(
    "departments",
    metadata,
    _id(),
    _hall(),
    Column("code", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=False, default=""),
    UniqueConstraint("hall_id", "code"),
)

services = Table(
    "services",
    metadata,
    _id(),
    _hall(),
    Column("code", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=False, default=""),
    Column("department_id", Id, ForeignKey("departments.id"), nullable=False),
    Column("prefix", String(2), nullable=False),
    Column("theme", String(40), nullable=False, default=""),
    Column("category", String(20), nullable=False),
    Column("case_type", String(20), nullable=False),
    Column("daily_cap", Integer),
    Column("priority_allowed", Boolean, nullable=False, default=True),
    Column("weight", Float, nullable=False, default=1.0),
    Column("avg_handle_seconds", Integer, nullable=False, default=600),
    Column("keywords", JSON, nullable=False, default=list),
    Column("guide", JSON, nullable=False, default=dict),
    Column("active", Boolean, nullable=False, default=True),
    Column("notice_ahead_at", Integer),  # 前面还有 N 人 for this service; null: the hall's N
    UniqueConstraint("hall_id", "code"),
)

users = Table(
    "users",
    metadata,
    _id(),
    _hall(),
    Column("staff_no", String(40), nullable=False),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200)),
    Column("window_id", Id, ForeignKey("windows.id", use_alter=True)),
    Column("ab_partner_id", Id, ForeignKey("users.id")),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("hall_id", "staff_no"),
)

windows = Table(
    "windows",
    metadata,
    _id(),
    _hall(),
    Column("number", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("type", String(20), nullable=False),
    Column("zone_id", Id, ForeignKey("zones.id")),
    Column("status", String(10), nullable=False, default="closed"),
    Column("pause_reason", String(20)),
    Column("status_since", UtcDateTime),
    Column("clerk_id", Id, ForeignKey("users.id")),
    Column("current_ticket_id", Id),
    UniqueConstraint("hall_id", "number"),
)

assignments = Table(
    "assignments",
    metadata,
    _id(),
    _hall(),
    Column("window_id", Id, ForeignKey("windows.id"), nullable=False),
    Column("service_id", Id, ForeignKey("services.id"), nullable=False),
    Column("preference", Integer, nullable=False, default=1),
    Column("weight", Float, nullable=False, default=1.0),
    Column("valid_from", Date),
    Column("valid_until", Date),
    Column("time_from", Time),
    Column("time_until", Time),
    Index("ix_assignments_window", "window_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    _id(),
    _hall(),
    Column("role", String(20), nullable=False),
    Column("window_id", Id, ForeignKey("windows.id")),
    Column("user_id", Id, ForeignKey("users.id")),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(100), nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

sessions = Table(
    "sessions",
    metadata,
    _id(),
    _hall(),
    Column("session_hash", String(64), nullable=False, unique=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("window_id", Id, ForeignKey("windows.id")),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("hall_id", Id, ForeignKey("halls.id"), primary_key=True),
    Column("name", String(60), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("value", Integer, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    _id(),
    _hall(),
    Column("token", String(32), nullable=False, unique=True),
    Column("business_day", Date, nullable=False),
    Column("prefix", String(2), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("number", String(12), nullable=False),
    Column("service_id", Id, ForeignKey("services.id"), nullable=False),
    Column("priority_class", String(20)),
    Column("priority_confirmed", Boolean, nullable=False, default=False),
    Column("status", String(12), nullable=False),
    Column("rank_at", UtcDateTime, nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("window_id", Id, ForeignKey("windows.id")),
    Column("target_window_id", Id, ForeignKey("windows.id")),
    Column("called_at", UtcDateTime),
    Column("started_at", UtcDateTime),
    Column("recalls", Integer, nullable=False, default=0),
    Column("channel", String(20), nullable=False, default="kiosk"),
    Column("idempotency_key", String(80)),
    Column("id_hash", String(64)),
    Column("id_masked", String(24)),
    Column("phone_hash", String(64)),
    Column("phone_masked", String(16)),
    Column("appointment_at", UtcDateTime),
    # Which paper copy is valid (1 = the first print; a reprint supersedes the earlier paper).
    Column("paper", Integer, nullable=False, server_default="1"),
    Column("print_failed", Boolean, nullable=False, server_default=sa_false()),
    UniqueConstraint("hall_id", "business_day", "prefix", "seq", name="uq_tickets_number"),
    UniqueConstraint("hall_id", "idempotency_key", name="uq_tickets_idempotency"),
    # issued_at last: a service's longest-waiting ticket is one seek (the board's snapshot)
    Index("ix_tickets_queue", "hall_id", "status", "service_id", "issued_at"),
)

# The record of truth, appended to by every request of a ticket's life (about six rows a ticket).
# No foreign keys, not even to its hall, as for its ticket, window, service and actor: each row is
# written by a job acting for that hall, with ids the job has just read or written in the same
# transaction, and no hall, ticket, window or service is ever deleted (they are closed, expired or
# deactivated). On PostgreSQL the hall's key cost a lookup and a row lock in ``halls`` per event row,
# a sixth of all the foreign-key checks a ticket's life made.
events = Table(
    "events",
    metadata,
    _id(),
    Column("hall_id", Id, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("type", String(40), nullable=False),
    Column("ticket_id", Id),
    Column("window_id", Id),
    Column("service_id", Id),
    Column("actor_user_id", Id),
    Column("actor_token_id", Id),
    Column("data", JSON, nullable=False, default=dict),
    Index("ix_events_ticket", "ticket_id"),
    Index("ix_events_window_at", "window_id", "at"),
    # (window, type, id): a window's latest calls for the priority rule, read backwards from the
    # index alone however many events the hall wrote that day
    Index("ix_events_window_type", "window_id", "type", "id"),
    # (hall, at, id): a period's events in the order a report walks them, and counted per day, from
    # the index alone
    Index("ix_events_hall_at", "hall_id", "at", "id"),
)

service_stats = Table(
    "service_stats",
    metadata,
    Column("service_id", Id, ForeignKey("services.id"), primary_key=True),
    _hall(),
    Column("mean_seconds", Float, nullable=False),
    Column("samples", Integer, nullable=False),
)

# 工作模板 (work profiles): a named set of services in order of preference, applied to many windows
work_profiles = Table(
    "work_profiles",
    metadata,
    _id(),
    _hall(),
    Column("name", String(100), nullable=False),
    Column("services", JSON, nullable=False, default=list),  # service codes, first = preference 1
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),
    UniqueConstraint("hall_id", "name"),
)

audit_log = Table(
    "audit_log",
    metadata,
    _id(),
    _hall(),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(60), nullable=False),
    Column("subject", String(200), nullable=False, default=""),
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_audit_hall_at", "hall_id", "at"),
)

# ---------------------------------------------------------------- hall operations

calendar_days = Table(
    "calendar_days",
    metadata,
    _id(),
    _hall(),
    Column("day", Date, nullable=False),
    # holiday (no hours), workday (调休: a weekend day worked), extended (延时服务: extra periods)
    Column("kind", String(12), nullable=False),
    Column("periods", JSON, nullable=False, default=list),
    Column("note", String(200), nullable=False, default=""),
    UniqueConstraint("hall_id", "day"),
)

appointment_slots = Table(
    "appointment_slots",
    metadata,
    _id(),
    _hall(),
    Column("service_id", Id, ForeignKey("services.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("start", Time, nullable=False),
    Column("end", Time, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("booked", Integer, nullable=False, default=0),
    Column("open", Boolean, nullable=False, default=True),
    UniqueConstraint("hall_id", "service_id", "day", "start", name="uq_appointment_slots_start"),
)

appointments = Table(
    "appointments",
    metadata,
    _id(),
    _hall(),
    Column("slot_id", Id, ForeignKey("appointment_slots.id"), nullable=False),
    Column("service_id", Id, ForeignKey("services.id"), nullable=False),
    Column("code", String(16), nullable=False, unique=True),
    # booked → checked_in → (served through its ticket) | cancelled | missed
    Column("status", String(12), nullable=False),
    Column("channel", String(20), nullable=False, default="web"),
    Column("phone_cipher", Text),
    Column("phone_masked", String(16)),
    Column("phone_hash", String(64)),
    Column("id_hash", String(64)),
    Column("id_masked", String(24)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("checked_in_at", UtcDateTime),
    Column("ticket_id", Id, ForeignKey("tickets.id")),
    Index("ix_appointments_slot", "slot_id"),
    Column("reminded_at", UtcDateTime),  # the SMS reminder the working day before went (once)
    # The language the booking was made in: its reminder's wording (zh-CN or en).
    Column("language", String(8), nullable=False, default="zh-CN", server_default="zh-CN"),
)

cases = Table(
    "cases",
    metadata,
    _id(),
    _hall(),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False, unique=True),
    Column("service_id", Id, ForeignKey("services.id"), nullable=False),
    Column("window_id", Id, ForeignKey("windows.id")),
    Column("clerk_user_id", Id, ForeignKey("users.id")),
    # immediate 即办件, promised 承诺件, correction 补正, refused 不予受理, referred 转办
    Column("outcome", String(20), nullable=False),
    Column("status", String(12), nullable=False),  # open (promised) | done
    Column("green", Boolean, nullable=False, default=False),
    Column("promised_date", Date),
    Column("missing_items", JSON, nullable=False, default=list),
    Column("reasons", Text, nullable=False, default=""),
    Column("referred_to", String(200), nullable=False, default=""),
    Column("extensions", JSON, nullable=False, default=list),
    Column("phone_cipher", Text),
    Column("phone_masked", String(16)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    Index("ix_cases_open", "hall_id", "status", "promised_date"),
    Index("ix_cases_hall_created", "hall_id", "created_at"),
)

alerts = Table(
    "alerts",
    metadata,
    _id(),
    _hall(),
    Column("rule", String(40), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("acknowledged_at", UtcDateTime),
    Column("acknowledged_by", String(100)),
    Column("cleared_at", UtcDateTime),
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_alerts_open", "hall_id", "cleared_at"),
    # (hall, subject): whether an alert of a subject still stands, checked before each raise
    Index("ix_alerts_subject", "hall_id", "subject"),
)

devices = Table(
    "devices",
    metadata,
    _id(),
    _hall(),
    Column("kind", String(12), nullable=False),
    Column("device", String(80), nullable=False),
    Column("state", String(12), nullable=False),
    Column("detail", String(200), nullable=False, default=""),
    Column("last_seen_at", UtcDateTime, nullable=False),
    UniqueConstraint("hall_id", "kind", "device", name="uq_devices_name"),
)

window_extended_hours = Table(
    "window_extended_hours",
    metadata,
    _id(),
    _hall(),
    Column("window_id", Id, ForeignKey("windows.id"), nullable=False),
    Column("day", Date, nullable=False),
    # 延时服务 approved for one window on one day: extra periods beyond the hall's hours
    Column("periods", JSON, nullable=False, default=list),
    Column("note", String(200), nullable=False, default=""),
    Column("approved_by", String(100), nullable=False, default=""),
    UniqueConstraint("window_id", "day", name="uq_window_extended_hours_day"),
)

# ---------------------------------------------------------------- 好差评

evaluations = Table(
    "evaluations",
    metadata,
    _id(),
    _hall(),
    # 一次一评: one evaluation per concluded case (its ticket)
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False, unique=True),
    Column("case_id", Id, ForeignKey("cases.id")),
    Column("service_id", Id, ForeignKey("services.id"), nullable=False),
    Column("department_id", Id, ForeignKey("departments.id")),
    Column("window_id", Id, ForeignKey("windows.id")),
    Column("clerk_user_id", Id, ForeignKey("users.id")),
    Column("status", String(12), nullable=False),  # pending | rated | unrated | defaulted
    Column("channel", String(12)),  # pad | web | kiosk | phone, once rated
    Column("level", String(24)),
    Column("reasons", JSON, nullable=False, default=list),
    Column("comment", Text, nullable=False, default=""),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("deadline_at", UtcDateTime, nullable=False),
    Column("pressed_at", UtcDateTime),
    Column("recorded_at", UtcDateTime),
    Column("late", Boolean, nullable=False, default=False),
    Column("is_default", Boolean, nullable=False, default=False),
    Column("rater_token_id", Id),
    Index("ix_evaluations_pending", "hall_id", "status", "deadline_at"),
    Index("ix_evaluations_hall_requested", "hall_id", "requested_at"),
    # A pad's question after every conclusion: its window's newest pending evaluation. Only the
    # pending ones are indexed (a few per window at any time), so it is a seek however long the
    # history; without it the question walked every evaluation ever stored.
    Index(
        "ix_evaluations_window_pending",
        "window_id",
        "id",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
)

evaluation_follow_ups = Table(
    "evaluation_follow_ups",
    metadata,
    _id(),
    _hall(),
    # every 差评 opens one: 核实 (verify) → 整改 (rectify) → 回访 (revisit) → closed
    Column("evaluation_id", Id, ForeignKey("evaluations.id"), nullable=False, unique=True),
    Column("stage", String(10), nullable=False),
    Column("owner", String(100), nullable=False, default=""),
    Column("verify_due", Date, nullable=False),
    Column("rectify_due", Date, nullable=False),
    Column("revisit_due", Date, nullable=False),
    Column("verified_at", UtcDateTime),
    Column("rectified_at", UtcDateTime),
    Column("revisited_at", UtcDateTime),
    Column("closed_at", UtcDateTime),
    Column("revisit_satisfied", Boolean),
    Column("notes", JSON, nullable=False, default=list),
    Column("opened_at", UtcDateTime, nullable=False),
    Index("ix_evaluation_follow_ups_open", "hall_id", "stage"),
)

# ---------------------------------------------------------------- 考核: complaints, praise, assessment

complaints = Table(
    "complaints",
    metadata,
    _id(),
    _hall(),
    # wrongly_refused | overdue | fees | attitude | misconduct | other (投诉处理办法 第三条)
    Column("category", String(20), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("channel", String(20), nullable=False, default="phone"),
    Column("window_id", Id, ForeignKey("windows.id")),
    Column("clerk_user_id", Id, ForeignKey("users.id")),
    Column("ticket_number", String(12), nullable=False, default=""),
    Column("summary", Text, nullable=False),
    Column("contact_masked", String(24)),
    Column("contact_hash", String(64)),
    Column("verdict", String(10), nullable=False, default="pending"),  # pending | verified | unfounded
    Column("points", Float),  # the deduction chosen at verification (5–10 in the seeds)
    Column("finding", Text, nullable=False, default=""),
    Column("verified_at", UtcDateTime),
    Column("verified_by", String(100)),
    Column("outcome", Text, nullable=False, default=""),
    Column("reported_at", UtcDateTime),  # outcome reported back to the complainant
    Column("reported_by", String(100)),
    Column("created_by", String(100), nullable=False),
    Index("ix_complaints_hall_received", "hall_id", "received_at"),
)

praise = Table(
    "praise",
    metadata,
    _id(),
    _hall(),
    Column("kind", String(10), nullable=False),  # letter | banner | other
    Column("window_id", Id, ForeignKey("windows.id"), nullable=False),
    Column("clerk_user_id", Id, ForeignKey("users.id")),
    Column("day", Date, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Index("ix_praise_hall_day", "hall_id", "day"),
)

assessment_rubrics = Table(
    "assessment_rubrics",
    metadata,
    Column("hall_id", Id, ForeignKey("halls.id"), primary_key=True),
    Column("rubric", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),
)

assessment_entries = Table(
    "assessment_entries",
    metadata,
    _id(),
    _hall(),
    Column("month", String(7), nullable=False),  # YYYY-MM
    Column("window_id", Id, ForeignKey("windows.id"), nullable=False),
    Column("clerk_user_id", Id, ForeignKey("users.id")),
    Column("rule", String(40), nullable=False),
    Column("count", Float, nullable=False, default=1),
    Column("points", Float),
    Column("waives", String(120)),  # the id of a measured fact this entry waives
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("withdrawn_at", UtcDateTime),
    Column("withdrawn_by", String(100)),
    Index("ix_assessment_entries_month", "hall_id", "month"),
)

assessment_months = Table(
    "assessment_months",
    metadata,
    _id(),
    _hall(),
    Column("month", String(7), nullable=False),
    Column("closed_at", UtcDateTime, nullable=False),
    Column("closed_by", String(100), nullable=False),
    Column("results", JSON, nullable=False),  # the frozen sheets, ranking, flags and grades
    UniqueConstraint("hall_id", "month", name="uq_assessment_months_month"),
)

assessment_flags = Table(
    "assessment_flags",
    metadata,
    _id(),
    _hall(),
    Column("month", String(7), nullable=False),
    Column("window_id", Id, ForeignKey("windows.id"), nullable=False),
    # model (模范窗口, confirmed) | yellow (黄旗) | warning (警告) | unsatisfied (群众不满意窗口)
    Column("kind", String(12), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(100), nullable=False),
    Column("sign_from", Date),  # 限期整改窗口 sign shown from … until (inclusive)
    Column("sign_until", Date),
    Column("note", Text, nullable=False, default=""),
    UniqueConstraint("hall_id", "month", "window_id", "kind", name="uq_assessment_flags_kind"),
    Index("ix_assessment_flags_sign", "hall_id", "kind", "sign_until"),
)

# ---------------------------------------------------------------- statistics of closed days (日结)

report_days = Table(
    "report_days",
    metadata,
    _hall(),
    Column("day", Date, nullable=False),
    # what the cells were computed from: the code's version and the hall's time zone, the day's event
    # count (events are only ever added), and a digest of the state carried in from the day before
    Column("version", String(40), nullable=False),
    Column("events", Integer, nullable=False),
    Column("start", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),  # the cells and the state carried out (JSON)
    Column("computed_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("hall_id", "day", name="pk_report_days"),
)

# ---------------------------------------------------------------- the advisor's stored predictions

advisor_predictions = Table(
    "advisor_predictions",
    metadata,
    _hall(),
    Column("day", Date, nullable=False),
    Column("service", String(40), nullable=False),  # the service's code
    Column("mean_wait", Float, nullable=False),  # seconds
    Column("p90_wait", Float, nullable=False),
    Column("replications", Integer, nullable=False),
    Column("source", String(100), nullable=False),  # what made it: a proposal's block applied, …
    Column("made_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("hall_id", "day", "service", name="pk_advisor_predictions"),
)

# ---------------------------------------------------------------- the outbox (what leaves the building)

outbox = Table(
    "outbox",
    metadata,
    _id(),
    # No foreign key (as ``events``): a notice is written by the job of its cause, with every SMS
    # ticket, and the check was a lookup (on PostgreSQL a row lock) of a hall that job holds.
    Column("hall_id", Id, nullable=False),
    Column("destination", String(20), nullable=False),  # "sms", "evaluation" (the 好差评 platform)
    Column("kind", String(40), nullable=False),  # "sms.called", "evaluation.rating", …
    Column("idempotency_key", String(120), nullable=False),  # the gateway drops a second delivery
    Column("ordering_key", String(120), nullable=False),  # one citizen's messages go out in id order
    Column("payload", JSON, nullable=False, default=dict),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_at", UtcDateTime, nullable=False),
    Column("lease_owner", String(60)),  # the dispatcher that claimed it, until lease_until
    Column("lease_until", UtcDateTime),
    Column("last_error", String(500)),
    Column("sent_at", UtcDateTime),
    Column("settled_by", String(100)),  # a manager who retried or dropped it (also in the audit log)
    UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
    Index("ix_outbox_order", "ordering_key", "status", "id"),
    # One index for the messages by status: the dispatcher's due ones (pending, by due time), and
    # the manager's figures, the alert rule and a destination's hastening (a hall's pending, dead
    # and dropped messages: a seek per status, never the history of those sent, counted in
    # ``outbox_sent``). It was two, (status, next_at) and (hall, status, destination): every
    # notice written and every one sent changed both.
    Index("ix_outbox_status", "status", "hall_id", "destination", "next_at"),
)

# A ticket's opt-in, keyed by the ticket's id: written by the issue of every ticket with SMS, on
# the writer's thread. Keyed by the ticket's random token it was a second B-tree (SQLite's index
# on the key beside the rowid table) whose insert dirtied a page anywhere in it; by the id it is
# the table's own B-tree, each new row after the last. No foreign keys (as ``events``): each was a
# lookup (and on PostgreSQL a row lock) per SMS ticket for a hall and ticket the same job holds.
sms_subscriptions = Table(
    "sms_subscriptions",
    metadata,
    Column("ticket_id", Id, primary_key=True, autoincrement=False),
    Column("hall_id", Id, nullable=False),
    Column("number", String(12), nullable=False),
    Column("phone_cipher", String(200), nullable=False),  # encrypted: only the dispatcher decrypts it
    Column("phone_hash", String(64), nullable=False),
    Column("phone_masked", String(16), nullable=False),
    Column("ahead_sent", Boolean, nullable=False, default=False),  # "前面还有 N 人" goes once per ticket
    Column("created_at", UtcDateTime, nullable=False),
    # The kiosk's or guide's language when the ticket was taken: its notices' wording (zh-CN or en).
    Column("language", String(8), nullable=False, default="zh-CN", server_default="zh-CN"),
)

# How many messages each hall's destination has delivered, kept by the dispatcher's record job in
# the transaction that marks them sent: the manager's figures read it rather than count the history.
outbox_sent = Table(
    "outbox_sent",
    metadata,
    _hall(),
    Column("destination", String(20), nullable=False),
    Column("sent", BigInteger, nullable=False),
    PrimaryKeyConstraint("hall_id", "destination", name="pk_outbox_sent"),
)

# How many tickets of each hall's service wait (and how many of them with a priority): kept by
# triggers on ``tickets`` (``queue_lengths.py``), so an issue reads its "people ahead" in one seek
# instead of counting the queue. No foreign keys: the triggers copy hall and service from a ticket
# (which has them), and PostgreSQL checks a foreign key again on every update of a row its own
# transaction wrote: every count row a writer's batch changes more than once.
queue_lengths = Table(
    "queue_lengths",
    metadata,
    Column("hall_id", Id, nullable=False),
    Column("service_id", Id, nullable=False),
    Column("waiting", Integer, nullable=False),
    Column("waiting_priority", Integer, nullable=False),
    PrimaryKeyConstraint("hall_id", "service_id", name="pk_queue_lengths"),
)
keep_counts(tickets)

# Recent hits of an allowance ("at most N in any period"), by hall, kind and key: the managers'
# test texts (kind ``sms.test``, one key per hall), the ticket page's SMS opt-in changes (kind
# ``ticket.sms``, the client address's keyed hash: personal data, never kept in clear). Kept only
# as long as they count: in the database, so every server process on it, and the same server after
# a restart, sees the same allowance.
recent_hits = Table(
    "recent_hits",
    metadata,
    _id(),
    _hall(),
    Column("kind", String(40), nullable=False),
    Column("key", String(64), nullable=False),
    Column("hit_at", UtcDateTime, nullable=False),
    Index("ix_recent_hits_hall_id", "hall_id", "kind", "key", "hit_at"),
)

# The waiting tickets alone, by service, priority class and rank: a ticket's "people ahead" (the
# status page) counts only the tickets before it here, not every waiting ticket of its service.
# status, last, only so that SQLite reads the count from the index alone (its planner wants every
# column the query names in the index, the partial index's own condition's too).
_waiting_only = tickets.c.status == "waiting"
Index(
    "ix_tickets_waiting_rank",
    *(tickets.c[n] for n in ("hall_id", "service_id", "priority_class", "rank_at", "id", "status")),
    sqlite_where=_waiting_only,
    postgresql_where=_waiting_only,
)
