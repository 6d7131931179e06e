"""Device health: printers, kiosks, boards and pads report; the manager hears it live."""

from __future__ import annotations

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.errors import Forbidden
from queue_server.services.unit_of_work import UnitOfWork

REPORTERS = {"kiosk", "board", "evaluator", "admin"}


def report_status(uow: UnitOfWork, actor: Actor, status: c.DeviceStatus) -> None:
    """Record a device's state as an event row and tell the manager's screens."""
    if actor.role not in REPORTERS:
        raise Forbidden(role=actor.role, permission="report_device")
    data = {
        "kind": status.kind.value,
        "device": status.device,
        "state": status.state.value,
        "detail": status.detail,
        "reporter": actor.label,
    }
    uow.record(actor, "device.status", data=data)
    uow.stores.hall.save_device(
        actor.hall_id, status.kind.value, status.device, status.state.value, status.detail, uow.now
    )
    uow.emit(actor.hall_id, "device.status", ("manager",), data)
