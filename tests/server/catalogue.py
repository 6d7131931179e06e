"""A small hall for tests: few services and windows, so every rule is easy to see."""

from __future__ import annotations

from typing import Any


def small_hall(code: str = "t1", **settings: Any) -> dict[str, Any]:
    """Hall ``code``: services S1, S2 (prefix A), S3 (prefix B), S4 (prefix C, cap 2); windows 1–4."""
    guide = {
        "conditions": ["本市户籍居民"],
        "materials": [{"name": "居民身份证", "originals": 1, "copies": 1, "note": ""}],
        "steps": [{"name": "受理", "time_limit": "即时"}],
        "location": "A区",
    }
    hall = {
        "code": code,
        "name": f"测试大厅{code}",
        "name_en": f"Test hall {code}",
        "timezone": "Asia/Shanghai",
        "always_open": True,
        "cutoff_minutes": 0,
        "number_width": 3,
        "notice": "测试公告",
        "policy": {"mode": "oldest", "priority_max": 1, "priority_span": 2},
    }
    hall.update(settings)

    def service(code_: str, prefix: str, cap: int | None = None) -> dict[str, Any]:
        return {
            "code": code_,
            "name": f"事项{code_}",
            "department": "D1",
            "prefix": prefix,
            "category": "public_service",
            "case_type": "immediate",
            "daily_cap": cap,
            "avg_handle_minutes": 5,
            "guide": guide,
        }

    return {
        "hall": hall,
        "zones": [{"code": "A", "name": "A区"}, {"code": "B", "name": "B区", "floor": "2楼"}],
        "departments": [{"code": "D1", "name": "测试局"}],
        "services": [service("S1", "A"), service("S2", "A"), service("S3", "B"), service("S4", "C", cap=2)],
        "windows": [
            {
                "number": "1",
                "name": "一号窗口",
                "type": "specialised",
                "zone": "A",
                "services": [{"service": "S1", "preference": 1}, {"service": "S2", "preference": 2}],
            },
            {
                "number": "2",
                "name": "二号窗口",
                "type": "specialised",
                "zone": "A",
                "services": [{"service": "S2"}],
            },
            {
                "number": "3",
                "name": "三号窗口",
                "type": "comprehensive",
                "zone": "B",
                "services": [{"service": "S3"}, {"service": "S4"}],
            },
            {
                "number": "4",
                "name": "绿色通道",
                "type": "green_channel",
                "zone": "B",
                "services": [{"service": "S1"}, {"service": "S3"}],
            },
        ],
        "staff": [
            {"staff_no": "C1", "name": "张敏", "role": "clerk", "window": "1", "password": "pw-c1"},
            {"staff_no": "C2", "name": "李强", "role": "clerk", "window": "2", "password": "pw-c2"},
            {"staff_no": "M1", "name": "王主任", "role": "manager", "password": "pw-m1"},
        ],
    }
