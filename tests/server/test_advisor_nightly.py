"""The nightly prediction: the housekeeping stores the next working day's forecast once the hall has
closed, so the next day's check has a prediction made before the day even when no proposal was applied."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from hallq.bootstrap import build_runtime
from hallq.simulate import simulate
from queue_server import contract as c
from queue_server.api.chores import Housekeeper
from queue_server.config import ServerSettings
from queue_server.domain.actors import Actor
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from queue_server.services.advisor import advice, nightly, public
from queue_server.services.desk.windows import open_window
from tests.server.catalogue import small_hall
from tests.server.conftest import Clock

MONDAY = date(2026, 3, 2)
WEEKDAY_HOURS = [["09:00", "12:00"], ["13:30", "17:00"]]
HOURS = {day: WEEKDAY_HOURS for day in ("mon", "tue", "wed", "thu", "fri")}
MANAGER = Actor(hall_id=1, role="manager")


def shanghai(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("nightly")
    runtime = build_runtime(ServerSettings(db=str(folder / "hall.db"), secret_key_file=str(folder / "key")))
    catalogue = small_hall("t1", always_open=False, hours=HOURS)
    runtime.write_sync(lambda uow: import_catalogue(uow, CatalogueFile.model_validate(catalogue)))
    simulate(runtime, "t1", MONDAY, 2, seed=5, load=0.5)  # Monday and Tuesday of history
    clock = Clock(shanghai(MONDAY + timedelta(days=1), 18))  # Tuesday evening, the hall closed
    runtime.clock = lambda: clock.now
    runtime.start()  # the housekeeping's jobs go through the writer
    yield runtime, clock, Housekeeper(runtime)
    runtime.stop()


def stored(runtime: Any, day: date) -> list[Any]:
    return list(runtime.read_sync(lambda uow: uow.stores.predictions.for_day(1, day)))


def test_the_day_to_predict_is_the_next_working_day_while_the_hall_is_closed(hall: Any) -> None:
    runtime, _, _ = hall
    catalogue = runtime.read_sync(lambda uow: uow.catalogue(1))
    wednesday, friday = MONDAY + timedelta(days=2), MONDAY + timedelta(days=4)
    assert nightly.due(catalogue, shanghai(wednesday, 7)) == wednesday  # before opening
    assert nightly.due(catalogue, shanghai(wednesday, 10)) is None  # open: not now
    assert (
        nightly.due(catalogue, shanghai(wednesday, 12) + timedelta(minutes=30)) is None
    )  # lunch: still its day
    assert nightly.due(catalogue, shanghai(wednesday, 18)) == wednesday + timedelta(days=1)
    assert nightly.due(catalogue, shanghai(friday, 18)) == friday + timedelta(days=3)  # over the weekend
    assert nightly.due(catalogue, shanghai(friday + timedelta(days=1), 11)) == friday + timedelta(days=3)


def test_the_housekeeping_stores_the_next_day_s_prediction_once_and_the_check_uses_it(hall: Any) -> None:
    runtime, clock, keeper = hall
    wednesday = MONDAY + timedelta(days=2)
    assert stored(runtime, wednesday) == []
    done = asyncio.run(keeper.run(1))
    assert done.chores["nightly prediction"][:2] == [1, len(stored(runtime, wednesday))]
    kept = stored(runtime, wednesday)
    assert kept and {(p.source, p.replications) for p in kept} == {(nightly.SOURCE, nightly.REPLICATIONS)}
    assert all(0 <= p.mean_wait <= p.p90_wait for p in kept)
    # Later rounds (another process's keeper too: it finds the day stored) leave it as it is.
    clock.advance(minutes=30)
    again = asyncio.run(Housekeeper(runtime).run(1))
    assert "nightly prediction" not in again.chores
    assert stored(runtime, wednesday) == kept
    # The forecast it made is kept: the day's first what-if learns nothing again and finds today's
    # allocation simulated, so it simulates its change only.
    scenario, known = runtime.read_sync(
        lambda uow: advice.forecast(uow, MANAGER, uow.stores.history, wednesday, nightly.REPLICATIONS)
    )
    again = runtime.read_sync(lambda uow: advice.forecast(uow, MANAGER, uow.stores.history, wednesday))
    assert again[1] is known
    assert advice._kept(scenario, nightly.REPLICATIONS, 1) is not None
    # The next day's check compares against it, and says where it came from.
    check = runtime.read_sync(lambda uow: public.check(uow, MANAGER, uow.stores.history, wednesday))
    assert check.source == nightly.SOURCE and check.rows and all(r.stored for r in check.rows)


def test_a_prediction_stored_when_a_proposal_was_applied_is_kept(hall: Any) -> None:
    runtime, clock, keeper = hall
    clock.now = shanghai(MONDAY + timedelta(days=2), 18)  # Wednesday evening
    thursday = MONDAY + timedelta(days=3)
    body = c.AdvisorPredictIn(date=thursday, replications=2)
    runtime.write_sync(lambda uow: public.predict(uow, MANAGER, uow.stores.history, body, "proposal 09:00"))
    asyncio.run(keeper.run(1))
    assert {p.source for p in stored(runtime, thursday)} == {"proposal 09:00"}
    # A window still open after closing (its clerk finishing the last tickets): not yet.
    clock.now = shanghai(thursday, 18)
    runtime.write_sync(lambda uow: open_window(uow, Actor(hall_id=1, role="clerk", window="1"), "1"))
    assert "nightly prediction" not in asyncio.run(keeper.run(1)).chores
    # While the hall is open, nothing is forecast.
    clock.now = shanghai(thursday, 10)
    assert "nightly prediction" not in asyncio.run(keeper.run(1)).chores
