"""The SQLite text of a UtcDateTime bound on the raw cursor: the same bytes, less work."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from types import FrameType

import pytest

from queue_server.adapters import raw, utc
from queue_server.adapters import tables as t
from queue_server.adapters.tickets import NEW_TICKET_COLUMNS
from queue_server.contract import PriorityClass
from queue_server.domain.lifecycle import Status


class CountingDatetime(datetime):
    """A datetime that counts its ``strftime`` calls (its replacements stay of this class)."""

    calls = 0

    def strftime(self, fmt: str) -> str:
        CountingDatetime.calls += 1
        return super().strftime(fmt)


BEIJING = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 7, 15, 0, 0, 0, tzinfo=UTC),  # no microseconds: still six digits
        datetime(2026, 12, 7, 15, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 12, 8, 0, 30, 1, 7, tzinfo=BEIJING),  # the day before in UTC
        datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),  # %Y does not pad below year 1000
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_the_sqlite_text_of_a_datetime_is_the_format_core_writes(value: datetime) -> None:
    expected = value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    assert utc.to_sqlite_text(value) == expected


def test_binding_the_servers_clock_does_not_parse_a_format_each_time() -> None:
    CountingDatetime.calls = 0
    now = CountingDatetime(2026, 12, 7, 15, 0, 0, 42, tzinfo=UTC)

    assert utc.to_sqlite_text(now) == "2026-12-07 15:00:00.000042"
    assert CountingDatetime.calls == 0


def test_a_naive_datetime_is_still_refused() -> None:
    with pytest.raises(utc.NaiveDatetime):
        utc.to_sqlite_text(datetime(2026, 12, 7, 15, 0))
    assert utc.to_stored(datetime(2026, 12, 7, 23, 0, tzinfo=BEIJING)) == datetime(2026, 12, 7, 15, 0)


def _calls_made(work: Callable[[], object]) -> list[str]:
    """The Python and built-in functions ``work`` calls (not itself), by name, in order."""
    made: list[str] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "c_call":
            made.append(getattr(arg, "__name__", "?"))
        elif event == "call":
            made.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return made[1:-1]  # the lambda given, and setprofile(None)


def test_binding_a_tickets_row_converts_only_the_columns_that_need_it() -> None:
    """A ticket's 19 values were each looked at, checked for an enum member and appended: some 60
    calls a row on the writer's thread, for five values to convert. Now the row's types are looked
    at once (no enum among them) and only the planned positions converted."""
    now = datetime.now(UTC)
    values = dict.fromkeys(NEW_TICKET_COLUMNS)
    values.update(
        hall_id=1, token="t" * 16, business_day=now.date(), prefix="A", seq=12, number="A012",
        service_id=3, status="waiting", rank_at=now, issued_at=now, channel="kiosk",
    )  # fmt: skip
    names = tuple(values)
    plan = raw._bind_plan(t.tickets, "sqlite", names)
    row = tuple(values.values())
    made = _calls_made(lambda: raw._bound(plan, row))
    assert raw._bound(plan, row)[names.index("rank_at")] == utc.to_sqlite_text(now)
    assert made.count("to_sqlite_text") == 2, made  # the two times; the day is date.isoformat
    assert "isinstance" not in made and "append" not in made, made
    assert len(made) <= 16, made


def test_an_enum_member_is_still_bound_as_its_value() -> None:
    """A row with an enum member among its values (a status, a priority class) binds its value."""
    plan = raw._bind_plan(t.tickets, "sqlite", ("status", "priority_class", "rank_at"))
    now = datetime.now(UTC)
    bound = raw._bound(plan, (Status.WAITING, PriorityClass.GREEN, now))
    assert bound == ("waiting", PriorityClass.GREEN.value, utc.to_sqlite_text(now))
