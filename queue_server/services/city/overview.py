"""The city view: every hall's queue, service, waits, 好评率 and alerts of today, read-only.

Each figure is one statement across the halls (``CityStore``), so thirty halls cost what one does.
Halls are grouped by their clock: "today" and "this month" are each hall's own local day and month
(a city's halls normally share one timezone, hence one group and six statements in all).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from queue_server import contract as c
from queue_server.domain import stats
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.numbering import business_day
from queue_server.services.city.ports import CityHall, CityStore, Ratings
from queue_server.services.unit_of_work import UnitOfWork

NO_RATINGS = (Ratings(0, 0), Ratings(0, 0))


def overview(uow: UnitOfWork, actor: Actor) -> c.CityOverview:
    """Every hall's figures now (city role only: a hall's own staff never read another hall)."""
    actor.require(Permission.READ_CITY)
    store = uow.stores.city
    halls = store.halls()
    zones: dict[str, list[CityHall]] = defaultdict(list)
    for hall in halls:
        zones[hall.timezone].append(hall)
    figures: dict[int, c.CityHallFigures] = {}
    for timezone, members in zones.items():
        figures.update(_figures(store, members, timezone, uow.now))
    day = business_day(uow.now, halls[0].timezone) if halls else uow.now.date()
    return c.CityOverview(at=uow.now, day=day, halls=[figures[h.id] for h in halls])


def _figures(
    store: CityStore, halls: list[CityHall], timezone: str, now: datetime
) -> dict[int, c.CityHallFigures]:
    """The figures of halls that share one clock, one statement per figure."""
    ids = [h.id for h in halls]
    today = business_day(now, timezone)
    day_start, day_end = stats.local_bounds(today, today, timezone)
    month_start = stats.local_bounds(date(today.year, today.month, 1), today, timezone)[0]
    waiting = store.waiting(ids)
    served = store.served(ids, day_start, day_end)
    waits = store.waits(ids, day_start, day_end)
    ratings = store.ratings(ids, month_start, day_start, day_end)
    alerts = store.open_alerts(ids)
    out: dict[int, c.CityHallFigures] = {}
    for hall in halls:
        summary = stats.summarise(waits.get(hall.id, ()))
        month, day = ratings.get(hall.id, NO_RATINGS)
        open_, red = alerts.get(hall.id, (0, 0))
        out[hall.id] = c.CityHallFigures(
            code=hall.code,
            name=hall.name,
            name_en=hall.name_en,
            waiting=waiting.get(hall.id, 0),
            served=served.get(hall.id, 0),
            wait_mean=summary.mean,
            wait_p90=summary.p90,
            good_rate_month=stats.rate(month.good, month.rated),
            good_rate_today=stats.rate(day.good, day.rated),
            rated_month=month.rated,
            alerts_open=open_,
            alerts_red=red,
        )
    return out
