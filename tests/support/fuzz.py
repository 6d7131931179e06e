"""The fuzzing tests' budget and checks (tests/fuzz/): a small budget and a fixed seed so the run
stays inside CI's time on a 2-core machine (HALLQ_FUZZ_EXAMPLES raises it); the long run is
``benchmarks/fuzz.py``."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES = int(os.environ.get("HALLQ_FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, response_schema_conformance]


def budget(examples: int) -> Any:
    """Hypothesis settings for one fuzzing test: a fixed seed, the same cases on every run."""
    return settings(
        max_examples=max(1, examples),
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
