"""Daily supervision: the alert history with response times, and overdue 差评 follow-ups (both databases)."""

from __future__ import annotations

from typing import Any

from queue_server.services.operations.housekeeping import chores
from tests.server.conftest import Hall
from tests.server.test_evaluations_api import concluded, evaluation_of, login_clerk, rate
from tests.server.test_settings_api import WEEKDAYS, put_settings


def sweep(hall: Hall) -> None:
    """The server's periodic chores (every 15 s), now."""
    hall.runtime.write_sync(lambda uow: chores(uow, 1))


def history(hall: Hall, **query: str) -> dict[str, Any]:
    response = hall.client.get("/api/v1/supervision/alerts", params=query, headers=hall.as_("manager"))
    assert response.status_code == 200, response.text
    return response.json()


def ack(hall: Hall, rule: str, subject: str) -> None:
    alerts = hall.client.get("/api/v1/alerts", headers=hall.as_("manager")).json()
    (alert,) = [a for a in alerts if a["rule"] == rule and a["subject"] == subject]
    assert (
        hall.client.post(f"/api/v1/alerts/{alert['id']}/ack", headers=hall.as_("manager")).status_code == 200
    )


def test_alert_history_by_rule_and_window_with_response_times(hall: Hall) -> None:
    hall.open_all()
    hall.act("2", "pause", body={"reason": "away"})
    hall.act("3", "pause", body={"reason": "away"})
    hall.clock.advance(minutes=20)
    sweep(hall)  # both raised at 09:20
    hall.clock.advance(minutes=2)
    ack(hall, "window.away", "window:2")  # 120 s
    hall.clock.advance(minutes=4)
    ack(hall, "window.away", "window:3")  # 360 s
    hall.act("2", "resume")
    sweep(hall)  # window 2 cleared at 09:26: 360 s
    hall.clock.advance(minutes=10)
    hall.act("3", "resume")
    sweep(hall)  # window 3 cleared at 09:36: 960 s
    hall.act("1", "pause", body={"reason": "away"})
    hall.clock.advance(minutes=21)
    sweep(hall)  # window 1: raised, neither acknowledged nor cleared

    by_rule = history(hall)
    (away,) = [r for r in by_rule["rows"] if r["key"] == "window.away"]
    assert (away["raised"], away["open"], away["red"]) == (3, 1, 0)
    assert away["acknowledge"] == {"count": 2, "mean": 240.0, "median": 240.0, "max": 360.0}
    assert away["clear"] == {"count": 2, "mean": 660.0, "median": 660.0, "max": 960.0}
    by_window = {r["key"]: r for r in history(hall, by="window")["rows"]}
    assert by_window["2"]["acknowledge"]["max"] == 120.0 and by_window["3"]["clear"]["max"] == 960.0
    assert by_window["1"]["open"] == 1 and by_window["1"]["clear"]["count"] == 0
    latest = history(hall)["alerts"][0]
    assert latest["window"] == "1" and latest["acknowledge_seconds"] is None
    assert history(hall, date_from="2026-03-03", date_to="2026-03-04")["total"]["raised"] == 0
    assert history(hall, by="severity")["total"]["raised"] == 3
    bad = hall.client.get("/api/v1/supervision/alerts?by=nothing", headers=hall.as_("manager"))
    assert bad.status_code == 422
    assert hall.client.get("/api/v1/supervision/alerts", headers=hall.as_("clerk1")).status_code == 403


def test_an_overdue_follow_up_is_a_red_light_of_its_window_and_the_bad_rating_counts(hall: Hall) -> None:
    put_settings(hall, always_open=False, hours=WEEKDAYS)
    headers = login_clerk(hall)
    evaluation = evaluation_of(hall, concluded(hall, headers))
    follow = rate(hall, evaluation["id"], level="very_dissatisfied", reasons=["attitude"]).json()["follow_up"]
    sweep(hall)
    assert hall.client.get("/api/v1/supervision/follow-ups", headers=hall.as_("manager")).json() == []
    hall.clock.advance(days=2)  # Wednesday: 核实 (due Tuesday) is overdue
    sweep(hall)
    (late,) = hall.client.get("/api/v1/supervision/follow-ups", headers=hall.as_("manager")).json()
    assert late["id"] == follow["id"] and late["stage"] == "verify" and late["overdue"]
    rows = {r["key"]: r for r in history(hall, by="window")["rows"]}
    assert rows["1"]["red"] == 1
    (alert,) = [a for a in history(hall)["alerts"] if a["rule"] == "evaluation.follow_up_overdue"]
    assert alert["window"] == "1" and alert["subject"] == f"follow_up:{follow['id']}"

    sheet = hall.client.get("/api/v1/assessment/2026-03", headers=hall.as_("manager")).json()
    (one,) = [w for w in sheet["windows"] if w["window"] == "1"]
    (line,) = [x for x in one["lines"] if x["rule"] == "results.bad_rating"]
    assert line["points"] == 2 and line["clerk_staff_no"] == "C1"
    assert line["ref"] == {
        "evaluation": evaluation["id"],
        "level": "very_dissatisfied",
        "follow_up": follow["id"],
    }
