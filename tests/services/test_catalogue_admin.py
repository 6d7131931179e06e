"""The catalogue on an in-memory store: a file imported, imported again, exported; services edited live."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.errors import Rejected
from queue_server.services.admin import catalogue as catalogue_admin
from queue_server.services.admin.catalogue_file import CatalogueFile, export_catalogue, import_catalogue
from tests.fakes.catalogue import Ticket
from tests.fakes.stores import FakeStores

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def service(code: str, prefix: str, **fields: Any) -> dict[str, Any]:
    entry = {
        "code": code,
        "name": f"事项{code}",
        "department": "GA",
        "prefix": prefix,
        "category": "public_service",
        "case_type": "immediate",
    }
    return entry | fields


def hall_file(*services: dict[str, Any]) -> CatalogueFile:
    return CatalogueFile.model_validate(
        {
            "hall": {"code": "haiyang", "name": "海阳市政务服务中心", "hours": {"mon": [["09:00", "17:00"]]}},
            "zones": [{"code": "Z1", "name": "一楼"}],
            "departments": [{"code": "GA", "name": "公安局"}],
            "services": list(services),
            "windows": [
                {
                    "number": "1",
                    "name": "综合窗口",
                    "type": "comprehensive",
                    "zone": "Z1",
                    "services": [{"service": s["code"]} for s in services],
                },
            ],
            "staff": [
                {"staff_no": "C001", "name": "李明", "role": "clerk", "window": "1", "ab_partner": "C002"},
                {"staff_no": "C002", "name": "王芳", "role": "clerk", "ab_partner": "C001"},
            ],
        }
    )


def imported(stores: FakeStores, data: CatalogueFile) -> int:
    return import_catalogue(stores.unit(NOW), data, hashes={"C001": "hash-1"})


def test_an_imported_catalogue_is_live_at_once_and_exports_as_it_was_given() -> None:
    stores = FakeStores()
    data = hall_file(service("S1", "A", avg_handle_minutes=5), service("S2", "B"))

    hall_id = imported(stores, data)

    live = stores.unit(NOW).catalogue(hall_id)
    assert sorted(s.code for s in live.services.values()) == ["S1", "S2"]
    assert live.window("1").zone == "Z1"
    assert live.by_code["S1"].avg_handle_seconds == 300
    exported = export_catalogue(stores.unit(NOW), hall_id)
    assert [s.code for s in exported.services] == ["S1", "S2"]
    assert [(p.staff_no, p.ab_partner, p.window) for p in exported.staff] == [
        ("C001", "C002", "1"),
        ("C002", "C001", None),
    ]
    assert exported.hall.model_extra == {"hours": {"mon": [["09:00", "17:00"]]}}


def test_importing_again_updates_in_place_and_switches_off_services_left_out() -> None:
    stores = FakeStores()
    hall_id = imported(stores, hall_file(service("S1", "A"), service("S2", "B")))

    again = imported(stores, hall_file(service("S1", "A", name="居民身份证换领")))

    assert again == hall_id
    by_code = {s.code: s for s in stores.catalogue_admin.services(hall_id)}
    assert (by_code["S1"].name, by_code["S1"].active, by_code["S2"].active) == ("居民身份证换领", True, False)
    assert [s.code for s in export_catalogue(stores.unit(NOW), hall_id).services] == ["S1"]
    assert len(stores.catalogue_admin.users(hall_id)) == 2  # the staff are the same people


def test_a_bad_hall_setting_refuses_the_file_before_anything_is_written() -> None:
    stores = FakeStores()
    data = hall_file(service("S1", "A"))
    data.hall.model_extra["print_failure"] = "explode"  # type: ignore[index]

    with pytest.raises(ValueError):
        imported(stores, data)

    assert stores.catalogue_admin.halls == {}


def manager_of(hall_id: int) -> Actor:
    return Actor(hall_id=hall_id, role="manager", user_id=1, name="王经理")


def test_a_service_added_live_is_audited_and_refused_a_prefix_another_theme_uses() -> None:
    stores = FakeStores()
    hall_id = imported(stores, hall_file(service("S1", "A", theme="户籍")))
    manager = manager_of(hall_id)
    body = c.ServiceCreate.model_validate(service("S9", "a ", theme="户籍"))

    created = catalogue_admin.create_service(stores.unit(NOW), manager, body)

    assert (created.prefix, created.department_name) == ("A", "公安局")
    assert stores.hall.audit_log[-1].action == "service.create"
    clash = c.ServiceCreate.model_validate(service("S8", "A", theme="社保"))
    with pytest.raises(Rejected) as refused:
        catalogue_admin.create_service(stores.unit(NOW), manager, clash)
    assert refused.value.code == "catalogue.prefix_clash"


def test_a_service_with_open_tickets_stays_on_and_a_cap_set_mid_day_counts_todays_tickets() -> None:
    stores = FakeStores()
    hall_id = imported(stores, hall_file(service("S1", "A")))
    manager = manager_of(hall_id)
    s1 = stores.catalogue_admin.services(hall_id, code="S1")[0]
    today = date(2026, 3, 2)
    stores.catalogue_admin.tickets += [
        Ticket(hall_id, s1.id, "waiting", today),
        Ticket(hall_id, s1.id, "done", today),
    ]

    with pytest.raises(Rejected) as refused:
        catalogue_admin.update_service(stores.unit(NOW), manager, "S1", c.ServicePatch(active=False))
    assert refused.value.code == "catalogue.in_use"

    capped = catalogue_admin.update_service(stores.unit(NOW), manager, "S1", c.ServicePatch(daily_cap=50))
    assert capped.daily_cap == 50
    assert stores.catalogue_admin.counters == {(hall_id, "service:S1", today): 2}
