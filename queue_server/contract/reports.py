"""Reports: the statistics per hall, zone, service, department, window or clerk."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from queue_server.contract.base import Model
from queue_server.contract.evaluations import IndicatorRow


class DurationSummary(Model):
    """Durations in seconds: how many, mean, median, 90th percentile (nearest rank) and maximum."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None
    max: float | None


class ReportRow(Model):
    """One group in one period bucket; figures that do not apply to the grouping are null
    (tickets issued have no window yet; a service has no idle time). docs/reports.md defines each."""

    period: str = Field(description="bucket: 2026-03-02, 2026-W10, 2026-03, 2026-Q1 or first..last")
    key: str = Field(description="hall, zone code, service code, department code, window number, staff no")
    label: str
    issued: int | None
    served: int
    no_shows: int
    cancelled: int | None
    transferred: int
    expired: int | None
    priority_share: float | None
    appointment_share: float | None
    waiting: DurationSummary
    handling: DurationSummary
    open_seconds: float | None
    paused_seconds: float | None
    busy_seconds: float | None
    idle_seconds: float | None
    arrivals_by_hour: list[int] | None = Field(description="tickets issued in each local hour 0..23")
    cases: int
    on_site: int
    corrections: int
    on_site_rate: float | None = Field(description="现场办结率")
    immediate_share: float | None = Field(description="即办件占比")
    correction_rate: float | None = Field(description="补正率")
    on_time_rate: float | None = Field(description="按时办结率 of promised cases completed")
    evaluation: IndicatorRow


class ReportFigures(Model):
    """``GET /api/v1/reports/figures``: the hall's statistics per period bucket and group."""

    hall: str
    hall_name: str
    date_from: date
    date_to: date
    period: Literal["day", "week", "month", "quarter", "custom"]
    by: Literal["hall", "zone", "service", "department", "window", "clerk"]
    generated_at: datetime
    rows: list[ReportRow]
