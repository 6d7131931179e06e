"""The outbox's retry rules and the SMS notices' quiet hours, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from queue_server.domain import alerts
from queue_server.domain.notices import NoticeRules
from queue_server.domain.outbox import Outcome, RetryPolicy, Status, settle

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_a_failing_message_waits_twice_as_long_after_each_attempt_up_to_a_ceiling() -> None:
    policy = RetryPolicy(first_delay=timedelta(seconds=2), max_delay=timedelta(seconds=30))
    assert [policy.delay(n).total_seconds() for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]


def test_a_failed_attempt_is_retried_later_and_given_up_once_it_failed_too_long() -> None:
    policy = RetryPolicy(first_delay=timedelta(seconds=2), dead_after=timedelta(minutes=10))
    later = settle(policy, Outcome.FAILED, 3, T0, T0 + timedelta(minutes=1), "HTTP 503")
    assert later.status is Status.PENDING
    assert later.next_at == T0 + timedelta(minutes=1, seconds=8)
    assert later.error == "HTTP 503"
    dead = settle(policy, Outcome.FAILED, 9, T0, T0 + timedelta(minutes=11), "HTTP 503")
    assert dead.status is Status.DEAD


def test_a_refused_message_is_dead_at_once_and_a_delivered_one_sent() -> None:
    policy = RetryPolicy()
    assert settle(policy, Outcome.REFUSED, 1, T0, T0, "HTTP 422: missing level").status is Status.DEAD
    assert settle(policy, Outcome.DELIVERED, 1, T0, T0, "").status is Status.SENT


def test_quiet_hours_may_span_midnight_and_notices_are_off_until_the_hall_turns_them_on() -> None:
    rules = NoticeRules.from_dict({"enabled": True, "quiet_hours": ["21:00", "08:00"]})
    assert rules.quiet(time(22, 30)) and rules.quiet(time(7, 59))
    assert not rules.quiet(time(8, 0)) and not rules.quiet(time(20, 59))
    assert rules.sends("called")
    assert not NoticeRules.from_dict({}).sends("called")
    off = NoticeRules.from_dict({"enabled": True, "templates": {"taken": {"on": False}}})
    assert not off.sends("taken") and off.sends("ahead")


def test_a_template_fills_in_its_fields_and_leaves_unknown_ones_as_written() -> None:
    rules = NoticeRules.from_dict(
        {"enabled": True, "templates": {"called": {"zh": "{number} 到 {window} {x}"}}}
    )
    assert rules.templates["called"].render({"number": "B003", "window": "3"}) == "B003 到 3 {x}"
    assert "请到 {window} 号窗口办理" in NoticeRules.from_dict({}).templates["called"].zh


def test_a_destination_that_keeps_failing_is_yellow_and_one_with_messages_given_up_red() -> None:
    moment = alerts.HallMoment(
        now=T0,
        today=T0.date(),
        outbox=(
            alerts.OutboxDestination("sms", failing=4, dead=0),
            alerts.OutboxDestination("evaluation", 0, 2),
        ),
    )
    found = {
        (f.rule, f.subject, f.severity.value)
        for f in alerts.evaluate(moment, alerts.Thresholds(), lambda a, b: 0)
    }
    assert found == {("outbox.failing", "outbox:sms", "yellow"), ("outbox.dead", "outbox:evaluation", "red")}
