"""The consoles' pages: login, clerk, lobby guide and manager; their shared assets and strings.

Every console page is a static HTML file under ``api/pages/`` whose data comes from the API with the
browser's session. ``PAGES`` says which roles may open which page: the page itself is refused
server-side (a clerk who types ``/manager`` gets a 403 page, not the manager's screen), and the API
refuses the data anyway. Nobody logged in is sent to ``/login?next=…``.

Assets under ``api/static/`` are served at ``/static/`` and revalidated on every load (``no-cache``
with an ETag), so an upgrade never leaves a stale script in a browser. ``/catalogue.js`` hands the
message catalogue to every page (consoles, board, ticket page): no string table lives in a script.

A page file holds its own title, styles, body and script; ``{{head}}`` and ``{{scripts}}`` stand for
what every console page loads (the shared stylesheet; the catalogue and the shared scripts, in order).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from queue_server.api.deps import optional_actor
from queue_server.auth.sessions import Unauthorized
from queue_server.contract import API_PREFIX, Role
from queue_server.messages import CATALOGUE, STATUS_NAMES, render

PAGES_DIR = Path(str(resources.files("queue_server.api").joinpath("pages")))
STATIC_DIR = Path(str(resources.files("queue_server.api").joinpath("static")))

STAFF = (Role.CLERK, Role.MANAGER, Role.ADMIN)
MANAGERS = (Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True)
class Page:
    """One console page: its HTML file under ``api/pages/`` and the roles that may open it."""

    file: str
    roles: tuple[Role, ...]


# URL → page. One line per page; console.js's menu lists the manager's pages.
PAGES: dict[str, Page] = {
    "/manager/evaluations": Page("evaluations.html", MANAGERS),
    "/manager": Page("manager.html", MANAGERS),
    "/manager/allocation": Page("allocation.html", MANAGERS),
    "/manager/advisor": Page("advisor.html", MANAGERS),
    "/manager/calendar": Page("calendar.html", MANAGERS),
    "/manager/settings": Page("settings.html", MANAGERS),
    "/manager/catalogue": Page("catalogue.html", MANAGERS),
    "/manager/staff": Page("staff.html", MANAGERS),
    "/guide": Page("guide.html", (*MANAGERS, Role.GUIDE)),
    "/clerk": Page("clerk.html", STAFF),
    "/manager/assessment": Page("assessment.html", MANAGERS),
    "/manager/supervision": Page("supervision.html", MANAGERS),
    "/manager/reports": Page("reports.html", MANAGERS),
    "/city": Page("city.html", (Role.CITY,)),
}

# Where each role lands after logging in.
HOME = {
    Role.CLERK: "/clerk",
    Role.MANAGER: "/manager",
    Role.ADMIN: "/manager",
    Role.GUIDE: "/guide",
    Role.CITY: "/city",
}


class ConsoleStatic(StaticFiles):
    """Static files a browser must revalidate on each load (cheap: a 304 when unchanged)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        return response


@cache
def version() -> str:
    """A short hash of the pages, assets and catalogue: asset URLs change when any of them does."""
    digest = hashlib.sha256()
    for folder in (PAGES_DIR, STATIC_DIR):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.name.encode() + path.read_bytes())
    for key, pair in sorted(CATALOGUE.items()):
        digest.update(key.encode() + "".join(pair).encode())
    return digest.hexdigest()[:12]


HEAD = """<meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/static/console.css?v={{v}}">"""
SCRIPTS = "\n  ".join(
    f'<script src="{src}?v={{{{v}}}}"></script>'
    for src in ("/catalogue.js", "/static/common.js", "/static/live.js", "/static/console.js")
)


@cache
def _html(file: str) -> str:
    text = (PAGES_DIR / file).read_text(encoding="utf-8")
    return text.replace("{{head}}", HEAD).replace("{{scripts}}", SCRIPTS).replace("{{v}}", version())


@cache
def catalogue_script() -> str:
    """The whole message catalogue as one script: ``window.HALLQ_CATALOGUE``."""
    data = {
        "api": API_PREFIX,
        "messages": {key: list(pair) for key, pair in CATALOGUE.items()},
        "statuses": {key: list(pair) for key, pair in STATUS_NAMES.items()},
    }
    strings = json.dumps(data, ensure_ascii=False)
    return f"window.HALLQ_CATALOGUE = {strings};\nwindow.HALLQ_PAGES = {json.dumps(sorted(PAGES))};\n"


def _page(file: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_html(file), status_code=status, headers={"Cache-Control": "no-store"})


def _refusal(code: str, status: int) -> HTMLResponse:
    """A small bilingual page saying why this page is refused, with a way back to the login."""
    zh, en = render(code)
    back_zh, back_en = render("console.login_again")
    body = _html("refused.html").replace("{{zh}}", zh).replace("{{en}}", en)
    body = body.replace("{{back_zh}}", back_zh).replace("{{back_en}}", back_en)
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


router = APIRouter(include_in_schema=False)


@router.get("/catalogue.js")
def catalogue_js() -> Response:
    """Interface strings for every page (zh-CN first, English second)."""
    return Response(catalogue_script(), media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/login")
def login_page() -> HTMLResponse:
    """The staff login form (a clerk also names the window they sit at)."""
    return _page("login.html")


async def console_page(request: Request) -> Response:
    """A console page for a logged-in staff member whose role may open it."""
    page = PAGES[request.url.path.rstrip("/") or "/"]
    runtime = request.app.state.runtime
    try:
        actor = await optional_actor(request, runtime)
    except Unauthorized:
        actor = None
    if actor is None:
        return RedirectResponse("/login?next=" + quote(request.url.path), status_code=303)
    if actor.role not in page.roles:
        return _refusal("console.forbidden", 403)
    return _page(page.file)


def install(app: FastAPI) -> None:
    """Mount the pages, the shared assets and the catalogue script on ``app``."""
    app.include_router(router)
    for path in PAGES:
        app.add_api_route(path, console_page, methods=["GET"], include_in_schema=False)
    app.mount("/static", ConsoleStatic(directory=STATIC_DIR), name="static")
