"""Shared fixtures: one throwaway PostgreSQL cluster per test session."""

from __future__ import annotations

import os

# argon2id at its least cost for every password the tests hash and check, in this process and the
# servers it starts (set before the server's modules are imported; a test of the profiles themselves
# is in tests/services/test_passwords.py). At the production profile each check is ~0.2 s of CPU.
os.environ.setdefault("HALLQ_PASSWORD_PROFILE", "CHEAPEST")

from collections.abc import Iterator

import pytest

from tests.support.postgres import PostgresCluster


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL server for the whole test session, removed afterwards."""
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files marked ``long`` first (a stable sort keeps every other order): pytest-xdist hands out
    whole files in collection order, so the longest start at once instead of ending the run alone."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
