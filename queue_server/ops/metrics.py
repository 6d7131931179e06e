"""Prometheus metrics of one server process, through the official ``prometheus_client``.

Two kinds of figure, kept apart on purpose:
- what this process did (tickets it issued and called, request latencies, writer batches): counters
  and histograms the process owns; across processes, ``sum()`` them;
- what the hall *is* (tickets waiting, devices' states): read from the database when scraped, so
  every process reports the same hall-wide value; across processes, take ``max()``.

The writer thread only bumps plain integers (``Writer.batch_sizes``) and the commit hook increments
a counter per event: the rest is computed here, at scrape time, off the writer.
Each app gets its own registry (tests run several apps in one interpreter).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, text

from queue_server.services.live import LiveEvent

log = logging.getLogger(__name__)

BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# The waiting counts the triggers on tickets keep (adapters/queue_lengths.py): a scrape no longer
# counts every hall's queue. Every active service of every hall has its series, 0 when nobody waits
# (a series that vanished when a queue emptied broke dashboards' graphs and alerts: "absent" is not
# "0"); a service taken out of the catalogue keeps its series while tickets of it still wait.
_WAITING = text(
    "SELECT h.code, s.code, coalesce(q.waiting, 0) FROM services s JOIN halls h ON h.id = s.hall_id "
    "LEFT JOIN queue_lengths q ON q.hall_id = s.hall_id AND q.service_id = s.id "
    "WHERE s.active OR q.waiting > 0"
)
_HALLS = text("SELECT id, code FROM halls")
_DEVICES = text(
    "SELECT h.code, d.kind, d.state, count(*) FROM devices d JOIN halls h ON h.id = d.hall_id "
    "GROUP BY h.code, d.kind, d.state"
)


# The outbox's messages not yet sent, per destination (hall-wide).
_OUTBOX = text(
    "SELECT h.code, o.destination, count(*) FROM outbox o "
    "JOIN halls h ON h.id = o.hall_id WHERE o.status = 'pending' GROUP BY h.code, o.destination"
)


class WriterFigures(Protocol):
    """What the metrics read of the single writer."""

    batches: int
    jobs: int
    busy_seconds: float
    batch_sizes: list[int]
    put_back: int
    site_jobs: int
    reruns: int

    @property
    def depth(self) -> int: ...


class _HallCollector(Collector):
    """Figures computed when scraped: the writer's queue and batches, subscribers, the hall's state."""

    def __init__(
        self,
        writer: WriterFigures,
        subscribers: Callable[[], int],
        engine: Engine,
        tickets: TicketCounts,
    ) -> None:
        self._writer = writer
        self._subscribers = subscribers
        self._engine = engine
        self._tickets = tickets
        self._hall_codes: dict[int, str] = {}

    def collect(self) -> Iterator[Any]:
        writer = self._writer
        yield GaugeMetricFamily("hallq_writer_queue_depth", "Jobs waiting for the writer", writer.depth)
        yield CounterMetricFamily(
            "hallq_writer_busy_seconds", "Wall time the writer spent in batches", writer.busy_seconds
        )
        yield _batch_histogram(writer.batch_sizes, writer.jobs)
        # PostgreSQL (several processes): jobs that waited a transaction for a hall another
        # process's writer held, and jobs whose hall was unknown, which locked the whole site.
        yield CounterMetricFamily(
            "hallq_writer_put_back", "Jobs put back for a hall another process held", writer.put_back
        )
        yield CounterMetricFamily(
            "hallq_writer_site_jobs", "Jobs for no particular hall (they lock every hall)", writer.site_jobs
        )
        # PostgreSQL: a batch run without savepoints in which a job failed is rolled back and run again
        yield CounterMetricFamily(
            "hallq_writer_reruns", "Batches rolled back whole for a failed job and run again", writer.reruns
        )
        yield GaugeMetricFamily(
            "hallq_websocket_subscribers", "Websocket clients connected to this process", self._subscribers()
        )
        state = list(self._hall_state())
        yield from self._ticket_counters()
        yield from state

    def _ticket_counters(self) -> Iterable[Any]:
        for name, what, counts in (
            ("hallq_tickets_issued", "Tickets issued by this process", self._tickets.issued),
            ("hallq_tickets_called", "Tickets called (or called back) by this process", self._tickets.called),
        ):
            family = CounterMetricFamily(name, what, labels=["hall", "service"])
            for (hall_id, service), count in list(counts.items()):
                family.add_metric([self._hall_codes.get(hall_id, str(hall_id)), service], count)
            yield family

    def _hall_state(self) -> Iterable[Any]:
        up = GaugeMetricFamily("hallq_database_up", "Whether the last scrape could read the database")
        waiting = GaugeMetricFamily(
            "hallq_tickets_waiting", "Tickets waiting now (hall-wide)", labels=["hall", "service"]
        )
        devices = GaugeMetricFamily(
            "hallq_devices", "Devices by reported state (hall-wide)", labels=["hall", "kind", "state"]
        )
        outbox = GaugeMetricFamily(
            "hallq_outbox_pending", "Outbox messages not yet sent (hall-wide)", labels=["hall", "destination"]
        )
        try:
            with self._engine.connect() as conn:
                self._hall_codes = {int(hall_id): code for hall_id, code in conn.execute(_HALLS)}
                for hall, service, count in conn.execute(_WAITING):
                    waiting.add_metric([hall, service], count)
                for hall, kind, state, count in conn.execute(_DEVICES):
                    devices.add_metric([hall, kind, state], count)
                for hall, destination, count in conn.execute(_OUTBOX):
                    outbox.add_metric([hall, destination], count)
        except Exception as error:  # the database is away: say so, never fail the scrape
            log.warning("metrics could not read the database: %s", type(error).__name__)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, waiting, devices, outbox]


def _batch_histogram(sizes: list[int], jobs: int) -> HistogramMetricFamily:
    """The writer's batch sizes (jobs per transaction) as a cumulative histogram."""
    buckets: list[tuple[str, float]] = []
    for bound in BATCH_BUCKETS:
        buckets.append((str(bound), float(sum(sizes[: bound + 1]))))
    buckets.append(("+Inf", float(sum(sizes))))
    return HistogramMetricFamily(
        "hallq_writer_batch_size", "Jobs committed per writer transaction", buckets=buckets, sum_value=jobs
    )


class TicketCounts:
    """Tickets this process committed, per (hall id, service code): plain integers, bumped by the
    writer thread after a commit and read by the scrape (a copy of the dict, under the GIL)."""

    def __init__(self) -> None:
        self.issued: dict[tuple[int, str], int] = {}
        self.called: dict[tuple[int, str], int] = {}

    def committed(self, events: list[LiveEvent]) -> None:
        """Count the tickets in a just-committed batch of events."""
        for event in events:
            if event.type == "ticket.issued":
                counts = self.issued
            elif event.type in ("ticket.called", "ticket.called_back"):
                counts = self.called
            else:
                continue
            key = (event.hall_id, str(event.payload.get("service_code", "")))
            counts[key] = counts.get(key, 0) + 1


class HallMetrics:
    """The registry of one server process and the instruments the app and runtime feed."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.tickets = TicketCounts()
        self.latency = Histogram(
            "hallq_request_seconds",
            "HTTP request latency by route",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        # Set on the event loop just before a scrape: the hub's sets belong to the loop's thread.
        self.subscribers = 0

    def watch(self, writer: WriterFigures, engine: Engine) -> None:
        """Register the scrape-time figures of a runtime."""
        self.registry.register(_HallCollector(writer, lambda: self.subscribers, engine, self.tickets))

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
