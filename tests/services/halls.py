"""A small hall for the service-level tests: one service, two windows, weekday hours."""

from __future__ import annotations

from typing import Any

from queue_server.domain.hall import HallCatalogue, HallSettings, ServiceItem, WindowItem
from queue_server.domain.hours import OpeningHours

WEEKDAY = [["09:00", "12:00"], ["13:30", "17:00"]]


def small_hall(hall_id: int = 1) -> HallCatalogue:
    """Hall ``H1``: service A (户籍) of department 10, windows 01 and 02, open Monday to Friday."""
    hours = OpeningHours.from_strings({day: WEEKDAY for day in ("mon", "tue", "wed", "thu", "fri")})
    return HallCatalogue(
        id=hall_id,
        code="H1",
        name="政务服务大厅",
        name_en="Service hall",
        timezone="Asia/Shanghai",
        notice="",
        version=1,
        settings=HallSettings(hours=hours),
        services={1: ServiceItem(1, "A", "户籍", "A", 10, None, False, 300)},
        windows={
            1: WindowItem(1, "01", "一号窗口", "general", None),
            2: WindowItem(2, "02", "二号窗口", "general", None),
        },
    )


def two_service_hall(hall_id: int = 1, **settings: Any) -> HallCatalogue:
    """Hall ``demo``: services A (户籍办理) and B (社保业务), windows 1 and 2, open weekdays 08:30–17:30."""
    weekdays = {day: [["08:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    return HallCatalogue(
        id=hall_id,
        code="demo",
        name="测试大厅",
        name_en="Test hall",
        timezone="Asia/Shanghai",
        notice="",
        version=1,
        settings=HallSettings.from_dict({"hours": weekdays, **settings}, "Asia/Shanghai"),
        services={
            1: ServiceItem(1, "A", "户籍办理", "A", 1, None, True, 300),
            2: ServiceItem(2, "B", "社保业务", "B", 1, None, True, 300),
        },
        windows={
            1: WindowItem(1, "1", "一号窗口", "general", None),
            2: WindowItem(2, "2", "二号窗口", "general", None),
        },
    )
