"""好差评 rules: which ratings are taken, and the published indicators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.evaluations import (
    Level,
    Record,
    Stage,
    Status,
    Verdict,
    indicators,
    judge_rating,
)

DEADLINE = datetime(2026, 3, 2, 2, tzinfo=UTC)


def test_a_first_rating_pressed_by_the_deadline_is_taken_however_late_it_arrives() -> None:
    early = DEADLINE - timedelta(seconds=1)
    assert judge_rating(Status.PENDING, None, Level.SATISFIED, (), early, DEADLINE) is Verdict.ACCEPT
    assert judge_rating(Status.UNRATED, None, Level.SATISFIED, (), early, DEADLINE) is Verdict.ACCEPT
    late = DEADLINE + timedelta(seconds=1)
    assert judge_rating(Status.PENDING, None, Level.SATISFIED, (), late, DEADLINE) is Verdict.TOO_LATE


def test_one_rating_per_case_but_a_copy_is_answered_with_the_first() -> None:
    stored = (Level.DISSATISFIED, ("slow", "attitude"))
    same = judge_rating(Status.RATED, stored, Level.DISSATISFIED, ("attitude", "slow"), DEADLINE, DEADLINE)
    assert same is Verdict.REPEAT
    other = judge_rating(Status.RATED, stored, Level.SATISFIED, (), DEADLINE, DEADLINE)
    assert other is Verdict.ALREADY_RATED


def test_reasons_only_after_a_bad_rating_and_only_known_ones() -> None:
    for level, reasons in ((Level.SATISFIED, ("slow",)), (Level.DISSATISFIED, ("nope",))):
        assert judge_rating(Status.PENDING, None, level, reasons, DEADLINE, DEADLINE) is Verdict.BAD_REASONS
    twice = judge_rating(Status.PENDING, None, Level.DISSATISFIED, ("slow", "slow"), DEADLINE, DEADLINE)
    assert twice is Verdict.BAD_REASONS


def test_the_indicators_keep_defaults_out_of_the_active_figures() -> None:
    rows = [
        Record(Status.RATED, Level.VERY_SATISFIED),
        Record(Status.RATED, Level.VERY_DISSATISFIED, Stage.CLOSED, True, True),
        Record(Status.RATED, Level.DISSATISFIED, Stage.RECTIFY, True),
        Record(Status.DEFAULTED, Level.BASICALLY_SATISFIED),
        Record(Status.UNRATED, None),
        Record(Status.PENDING, None),
    ]
    got = indicators(rows)
    assert (got.total, got.rated, got.defaulted, got.unrated, got.bad) == (6, 3, 1, 1, 2)
    assert got.active_good_rate == round(1 / 3, 4)
    assert got.good_rate == 0.5
    assert got.unrated_rate == 0.4
    assert (got.bad_reply_rate, got.rectify_rate, got.rectify_satisfaction_rate) == (1.0, 0.5, 1.0)
    assert indicators([]).good_rate is None


records = st.builds(
    Record,
    st.sampled_from(list(Status)),
    st.sampled_from(list(Level)),
    st.sampled_from([None, *Stage]),
    st.booleans(),
    st.sampled_from([None, True, False]),
)


@given(st.lists(records, max_size=40))
def test_every_rate_is_a_fraction_and_counts_add_up(rows: list[Record]) -> None:
    got = indicators(rows)
    assert got.rated + got.defaulted + got.unrated <= got.total
    assert got.active_good <= got.rated and got.good <= got.rated + got.defaulted
    for rate in (got.good_rate, got.active_good_rate, got.unrated_rate, got.bad_reply_rate, got.rectify_rate):
        assert rate is None or 0.0 <= rate <= 1.0
