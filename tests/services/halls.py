"""A small hall for the service-level tests: one service, two windows, weekday hours."""

from __future__ import annotations

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
