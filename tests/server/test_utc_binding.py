"""The SQLite text of a UtcDateTime bound on the raw cursor: the same bytes, less work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from queue_server.adapters import utc


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
