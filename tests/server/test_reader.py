"""The reader thread of the busy GET routes (``adapters.reader``): reads queued while it works run
in one batch and wake their event loop once; a read's database error spoils none of the others."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
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


def test_reads_queued_meanwhile_run_in_one_batch(reader: Reader) -> None:
    held, free = threading.Event(), threading.Event()

    def first(conn: Connection) -> list[str]:
        held.set()
        free.wait(30)
        return hall_codes(conn)

    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        busy = asyncio.ensure_future(reader.run(first))
        await loop.run_in_executor(None, held.wait, 30)  # the thread now holds the first read
        queued = [asyncio.ensure_future(reader.run(hall_codes)) for _ in range(5)]
        await asyncio.sleep(0)  # every read is on the queue before the thread is let go
        free.set()
        return await asyncio.gather(busy, *queued)

    assert asyncio.run(main()) == [["t1", "t2"]] * 6
    assert (reader.batches, reader.reads) == (2, 6)


def test_a_failing_read_spoils_no_other_read_of_its_batch(reader: Reader) -> None:
    held, free = threading.Event(), threading.Event()

    def first(conn: Connection) -> list[str]:
        held.set()
        free.wait(30)
        return hall_codes(conn)

    def broken(conn: Connection) -> Any:
        return conn.execute(text("SELECT no_such_column FROM halls")).all()

    def refused(_conn: Connection) -> Any:
        raise LookupError("not found")

    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        busy = asyncio.ensure_future(reader.run(first))
        await loop.run_in_executor(None, held.wait, 30)
        works = (broken, hall_codes, refused, hall_codes)
        queued = [asyncio.ensure_future(reader.run(work)) for work in works]
        await asyncio.sleep(0)
        free.set()
        return await asyncio.gather(busy, *queued, return_exceptions=True)

    first_codes, db_error, after_error, domain_error, last = asyncio.run(main())
    assert first_codes == after_error == last == ["t1", "t2"]  # PostgreSQL's aborted transaction rolled back
    assert "no_such_column" in str(db_error)
    assert isinstance(domain_error, LookupError)
    assert reader.batches == 2


def test_a_stopped_reader_refuses_new_reads(reader: Reader) -> None:
    reader.stop()
    assert not reader.started
    with pytest.raises(ReaderStopped):
        asyncio.run(reader.run(hall_codes))
