"""A refusal shown in a console carries the request id the server logged it under."""

from __future__ import annotations

from typing import Any

from tests.consoles.conftest import ServedHall, log_in, shot


def test_an_error_toast_shows_the_request_id_of_the_refused_request(served: ServedHall, desk: Any) -> None:
    page = desk.new_page()
    log_in(page, served, "M1", "pw-m1", then="/manager/catalogue")
    page.goto(served.url + "/manager/catalogue")
    page.fill("#search", "S3")
    page.click("#services tr[data-code=S3]")
    page.locator("#service-form").wait_for(state="visible")
    page.fill("input[name=daily_cap]", "-3")
    with page.expect_response(lambda r: "/api/v1/" in r.url and r.status >= 400) as refused:
        page.click("#save-service")
    request_id = refused.value.headers["x-request-id"]
    assert len(request_id) == 16
    error = page.locator("#toast.error")
    error.wait_for(state="visible")
    assert error.get_attribute("data-code") == "catalogue.cap_invalid"
    reference = error.locator(".request-id")
    assert request_id in reference.inner_text() and "错误编号" in reference.inner_text()
    shot(page, "error-with-request-id")
