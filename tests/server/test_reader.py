"""The reader thread of the busy GET routes (``adapters.reader``): reads queued while it works run
in one batch and wake their event loop once; a read's database error spoils none of the others."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, text

from queue_server.adapters.db import make_engine
from queue_server.adapters.reader import Reader, ReaderStopped


@pytest.fixture
def reader(db_url: str) -> Iterator[Reader]:
    engine = make_engine(db_url, writer=False)
    reader = Reader(engine)
    reader.start()
    yield reader
    reader.stop()
    engine.dispose()


def hall_codes(conn: Connection) -> list[str]:
    return sorted(str(code) for code in conn.execute(text("SELECT code FROM halls")).scalars())


async def behind_a_held_read(reader: Reader, works: list[Callable[[Connection], Any]]) -> list[Any]:
    """The outcomes of ``works``, queued while the reader's thread is held by a first read (whose
    outcome comes first): they are all on the queue before the thread is let go."""
    held, free = threading.Event(), threading.Event()

    def first(conn: Connection) -> list[str]:
        held.set()
        free.wait(30)
        return hall_codes(conn)

    loop = asyncio.get_running_loop()
    busy = asyncio.ensure_future(reader.run(first))
    await loop.run_in_executor(None, held.wait, 30)  # the thread now holds the first read
    queued = [asyncio.ensure_future(reader.run(work)) for work in works]
    await asyncio.sleep(0)  # each queued task puts its read on the queue
    free.set()
    return await asyncio.gather(busy, *queued, return_exceptions=True)


def test_reads_queued_meanwhile_run_in_one_batch(reader: Reader) -> None:
    assert asyncio.run(behind_a_held_read(reader, [hall_codes] * 5)) == [["t1", "t2"]] * 6
    assert (reader.batches, reader.reads) == (2, 6)


def test_a_failing_read_spoils_no_other_read_of_its_batch(reader: Reader) -> None:
    def broken(conn: Connection) -> Any:
        return conn.execute(text("SELECT no_such_column FROM halls")).all()

    def refused(_conn: Connection) -> Any:
        raise LookupError("not found")

    outcomes = asyncio.run(behind_a_held_read(reader, [broken, hall_codes, refused, hall_codes]))
    first_codes, db_error, after_error, domain_error, last = outcomes
    assert first_codes == after_error == last == ["t1", "t2"]  # PostgreSQL's aborted transaction rolled back
    assert "no_such_column" in str(db_error)
    assert isinstance(domain_error, LookupError)
    assert reader.batches == 2


def test_a_stopped_reader_refuses_new_reads(reader: Reader) -> None:
    reader.stop()
    assert not reader.started
    with pytest.raises(ReaderStopped):
        asyncio.run(reader.run(hall_codes))
