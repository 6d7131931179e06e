"""Errors on the wire: one table maps domain errors to HTTP statuses; bodies carry code + zh/en."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from queue_server.auth.sessions import TooManyAttempts, Unauthorized
from queue_server.domain.errors import DomainError, Forbidden, IllegalTransition, NotFound, Rejected
from queue_server.messages import render

log = logging.getLogger(__name__)

STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Unauthorized: 401,
    TooManyAttempts: 429,
    IllegalTransition: 409,
    Rejected: 409,
}
UNPROCESSABLE = {
    "ticket.invalid_id_number",
    "ticket.invalid_phone",
    "request.invalid",
    "assignment.invalid",
    "appointment.invalid_code",
    "settings.gateway_template",
    "settings.gateway_placeholder",
    "settings.gateway_no_phone",
    "settings.gateway_needs_body",
    "settings.gateway_rpc_form",
    "settings.gateway_batch_shape",
    "settings.notice_template",
    "settings.notice_placeholder",
}


def error_response(status: int, code: str, fields: dict[str, object] | None = None) -> JSONResponse:
    """A JSON error body (contract.ErrorBody)."""
    zh, en = render(code, fields)
    safe = {
        k: v if isinstance(v, str | int | float | bool | None) else str(v) for k, v in (fields or {}).items()
    }
    return JSONResponse({"code": code, "message": zh, "message_en": en, "fields": safe}, status_code=status)


def status_of(error: DomainError) -> int:
    """The HTTP status for a domain error."""
    if error.code in UNPROCESSABLE:
        return 422
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, error: DomainError) -> JSONResponse:
        response = error_response(status_of(error), error.code, error.fields)
        if isinstance(error, TooManyAttempts):
            response.headers["Retry-After"] = str(error.fields.get("retry_after", 1))
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        detail = f"{where}: {first.get('msg', '')}".strip(": ")
        return error_response(422, "request.invalid", {"detail": detail, "at": where})  # at: the field

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, error: HTTPException) -> JSONResponse:
        code = {404: "not_found", 401: "auth.required", 403: "auth.forbidden"}.get(
            error.status_code, "request.invalid"
        )
        return error_response(error.status_code, code, {"detail": str(error.detail)})

    @app.exception_handler(Exception)
    async def _crash(_request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(500, "server.error")
