"""Statistics (manager, admin): figures as JSON, CSV or XLSX; charts; the printable monthly report."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Literal, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep, optional_actor
from queue_server.api.params import Day
from queue_server.auth.sessions import Unauthorized
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Rejected
from queue_server.domain.stats import Grouping, Period, month_range
from queue_server.runtime import Runtime
from queue_server.services.reports import charts as report_charts
from queue_server.services.reports import days as report_days
from queue_server.services.reports import figures as reports
from queue_server.services.reports import files as report_files
from queue_server.services.reports import monthly as report_monthly
from queue_server.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")

router = APIRouter(prefix="/reports", tags=["reports"])
pages = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _keeping(
    runtime: Runtime, actor: Actor, build: Callable[[UnitOfWork], tuple[T, list[report_days.ClosedDay]]]
) -> T:
    """Build on a read transaction, then keep the closed days the report had to walk (日结)."""
    result, closed = await runtime.read(build)
    if closed:
        try:
            await runtime.write(lambda uow: report_days.store(uow, actor.hall_id, closed))
        except Exception:  # the report stands; the days are walked again next time
            log.exception("could not keep %d closed report days", len(closed))
    return result


def _range(date_from: date | None, date_to: date | None, today: date) -> tuple[date, date]:
    last = date_to or today
    return date_from or last.replace(day=1), last


@router.get(
    "/figures",
    response_model=c.ReportFigures,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}, "description": "JSON, or a CSV/XLSX file"}},
)
async def figures(
    runtime: RuntimeDep,
    actor: ActorDep,
    date_from: Day | None = None,
    date_to: Day | None = None,
    period: Period = Period.CUSTOM,
    by: Grouping = Grouping.HALL,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> c.ReportFigures | Response:
    """Tickets, waiting and handling times, window time, outcomes and 好差评 per period bucket and group.

    ``date_from``/``date_to`` are hall-local days (inclusive; default: this month so far).
    """

    def build(uow: UnitOfWork) -> tuple[c.ReportFigures, list[report_days.ClosedDay]]:
        first, last = _range(date_from, date_to, uow.catalogue(actor.hall_id).local(uow.now).date())
        report = reports.compute(uow, actor, first, last)
        return report.figures(by, period), report.closed

    result = await _keeping(runtime, actor, build)
    if format == "json":
        return result
    name = f"report-{result.hall}-{result.by}-{result.period}-{result.date_from}-{result.date_to}.{format}"
    body = await run_in_threadpool(report_files.to_csv if format == "csv" else report_files.to_xlsx, result)
    media = "text/csv; charset=utf-8" if format == "csv" else XLSX
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(
    "/charts/{chart}.{fmt}",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
)
async def chart(
    chart: report_charts.Chart,
    fmt: Literal["svg", "png"],
    runtime: RuntimeDep,
    actor: ActorDep,
    date_from: Day | None = None,
    date_to: Day | None = None,
) -> Response:
    """One chart of the period: arrivals by hour, waiting-time distribution, windows compared, daily trend."""

    def build(uow: UnitOfWork) -> tuple[bytes, list[report_days.ClosedDay]]:
        first, last = _range(date_from, date_to, uow.catalogue(actor.hall_id).local(uow.now).date())
        report = reports.compute(uow, actor, first, last)
        return report_charts.render_chart(report, chart, fmt), report.closed

    body = await _keeping(runtime, actor, build)
    media = "image/svg+xml" if fmt == "svg" else "image/png"
    return Response(body, media_type=media, headers={"Cache-Control": "no-store"})


@pages.get("/manager/reports/monthly")
async def monthly(request: Request, runtime: RuntimeDep, month: str | None = None) -> Response:
    """The printable monthly report (``?month=2026-03``; default: this month)."""
    try:
        actor = await optional_actor(request, runtime)
    except Unauthorized:
        actor = None
    if actor is None:
        return RedirectResponse("/login?next=" + quote(str(request.url.path)), status_code=303)
    actor.require(Permission.MANAGE_HALL)

    def build(uow: UnitOfWork) -> tuple[str, list[report_days.ClosedDay]]:
        label = month or uow.catalogue(actor.hall_id).local(uow.now).strftime("%Y-%m")
        try:
            first, last = month_range(label)
        except ValueError:
            raise Rejected("reports.bad_month") from None
        report = reports.compute(uow, actor, first, last)
        return report_monthly.monthly_html(report, label), report.closed

    html = await _keeping(runtime, actor, build)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def install(app: FastAPI) -> None:
    """Mount the reports API and the monthly report page."""
    app.include_router(router, prefix=c.API_PREFIX)
    app.include_router(pages)
