"""The ``hallq`` command line as an operator uses it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hallq.bootstrap import demo_catalogue, make_runtime
from queue_server.api.app import create_app
from queue_server.config import ServerSettings

pytestmark = pytest.mark.long  # minutes of work: started first (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]


def hallq(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hallq", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


def test_the_demo_hall_is_a_realistic_city_hall() -> None:
    hall = demo_catalogue()
    assert len(hall.windows) >= 24 and len(hall.zones) == 3
    assert len(hall.departments) >= 8 and len(hall.services) >= 40
    assert {"comprehensive", "green_channel"} <= {w.type.value for w in hall.windows}
    assert all(s.guide.materials and s.guide.conditions for s in hall.services)


def test_an_operator_imports_a_catalogue_creates_tokens_and_the_server_honours_them(tmp_path: Path) -> None:
    catalogue = tmp_path / "hall.json"
    catalogue.write_text(demo_catalogue().model_dump_json(), encoding="utf-8")
    db = str(tmp_path / "hall.db")
    imported = hallq("catalogue", "import", str(catalogue), "--db", db, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    made = hallq("token", "create", "--role", "kiosk", "--db", db, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    refused = hallq("token", "create", "--role", "clerk", "--db", db, cwd=tmp_path)
    assert refused.returncode == 2 and "--window" in refused.stderr
    runtime = make_runtime(ServerSettings(db=db, secret_key_file=str(tmp_path / "hall.db.key")))
    with TestClient(create_app(runtime)) as client:
        response = client.post(
            "/api/v1/tickets", json={"service_code": "RS001"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 201 and response.json()["number"] == "A001"
    listed = hallq("token", "list", "--db", db, cwd=tmp_path)
    assert listed.returncode == 0 and "kiosk" in listed.stdout and token not in listed.stdout
    assert hallq("token", "revoke", "1", "--db", db, cwd=tmp_path).returncode == 0
    runtime = make_runtime(ServerSettings(db=db, secret_key_file=str(tmp_path / "hall.db.key")))
    with TestClient(create_app(runtime)) as client:
        response = client.get("/api/v1/services", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.json()["code"] == "auth.invalid_token"
    exported = tmp_path / "out.json"
    assert hallq("catalogue", "export", str(exported), "--db", db, cwd=tmp_path).returncode == 0
    again = json.loads(exported.read_text(encoding="utf-8"))
    assert len(again["services"]) == len(demo_catalogue().services)
    assert again["windows"][2]["services"][0]["service"] == demo_catalogue().windows[2].services[0].service


def test_a_staff_account_is_added_with_a_prompted_password(tmp_path: Path) -> None:
    catalogue = tmp_path / "hall.json"
    catalogue.write_text(demo_catalogue().model_dump_json(), encoding="utf-8")
    db = str(tmp_path / "hall.db")
    hallq("catalogue", "import", str(catalogue), "--db", db, cwd=tmp_path)
    added = hallq(
        "user", "add", "MC3001", "赵新", "--window", "5", "--db", db, cwd=tmp_path, stdin="s3cret\ns3cret\n"
    )
    assert added.returncode == 0, added.stderr
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT password_hash FROM users WHERE staff_no='MC3001'").fetchone()[0]
    assert stored.startswith("$argon2") and "s3cret" not in stored


def test_backup_and_restore_keep_every_ticket(tmp_path: Path) -> None:
    catalogue = tmp_path / "hall.json"
    catalogue.write_text(demo_catalogue().model_dump_json(), encoding="utf-8")
    db = str(tmp_path / "hall.db")
    hallq("catalogue", "import", str(catalogue), "--db", db, cwd=tmp_path)
    backup = tmp_path / "backup.db"
    assert hallq("backup", str(backup), "--db", db, cwd=tmp_path).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM assignments")
    assert hallq("restore", str(backup), "--db", db, cwd=tmp_path).returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM assignments").fetchone()[0] > 0
