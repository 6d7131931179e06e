"""The clerk console on the monitors halls really have (1366×768, 1280×1024): after calling a ticket
with the longest materials list, every action is in view and clickable, messages never cover a
control, and a refused dialog says what is missing next to the field, in the console's own words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from hallq.bootstrap import build_runtime
from queue_server.config import ServerSettings
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from tests.consoles.conftest import ServedHall, log_in, shot
from tests.server.catalogue import small_hall
from tests.support.browser import checked_context
from tests.support.served_hall import prepared_hall

# Eight items, some with long notes: the list of a real 不动产 or 社保 service.
LONG_LIST = [
    {"name": f"材料{n}：" + name, "originals": 1, "copies": 2, "note": note}
    for n, (name, note) in enumerate(
        [
            ("不动产登记申请审批表", "须由全体权利人签字，单位加盖公章"),
            ("申请人身份证明", "居民身份证原件及复印件，代理人另附授权委托书"),
            ("不动产权属证书", "原不动产权证书或房屋所有权证、国有土地使用证"),
            ("买卖合同或其他权属来源证明", "网签备案合同，须与备案系统一致"),
            ("完税凭证", "契税、增值税及附加税费的完税或减免凭证"),
            ("婚姻状况证明", "结婚证或离婚证及离婚协议，单身须书面声明"),
            ("宗地图及房屋平面图", "测绘成果须经自然资源部门审核"),
            ("其他依法应当提交的材料", "以窗口一次性告知为准"),
        ],
        start=1,
    )
]
ACTIONS = [
    "call-next",
    "recall",
    "start",
    "conclude",
    "no-show",
    "transfer",
    "park",
    "callback",
    "pause",
    "close-window",
]
SIZES = [(1366, 768), (1280, 1024)]

IN_VIEW = """(ids) => ids.map((id) => {
  const node = document.getElementById(id);
  const r = node.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  return { id, top: r.top, bottom: r.bottom, left: r.left, right: r.right,
           reachable: !!hit && (hit === node || node.contains(hit)) };
})"""


def _with_long_list(db: Path) -> None:
    hall = small_hall("t1")
    for service in hall["services"]:
        service["guide"] = {**service["guide"], "materials": LONG_LIST}
    runtime = build_runtime(ServerSettings(db=str(db)))
    runtime.write_sync(lambda uow: import_catalogue(uow, CatalogueFile.model_validate(hall)))
    runtime.stop()
    runtime.write_engine.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHall]:
    db = tmp_path_factory.mktemp("clerk-fit") / "hall.db"
    tokens = prepared_hall(db)
    _with_long_list(db)
    with ServedHall(db, tokens) as server:
        yield server


def _issue(served: ServedHall) -> str:
    response = httpx.post(
        served.url + "/api/v1/tickets", json={"service_code": "S1"}, headers=served.as_("kiosk")
    )
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


def _press_until_open(page: Any, key: str, button: str, dialog: str) -> None:
    """Press a shortcut key once the desk is idle and its button enabled, until its dialog opens.

    A press can be lost on a loaded machine (a refresh of the desk starting between the wait and the
    press disables the button for a moment); the key is pressed again then, and if the dialog never
    opens the failure says what the page showed.
    """
    for _ in range(12):
        page.wait_for_selector(f"body[data-busy='0'] {button}:not([disabled])", state="attached")
        page.keyboard.press(key)
        try:
            page.wait_for_selector(f"{dialog}[open]", timeout=15_000)
            return
        except PlaywrightTimeout:  # the press was lost: press again
            continue
    shown = page.evaluate(
        "() => ({toast: document.getElementById('toast').innerText, busy: document.body.dataset.busy,"
        " focus: document.activeElement && document.activeElement.id})"
    )
    raise AssertionError(f"{dialog} never opened on {key!r}: {shown}")


def _rect(page: Any, selector: str) -> dict[str, float]:
    return dict(
        page.eval_on_selector(
            selector,
            "n => { const r = n.getBoundingClientRect();"
            " return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; }",
        )
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_after_calling_the_longest_list_every_action_is_in_view_and_messages_cover_none(
    served: ServedHall, browser: Any, width: int, height: int
) -> None:
    number = _issue(served)
    with checked_context(browser, viewport={"width": width, "height": height}) as context:
        page = context.new_page()
        log_in(page, served, "C1", "pw-c1", window="1")
        page.wait_for_selector("body[data-ready='1'][data-window-status='open']")
        page.wait_for_selector("body[data-busy='0']", state="attached")
        page.keyboard.press("F1")
        page.wait_for_selector(f"#current[data-number='{number}'][data-status='called']", state="attached")
        page.wait_for_selector("body[data-busy='0']", state="attached")
        assert page.locator("#materials li").count() == len(LONG_LIST)

        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert page.evaluate("() => document.documentElement.scrollHeight <= window.innerHeight")
        for button in page.evaluate(IN_VIEW, ACTIONS):
            assert button["top"] >= 0 and button["bottom"] <= height, button
            assert button["left"] >= 0 and button["right"] <= width, button
            assert button["reachable"], button  # nothing (the shortcut bar, a message) lies on top
        # the list scrolls inside the ticket card, whose last item can be scrolled to
        inside = page.evaluate(
            """() => { const last = document.querySelector('#materials li:last-child');
              last.scrollIntoView({block: 'nearest'});
              const r = last.getBoundingClientRect();
              const c = document.getElementById('current').getBoundingClientRect();
              return c.top <= r.top && r.bottom <= c.bottom + 1 && r.bottom <= window.innerHeight; }"""
        )
        assert inside
        assert page.evaluate(IN_VIEW, ["call-next"])[0]["reachable"]  # scrolling the list moved no action

        page.keyboard.press("r")  # a message appears: it has its own line
        page.wait_for_selector("#toast:not([hidden])")
        toast = _rect(page, "#toast")
        for control in ["#actions", ".shortcuts", "#current"]:
            assert not _overlap(toast, _rect(page, control)), control
        shot(page, f"clerk-long-list-{width}x{height}")

        _press_until_open(page, "c", "#conclude", "#conclude-dialog")
        page.keyboard.press("4")  # 不予受理, reasons left empty
        page.click("#conclude-ok")
        error = page.locator("#conclude-dialog .field-error[data-for='reasons']")
        error.wait_for(state="visible")
        assert "不予受理须说明理由" in error.inner_text()
        dialog = _rect(page, "#conclude-dialog")
        assert _overlap(_rect(page, "#conclude-dialog .field-error[data-for='reasons']"), dialog)
        assert page.evaluate("() => document.activeElement.id") == "reasons"
        shot(page, f"clerk-refuse-needs-reasons-{width}x{height}")
        page.keyboard.press("Escape")
        page.wait_for_selector("#conclude-dialog:not([open])", state="attached")

        # as for 结束 below: the key is pressed once the desk is idle and 转移 can be pressed
        _press_until_open(page, "t", "#transfer", "#transfer-dialog")
        page.click("#transfer-ok")  # no reason: the console's words, not the browser's bubble
        reason = page.locator("#transfer-dialog .field-error[data-for='reason']")
        reason.wait_for(state="visible")
        assert "转移须填写原因" in reason.inner_text()
        assert page.evaluate("() => document.getElementById('transfer-reason').validationMessage") == ""
        assert page.locator("#transfer-dialog[open]").count() == 1
        shot(page, f"clerk-transfer-needs-reason-{width}x{height}")
        page.keyboard.press("Escape")
        page.wait_for_selector("#transfer-dialog:not([open])", state="attached")

        # A key does nothing while its button is disabled (a live event's refresh may be redrawing
        # the desk, late on a loaded machine): pressed once the desk is idle, again if it was lost.
        _press_until_open(page, "c", "#conclude", "#conclude-dialog")
        page.keyboard.press("Enter")
        page.wait_for_selector("#current[data-number='']", state="attached")
