"""Every operation with a hall manager's token, the whole budget."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

from tests.support.fuzz import CHECKS, EXAMPLES, budget
from tests.support.served_hall import ServedHall

pytestmark = pytest.mark.long
schema = schemathesis.pytest.from_fixture("api")
# Revoking tokens by id would revoke the fuzzing manager's own token (ids 1..7 are the hall's):
# every later operation would then only see 401.
SELF_REVOKE = r"^/api/v1/devices/tokens/\{token_id\}/revoke$"


@schema.exclude(path_regex=SELF_REVOKE).parametrize()
@budget(EXAMPLES)
def test_a_managers_requests_never_answer_5xx_or_leave_their_schema(case: Any, served: ServedHall) -> None:
    case.call_and_validate(headers=served.as_("manager"), checks=CHECKS, timeout=60)
