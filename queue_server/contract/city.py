"""The city view (政务服务管理局): each hall of the deployment's figures of today, side by side."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from queue_server.contract.base import Model


class CityHallFigures(Model):
    """One hall's figures: its queue now, today's service and waits, 好评率 and standing alerts."""

    code: str
    name: str
    name_en: str
    waiting: int = Field(description="tickets waiting now")
    served: int = Field(description="tickets concluded today (hall-local day)")
    wait_mean: float | None = Field(description="seconds from issue to first call, tickets called today")
    wait_p90: float | None = Field(description="90th percentile (nearest rank) of the same waits")
    good_rate_month: float | None = Field(description="好评率 this month, 0..1 (defaults count)")
    good_rate_today: float | None = Field(description="好评率 today, 0..1")
    rated_month: int = Field(description="evaluations rated or defaulted this month")
    alerts_open: int = Field(description="alerts not cleared")
    alerts_red: int = Field(description="red alerts not cleared")


class CityOverview(Model):
    """Every hall's figures, in the order the halls were made, at one instant."""

    at: datetime
    day: date
    halls: list[CityHallFigures]
