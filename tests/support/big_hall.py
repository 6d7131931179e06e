"""A hall at Haiyang's scale for the consoles' browser tests and benchmarks: 223 windows in 5 zones on
3 floors, 300 services of 30 departments, and the small hall's staff (C1, C2, M1).

Windows 1–10 are 综合受理 windows serving the ten ZH services (and nothing else serves those);
every other window serves a handful of its zone's specialised services.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hallq.bootstrap import build_runtime
from queue_server.config import ServerSettings
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from tests.server.catalogue import small_hall

WINDOWS = 223
SERVICES = 300
ZONES = [
    ("A", "综合受理区", "1楼"),
    ("B", "企业开办区", "1楼"),
    ("C", "不动产登记区", "2楼"),
    ("D", "社会事务区", "2楼"),
    ("E", "公用事业区", "3楼"),
]
COMPREHENSIVE = [f"ZH{n:03d}" for n in range(1, 11)]


def big_catalogue() -> dict[str, Any]:
    """The small hall t1 grown to 223 windows and 300 services (its staff and settings kept)."""
    hall = small_hall("t1")
    guide = hall["services"][0]["guide"]
    departments = [{"code": f"D{d:02d}", "name": f"第{d:02d}部门"} for d in range(1, 31)]
    services = [
        {
            "code": code,
            "name": f"综合受理事项{n + 1:02d}",
            "department": f"D{n % 30 + 1:02d}",
            "prefix": "Z",
            "category": "public_service",
            "case_type": "immediate",
            "avg_handle_minutes": 6,
            "guide": guide,
        }
        for n, code in enumerate(COMPREHENSIVE)
    ]
    for n in range(1, SERVICES - len(COMPREHENSIVE) + 1):
        services.append(
            {
                "code": f"S{n:03d}",
                "name": f"第{(n - 1) % 30 + 1:02d}部门事项{n:03d}",
                "department": f"D{(n - 1) % 30 + 1:02d}",
                "prefix": "ABCDEFGHJK"[n % 10],
                "category": "public_service",
                "case_type": "immediate",
                "avg_handle_minutes": 5,
                "guide": guide,
            }
        )
    windows = []
    for number in range(1, WINDOWS + 1):
        zone = ZONES[(number - 1) * len(ZONES) // WINDOWS][0]
        if number <= len(COMPREHENSIVE):
            served = COMPREHENSIVE
        else:
            first = (number * 7) % (SERVICES - len(COMPREHENSIVE))
            served = [f"S{(first + k) % (SERVICES - len(COMPREHENSIVE)) + 1:03d}" for k in range(6)]
        windows.append(
            {
                "number": str(number),
                "name": ("综合受理" if number <= len(COMPREHENSIVE) else "专窗") + f"{number:03d}",
                "type": "comprehensive" if number <= len(COMPREHENSIVE) else "specialised",
                "zone": zone,
                "services": [{"service": code, "preference": i} for i, code in enumerate(served, start=1)],
            }
        )
    return {
        **hall,
        "zones": [{"code": c, "name": n, "floor": f} for c, n, f in ZONES],
        "departments": departments,
        "services": services,
        "windows": windows,
    }


def grow(db: Path) -> None:
    """Import the big catalogue over a prepared small hall (``tests.support.served_hall.prepared_hall``)."""
    runtime = build_runtime(ServerSettings(db=str(db)))
    data = CatalogueFile.model_validate(big_catalogue())
    runtime.write_sync(lambda uow: import_catalogue(uow, data))
    runtime.stop()
    runtime.write_engine.dispose()
