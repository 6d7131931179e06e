"""Every operation, anonymously: almost all stop at authentication, so a third of the budget."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

from tests.support.fuzz import CHECKS, EXAMPLES, budget

pytestmark = pytest.mark.long
schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@budget(EXAMPLES // 3)
def test_anonymous_requests_never_answer_5xx_or_leave_their_schema(case: Any) -> None:
    case.call_and_validate(checks=CHECKS, timeout=60)
