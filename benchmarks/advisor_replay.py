"""The advisor's replay against recorded days, per seed of ``hallq simulate`` and per service.

    .venv/bin/python -m benchmarks.advisor_replay [--seeds 1,2,3,4,5,6,21] [--days 3] [--keep DIR]

Each seed records ``--days`` days (Monday on) of the test hall (``tests/server/catalogue.small_hall``)
with ``hallq simulate`` through the real services into its own SQLite file; each day is then
replayed (``advice.replay``) and, per service with at least 60 called tickets over the days, the
mean wait simulated is set against the observed: ``simulated / observed − 1``. With ``--keep`` the
recorded databases are kept in DIR and reused by later runs (recording is most of the time).
Prints the CPU time of the replays and the load average with the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from hallq.bootstrap import build_runtime
from hallq.simulate import simulate
from queue_server.config import ServerSettings
from queue_server.domain.actors import Actor
from queue_server.runtime import Runtime
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from queue_server.services.advisor import advice
from tests.server.catalogue import small_hall

MONDAY = date(2026, 3, 2)
MANAGER = Actor(hall_id=1, role="manager")
LOAD = 0.6  # as tests/server/test_advisor_replay.py records its days
MIN_CALLED = 60  # fewer called tickets over the days: the mean says little (as the test)


def recorded(folder: Path, seed: int, days: int) -> Runtime:
    """The runtime on seed ``seed``'s recorded days (recorded now unless ``folder`` has them)."""
    db = folder / f"seed{seed}-{days}d.db"
    fresh = not db.exists()
    runtime = build_runtime(ServerSettings(db=str(db), secret_key_file=str(folder / "key")))
    if fresh:
        runtime.write_sync(lambda uow: import_catalogue(uow, CatalogueFile.model_validate(small_hall("t1"))))
        simulate(runtime, "t1", MONDAY, days, seed=seed, load=LOAD)
    return runtime


def compare(runtime: Runtime, days: int, replications: int) -> dict[str, tuple[float, float, float, int]]:
    """Service → (observed mean wait, replayed mean wait, spread of the replayed, called tickets)
    over the days. Each replication's figure is its mean wait over the days' called tickets; the
    replayed figure is their mean, the spread their standard deviation (how far the path the calls
    take moves a day's figure with the same people and handling times)."""
    observed: dict[str, list[float]] = {}
    waited: dict[str, list[float]] = {}  # per replication: seconds waited over the days
    served: dict[str, list[int]] = {}
    for offset in range(days):
        day = MONDAY + timedelta(days=offset)
        for r in range(replications):
            found = runtime.read_sync(
                lambda uow, day=day, r=r: advice.replay(uow, MANAGER, uow.stores.history, day, 1, seed=1 + r)
            )
            for code, figures in found.simulated.services.items():
                waited.setdefault(code, [0.0] * replications)[r] += figures.mean_wait.mean * figures.served
                served.setdefault(code, [0] * replications)[r] += figures.served
            if r == 0:
                for code, waits in found.observed.items():
                    observed.setdefault(code, []).extend(waits)
    out = {}
    for code, waits in sorted(observed.items()):
        means = [w / n for w, n in zip(waited.get(code, ()), served.get(code, ()), strict=True) if n]
        if len(waits) >= MIN_CALLED and means:
            spread = statistics.stdev(means) if len(means) > 1 else 0.0
            out[code] = (statistics.fmean(waits), statistics.fmean(means), spread, len(waits))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="1,2,3,4,5,6,21")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None, help="folder for the recorded databases")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="hallq-replay-"))
    folder.mkdir(parents=True, exist_ok=True)
    outside = 0
    cpu = 0.0
    print(f"replay against recorded days ({args.days} days a seed, {args.replications} replications)")
    print("seed  service  observed s  replayed s  simulated/observed-1  spread  (obs-rep)/spread  called")
    for seed in (int(s) for s in args.seeds.split(",")):
        runtime = recorded(folder, seed, args.days)
        try:
            began = time.process_time()
            rows = compare(runtime, args.days, args.replications)
            cpu += time.process_time() - began
        finally:
            runtime.stop()
        for code, (seen, replayed, spread, called) in rows.items():
            off = replayed / seen - 1
            outside += abs(off) > 0.10
            flag = "  OUTSIDE 10 %" if abs(off) > 0.10 else ""
            z = (seen - replayed) / spread if spread else float("nan")
            print(
                f"{seed:>4}  {code:<7}  {seen:>10.0f}  {replayed:>10.0f}  {off:>+20.1%}  "
                f"{spread / seen:>6.1%}  {z:>+16.2f}  {called:>6}{flag}"
            )
    print(f"outside 10 %: {outside}")
    print(f"replay CPU: {cpu:.1f} s; load average: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
