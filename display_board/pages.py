"""The board's routes: lobby board, window screens, the citizen's ticket page, announcement audio.

- ``/board[?zone=A]`` and ``/board/window/{window}`` are opened once as ``…?token=BOARD_TOKEN``: a
  valid board token moves into the ``hallq_device`` cookie (HttpOnly) and the page reloads without
  it, so it is neither on screen nor in the history. The websocket then authenticates with that
  cookie. Any other token (garbage, revoked, a kiosk's or a manager's) is never stored: a link
  cannot plant credentials in a browser; a cookie whose token was revoked is dropped.
- ``/t/{token}`` is public: the ticket's token is its only key, the page shows nothing personal.
- ``/board/audio/call.wav`` assembles a call's announcement from cached clips (see voice.py).
- The catalogue script and the shared scripts (``/catalogue.js``, ``/static/common.js``,
  ``/static/live.js``) are the queue server's own, shared with the consoles.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from display_board.announce import BadCall, Call, announcement, standard_clips
from display_board.voice import Voice, VoiceOptions, VoiceUnavailable
from display_board.voice_queue import BATCH_MAX
from queue_server.contract import DEVICE_COOKIE, ErrorBody
from queue_server.messages import CATALOGUE, render

log = logging.getLogger(__name__)

COOKIE_DAYS = 400  # browsers cap cookie lifetimes at 400 days; every page load renews it
STATIC = Path(str(resources.files("display_board").joinpath("static")))

# Whether a token may live in a screen's cookie (a valid board token); given by the composition root.
DeviceCheck = Callable[[str], Awaitable[bool]]


async def _no_device(_token: str) -> bool:
    return False


class Board:
    """The pages and the voice, built once per app by the composition root."""

    def __init__(
        self,
        *,
        secure_cookies: bool = False,
        voice: Voice | None = None,
        device_check: DeviceCheck = _no_device,
    ) -> None:
        self.secure_cookies = secure_cookies
        self.device_check = device_check
        self.voice = voice or Voice()
        self.version = _static_version()
        self._pages = {name: _page(name, self.version) for name in ("board", "window", "ticket")}
        self._warming: threading.Thread | None = None

    def warm_voice(self) -> None:
        """Make the standard clips in the background, once, when the first screen opens."""
        if self._warming is not None or not self.voice.available:
            return
        self._warming = threading.Thread(target=self._warm, name="voice-warm", daemon=True)
        self._warming.start()

    def _warm(self) -> None:
        try:
            self.voice.warm(standard_clips())
        except VoiceUnavailable:
            log.exception("could not prepare the announcement clips")

    async def screen(self, request: Request, name: str) -> Response:
        """A board or window screen page; a valid ``?token=`` is moved into the device cookie."""
        self.warm_voice()
        token = request.query_params.get("token")
        if token is not None:
            query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
            response: Response = RedirectResponse(request.url.path + (f"?{query}" if query else ""), 303)
        else:
            response = HTMLResponse(self._pages[name], headers={"Cache-Control": "no-store"})
            token = request.cookies.get(DEVICE_COOKIE)
        if not token:
            return response
        secure = self.secure_cookies or request.url.scheme == "https"
        if await self.device_check(token):
            response.set_cookie(
                DEVICE_COOKIE,
                token,
                max_age=COOKIE_DAYS * 86400,
                httponly=True,
                samesite="lax",
                secure=secure,
            )
        elif token == request.cookies.get(DEVICE_COOKIE):  # revoked or never valid: drop it
            response.delete_cookie(DEVICE_COOKIE, httponly=True, samesite="lax", secure=secure)
        return response

    def ticket_page(self) -> Response:
        """The citizen's live ticket page (no login, no cookie)."""
        return HTMLResponse(self._pages["ticket"], headers={"Cache-Control": "no-store"})

    def call_audio(
        self,
        call: Call,
        options: VoiceOptions,
        by_name: bool,
        short: bool = False,
        then: tuple[Call, ...] = (),
    ) -> Response:
        """The WAV of one call (chime, Mandarin ``repeat`` times, then English if asked), or of a
        busy board's batch: ``call`` and the calls ``then`` spoken after it in one announcement."""
        try:
            spoken = tuple(announcement(c, by_name=by_name, short=short) for c in (call, *then))
            data = self.voice.render_many(spoken, options)
        except BadCall as error:
            return _error(422, "request.invalid", detail=str(error))
        except VoiceUnavailable:
            log.exception("announcement failed")
            return _error(503, "server.busy")
        return Response(data, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})


