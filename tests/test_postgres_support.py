"""Tests for the throwaway PostgreSQL cluster helper."""

from __future__ import annotations

import logging
import time

from sqlalchemy import create_engine, text

from tests.support.postgres import PostgresCluster, create_database

logger = logging.getLogger(__name__)


def test_cluster_lifecycle() -> None:
    """Start a cluster, use a fresh database via SQLAlchemy, then stop and clean up."""
    cluster = PostgresCluster()
    began = time.perf_counter()
    cluster.start()
    started = time.perf_counter()
    try:
        root = cluster.root
        data_dir = cluster.data_dir
        assert data_dir.is_dir()
        assert cluster.url.startswith("postgresql+psycopg://postgres@127.0.0.1:")

        db_url = create_database(cluster.url, "hallq_test")
        assert db_url.endswith(f":{cluster.port}/hallq_test")

        engine = create_engine(db_url)
        try:
            with engine.connect() as conn:
                assert conn.execute(text("select 1")).scalar_one() == 1
                assert conn.execute(text("show fsync")).scalar_one() == "off"
                assert conn.execute(text("select current_database()")).scalar_one() == "hallq_test"
        finally:
            engine.dispose()
    finally:
        stopping = time.perf_counter()
        cluster.stop()
    stopped = time.perf_counter()
    logger.info(
        "start %.2f s, stop %.2f s, total %.2f s",
        started - began,
        stopped - stopping,
        stopped - began,
    )

    assert not data_dir.exists()
    assert not root.exists()
    cluster.stop()  # idempotent
