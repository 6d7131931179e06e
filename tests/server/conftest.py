"""A running queue server for API tests, on a SQLite file and on PostgreSQL, with a settable clock."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hallq.bootstrap import build_runtime, make_runtime
from queue_server import contract as c
from queue_server.api.app import create_app
from queue_server.config import ServerSettings
from queue_server.runtime import Runtime
from queue_server.services.admin.accounts import create_token
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from tests.server.catalogue import small_hall
from tests.support.postgres import PostgresCluster, create_database, drop_database

_names = itertools.count()


@dataclass
class Clock:
    """A clock the tests move by hand."""

    now: datetime = field(
        default_factory=lambda: datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    )  # Mon 09:00 Shanghai

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Hall:
    """A server under test: its HTTP client, runtime, clock and a token per role."""

    client: TestClient
    runtime: Runtime
    clock: Clock
    tokens: dict[str, str]

    def as_(self, who: str) -> dict[str, str]:
        """Headers for a request made as ``who`` (a key of ``tokens``)."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def issue(self, service: str = "S1", who: str = "kiosk", **body: Any) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/tickets", json={"service_code": service, **body}, headers=self.as_(who)
        )
        assert response.status_code == 201, response.text
        return response.json()

    def act(self, window: str, action: str, who: str | None = None, body: Any = None) -> Any:
        return self.client.post(
            f"/api/v1/windows/{window}/{action}", json=body, headers=self.as_(who or f"clerk{window}")
        )

    def open_all(self) -> None:
        for number in ("1", "2", "3", "4"):
            assert self.act(number, "open").status_code == 200


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Migrated databases with halls t1 and t2 loaded, built once per kind and copied per test."""
    return {"dir": str(tmp_path_factory.mktemp("templates"))}


def _loaded(db_url: str, key_file: Path) -> None:
    runtime = build_runtime(ServerSettings(db=db_url, secret_key_file=str(key_file)))
    for code in ("t1", "t2"):
        data = CatalogueFile.model_validate(small_hall(code))
        runtime.write_sync(lambda uow, data=data: import_catalogue(uow, data))
    runtime.stop()
    runtime.write_engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, templates: dict[str, str]) -> str:
    """A fresh database of each kind, migrated, with the two small halls."""
    return fresh_database(request, request.param, tmp_path / "hall.db", templates)


def fresh_database(request: pytest.FixtureRequest, kind: str, target: Path, templates: dict[str, str]) -> str:
    """A copy of the session's template database of ``kind`` (made on first use), migrated, with
    the two small halls; ``target`` is the SQLite file to make. A PostgreSQL copy is dropped when
    ``request``'s scope ends."""
    key_file = Path(templates["dir"]) / "secret.key"
    if kind == "sqlite":
        template = Path(templates["dir"]) / "template.db"
        if "sqlite" not in templates:
            _loaded(str(template), key_file)
            templates["sqlite"] = str(template)
        shutil.copyfile(template, target)
        return str(target)
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    if "postgresql" not in templates:
        templates["postgresql"] = create_database(cluster.url, "hallq_template")
        _loaded(templates["postgresql"], key_file)
    name = f"hallq_{next(_names)}"
    url = create_database(cluster.url, name, template="hallq_template")
    request.addfinalizer(lambda: drop_database(cluster.url, name))  # after everything that used it
    return url


def start_hall(db_url: str, key_file: Path) -> tuple[Runtime, Clock]:
    """The runtime (not yet started) on a loaded database, and its clock."""
    clock = Clock()
    runtime = make_runtime(ServerSettings(db=db_url, secret_key_file=str(key_file)), clock)
    return runtime, clock


def make_tokens(runtime: Runtime) -> dict[str, str]:
    """A token for each role in hall t1, and a kiosk token in hall t2."""

    def token(role: c.Role, window: str | None = None, hall: str = "t1") -> str:
        return runtime.write_sync(
            lambda uow: create_token(uow, runtime.tokens, hall=hall, role=role, window=window)
        )

    tokens = {f"clerk{n}": token(c.Role.CLERK, n) for n in ("1", "2", "3", "4")}
    tokens.update(
        kiosk=token(c.Role.KIOSK),
        board=token(c.Role.BOARD),
        manager=token(c.Role.MANAGER),
        admin=token(c.Role.ADMIN),
        evaluator1=token(c.Role.EVALUATOR, "1"),
        kiosk_t2=token(c.Role.KIOSK, hall="t2"),
        manager_t2=token(c.Role.MANAGER, hall="t2"),
    )
    return tokens


@pytest.fixture
def hall(db_url: str, templates: dict[str, str]) -> Iterator[Hall]:
    """A running server with halls t1 and t2 and tokens for every role."""
    runtime, clock = start_hall(db_url, Path(templates["dir"]) / "secret.key")
    tokens = make_tokens(runtime)
    with TestClient(create_app(runtime)) as client:
        yield Hall(client, runtime, clock, tokens)
