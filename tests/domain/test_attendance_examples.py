"""The worked attendance examples of docs/assessment.md, measured by the pure rules."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from queue_server.domain import assessment as a
from queue_server.domain import measures as m
from queue_server.domain.hours import OpeningHours
from queue_server.domain.rubric import Measure
from tests.support.attendance_examples import EXTENDED, HOURS, SHANGHAI, Example, examples

CLERK = 1
OPENING = OpeningHours.from_strings(HOURS, extended=EXTENDED)


def record(example: Example) -> tuple[list[m.StatusChange], dict[date, datetime]]:
    """The window's status changes as the server records them, and the last ticket served each day."""
    changes: list[m.StatusChange] = []
    served: dict[date, datetime] = {}
    status = "closed"
    for n, step in enumerate(example.steps, start=1):
        if step.action == "serve":
            served[step.day] = step.at
            continue
        if step.action == "housekeeping":
            if status != "closed":
                changes.append(m.StatusChange(n, step.at, "closed", m.HOUSEKEEPING, None))
                status = "closed"
            continue
        status = {"open": "open", "resume": "open", "close": "closed", "pause": "paused"}[step.action]
        changes.append(m.StatusChange(n, step.at, status, step.reason, CLERK))
    return changes, served


def test_the_page_has_the_worked_examples() -> None:
    assert len(examples()) >= 5


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.name)
def test_each_worked_example_is_charged_as_the_page_says(example: Example) -> None:
    changes, served = record(example)
    facts = m.attendance(
        "1", changes, OPENING.duty_periods_on, SHANGHAI, Measure(), lambda _window, day: served.get(day)
    )
    assert [(f.rule, f.ref["day"], f.ref["minutes"]) for f in facts] == list(example.charged)
    assert bool(a.full_attendance("1", [CLERK], facts, frozenset())) is example.full_attendance
