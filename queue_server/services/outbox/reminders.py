"""The appointment reminder (预约提醒): an SMS the working day before a booked slot, once per booking.

A housekeeping chore. On a working day it reminds every booking with a phone whose slot falls after
today and no later than the next working day (so a Friday reminds the weekend's and Monday's
bookings); on other days it waits. In the quiet hours nothing is written and nothing is marked: the
next round after them sends it. A booking is marked reminded when its notice was dealt with (written,
or held back by the number's daily cap), so it goes once.
"""

from __future__ import annotations

from queue_server.domain.numbering import business_day
from queue_server.services.outbox.notices import write_notice
from queue_server.services.outbox.ports import SmsSubscription
from queue_server.services.unit_of_work import UnitOfWork


def remind_appointments(uow: UnitOfWork, hall_id: int, limit: int | None = None) -> int:
    """Write the reminders due now (at most ``limit``, a housekeeping chunk); how many bookings were
    dealt with."""
    catalogue = uow.catalogue(hall_id)
    rules = catalogue.settings.notices
    if not rules.sends("reminder"):
        return 0
    local = catalogue.local(uow.now)
    if rules.quiet(local.time().replace(tzinfo=None)):
        return 0
    calendar = catalogue.settings.working_days
    today = business_day(uow.now, catalogue.timezone)
    if not calendar.is_working_day(today):
        return 0
    store = uow.stores.appointments
    due = store.to_remind(hall_id, today, calendar.add_working_days(today, 1), limit)
    for booking in due:
        if booking.phone_cipher and booking.phone_hash and booking.phone_masked:
            target = SmsSubscription(
                f"appointment:{booking.code}",
                hall_id,
                booking.code,
                booking.phone_cipher,
                booking.phone_hash,
                booking.phone_masked,
                False,
                booking.language,
            )
            service = catalogue.services.get(booking.service_id)
            values = {
                "service": service.name if service else "",
                "service_en": service.name_en if service else "",
                "day": booking.day.isoformat(),
                "time": booking.start.strftime("%H:%M"),
                "code": booking.code,
            }
            write_notice(
                uow, catalogue, target, "reminder", values, key=f"sms:appointment:{booking.code}:reminder"
            )
        store.mark_reminded(booking.id, uow.now)
    return len(due)
