"""The PostgreSQL backup job of deploy/: a dump that a scratch restore proves whole, and a broken
dump that the restore check refuses."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.hall_server import ROOT
from tests.support.postgres import PostgresCluster, create_database
from tests.support.proxy import seed_hall

BACKUP = ROOT / "deploy" / "backup"


def run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BACKUP / script), *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


def test_a_nightly_dump_restores_into_a_scratch_database_with_every_row(
    pg_cluster: PostgresCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HALLQ_SECRET_KEY_FILE", str(tmp_path / "secret.key"))
    name = f"hallq_backup_{uuid.uuid4().hex[:8]}"
    url = make_url(create_database(pg_cluster.url, name))
    seed_hall(url.render_as_string(hide_password=False))
    env = {
        "PGHOST": "127.0.0.1",
        "PGPORT": str(pg_cluster.port),
        "PGUSER": "postgres",
        "PGDATABASE": name,
        "HALLQ_BACKUP_DIR": str(tmp_path / "backups"),
    }
    made = run("hallq-backup.sh", env)
    assert made.returncode == 0, made.stderr
    dumps = sorted((tmp_path / "backups").glob(f"hallq-{name}-*.dump"))
    assert len(dumps) == 1 and not list((tmp_path / "backups").glob("*.partial"))

    checked = run("hallq-restore-check.sh", env)
    assert checked.returncode == 0, checked.stderr
    assert "OK" in checked.stdout and "1 halls" in checked.stdout

    broken = tmp_path / "backups" / f"hallq-{name}-broken.dump"
    broken.write_bytes(dumps[0].read_bytes()[: dumps[0].stat().st_size // 2])
    refused = run("hallq-restore-check.sh", env, str(broken))
    assert refused.returncode != 0
