"""The alert rules and their reconciliation, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.alerts import (
    DeviceReport,
    Finding,
    HallMoment,
    OpenCase,
    PausedWindow,
    Severity,
    Standing,
    Thresholds,
    WaitingTicket,
    evaluate,
    reconcile,
)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)


def calendar_days(start: date, end: date) -> int:
    return (end - start).days


def rules_of(moment: HallMoment, **thresholds: float) -> set[tuple[str, str, str]]:
    return {
        (f.rule, f.subject, f.severity.value)
        for f in evaluate(moment, Thresholds(**thresholds), calendar_days)
    }


def test_a_ticket_is_yellow_from_the_first_threshold_and_red_from_the_second() -> None:
    def waited(minutes: float) -> HallMoment:
        return HallMoment(
            NOW, TODAY, waiting=(WaitingTicket("A001", "S1", NOW - timedelta(minutes=minutes)),)
        )

    assert rules_of(waited(29.9)) == set()
    assert rules_of(waited(30)) == {("ticket.long_wait", "ticket:A001", "yellow")}
    assert rules_of(waited(60)) == {("ticket.long_wait", "ticket:A001", "red")}


def test_only_an_away_pause_counts_against_the_twenty_and_thirty_minute_rule() -> None:
    since = NOW - timedelta(minutes=25)
    away = HallMoment(
        NOW, TODAY, paused=(PausedWindow("3", "away", since), PausedWindow("4", "lunch", since))
    )
    assert rules_of(away) == {("window.away", "window:3", "yellow")}


def test_case_reminders_come_before_on_and_after_the_promised_date() -> None:
    def due_in(days: int) -> set[tuple[str, str, str]]:
        return rules_of(HallMoment(NOW, TODAY, cases=(OpenCase(7, "A001", TODAY + timedelta(days=days)),)))

    assert due_in(4) == set()
    assert due_in(3) == {("case.due_soon", "case:7", "yellow")}
    assert due_in(0) == {("case.due", "case:7", "yellow")}
    assert due_in(-1) == {("case.overdue", "case:7", "red")}


def test_a_device_in_trouble_or_silent_raises_an_alarm() -> None:
    fresh, stale = NOW - timedelta(minutes=1), NOW - timedelta(minutes=6)
    moment = HallMoment(
        NOW,
        TODAY,
        devices=(
            DeviceReport("printer", "k1", "paper_low", fresh),
            DeviceReport("printer", "k2", "ok", stale),
            DeviceReport("pad", "p3", "ok", fresh),
        ),
    )
    assert rules_of(moment) == {
        ("device.trouble", "printer:k1", "yellow"),
        ("device.silent", "printer:k2", "red"),
    }


keys = st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]))
severities = st.sampled_from(list(Severity))


@given(
    standing=st.dictionaries(keys, severities, max_size=6),
    wanted=st.dictionaries(keys, severities, max_size=6),
)
def test_reconciling_leaves_exactly_the_wanted_alerts_standing_at_their_severity(
    standing: dict[tuple[str, str], Severity], wanted: dict[tuple[str, str], Severity]
) -> None:
    have = [Standing(i, rule, subject, sev) for i, ((rule, subject), sev) in enumerate(standing.items())]
    findings = [Finding(rule, subject, sev) for (rule, subject), sev in wanted.items()]
    changes = reconcile(have, findings)
    after = {(s.rule, s.subject): s.severity for s in have if s not in changes.clear}
    for old, new in changes.escalate:
        after[(old.rule, old.subject)] = new.severity
    after.update({f.key: f.severity for f in changes.raise_})
    assert after == wanted
    assert not {f.key for f in changes.raise_} & set(standing)
