"""schemathesis over the whole OpenAPI of a real ``hallq serve``: no 5xx, no reply outside its schema.

Every operation gets valid and invalid requests (bodies, paths, queries), anonymously and with a
manager's token, against a SQLite hall over real HTTP: one file each, so they run side by side (each
takes minutes; their ``long`` marker starts them first). The budget is in ``tests/support/fuzz.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis

from tests.support.served_hall import ServedHall, prepared_hall


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHall]:
    db: Path = tmp_path_factory.mktemp("fuzz") / "hall.db"
    with ServedHall(db, prepared_hall(db)) as server:
        yield server


@pytest.fixture(scope="module")
def api(served: ServedHall) -> Any:
    return schemathesis.openapi.from_url(served.url + "/openapi.json")
