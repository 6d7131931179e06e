"""Logins hold up against guessing: a growing delay then a lock, timing that names no account, and
password checks that never hold the writer (so a login wave cannot stall ticket issue)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from argon2 import Parameters, extract_parameters

from queue_server.auth import passwords
from queue_server.auth.passwords import check_password
from tests.server.conftest import Hall

LOGIN = "/api/v1/auth/login"


def login(hall: Hall, staff_no: str, password: str, **form: str) -> Any:
    return hall.client.post(LOGIN, data={"staff_no": staff_no, "password": password, "hall": "t1", **form})


def set_login_rules(hall: Hall, **rules: Any) -> None:
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()
    current["login"] = {**current["login"], **rules}
    response = hall.client.put("/api/v1/hall/settings", json=current, headers=hall.as_("manager"))
    assert response.status_code == 200, response.text


def audit(hall: Hall, action: str) -> list[dict[str, Any]]:
    return hall.client.get("/api/v1/audit", params={"action": action}, headers=hall.as_("manager")).json()


def test_wrong_passwords_meet_a_growing_delay_then_a_lock_that_ends(hall: Hall) -> None:
    set_login_rules(hall, free_failures=2, first_delay_seconds=5, lock_after=4, lock_minutes=10)
    for _ in range(2):
        assert login(hall, "C1", "wrong").status_code == 401
    third = login(hall, "C1", "wrong")
    assert third.status_code == 401  # the failures allowed are spent: from now on, a delay
    slowed = login(hall, "C1", "pw-c1")
    assert slowed.status_code == 429 and slowed.json()["code"] == "auth.throttled"
    assert slowed.headers["Retry-After"] == "5" and slowed.json()["fields"]["retry_after"] == 5
    assert "秒后再试" in slowed.json()["message"] and "try again" in slowed.json()["message_en"]
    hall.clock.advance(seconds=5)
    assert login(hall, "C1", "wrong").status_code == 401  # the fourth failure locks the account
    hall.clock.advance(seconds=60)
    locked = login(hall, "C1", "pw-c1")  # even the right password waits for the lock's end
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) == 10 * 60 - 60
    (entry,) = audit(hall, "login.locked")
    assert entry["actor"] == "staff:C1" and entry["detail"]["scope"] == "staff"
    assert len(audit(hall, "login.failed")) == 4  # the refused attempts cost no audit line each
    assert login(hall, "C2", "pw-c2").status_code == 200  # another account is not locked
    hall.clock.advance(minutes=10)
    assert login(hall, "C1", "pw-c1").status_code == 200


def test_a_good_password_clears_the_count_of_its_staff_number(hall: Hall) -> None:
    set_login_rules(hall, free_failures=2, lock_after=3)
    for _ in range(2):
        assert login(hall, "C1", "wrong").status_code == 401
    assert login(hall, "C1", "pw-c1").status_code == 200
    for _ in range(2):
        assert login(hall, "C1", "wrong").status_code == 401
    assert login(hall, "C1", "pw-c1").status_code == 200


def test_one_address_trying_many_staff_numbers_is_locked_out(hall: Hall) -> None:
    set_login_rules(hall, free_failures=1, first_delay_seconds=0, lock_after=2, address_factor=3)
    answers = [login(hall, f"X{n}", "guess").status_code for n in range(6)]
    assert answers == [401] * 6  # each staff number failed once only: no account is slowed
    refused = login(hall, "C1", "pw-c1")
    assert refused.status_code == 429 and refused.json()["code"] == "auth.throttled"
    (entry,) = audit(hall, "login.locked")
    assert entry["detail"]["scope"] == "address" and entry["subject"].startswith("address:")


def test_an_unknown_staff_number_answers_as_late_as_a_known_one(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both answers pay one argon2 check of the same cost: the work, not a stopwatch, is compared
    (a timing under a loaded machine's noise failed now and then)."""
    set_login_rules(hall, free_failures=20, lock_after=100, address_factor=100)
    checks: list[Parameters] = []

    def counted(stored: str, password: str) -> bool:
        checks.append(extract_parameters(stored))
        return check_password(stored, password)

    monkeypatch.setattr(passwords, "check_password", counted)
    assert login(hall, "C1", "wrong").status_code == 401
    (known,) = checks
    assert login(hall, "NOBODY", "wrong").status_code == 401
    # Before: an unknown staff number was refused without a check (~12 ms against ~600 ms).
    assert checks == [known, known]


