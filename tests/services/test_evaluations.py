"""好差评 on fakes: a rating stored once from the pad, the ticket's page or a console; pending ones
expire; a 差评's follow-up goes 核实 → 整改 → 回访 against its working-day deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.errors import DomainError, NotFound, Rejected
from queue_server.services.evaluations import follow_up, ratings
from queue_server.services.evaluations.ports import Department, Person
from tests.fakes.stores import FakeStores
from tests.services.halls import small_hall

ASKED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
CLERK = Actor(1, "clerk", window="01", user_id=5, name="王芳")
PAD = Actor(1, "evaluator", window="01", token_id=3)
MANAGER = Actor(1, "manager", user_id=1, name="张主任")


@pytest.fixture
def stores() -> FakeStores:
    stores = FakeStores(small_hall())
    stores.directory.add_person(1, Person(5, "S05", "王芳", "clerk"))
    stores.evaluations.department_rows[10] = (1, Department(10, "GA", "公安局"))
    stores.tickets.put(7, hall_id=1, service_id=1, number="A001", token="tok-7")
    return stores


def asked(stores: FakeStores) -> int:
    """Ticket A001 concluded at window 01 at ASKED: its evaluation is requested."""
    ticket = SimpleNamespace(id=7, number="A001", token="tok-7", service_id=1)
    uow = stores.unit(ASKED)
    evaluation_id = ratings.request_evaluation(uow, CLERK, ticket, None, 1, "01", None)
    assert [e.type for e in uow.outbox] == ["evaluation.requested"]
    assert uow.outbox[0].payload["clerk_name"] == "王芳"
    return evaluation_id


def rate(
    stores: FakeStores, evaluation_id: int, at: datetime, actor: Actor | None = PAD, **body: object
) -> tuple[c.EvaluationPublic, bool]:
    uow = stores.unit(at)
    return ratings.rate(uow, actor, evaluation_id, c.RateEvaluation.model_validate(body))


def code_of(error: pytest.ExceptionInfo[DomainError]) -> str:
    return error.value.code


def test_a_pad_rates_once_and_a_copy_of_its_rating_returns_the_first(stores: FakeStores) -> None:
    evaluation_id = asked(stores)
    pressed = ASKED + timedelta(seconds=30)
    uow = stores.unit(pressed + timedelta(seconds=1))
    body = c.RateEvaluation(level=c.EvaluationLevel.SATISFIED, pressed_at=pressed)
    shown, recorded = ratings.rate(uow, PAD, evaluation_id, body)

    assert recorded
    assert (shown.status, shown.channel, shown.level) == (
        "rated",
        c.EvaluationChannel.PAD,
        c.EvaluationLevel.SATISFIED,
    )
    assert (shown.ticket, shown.window, shown.clerk_name, shown.department_code) == (
        "A001",
        "01",
        "王芳",
        "GA",
    )
    stored = stores.evaluations.rows[evaluation_id]
    assert (stored.pressed_at, stored.rater_token_id, stored.late) == (pressed, 3, False)
    assert [e.type for e in stores.events] == ["evaluation.requested", "evaluation.recorded"]
    assert [e.type for e in uow.outbox] == ["evaluation.recorded"]
    assert {"manager", "ticket:tok-7", "evaluator:01"} <= set(uow.outbox[0].topics)

    again, recorded_again = rate(
        stores, evaluation_id, ASKED + timedelta(seconds=40), level="satisfied", pressed_at=pressed
    )
    assert not recorded_again and again == shown
    with pytest.raises(Rejected) as refused:
        rate(stores, evaluation_id, ASKED + timedelta(seconds=50), level="very_satisfied")
    assert code_of(refused) == "evaluation.already_rated"
    assert stores.evaluations.rows[evaluation_id] == stored
    assert len(stores.events) == 2


def test_the_ticket_page_rates_with_its_token_and_the_receipt_as_press_time(stores: FakeStores) -> None:
    evaluation_id = asked(stores)
    at = ASKED + timedelta(seconds=20)
    with pytest.raises(NotFound):
        rate(stores, evaluation_id, at, None, level="satisfied", ticket_token="tok-8")

    claimed = ASKED + timedelta(seconds=5)  # a web page's claim is not believed
    shown, _ = rate(
        stores, evaluation_id, at, None, level="very_satisfied", ticket_token="tok-7", pressed_at=claimed
    )

    assert shown.channel is c.EvaluationChannel.WEB
    assert shown.pressed_at == at
    assert stores.evaluations.rows[evaluation_id].rater_token_id is None
    assert stores.events[-1].data["channel"] == "web"


def test_a_press_before_the_question_or_after_the_deadline_is_refused(stores: FakeStores) -> None:
    evaluation_id = asked(stores)
    with pytest.raises(Rejected) as early:
        rate(
            stores,
            evaluation_id,
            ASKED + timedelta(seconds=9),
            level="satisfied",
            pressed_at=ASKED - timedelta(seconds=9),
        )
    with pytest.raises(Rejected) as late:
        rate(
            stores,
            evaluation_id,
            ASKED + timedelta(seconds=200),
            None,
            level="satisfied",
            ticket_token="tok-7",
        )

    assert (code_of(early), code_of(late)) == ("evaluation.pressed_before_question", "evaluation.closed")
    assert stores.evaluations.rows[evaluation_id].status == "pending"


def test_a_pad_press_before_the_deadline_arriving_late_still_counts_and_is_marked_late(
    stores: FakeStores,
) -> None:
    evaluation_id = asked(stores)
    pressed = ASKED + timedelta(seconds=110)
    shown, recorded = rate(
        stores, evaluation_id, ASKED + timedelta(seconds=150), level="satisfied", pressed_at=pressed
    )
    assert recorded and shown.late and shown.status == "rated"


def test_pending_evaluations_past_their_deadline_become_unrated_and_are_announced(stores: FakeStores) -> None:
    evaluation_id = asked(stores)
    early = stores.unit(ASKED + timedelta(seconds=119))
    assert ratings.expire_evaluations(early, 1) == 0

    uow = stores.unit(ASKED + timedelta(seconds=121))
    assert ratings.expire_evaluations(uow, 1) == 1
    assert stores.evaluations.rows[evaluation_id].status == "unrated"
    assert [(e.type, e.payload["status"]) for e in uow.outbox] == [("evaluation.recorded", "unrated")]


def test_the_default_rule_gives_old_unrated_evaluations_the_default_level(stores: FakeStores) -> None:
    evaluation_id = asked(stores)
    stores.evaluations.hall_settings[1] = {"default_level": "satisfied", "default_after_days": 7}
    ratings.expire_evaluations(stores.unit(ASKED + timedelta(days=1)), 1)
    assert ratings.default_unrated(stores.unit(ASKED + timedelta(days=7)), 1) == 0

    assert ratings.default_unrated(stores.unit(ASKED + timedelta(days=8)), 1) == 1
    row = stores.evaluations.rows[evaluation_id]
    assert (row.status, row.level, row.is_default) == ("defaulted", "satisfied", True)


def step(stores: FakeStores, at: datetime, follow_up_id: int, **body: object) -> c.FollowUpPublic:
    return follow_up.step_follow_up(
        stores.unit(at), MANAGER, follow_up_id, c.FollowUpStep.model_validate(body)
    )


def refused_code(stores: FakeStores, at: datetime, follow_up_id: int, **body: object) -> str:
    with pytest.raises(Rejected) as refused:
        step(stores, at, follow_up_id, **body)
    return code_of(refused)


def test_a_bad_rating_opens_a_follow_up_due_in_working_days(stores: FakeStores) -> None:
    evaluation_id = asked(stores)
    shown, _ = rate(
        stores, evaluation_id, ASKED + timedelta(seconds=30), level="dissatisfied", reasons=["attitude"]
    )

    follow = shown.follow_up
    assert follow is not None and follow.evaluation_id == evaluation_id
    # 核实 within 1 working day, 整改 within 15 (three weeks), 回访 on 整改's due day (the defaults)
    assert (follow.stage, follow.verify_due, follow.rectify_due, follow.revisit_due) == (
        "verify",
        date(2026, 3, 3),
        date(2026, 3, 23),
        date(2026, 3, 23),
    )
    assert (follow.due, follow.overdue) == (date(2026, 3, 3), False)
    overdue = follow_up.list_follow_ups(stores.unit(ASKED + timedelta(days=2)), MANAGER, open_only=True)
    assert [(f.id, f.overdue) for f in overdue] == [(follow.id, True)]
    dues = follow_up.open_follow_up_dues(stores.unit(ASKED), 1)
    assert dues == [(follow.id, "verify", "A001", date(2026, 3, 3))]


def test_a_follow_up_goes_verify_rectify_revisit_with_a_note_at_each_step(stores: FakeStores) -> None:
    evaluation_id = asked(stores)
    rate(stores, evaluation_id, ASKED + timedelta(seconds=30), level="very_dissatisfied")
    follow_id = next(iter(stores.evaluations.follow_up_rows))
    day = ASKED + timedelta(hours=3)

    assert refused_code(stores, day, follow_id, action="rectify", note="改了") == "follow_up.wrong_stage"
    assert refused_code(stores, day, follow_id, action="verify", note="  ") == "follow_up.note_required"
    assert refused_code(stores, day, follow_id, action="assign") == "follow_up.owner_required"

    assert step(stores, day, follow_id, action="verify", note="属实").stage == "rectify"
    assert step(stores, day, follow_id, action="assign", owner="李科长", note="交办").owner == "李科长"
    assert (
        step(stores, day + timedelta(days=1), follow_id, action="rectify", note="已整改").stage == "revisit"
    )
    assert (
        refused_code(stores, day, follow_id, action="revisit", note="已回访")
        == "follow_up.satisfaction_required"
    )
    closed = step(stores, day + timedelta(days=2), follow_id, action="revisit", note="已回访", satisfied=True)

    assert (closed.stage, closed.revisit_satisfied, closed.due) == ("closed", True, None)
    assert (closed.verified_at, closed.closed_at) == (day, day + timedelta(days=2))
    assert [n["action"] for n in closed.notes] == ["verify", "assign", "rectify", "revisit"]
    assert closed.notes[1]["owner"] == "李科长"
    assert [e.type for e in stores.events][-4:] == [
        "follow_up.verify",
        "follow_up.assign",
        "follow_up.rectify",
        "follow_up.revisit",
    ]
    assert follow_up.list_follow_ups(stores.unit(day), MANAGER, open_only=True) == []


def test_a_follow_up_of_another_hall_is_not_found(stores: FakeStores) -> None:
    evaluation_id = asked(stores)
    rate(stores, evaluation_id, ASKED + timedelta(seconds=30), level="dissatisfied")
    stranger = Actor(2, "manager", user_id=9)
    with pytest.raises(NotFound):
        follow_up.step_follow_up(stores.unit(ASKED), stranger, 1, c.FollowUpStep(action="note"))
