"""Staff and devices as the manager keeps them: accounts, passwords, AB岗 partners, device tokens.

Built on ``services/admin.py`` (the command line's account and token handlers) with the caller's
role checked and every change audited with before and after. A manager keeps clerks and managers;
only an admin creates, changes or issues anything with admin rights. Passwords never reach a log:
the audit says that a password was reset, never what it is.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from queue_server import contract as c
from queue_server.auth.tokens import TokenBook
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Forbidden, NotFound, Rejected
from queue_server.services.admin.accounts import issue_token, revoke_token, save_user
from queue_server.services.admin.ports import DeviceReport, StaffMember, TokenRow, UserValues
from queue_server.services.live import STAFF_CHANGED
from queue_server.services.unit_of_work import UnitOfWork

STAFF_NO = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
STAFF_ROLES = {c.Role.CLERK, c.Role.GUIDE, c.Role.MANAGER, c.Role.ADMIN}
DEVICE_ROLES = {c.Role.KIOSK, c.Role.BOARD, c.Role.EVALUATOR, c.Role.CLERK}
MIN_PASSWORD = 8


# ---------------------------------------------------------------- staff


def list_staff(uow: UnitOfWork, actor: Actor) -> list[c.StaffPublic]:
    """Everyone with an account in the hall, deactivated people included, by staff number."""
    actor.require(Permission.MANAGE_HALL)
    return [_public(row) for row in _rows(uow, actor.hall_id)]


def vet_new_staff(actor: Actor, body: c.StaffCreate) -> str:
    """Checks that need no database, made before the password is hashed; returns the password."""
    actor.require(Permission.MANAGE_HALL)
    _check_role(actor, body.role)
    _check_password(body.password)
    return body.password


def create_staff(uow: UnitOfWork, actor: Actor, body: c.StaffCreate, password_hash: str) -> c.StaffPublic:
    """Open an account for a clerk, lobby guide or manager (an admin's only by an admin); the
    password comes hashed (off the writer, by ``vet_new_staff`` and the password pool)."""
    actor.require(Permission.MANAGE_HALL)
    _check_role(actor, body.role)
    if not STAFF_NO.match(body.staff_no):
        raise Rejected("staff.no_invalid", staff_no=body.staff_no)
    if not body.name.strip():
        raise Rejected("staff.name_required")
    # Any role: a staff number held by an account the console does not list (the city's) must not
    # be overwritten by a new clerk of the same number.
    if uow.stores.staff.user_id(actor.hall_id, body.staff_no) is not None:
        raise Rejected("staff.exists", staff_no=body.staff_no)
    _check_password(body.password)
    values = UserValues(
        name=body.name.strip(),
        role=body.role.value,
        password_hash=password_hash,
        window_id=_window_id(uow, actor.hall_id, body.window),
        active=True,
    )
    user_id = save_user(uow, actor.hall_id, body.staff_no, values)
    if body.ab_partner:
        _pair(uow, actor.hall_id, _row(uow, actor.hall_id, body.staff_no), body.ab_partner)
    after = _public(_row(uow, actor.hall_id, body.staff_no))
    _audit(uow, actor, "staff.create", None, after)
    uow.record(actor, "staff.changed", data={"staff_no": body.staff_no, "user_id": user_id})
    return after


def update_staff(uow: UnitOfWork, actor: Actor, staff_no: str, patch: c.StaffPatch) -> c.StaffPublic:
    """Rename, change role, bind a default window, set or clear the AB partner, (de)activate."""
    actor.require(Permission.MANAGE_HALL)
    row = _row(uow, actor.hall_id, staff_no)
    _check_role(actor, c.Role(row.role))
    before = _public(row)
    given = patch.model_fields_set
    values = UserValues()
    if patch.name is not None:
        if not patch.name.strip():
            raise Rejected("staff.name_required")
        values["name"] = patch.name.strip()
    if patch.role is not None and patch.role.value != row.role:
        _check_role(actor, patch.role)
        if row.id == actor.user_id:
            raise Rejected("staff.self")
        values["role"] = patch.role.value
    if "window" in given:
        values["window_id"] = _window_id(uow, actor.hall_id, patch.window)
    if patch.active is not None and patch.active != row.active:
        if row.id == actor.user_id:
            raise Rejected("staff.self")
        values["active"] = patch.active
    if values:
        uow.stores.staff.update(row.id, values)
        # Every process drops the actors it keeps for tokens, which may speak for this member.
        uow.emit(actor.hall_id, STAFF_CHANGED, (), {"user_id": row.id})
    if "name" in values:  # the name the windows' replies and evaluations show, kept with the catalogue
        uow.refresh_catalogue(actor.hall_id)
    if values.get("active") is False:
        _end_sessions(uow, row.id)
    if "ab_partner" in given:
        _pair(uow, actor.hall_id, row, patch.ab_partner)
    after = _public(_row(uow, actor.hall_id, staff_no))
    if after != before:
        _audit(uow, actor, "staff.update", before, after)
        uow.record(actor, "staff.changed", data={"staff_no": staff_no, "user_id": row.id})
    return after


@dataclass(frozen=True)
class NewPassword:
    """A password chosen (or made up) and checked before hashing, then its hash."""

    password: str
    temporary: bool
    hashed: str = ""


def new_password(actor: Actor, body: c.PasswordReset) -> NewPassword:
    """The password a reset will set (a temporary one when none is given), checked, not yet hashed."""
    actor.require(Permission.MANAGE_HALL)
    password = body.password or _temporary_password()
    _check_password(password)
    return NewPassword(password, temporary=not body.password)


def reset_password(uow: UnitOfWork, actor: Actor, staff_no: str, new: NewPassword) -> c.PasswordResetDone:
    """Set a new password (hashed beforehand, off the writer); the person's sessions end.

    A manager resets clerks' and lobby guides' passwords; only an admin resets a manager's or an
    admin's, or a manager could take over another manager's account.
    """
    actor.require(Permission.MANAGE_HALL)
    row = _row(uow, actor.hall_id, staff_no)
    if row.role in (c.Role.MANAGER.value, c.Role.ADMIN.value) and actor.role != c.Role.ADMIN.value:
        raise Forbidden("staff.reset_admin_only", staff_no=staff_no)
    if not new.hashed:
        raise ValueError("a password reset needs the password's hash")
    temporary = new.password if new.temporary else None
    uow.stores.staff.update(row.id, UserValues(password_hash=new.hashed))
    _end_sessions(uow, row.id)
    detail = {"temporary": temporary is not None, "role": row.role}  # never the password itself
    uow.audit(actor, "staff.password_reset", f"user:{staff_no}", detail)
    return c.PasswordResetDone(staff_no=staff_no, temporary_password=temporary)


def audit_refused_reset(uow: UnitOfWork, actor: Actor, staff_no: str) -> None:
    """A reset refused for lack of rights is kept in the audit log too (an attempted takeover)."""
    subject = f"user:{staff_no}"
    uow.audit(actor, "staff.password_reset_refused", subject, {})


def _check_role(actor: Actor, role: c.Role) -> None:
    """Staff accounts are clerks, lobby guides, managers and admins; admin rights are an admin's to give."""
    if role not in STAFF_ROLES:
        raise Rejected("staff.role_invalid")
    if role == c.Role.ADMIN and actor.role != c.Role.ADMIN.value:
        raise Forbidden("staff.admin_only")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Rejected("staff.password_weak", length=MIN_PASSWORD)


def _temporary_password() -> str:
    """Ten letters and digits people can read aloud (no 0/O, 1/l/I)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def _pair(uow: UnitOfWork, hall_id: int, row: StaffMember, partner_no: str | None) -> None:
    """AB岗: A and B cover for each other, so the link is set (and cleared) on both sides."""
    partner = None
    if partner_no:
        partner = _row(uow, hall_id, partner_no)
        if partner.id == row.id:
            raise Rejected("staff.partner_self")
        if not partner.active:
            raise Rejected("staff.partner_inactive", staff_no=partner_no)
    # Whoever was paired with either of them is now without a partner.
    uow.stores.staff.pair(row.id, partner.id if partner is not None else None)


def _end_sessions(uow: UnitOfWork, user_id: int) -> None:
    """Log the person out everywhere (a reset password or a deactivated account)."""
    uow.stores.staff.end_sessions(user_id)


def _window_id(uow: UnitOfWork, hall_id: int, number: str | None) -> int | None:
    return uow.catalogue(hall_id).window(number).id if number else None


def _find(uow: UnitOfWork, hall_id: int, staff_no: str) -> StaffMember | None:
    return next((r for r in _rows(uow, hall_id, staff_no) if r.staff_no == staff_no), None)


def _row(uow: UnitOfWork, hall_id: int, staff_no: str) -> StaffMember:
    row = _find(uow, hall_id, staff_no)
    if row is None:
        raise NotFound("staff.not_found", staff_no=staff_no)
    return row


def _rows(uow: UnitOfWork, hall_id: int, staff_no: str | None = None) -> list[StaffMember]:
    return uow.stores.staff.members(hall_id, [r.value for r in STAFF_ROLES], staff_no)


def _public(row: StaffMember) -> c.StaffPublic:
    return c.StaffPublic(
        staff_no=row.staff_no,
        name=row.name,
        role=c.Role(row.role),
        window=row.window_number,
        ab_partner=row.partner_no,
        ab_partner_name=row.partner_name,
        active=row.active,
        created_at=row.created_at,
    )


def _audit(
    uow: UnitOfWork, actor: Actor, action: str, before: c.StaffPublic | None, after: c.StaffPublic
) -> None:
    detail = {
        "before": before.model_dump(mode="json") if before else None,
        "after": after.model_dump(mode="json"),
    }
    uow.audit(actor, action, f"user:{after.staff_no}", detail)


# ---------------------------------------------------------------- devices


def list_device_tokens(uow: UnitOfWork, actor: Actor) -> list[c.DeviceTokenPublic]:
    """The hall's tokens, newest first, each with the last report of the device named by its label."""
    actor.require(Permission.MANAGE_HALL)
    seen: dict[str, DeviceReport] = {}
    for report in uow.stores.tokens.device_reports(actor.hall_id):
        seen[report.device] = report  # the latest report of any kind (a kiosk and its printer)
    newest_first = reversed(uow.stores.tokens.tokens(actor.hall_id))
    return [_token_public(row, seen.get(row.label)) for row in newest_first]


def issue_device_token(
    uow: UnitOfWork, actor: Actor, book: TokenBook, body: c.IssueDeviceToken, base_url: str
) -> c.DeviceTokenIssued:
    """A new device token, shown this once with the address and QR code that pair the device."""
    actor.require(Permission.MANAGE_HALL)
    # A city token reads every hall: a hall's admin may not mint one (only `hallq token create`).
    if body.role == c.Role.CITY or (body.role not in DEVICE_ROLES and actor.role != c.Role.ADMIN.value):
        raise Rejected("device.role_invalid")
    label = body.label.strip()
    token, token_id = issue_token(
        uow, book, hall_id=actor.hall_id, role=body.role, window=body.window, label=label, actor=actor.label
    )
    row = uow.stores.tokens.token(token_id)
    if row is None:  # written by this very transaction
        raise NotFound("device.token_not_found")
    url = pairing_url(base_url, body.role, body.window, token)
    public = _token_public(row, None)
    return c.DeviceTokenIssued(
        **public.model_dump(), token=token, pairing_url=url, pairing_qr=qr_data_uri(url)
    )


def revoke_device_token(uow: UnitOfWork, actor: Actor, book: TokenBook, token_id: int) -> c.DeviceTokenPublic:
    """Revoke a token of this hall: refused from the next request on, its websockets closed."""
    actor.require(Permission.MANAGE_HALL)
    row = uow.stores.tokens.token(token_id, actor.hall_id)
    if row is None:
        raise NotFound("device.token_not_found")
    if row.role in (c.Role.MANAGER.value, c.Role.ADMIN.value) and actor.role != c.Role.ADMIN.value:
        raise Forbidden("staff.admin_only")
    revoke_token(uow, book, token_id, hall_id=actor.hall_id, actor=actor.label)
    return next(d for d in list_device_tokens(uow, actor) if d.id == token_id)


def pairing_url(base_url: str, role: c.Role, window: str | None, token: str) -> str:
    """What pairs a device: a board opens its page with the token; other devices take the token."""
    if role != c.Role.BOARD:
        return token
    path = f"board/window/{quote(window)}" if window else "board"
    return f"{base_url.rstrip('/')}/{path}?token={token}"


def qr_data_uri(text: str) -> str:
    """``text`` as a QR code in an SVG data: URI (drawn on the server: no script library needed)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def _token_public(row: TokenRow, report: DeviceReport | None) -> c.DeviceTokenPublic:
    return c.DeviceTokenPublic(
        id=row.id,
        role=c.Role(row.role),
        window=row.window_number,
        label=row.label,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        state=c.DeviceState(report.state) if report is not None else None,
        detail=report.detail if report is not None else "",
        last_seen_at=report.last_seen_at if report is not None else None,
    )
