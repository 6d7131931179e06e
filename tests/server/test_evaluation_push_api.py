"""The 好差评 push end to end: ratings over HTTP reach the emulated provincial platform once, with
their follow-up updates; a refused one is dead-lettered with the platform's reason, raises a red
light, and a manager drops it; the day's reconciliation counts stored against accepted."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hardware_mocks.gateway import MockGateway
from queue_server.services.operations.alerts import run_alerts
from queue_server.services.operations.housekeeping import chores
from tests.server.conftest import Hall
from tests.server.test_evaluations_api import concluded, evaluation_of, rate
from tests.support.gateway import running_gateway

SECRET_ENV = "HALLQ_TEST_PLATFORM_SECRET"


@pytest.fixture(scope="module")
def platform() -> Iterator[MockGateway]:
    with running_gateway("platform-secret") as server:
        yield server


@pytest.fixture
def pushing(hall: Hall, platform: MockGateway, monkeypatch: pytest.MonkeyPatch) -> Hall:
    monkeypatch.setenv(SECRET_ENV, "platform-secret")
    platform.emulator.received.clear()
    platform.emulator.keys.clear()
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()
    gateway = {"kind": "http", "url": f"{platform.url}/evaluations", "secret_env": SECRET_ENV}
    current["evaluation_push"] = {"enabled": True, "gateway": gateway}
    assert (
        hall.client.put("/api/v1/hall/settings", json=current, headers=hall.as_("manager")).status_code == 200
    )
    hall.open_all()
    return hall


def eventually(check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def outbox(hall: Hall) -> dict[str, Any]:
    return dict(hall.client.get("/api/v1/outbox", headers=hall.as_("manager")).json())


def test_each_rating_reaches_the_platform_once_with_its_data_items_and_follow_up(
    pushing: Hall, platform: MockGateway
) -> None:
    hall = pushing
    good = evaluation_of(hall, concluded(hall))
    assert rate(hall, good["id"], level="satisfied").status_code == 201
    bad = evaluation_of(hall, concluded(hall))
    assert rate(hall, bad["id"], level="dissatisfied", reasons=["slow"], comment="太慢").status_code == 201
    follow_up = hall.client.get("/api/v1/follow-ups", headers=hall.as_("manager")).json()[0]
    step = {"action": "verify", "note": "核实：高峰时段窗口不足"}
    stepped = hall.client.post(
        f"/api/v1/follow-ups/{follow_up['id']}", json=step, headers=hall.as_("manager")
    )
    assert stepped.status_code == 200, stepped.text
    seen = eventually(lambda: len(platform.emulator.received) >= 3 and list(platform.emulator.received))
    ratings = {r["evaluation_id"]: r for r in seen if r["kind"] == "evaluation.rating"}
    first, second = ratings[f"t1-{good['id']}"], ratings[f"t1-{bad['id']}"]
    (update,) = [r for r in seen if r["kind"] == "evaluation.follow_up"]
    assert seen.index(update) > seen.index(second)  # an update never overtakes its rating
    assert (first["hall_code"], first["service_code"], first["ticket"], first["window"]) == (
        "t1",
        "S1",
        good["ticket"],
        "1",
    )
    assert (first["level"], first["level_name"], first["channel"], first["department_code"]) == (
        4,
        "满意",
        "评价器",
        "D1",
    )
    assert first["evaluation_id"] == f"t1-{good['id']}" and first["rated_at"].startswith("2026-03-02T01:00")
    assert (second["level"], second["reasons"], second["comment"]) == (2, ["slow"], "太慢")
    assert (update["kind"], update["evaluation_id"], update["stage"]) == (
        "evaluation.follow_up",
        f"t1-{bad['id']}",
        "verify",
    )

    def figures() -> list[tuple[str, int, int, int]]:  # recorded a moment after the platform had them
        return [(d["destination"], d["sent"], d["pending"], d["dead"]) for d in outbox(hall)["destinations"]]

    assert eventually(lambda: figures() == [("evaluation", 3, 0, 0)]), figures()


def test_a_refused_rating_is_dead_lettered_with_the_reason_raises_a_light_and_is_dropped_audited(
    pushing: Hall, platform: MockGateway
) -> None:
    hall = pushing
    fine = evaluation_of(hall, concluded(hall))
    assert rate(hall, fine["id"], level="very_satisfied").status_code == 201
    refused = evaluation_of(hall, concluded(hall))
    assert rate(hall, refused["id"], level="very_dissatisfied").status_code == 201  # the pad gave no reasons
    dead = eventually(lambda: outbox(hall)["dead"])
    assert dead[0]["kind"] == "evaluation.rating" and "差评须附差评内容" in dead[0]["last_error"]
    hall.runtime.write_sync(lambda uow: run_alerts(uow, 1))  # the housekeeping's alert round
    lights = hall.client.get("/api/v1/alerts", headers=hall.as_("manager")).json()
    assert [(a["rule"], a["subject"], a["severity"]) for a in lights if a["rule"].startswith("outbox")] == [
        ("outbox.dead", "outbox:evaluation", "red")
    ]
    days = hall.client.get(
        "/api/v1/outbox/reconciliation?start=2026-03-02&end=2026-03-02", headers=hall.as_("manager")
    ).json()
    (day,) = days
    assert {k: day[k] for k in ("day", "stored", "accepted", "pending", "refused")} == {
        "day": "2026-03-02",
        "stored": 2,
        "accepted": 1,
        "pending": 0,
        "refused": 1,
    }
    ((reason, count),) = day["reasons"].items()  # refused, with the platform's own reason
    assert "差评须附差评内容" in reason and count == 1
    dropped = hall.client.post(f"/api/v1/outbox/{dead[0]['id']}/drop", headers=hall.as_("manager"))
    assert dropped.status_code == 200 and dropped.json()["status"] == "dropped"
    again = hall.client.post(f"/api/v1/outbox/{dead[0]['id']}/retry", headers=hall.as_("manager"))
    assert again.status_code == 409 and again.json()["code"] == "outbox.not_dead"
    assert hall.client.get("/api/v1/outbox", headers=hall.as_("clerk1")).status_code == 403


def test_a_default_rating_given_by_housekeeping_reaches_the_platform_once_flagged_as_default(
    pushing: Hall, platform: MockGateway
) -> None:
    hall = pushing
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()
    current["evaluation"] = {**current["evaluation"], "default_level": "satisfied", "default_after_days": 1}
    assert (
        hall.client.put("/api/v1/hall/settings", json=current, headers=hall.as_("manager")).status_code == 200
    )
    rated = evaluation_of(hall, concluded(hall))
    assert rate(hall, rated["id"], level="very_satisfied").status_code == 201
    left = concluded(hall)
    unrated = evaluation_of(hall, left)
    hall.clock.advance(days=3)
    hall.runtime.write_sync(lambda uow: chores(uow, 1))  # unrated at the deadline, then defaulted
    hall.runtime.write_sync(lambda uow: chores(uow, 1))  # a second round gives nothing twice
    assert evaluation_of(hall, left)["status"] == "defaulted"
    seen = eventually(lambda: len(platform.emulator.received) >= 2 and list(platform.emulator.received))
    by_id = {r["evaluation_id"]: r for r in seen}
    given = by_id[f"t1-{unrated['id']}"]
    assert (given["level"], given["level_name"], given["channel"], given["is_default"]) == (
        4,
        "满意",
        "系统默认",
        True,
    )
    assert given["rated_at"].startswith("2026-03-05") and given["ticket"] == unrated["ticket"]
    assert by_id[f"t1-{rated['id']}"]["is_default"] is False

    # a delivery is recorded by the dispatcher's next job, a moment after the platform has it
    def figures() -> list[tuple[Any, ...]]:
        return [(d["destination"], d["sent"], d["pending"], d["dead"]) for d in outbox(hall)["destinations"]]

    assert eventually(lambda: figures() == [("evaluation", 2, 0, 0)]), figures()
