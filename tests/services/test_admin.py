"""Administration on in-memory stores: staff accounts, AB岗 partners, device tokens issued and revoked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from queue_server import contract as c
from queue_server.auth.tokens import TokenBook
from queue_server.domain.actors import Actor
from queue_server.domain.errors import Forbidden, Rejected
from queue_server.services.admin import accounts, staff
from queue_server.services.live import TOKEN_REVOKED
from tests.fakes.stores import FakeStores

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
MANAGER = Actor(hall_id=1, role="manager", user_id=100, name="王经理")


def new_clerk(stores: FakeStores, staff_no: str = "C001", **fields: str) -> c.StaffPublic:
    body = c.StaffCreate(staff_no=staff_no, name="李明", password="long-enough-1", window="1", **fields)
    return staff.create_staff(stores.unit(NOW), MANAGER, body, password_hash="argon2-hash-of-it")


def test_a_staff_account_is_created_with_its_window_and_audited_without_its_password() -> None:
    stores = FakeStores()

    created = new_clerk(stores)

    assert (created.staff_no, created.role, created.window, created.active) == (
        "C001",
        c.Role.CLERK,
        "1",
        True,
    )
    assert [s.staff_no for s in staff.list_staff(stores.unit(NOW), MANAGER)] == ["C001"]
    (line,) = stores.hall.audit_log
    assert (line.action, line.subject) == ("staff.create", "user:C001")
    assert "long-enough-1" not in str(line) and "argon2-hash-of-it" not in str(line)
    assert stores.events[-1].type == "staff.changed"


def test_a_staff_number_is_taken_once_and_only_an_admin_makes_an_admin() -> None:
    stores = FakeStores()
    new_clerk(stores)

    with pytest.raises(Rejected) as taken:
        new_clerk(stores)
    assert taken.value.code == "staff.exists"
    with pytest.raises(Forbidden):
        new_clerk(stores, "A001", role="admin")


def test_ab_partners_are_linked_both_ways_and_a_new_pair_unlinks_the_old_partner() -> None:
    stores = FakeStores()
    new_clerk(stores, "C001")
    new_clerk(stores, "C002", ab_partner="C001")
    new_clerk(stores, "C003")

    listed = {s.staff_no: s.ab_partner for s in staff.list_staff(stores.unit(NOW), MANAGER)}
    assert listed == {"C001": "C002", "C002": "C001", "C003": None}

    staff.update_staff(stores.unit(NOW), MANAGER, "C003", c.StaffPatch(ab_partner="C001"))
    listed = {s.staff_no: s.ab_partner for s in staff.list_staff(stores.unit(NOW), MANAGER)}
    assert listed == {"C001": "C003", "C002": None, "C003": "C001"}


def test_deactivating_an_account_ends_its_sessions() -> None:
    stores = FakeStores()
    new_clerk(stores)
    user_id = stores.staff.user_id(1, "C001")
    assert user_id is not None
    stores.staff.sessions.add(user_id)

    after = staff.update_staff(stores.unit(NOW), MANAGER, "C001", c.StaffPatch(active=False))

    assert after.active is False
    assert user_id not in stores.staff.sessions


def test_a_device_token_is_issued_once_in_the_clear_and_revoked_for_every_process() -> None:
    stores = FakeStores()
    book = TokenBook(b"k" * 32)
    body = c.IssueDeviceToken(role=c.Role.KIOSK, label="kiosk-1")

    issued = staff.issue_device_token(stores.unit(NOW), MANAGER, book, body, "http://hall.local")

    assert issued.token == stores.tokens.secrets[issued.id]
    assert issued.pairing_url == issued.token  # a kiosk takes the token itself
    assert issued.pairing_qr.startswith("data:image/svg+xml;base64,")
    assert issued.token not in str(stores.hall.audit_log)
    unit = stores.unit(NOW)
    revoked = staff.revoke_device_token(unit, MANAGER, book, issued.id)
    assert revoked.revoked_at == NOW
    assert [e.type for e in unit.outbox] == [TOKEN_REVOKED]
    assert [line.action for line in stores.hall.audit_log] == ["token.create", "token.revoke"]


def test_a_board_token_pairs_by_its_page_address_and_a_manager_cannot_revoke_an_admin_token() -> None:
    stores = FakeStores()
    book = TokenBook(b"k" * 32)
    board = c.IssueDeviceToken(role=c.Role.BOARD, label="board-1", window="2")

    issued = staff.issue_device_token(stores.unit(NOW), MANAGER, book, board, "http://hall.local/")

    assert issued.pairing_url == f"http://hall.local/board/window/2?token={issued.token}"
    admin_token = accounts.create_token(stores.unit(NOW), book, hall=None, role=c.Role.ADMIN, label="ops")
    admin_id = next(r.id for r in stores.tokens.rows.values() if stores.tokens.secrets[r.id] == admin_token)
    with pytest.raises(Forbidden):
        staff.revoke_device_token(stores.unit(NOW), MANAGER, book, admin_id)


def test_the_command_line_adds_a_user_lists_tokens_and_revokes_one() -> None:
    stores = FakeStores()
    book = TokenBook(b"k" * 32)
    user_id = accounts.add_user(
        stores.unit(NOW), hall="demo", staff_no="M001", name="张主任", role=c.Role.MANAGER, password_hash="h"
    )
    accounts.create_token(stores.unit(NOW), book, hall="demo", role=c.Role.CLERK, window="1", label="pad")

    accounts.revoke_token(stores.unit(NOW), book, 1)

    assert stores.staff.users[user_id].role == "manager"
    assert accounts.list_tokens(stores.unit(NOW), "demo") == [(1, "clerk", "1", "pad", NOW, NOW)]
    with pytest.raises(Rejected):
        accounts.create_token(stores.unit(NOW), book, hall="demo", role=c.Role.CLERK, label="no window")
