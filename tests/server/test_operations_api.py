"""Health, readiness, metrics and request ids, as a load balancer and a Prometheus server see them."""

from __future__ import annotations

import json
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from tests.server.conftest import Hall
from tests.support.hall_server import ROOT


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_a_running_process_is_alive_and_ready_with_its_schema_at_the_head(hall: Hall) -> None:
    assert hall.client.get("/healthz").json()["ok"] is True
    ready = hall.client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["ready"] is True and body["database"] == "ok" and body["migrations"] == "ok"
    assert body["listener"] == ("n/a" if hall.runtime.listener is None else "ok")


def test_a_schema_behind_the_code_makes_the_process_not_ready_with_the_error_shape(hall: Hall) -> None:
    with hall.runtime.read_engine.begin() as conn:  # the writer holds the write engine's connection
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    ready = hall.client.get("/readyz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["code"] == "server.not_ready" and body["fields"]["migrations"] == "behind"
    assert "迁移" in body["message"] and "migrations: behind" in body["message_en"]
    assert hall.client.get("/healthz").status_code == 200  # alive: a supervisor must not restart it


def test_metrics_count_tickets_issued_and_called_the_queue_and_the_writer(hall: Hall) -> None:
    hall.open_all()
    for _ in range(3):
        hall.issue("S1")
    hall.issue("S2")
    assert hall.act("1", "call-next").json()["ticket"]["number"] == "A001"
    page = hall.client.get("/metrics")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    got = samples(page.text)
    assert got[("hallq_tickets_issued_total", (("hall", "t1"), ("service", "S1")))] == 3
    assert got[("hallq_tickets_called_total", (("hall", "t1"), ("service", "S1")))] == 1
    waiting = {labels: value for (name, labels), value in got.items() if name == "hallq_tickets_waiting"}
    assert sum(v for labels, v in waiting.items() if ("hall", "t1") in labels) == 3
    assert got[("hallq_database_up", ())] == 1
    assert got[("hallq_writer_queue_depth", ())] >= 0  # housekeeping may have queued a job just now
    batches = got[("hallq_writer_batch_size_count", ())]
    assert batches >= 1 and got[("hallq_writer_batch_size_bucket", (("le", "+Inf"),))] == batches
    assert got[("hallq_writer_reruns_total", ())] == 0  # no job failed
    issued = (("method", "POST"), ("route", "/api/v1/tickets"), ("status", "201"))
    assert got[("hallq_request_seconds_count", issued)] == 4
    assert got[("hallq_websocket_subscribers", ())] == 0


def waiting_gauge(hall: Hall) -> dict[tuple[str, str], float]:
    """``hallq_tickets_waiting`` of a fresh scrape, by (hall, service)."""
    got = samples(hall.client.get("/metrics").text)
    return {
        (dict(labels)["hall"], dict(labels)["service"]): value
        for (name, labels), value in got.items()
        if name == "hallq_tickets_waiting"
    }


def test_the_waiting_gauge_has_every_service_and_drops_to_zero_when_the_last_ticket_is_called(
    hall: Hall,
) -> None:
    # A series that vanishes when a queue empties reads as "no data" on a dashboard, not as 0.
    before = waiting_gauge(hall)
    assert {key: before[key] for key in [("t1", "S1"), ("t1", "S4"), ("t2", "S1")]} == {
        ("t1", "S1"): 0,
        ("t1", "S4"): 0,
        ("t2", "S1"): 0,
    }
    hall.open_all()
    hall.issue("S1")
    assert waiting_gauge(hall)[("t1", "S1")] == 1
    assert hall.act("1", "call-next").status_code == 200
    after = waiting_gauge(hall)
    assert after[("t1", "S1")] == 0 and after[("t1", "S2")] == 0
    assert set(after) == set(before)


def test_metrics_count_websocket_subscribers(hall: Hall) -> None:
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['board']}") as ws:
        ws.send_json({"type": "subscribe", "topics": ["hall"]})
        assert ws.receive_json()["type"] == "snapshot"
        got = samples(hall.client.get("/metrics").text)
        assert got[("hallq_websocket_subscribers", ())] == 1


def test_metrics_relayed_by_a_proxy_are_refused_unless_the_caller_holds_the_metrics_token(hall: Hall) -> None:
    relayed = {"X-Forwarded-For": "203.0.113.9"}
    refused = hall.client.get("/metrics", headers=relayed)
    assert refused.status_code == 403 and refused.json()["code"] == "metrics.forbidden"
    hall.runtime.settings.metrics_token = "scrape-secret-123"
    wrong = hall.client.get("/metrics", headers={**relayed, "Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    right = hall.client.get("/metrics", headers={**relayed, "Authorization": "Bearer scrape-secret-123"})
    assert right.status_code == 200 and "hallq_writer_queue_depth" in right.text


def test_every_response_carries_a_request_id_and_keeps_a_sane_one_from_the_proxy(hall: Hall) -> None:
    first = hall.client.get("/api/v1/services", headers=hall.as_("kiosk"))
    second = hall.client.get("/api/v1/services", headers=hall.as_("kiosk"))
    assert len(first.headers["x-request-id"]) == 16
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    kept = hall.client.get("/healthz", headers={"X-Request-Id": "nginx-0123456789abcdef"})
    assert kept.headers["x-request-id"] == "nginx-0123456789abcdef"
    forged = hall.client.get("/healthz", headers={"X-Request-Id": "<script>alert(1)</script>"})
    assert len(forged.headers["x-request-id"]) == 16 and "<" not in forged.headers["x-request-id"]
    error = hall.client.post("/api/v1/tickets", json={"service_code": "NOPE"}, headers=hall.as_("kiosk"))
    assert error.status_code == 404 and error.headers["x-request-id"]


def test_every_series_the_grafana_dashboard_plots_is_one_the_server_exports(hall: Hall) -> None:
    hall.open_all()
    hall.issue("S1")
    hall.act("1", "call-next")
    exported = set(re.findall(r"\bhallq_[a-z_]+", hall.client.get("/metrics").text))
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "hallq-dashboard.json").read_text(encoding="utf-8"))
    plotted = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bhallq_[a-z_]+", target["expr"])
    }
    assert len(plotted) >= 10 and plotted <= exported, plotted - exported


def test_a_crash_is_answered_with_the_request_id_and_the_security_headers(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> bytes:
        raise RuntimeError("a bug")

    monkeypatch.setattr(hall.runtime.metrics, "render", broken)
    crashed = hall.client.get("/metrics")
    assert crashed.status_code == 500 and crashed.json()["code"] == "server.error"
    assert len(crashed.headers["x-request-id"]) == 16
    assert crashed.headers["content-security-policy"].endswith("frame-ancestors 'none'")
    assert crashed.headers["x-frame-options"] == "DENY"
    assert crashed.headers["x-content-type-options"] == "nosniff"
    assert crashed.headers["referrer-policy"] == "no-referrer"
