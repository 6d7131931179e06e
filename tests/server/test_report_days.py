"""The database groups by the same local day as the Python pass, across a daylight-saving change too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, insert, select

from queue_server.adapters import tables as t
from queue_server.adapters.reports import day_index, epoch
from queue_server.services.reports.single_pass import Clock


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        ("Asia/Shanghai", date(2026, 3, 1), date(2026, 3, 31)),
        ("Europe/Berlin", date(2026, 3, 27), date(2026, 4, 2)),
    ],
)
def test_sql_days_agree_with_the_clock(zone: str, first: date, last: date) -> None:
    engine = create_engine("sqlite://")
    t.metadata.create_all(engine, tables=[t.halls, t.events])
    clock = Clock(first, last, zone)
    start = datetime.fromtimestamp(clock.midnights[0], UTC)
    moments = [start + timedelta(minutes=37 * i) for i in range(int((last - first).days * 24 * 60 / 37))]
    with engine.begin() as conn:
        conn.execute(
            insert(t.halls), [{"id": 1, "code": "h", "name": "h", "created_at": start, "settings": {}}]
        )
        conn.execute(insert(t.events), [{"hall_id": 1, "at": m, "type": "x", "data": {}} for m in moments])
        e = t.events.c
        rows = conn.execute(
            select(epoch(e.at, "sqlite"), day_index(e.at, clock.midnights, "sqlite")).order_by(e.id)
        ).all()
    assert len(rows) == len(moments)
    for (at, day), moment in zip(rows, moments, strict=True):
        assert at == pytest.approx(moment.timestamp(), abs=1e-3)
        assert day == clock.index(at) and clock.days[day] == moment.astimezone(clock.zone).date()
