"""schemathesis over the whole OpenAPI of a real ``hallq serve``: no 5xx, no reply outside its schema.

Every operation gets valid and invalid requests (bodies, paths, queries), anonymously and with a
manager's token, against a SQLite hall over real HTTP. The budget is small and the seed fixed so the
run stays inside CI's time on a 2-core machine (HALLQ_FUZZ_EXAMPLES raises it); the long run is
``benchmarks/fuzz.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.served_hall import ServedHall, prepared_hall

EXAMPLES = int(os.environ.get("HALLQ_FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the fixed seed: the same cases on every run
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
# Revoking tokens by id would revoke the fuzzing manager's own token (ids 1..7 are the hall's):
# every later operation would then only see 401.
SELF_REVOKE = r"^/api/v1/devices/tokens/\{token_id\}/revoke$"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHall]:
    db: Path = tmp_path_factory.mktemp("fuzz") / "hall.db"
    with ServedHall(db, prepared_hall(db)) as server:
        yield server


@pytest.fixture(scope="module")
def api(served: ServedHall) -> Any:
    return schemathesis.openapi.from_url(served.url + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@FUZZ
def test_anonymous_requests_never_answer_5xx_or_leave_their_schema(case: Any) -> None:
    case.call_and_validate(checks=CHECKS, timeout=60)


@schema.exclude(path_regex=SELF_REVOKE).parametrize()
@FUZZ
def test_a_managers_requests_never_answer_5xx_or_leave_their_schema(case: Any, served: ServedHall) -> None:
    case.call_and_validate(headers=served.as_("manager"), checks=CHECKS, timeout=60)
