"""The ticket lifecycle: one transition table, and every other move is refused."""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.errors import DomainError, IllegalTransition
from queue_server.domain.lifecycle import (
    AT_WINDOW,
    FINAL,
    OPEN_AT_CLOSE,
    TRANSITIONS,
    Action,
    Status,
    next_status,
)

ALL_PAIRS = [(status, action) for status in Status for action in Action]
ILLEGAL_PAIRS = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]

statuses = st.sampled_from(list(Status))
actions = st.sampled_from(list(Action))


def reachable_from(start: Status) -> set[Status]:
    seen = {start}
    todo = deque([start])
    while todo:
        status = todo.popleft()
        for (source, _action), target in TRANSITIONS.items():
            if source == status and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_a_ticket_is_called_from_waiting_and_then_served_and_concluded() -> None:
    status = Status.WAITING
    for action in (Action.CALL, Action.START, Action.CONCLUDE):
        status = next_status(status, action, number="A001")
    assert status is Status.CONCLUDED


@pytest.mark.parametrize(("status", "action"), list(TRANSITIONS))
def test_every_edge_in_the_table_leads_where_the_table_says(status: Status, action: Action) -> None:
    assert next_status(status, action) is TRANSITIONS[(status, action)]


@pytest.mark.parametrize(("status", "action"), ILLEGAL_PAIRS)
def test_every_pair_not_in_the_table_raises_illegal_transition_naming_ticket_status_and_action(
    status: Status, action: Action
) -> None:
    with pytest.raises(IllegalTransition) as raised:
        next_status(status, action, number="B042")
    error = raised.value
    assert isinstance(error, DomainError)
    assert error.code == "ticket.illegal_transition"
    assert error.fields == {"number": "B042", "status": status.value, "action": action.value}


def test_the_illegal_pairs_are_exactly_the_complement_of_the_table() -> None:
    assert len(ILLEGAL_PAIRS) + len(TRANSITIONS) == len(Status) * len(Action)
    assert ILLEGAL_PAIRS  # the table is not total


def test_issuing_is_not_a_transition_from_any_status() -> None:
    assert not any(action is Action.ISSUE for (_status, action) in TRANSITIONS)


def test_final_statuses_have_no_outgoing_edge() -> None:
    assert not any(source in FINAL for (source, _action) in TRANSITIONS)


def test_concluded_is_entered_only_from_called_or_serving() -> None:
    sources = {source for (source, _action), target in TRANSITIONS.items() if target is Status.CONCLUDED}
    assert sources == {Status.CALLED, Status.SERVING}


def test_every_status_is_reachable_from_waiting() -> None:
    assert reachable_from(Status.WAITING) == set(Status)


def test_every_non_final_status_can_still_reach_an_end() -> None:
    for status in set(Status) - FINAL:
        assert reachable_from(status) & FINAL, status


def test_every_status_open_at_close_can_be_expired() -> None:
    for status in OPEN_AT_CLOSE:
        assert next_status(status, Action.EXPIRE) is Status.EXPIRED


def test_tickets_at_a_window_are_neither_final_nor_expired_at_close() -> None:
    assert not AT_WINDOW & FINAL
    assert not AT_WINDOW & OPEN_AT_CLOSE
    assert not OPEN_AT_CLOSE & FINAL


def test_a_no_show_requeued_waits_again() -> None:
    status = next_status(Status.WAITING, Action.CALL)
    status = next_status(status, Action.NO_SHOW)
    assert next_status(status, Action.REQUEUE) is Status.WAITING


def test_a_parked_ticket_is_called_back_to_the_window() -> None:
    assert next_status(Status.PARKED, Action.CALLBACK) is Status.CALLED


@given(start=statuses, sequence=st.lists(actions, max_size=40))
@settings(deadline=None)
def test_random_action_sequences_never_leave_a_final_status(start: Status, sequence: list[Action]) -> None:
    status = start
    for action in sequence:
        try:
            after = next_status(status, action)
        except IllegalTransition as error:
            assert (status, action) not in TRANSITIONS
            assert error.fields["status"] == status.value
            continue
        assert status not in FINAL, f"{status} moved to {after} by {action}"
        status = after
    if start in FINAL:
        assert status is start


@given(sequence=st.lists(actions, max_size=40))
@settings(deadline=None)
def test_concluded_is_reached_only_through_called_or_serving(sequence: list[Action]) -> None:
    status = Status.WAITING
    for action in sequence:
        try:
            after = next_status(status, action)
        except IllegalTransition:
            continue
        if after is Status.CONCLUDED:
            assert status in (Status.CALLED, Status.SERVING)
        status = after


@given(status=statuses, action=actions, number=st.text(max_size=6))
@settings(deadline=None)
def test_next_status_either_follows_the_table_or_raises(status: Status, action: Action, number: str) -> None:
    if (status, action) in TRANSITIONS:
        assert next_status(status, action, number=number) is TRANSITIONS[(status, action)]
    else:
        with pytest.raises(IllegalTransition) as raised:
            next_status(status, action, number=number)
        assert raised.value.fields == {"number": number, "status": status.value, "action": action.value}


@pytest.mark.parametrize("action", [Action.REPRINT, Action.PRINT_FAIL])
def test_a_reprint_or_a_print_failure_keeps_the_status_and_only_a_live_ticket_has_one(action: Action) -> None:
    sources = {source for (source, edge), target in TRANSITIONS.items() if edge is action}
    assert all(TRANSITIONS[(source, action)] is source for source in sources)
    assert not sources & FINAL
    assert Status.WAITING in sources and Status.NO_SHOW in sources
