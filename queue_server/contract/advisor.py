"""The allocation advisor: simulated days, proposals, what-if answers and what the history says."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from queue_server.contract.base import Code, Model


class AdvisorFigure(Model):
    """A simulated figure: mean over the replications and its 95 % interval."""

    mean: float
    low: float
    high: float


class AdvisorService(Model):
    """One service's expected waits (seconds) under an allocation."""

    code: str
    name: str
    tickets: float
    mean_wait: AdvisorFigure
    p90_wait: AdvisorFigure
    over_threshold: AdvisorFigure
    longest_queue: AdvisorFigure
    unserved: float
    by_hour: list[float | None]


class AdvisorDay(Model):
    """A simulated day under one allocation."""

    replications: int
    mean_wait: AdvisorFigure
    p90_wait: AdvisorFigure
    by_hour: list[float | None]
    services: list[AdvisorService]
    utilisation: dict[str, AdvisorFigure]


class AdvisorMove(Model):
    """One change of the proposal: a window's services from a block's start."""

    block: str
    window: str
    before: list[str]
    after: list[str]


class AdvisorStep(Model):
    """The hall's p90 wait with only the first ``moves`` changes made."""

    moves: int
    p90_wait: float


class AdvisorAsk(Model):
    """``POST /api/v1/advisor/recommend``."""

    date: date
    replications: int = Field(default=10, ge=1, le=200)
    cap_minutes: float | None = Field(default=None, gt=0, le=600)


class AdvisorProposal(Model):
    """Today's allocation against the proposal, the changes, and the proposal as a profile file."""

    date: date
    current: AdvisorDay
    proposed: AdvisorDay
    gain: float
    moves: list[AdvisorMove]
    steps: list[AdvisorStep]
    over_cap: list[str]
    uncovered: list[str]
    file: dict[str, Any]


class AdvisorWhatIfIn(Model):
    """``POST /api/v1/advisor/what-if``: windows given other services for the whole day."""

    date: date
    replications: int = Field(default=20, ge=1, le=200)
    changes: dict[Code, list[Code]] = Field(min_length=1, max_length=1000)


class AdvisorWhatIf(Model):
    """Today's allocation and the same day with the changes."""

    current: AdvisorDay
    changed: AdvisorDay


class AdvisorShare(Model):
    """A learned share and the count it is out of (how much data stands behind it)."""

    share: float
    of: int


class AdvisorLearnedService(Model):
    """What the history says about one service."""

    code: str
    name: str
    tickets: int
    days: int
    peak_per_hour: float | None
    handle_mean: float | None
    handle_cv: float | None
    handle_n: int
    no_show: AdvisorShare
    recall: AdvisorShare
    transfer: AdvisorShare
    priority: AdvisorShare
    appointment: AdvisorShare
    # The days behind the hourly rates used for the day (its kind of day's, or the fallback's).
    kind_days: int = 0


class AdvisorLearnedWindow(Model):
    """A window's breaks and 暂离 as its recorded open stretches show them (within the hall's hours)."""

    window: str
    days: int  # the days it opened, which the figures stand on
    breaks: int  # breaks seen over those days
    per_day: float
    mean_minutes: float
    by_hour: list[int]  # breaks starting in each hour 0..23


class AdvisorLearned(Model):
    """``GET /api/v1/advisor/learned?day=``: the eight weeks of history before ``day`` in figures."""

    day: date
    days: int
    tickets: int
    services: list[AdvisorLearnedService]
    # The kind of day on the hall's working calendar (周一…周日, 调休工作日, 节假日) whose rates are used,
    # and the season factor they are multiplied by, with the ordinary days a year back behind it
    # (around the date, and in the eight weeks before it); 1.0 without enough of them.
    kind: str = ""
    kind_en: str = ""
    season_factor: float = 1.0
    season_days: int = 0
    season_baseline_days: int = 0
    # Each window's breaks, which a forecast draws (a recorded day of them per window and replication).
    windows: list[AdvisorLearnedWindow] = []


class AdvisorCheckRow(Model):
    """A service on a past day: the wait the advisor expected and the one observed (seconds)."""

    code: str
    name: str
    predicted: float | None
    observed: float | None
    observed_n: int
    # The prediction was the one stored before the day (when a proposal was applied), not recomputed.
    stored: bool = False


class AdvisorCheck(Model):
    """``GET /api/v1/advisor/check?date=``: predicted (from the history before it) against observed."""

    date: date
    rows: list[AdvisorCheckRow]
    # What made the stored predictions (e.g. "proposal 09:00") and when; empty when recomputed.
    source: str = ""
    made_at: datetime | None = None


class AdvisorPredictIn(Model):
    """``POST /api/v1/advisor/predictions``: store the day's prediction under the allocation now."""

    date: date
    replications: int = Field(default=20, ge=1, le=200)


class AdvisorPredictedRow(Model):
    """A service's stored prediction (seconds)."""

    code: str
    mean_wait: float
    p90_wait: float


class AdvisorPredicted(Model):
    """What was stored for the day, for the next day's check."""

    date: date
    source: str
    rows: list[AdvisorPredictedRow]