@pytest.fixture
def argon2_threads(hall: Hall, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Each argon2 hash and check the server makes, with the thread it ran on (the dummy hash the
    server warms at start is made first, so a late warm-up on a loaded machine is not counted)."""
    assert hall.runtime.passwords._dummy
    seen: list[tuple[str, str]] = []
    hasher = passwords._hasher

    class Recording:
        def hash(self, password: str) -> str:
            seen.append(("hash", threading.current_thread().name))
            return hasher.hash(password)

        def verify(self, stored: str, password: str) -> bool:
            seen.append(("verify", threading.current_thread().name))
            return hasher.verify(stored, password)

    monkeypatch.setattr(passwords, "_hasher", Recording())
    return seen


def test_password_checks_do_not_run_in_the_writer(hall: Hall, argon2_threads: list[tuple[str, str]]) -> None:
    set_login_rules(hall, free_failures=20, lock_after=100, address_factor=100)
    for _ in range(6):
        assert login(hall, "C1", "wrong").status_code == 401
    assert login(hall, "C1", "pw-c1").status_code == 200
    # Seven checks, each on the password threads: none held the writer (nor the event loop).
    assert [op for op, _thread in argon2_threads] == ["verify"] * 7
    assert all(thread.startswith("hallq-passwords") for _op, thread in argon2_threads), argon2_threads


def test_only_an_admin_resets_a_managers_password_and_every_attempt_is_audited(hall: Hall) -> None:
    refused = hall.client.post("/api/v1/staff/M1/password", json={}, headers=hall.as_("manager"))
    assert refused.status_code == 403 and refused.json()["code"] == "staff.reset_admin_only"
    assert "系统管理员" in refused.json()["message"] and "M1" in refused.json()["message_en"]
    assert login(hall, "M1", "pw-m1").status_code == 200  # the password did not change
    done = hall.client.post(
        "/api/v1/staff/M1/password", json={"password": "new-pass-m1"}, headers=hall.as_("admin")
    )
    assert done.status_code == 200
    assert login(hall, "M1", "new-pass-m1").status_code == 200
    clerk = hall.client.post("/api/v1/staff/C1/password", json={}, headers=hall.as_("manager"))
    assert clerk.status_code == 200  # a manager still resets a clerk's
    lines = hall.client.get("/api/v1/audit", params={"subject": "user:M1"}, headers=hall.as_("manager"))
    assert [e["action"] for e in lines.json()] == ["staff.password_reset", "staff.password_reset_refused"]
    assert "new-pass-m1" not in lines.text


def test_staff_creation_and_password_resets_hash_before_the_writer(
    hall: Hall, argon2_threads: list[tuple[str, str]]
) -> None:
    body = {"staff_no": "C9", "name": "赵雪", "role": "clerk", "window": "2", "password": "secret-99"}
    assert hall.client.post("/api/v1/staff", json=body, headers=hall.as_("manager")).status_code == 201
    for _ in range(3):
        reset = hall.client.post("/api/v1/staff/C9/password", json={}, headers=hall.as_("manager"))
        assert reset.status_code == 200
    # Four hashes, each made on the password threads before the writer's job.
    assert [op for op, _thread in argon2_threads] == ["hash"] * 4
    assert all(thread.startswith("hallq-passwords") for _op, thread in argon2_threads), argon2_threads
    temporary = reset.json()["temporary_password"]
    assert login(hall, "C9", temporary).status_code == 200


def test_clerks_logging_in_at_once_from_one_address_do_not_slow_each_other(hall: Hall) -> None:
    set_login_rules(hall, free_failures=1, first_delay_seconds=30, address_factor=4)
    body = {"staff_no": "C9", "name": "赵雪", "role": "clerk", "window": "2", "password": "secret-99"}
    assert hall.client.post("/api/v1/staff", json=body, headers=hall.as_("manager")).status_code == 201
    for typo in ("c1", "c2", "m1"):  # three typos so far this morning, of the four the address may make
        assert login(hall, typo, "wrong").status_code == 401
    people = {"C1": "pw-c1", "C2": "pw-c2", "M1": "pw-m1", "C9": "secret-99"}
    with ThreadPoolExecutor(len(people)) as pool:  # the 08:30 wave, all behind the hall's one address
        answers = list(pool.map(lambda item: login(hall, *item).status_code, people.items()))
    assert answers == [200] * len(people)


def test_an_address_may_have_only_so_many_checks_under_way(hall: Hall) -> None:
    set_login_rules(hall, free_failures=1, address_factor=2)  # two places for checks under way
    throttle = hall.runtime.logins
    policy = hall.runtime.read_sync(lambda uow: uow.catalogue(uow.stores.hall.hall_id("t1")).settings.login)
    assert throttle.begin_check(policy, "testclient") and throttle.begin_check(policy, "testclient")
    try:  # as if two checks from this address were running now
        busy = login(hall, "C1", "pw-c1")
        assert busy.status_code == 429 and busy.json()["code"] == "auth.busy"
        assert busy.headers["Retry-After"] == "1"
    finally:
        throttle.end_check("testclient")
        throttle.end_check("testclient")
    assert login(hall, "C1", "pw-c1").status_code == 200
