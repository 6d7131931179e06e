"""The kiosk's HTTP client: typed calls to the queue server, retries, and one ticket per tap.

Replies are read tolerantly (fields this kiosk does not know are ignored), so a newer server never
breaks an older kiosk; what the kiosk sends is still checked strictly by the contract's models.

Retries follow what is safe: a request that never reached the server (connection refused, connect
timeout) may always be sent again; one that may have reached it (read timeout, connection dropped,
502/503/504) is sent again only when repeating it cannot do harm — reads, and ticket issues that
carry an idempotency key, which the server answers with the same ticket.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from queue_server import contract as c
from queue_server.messages import render

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
RetryHook = Callable[[int, Exception], None]
RETRYABLE_STATUS = {502, 503, 504}


class KioskError(Exception):
    """Base of what the client raises."""


class ServerRefused(KioskError):
    """The server answered with an error body (a rule said no, or the request was wrong)."""

    def __init__(self, status: int, body: c.ErrorBody) -> None:
        super().__init__(f"{status} {body.code}: {body.message_en}")
        self.status = status
        self.body = body


class ServerUnreachable(KioskError):
    """No answer in time; ``ambiguous`` when the request may have reached the server."""

    def __init__(self, attempts: int, ambiguous: bool, cause: Exception | None) -> None:
        super().__init__(f"server unreachable after {attempts} attempt(s): {cause!r}")
        self.attempts = attempts
        self.ambiguous = ambiguous


class HallClient:
    """Typed calls to ``/api/v1`` as one kiosk device."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 5.0,
        retry_seconds: float = 20.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry_seconds = retry_seconds
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.base_url + c.API_PREFIX,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "hallq-kiosk"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # ------------------------------------------------------------ reads

    def hall(self) -> c.HallSnapshot:
        """The hall: name, timezone, queues."""
        return self._one(self._get("/hall"), c.HallSnapshot)

    def settings(self) -> c.HallSettingsModel:
        """The hall's rules (real-name issuing, what to do with unprinted tickets)."""
        return self._one(self._get("/hall/settings"), c.HallSettingsModel)

    def services(self) -> list[c.ServiceSummary]:
        """Every service with its live queue."""
        return self._many(self._get("/services"), c.ServiceSummary)

    def service(self, code: str) -> c.ServiceDetail:
        """One service with its full guide."""
        return self._one(self._get(f"/services/{code}"), c.ServiceDetail)

    def ticket(self, token: str) -> c.TicketPublic:
        """A ticket's current status."""
        return self._one(self._get(f"/tickets/{token}"), c.TicketPublic)

    # ------------------------------------------------------------ writes

    def issue(self, body: c.IssueTicket, on_retry: RetryHook | None = None) -> c.TicketPublic:
        """Take a number; retried with the same idempotency key, so one tap is one ticket."""
        if not body.idempotency_key:
            raise ValueError("a kiosk issues tickets only with an idempotency key")
        response = self._send(
            "POST",
            "/tickets",
            body.model_dump(mode="json", exclude_none=True),
            {"Idempotency-Key": body.idempotency_key},
            replay_safe=True,
            on_retry=on_retry,
        )
        return self._one(response, c.TicketPublic)

    def check_in(
        self, code: str, on_retry: RetryHook | None = None, *, id_number: str | None = None
    ) -> c.CheckedIn:
        """Turn a booking into a ticket (checking in again returns the same ticket); with ``id_number``
        (from the ID card) the server finds today's booking of that person."""
        request = c.AppointmentCheckIn(code=code or "-", id_number=id_number)
        body = request.model_dump(mode="json", exclude_none=True)
        response = self._send("POST", "/appointments/check-in", body, replay_safe=True, on_retry=on_retry)
        return self._one(response, c.CheckedIn)

    def lookup(self, *, id_number: str | None = None, phone: str | None = None) -> list[c.TicketPublic]:
        """Today's open tickets given with this ID or phone number."""
        body = c.TicketLookup(id_number=id_number, phone=phone).model_dump(exclude_none=True)
        return self._many(self._send("POST", "/tickets/lookup", body, replay_safe=True), c.TicketPublic)

    def person(self, id_number: str) -> c.PersonToday:
        """Today's open tickets and bookings still to check in of this ID number's holder, in one
        request (the service list after a card was read waits for one round trip, not two)."""
        body = c.PersonLookup(id_number=id_number).model_dump()
        return self._one(self._send("POST", "/tickets/person", body, replay_safe=True), c.PersonToday)

    def attach_holder(
        self, token: str, *, id_number: str | None = None, phone: str | None = None
    ) -> c.TicketPublic:
        """Give an anonymous ticket its holder's ID or phone number, so that 补打 finds it later (set once:
        a retry after a lost reply is refused as already set, and the citizen is told so)."""
        body = c.AttachHolder(id_number=id_number, phone=phone).model_dump(exclude_none=True)
        return self._one(
            self._send("POST", f"/tickets/{token}/holder", body, replay_safe=True), c.TicketPublic
        )

    def reprint(self, token: str) -> c.TicketPublic:
        """A new paper copy; earlier copies become void."""
        return self._one(self._send("POST", f"/tickets/{token}/reprint", replay_safe=False), c.TicketPublic)

    def print_failed(self, token: str, reason: str) -> c.TicketPublic:
        """Tell the server this ticket did not print (it flags or cancels it per the hall's rule)."""
        body = c.PrintFailed(reason=reason[:200]).model_dump()
        response = self._send("POST", f"/tickets/{token}/print-failed", body, replay_safe=True, budget=5.0)
        return self._one(response, c.TicketPublic)

    def cancel(self, token: str) -> c.TicketPublic:
        """Give up a ticket nobody holds."""
        return self._one(self._send("POST", f"/tickets/{token}/cancel", replay_safe=True), c.TicketPublic)

    def report(self, status: c.DeviceStatus) -> None:
        """A device health report (printer paper out, kiosk alive…)."""
        self._send("POST", "/devices/status", status.model_dump(mode="json"), replay_safe=True, budget=2.0)

    # ------------------------------------------------------------ plumbing

    def _get(self, path: str) -> httpx.Response:
        return self._send("GET", path, replay_safe=True, budget=min(self.retry_seconds, 2.0))

    @staticmethod
    def _one(response: httpx.Response, model: type[M]) -> M:
        try:
            return model.model_validate_json(response.content, extra="ignore")
        except ValidationError as error:
            raise KioskError(f"unexpected reply from {response.request.url}: {error}") from error

    @staticmethod
    def _many(response: httpx.Response, model: type[M]) -> list[M]:
        try:
            return TypeAdapter(list[model]).validate_json(  # type: ignore[valid-type]
                response.content, extra="ignore"
            )
        except ValidationError as error:
            raise KioskError(f"unexpected reply from {response.request.url}: {error}") from error

    def _send(
        self,
        method: str,
        path: str,
        json: Any = None,
        headers: dict[str, str] | None = None,
        *,
        replay_safe: bool,
        on_retry: RetryHook | None = None,
        budget: float | None = None,
    ) -> httpx.Response:
        """Send with retries as safe; ServerRefused on an error reply, ServerUnreachable on giving up."""
        budget = self.retry_seconds if budget is None else budget
        deadline = time.monotonic() + budget
        delay, attempt, ambiguous = 0.25, 0, False
        while True:
            attempt += 1
            error: Exception
            try:
                response = self._http.request(method, path, json=json, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as failure:
                error = failure  # never reached the server
            except httpx.TransportError as failure:
                ambiguous, error = True, failure
                if not replay_safe:
                    raise ServerUnreachable(attempt, True, failure) from failure
            else:
                if response.status_code not in RETRYABLE_STATUS:
                    if response.is_error:
                        raise ServerRefused(response.status_code, _error_body(response))
                    return response
                ambiguous, error = True, KioskError(f"HTTP {response.status_code}")
                if not replay_safe:
                    raise ServerUnreachable(attempt, True, error)
            if time.monotonic() + delay > deadline:
                raise ServerUnreachable(attempt, ambiguous, error)
            log.info("%s %s failed (%r); retry %d in %.2f s", method, path, error, attempt, delay)
            if on_retry is not None:
                on_retry(attempt, error)
            self._sleep(delay)
            delay = min(delay * 2, 2.0)


def _error_body(response: httpx.Response) -> c.ErrorBody:
    try:
        return c.ErrorBody.model_validate_json(response.content, extra="ignore")
    except ValidationError:
        zh, en = render("server.error")
        return c.ErrorBody(
            code="server.error", message=zh, message_en=en, fields={"status": response.status_code}
        )
