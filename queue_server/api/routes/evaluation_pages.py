"""The manager's 好差评 page: indicators per window, clerk, service and department, and 差评 follow-up."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/manager/evaluations", response_class=HTMLResponse)
async def evaluations_page() -> HTMLResponse:
    """The page (its data comes from the API with the manager's session)."""
    page = resources.files("queue_server.api").joinpath("pages/evaluations.html").read_text(encoding="utf-8")
    return HTMLResponse(page)