def qr_svg(text: str) -> bytes:
    """``text`` as an SVG QR code (drawn on the server: the pages load no script library for it)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return bytes(image.to_string())


def _error(status: int, code: str, **fields: object) -> JSONResponse:
    zh, en = render(code, fields)
    body = ErrorBody(code=code, message=zh, message_en=en, fields=fields)
    return JSONResponse(body.model_dump(), status_code=status)


def _static_version() -> str:
    """A short hash of the static files: asset URLs change when the files do (no stale caches)."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    for key, pair in sorted(CATALOGUE.items()):
        digest.update(key.encode() + "".join(pair).encode())
    return digest.hexdigest()[:12]


def _page(name: str, version: str) -> str:
    return (STATIC / f"{name}.html").read_text(encoding="utf-8").replace("{{v}}", version)


def router(board: Board) -> APIRouter:
    """The page and audio routes of ``board``."""
    routes = APIRouter(include_in_schema=False)

    @routes.get("/board")
    async def lobby_board(request: Request) -> Response:
        """综合屏: ``?zone=A`` for one zone's board, ``?voice=0`` to keep this one silent."""
        return await board.screen(request, "board")

    @routes.get("/board/window/{window}")
    async def window_screen(request: Request, window: str) -> Response:
        """窗口屏 of one window (``?voice=1`` to announce its calls where no lobby board speaks)."""
        return await board.screen(request, "window")

    @routes.get("/t/{token}")
    def ticket_page(token: str) -> Response:
        """The citizen's ticket, live (opened from the ticket's QR code)."""
        return board.ticket_page()

    @routes.get("/t/{token}/qr.svg")
    def ticket_qr(token: str, request: Request) -> Response:
        """The ticket page's address as a QR code (the guide's tablet shows it with the number)."""
        if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
            return _error(422, "request.invalid", detail="token")
        return Response(qr_svg(f"{str(request.base_url).rstrip('/')}/t/{token}"), media_type="image/svg+xml")

    @routes.get("/board/audio/call.wav")
    def call_audio(
        number: Annotated[str, Query(max_length=12)],
        window: Annotated[str, Query(max_length=12)],
        name: Annotated[str, Query(max_length=64)] = "",
        repeat: Annotated[int, Query(ge=0, le=3)] = 2,  # 0: the English of a full form's tail only
        chime: bool = True,
        en: bool = False,
        by_name: bool = False,
        short: bool = False,
        then: Annotated[list[str] | None, Query(max_length=BATCH_MAX - 1)] = None,
    ) -> Response:
        """A call's announcement as WAV, assembled from cached clips (``short``: the terse form;
        ``then=A002:5`` repeated: calls spoken after it in the same announcement, a busy board's batch)."""
        options = VoiceOptions(repeat=repeat, chime=chime, english=en, terse=short)
        more = []
        for item in then or []:
            more_number, _, more_window = item.partition(":")
            more.append(Call(more_number, more_window))
        return board.call_audio(Call(number, window, name), options, by_name, short, tuple(more))

    return routes


def install(
    app: FastAPI,
    *,
    secure_cookies: bool = False,
    voice: Voice | None = None,
    device_check: DeviceCheck = _no_device,
) -> Board:
    """Mount the board's pages, static files and audio on ``app`` (called by the composition root)."""
    board = Board(secure_cookies=secure_cookies, voice=voice, device_check=device_check)
    app.include_router(router(board))
    app.mount("/board/static", StaticFiles(directory=STATIC), name="board-static")
    app.state.board = board
    return board
