"""Where the outbox's messages are sent from: threads of the server's own process, or a process of
its own that the dispatcher starts and stops.

The dispatcher claims a batch (a writer job, in the server) and hands it here with each message's
gateway settings; what comes back is one receipt a message, in the batch's order. Sending is
decrypting the number, signing, one HTTP exchange: ~0.1 ms of Python a message, which in the
server's process runs on the interpreter lock beside the event loop and the writer. In the sending
process (``ProcessSender``, what ``hallq serve`` runs) it leaves the server: the claim and the
record stay the server's writer jobs, so the leases, the order per citizen and SQLite's one
writing process are as before, and the process only ever sees what it is handed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from queue_server.domain.outbox import Outcome
from queue_server.ops.logs import configure
from queue_server.services.outbox.ports import Gateway, MessageRow, Receipt

log = logging.getLogger(__name__)

GatewayFactory = Callable[[Mapping[str, Any]], Gateway]
# One message to send: its gateway's settings (their fingerprint, then the settings) and itself.
Work = tuple[str, Mapping[str, Any], MessageRow]
# One request of a batch: its gateway, its messages' places in the batch, and the messages.
Request = tuple[Gateway, list[int], list[MessageRow]]
MAX_GATEWAYS = 256  # gateways kept (each with its kept-alive connections), one per settings seen


class ThreadSender:
    """Sends batches on ``senders`` threads, each gateway built once per settings fingerprint: in
    the server's own process (``send``; tests of the dispatcher alone, benchmarks) or in the sending
    process (``send_blocking``)."""

    def __init__(self, build: GatewayFactory, senders: int = 16) -> None:
        self.build = build
        self.senders = senders
        self.pool = ThreadPoolExecutor(senders, thread_name_prefix="hallq-outbox")
        self.gateways: dict[str, Gateway] = {}

    def _gateway(self, fingerprint: str, settings: Mapping[str, Any]) -> Gateway:
        gateway = self.gateways.get(fingerprint)
        if gateway is None:
            if len(self.gateways) >= MAX_GATEWAYS:  # settings changed many times: drop the old ones
                self.gateways.clear()
            gateway = self.gateways[fingerprint] = self.build(settings)
        return gateway

    def slices(self, work: list[Work]) -> list[list[Request]]:
        """The batch as requests (a message alone, or up to its gateway's ``batch_size`` of them
        together), cut into one slice per thread (a batch holds at most one message per citizen, so
        nothing in it waits for another)."""
        requests: list[Request] = []
        filling: dict[str, Request] = {}  # a batching gateway's request still taking messages
        for i, (fingerprint, settings, message) in enumerate(work):
            gateway = self._gateway(fingerprint, settings)
            request = filling.get(fingerprint)
            if request is None or len(request[1]) >= gateway.batch_size:
                request = (gateway, [], [])
                requests.append(request)
                if gateway.batch_size > 1:
                    filling[fingerprint] = request
            request[1].append(i)
            request[2].append(message)
        return [requests[start :: self.senders] for start in range(min(self.senders, len(requests)))]

    @staticmethod
    def joined(work: list[Work], sent: list[list[tuple[list[int], list[Receipt]]]]) -> list[Receipt]:
        """The requests' receipts back in the batch's order."""
        receipts: list[Receipt] = [Receipt(Outcome.FAILED.value)] * len(work)
        for part in sent:
            for positions, answered in part:
                for i, receipt in zip(positions, answered, strict=True):
                    receipts[i] = receipt
        return receipts

    def send_blocking(self, work: list[Work]) -> list[Receipt]:
        """A batch sent from this thread's process (the sending process's side)."""
        futures = [self.pool.submit(send_slice, part) for part in self.slices(work)]
        return self.joined(work, [future.result() for future in futures])

    async def send(self, work: list[Work]) -> list[Receipt]:
        """A batch sent on this process's threads: the event loop is woken once a slice."""
        loop = asyncio.get_running_loop()
        parts = self.slices(work)
        sent = await asyncio.gather(*(loop.run_in_executor(self.pool, send_slice, part) for part in parts))
        return self.joined(work, list(sent))

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def send_slice(requests: list[Request]) -> list[tuple[list[int], list[Receipt]]]:
    """A slice's requests, sent in turn on one thread, each with its messages' places in the batch;
    a gateway's bug fails its request's messages alone."""
    answered = []
    for gateway, positions, messages in requests:
        try:
            receipts = gateway.send_many(messages)
            if len(receipts) != len(messages):
                raise ValueError(f"{len(receipts)} receipts for {len(messages)} messages")
        except Exception as error:  # a gateway bug must not lose the messages: they are tried again
            ids = ", ".join(str(message.id) for message in messages)
            log.exception("gateway for %s failed on messages %s", messages[0].destination, ids)
            receipts = [Receipt(Outcome.FAILED.value, f"{type(error).__name__}: {error}")] * len(messages)
        answered.append((positions, receipts))
    return answered


class ProcessSender:
    """Sends from a process of its own, started with the first batch and stopped with the server.

    A plain ``python -c`` child (not ``multiprocessing``, whose spawn imports the server's whole
    main module first, a second or more before the first notice could go, and whose pool workers
    outlive a server killed with ``kill -9``). Batches go to it over its stdin and receipts come
    back over its stdout, one pickle each way (a pipe between the server and its own child). It
    leaves when its stdin closes, which is also what a dead server's pipe does. The server's log
    format goes to it first, then ``build`` (a module-level function, or a ``functools.partial``
    of one with the server's key for the numbers); the gateways' secrets are read from the
    environment it inherits. If it dies, the batch it held comes back failed (each message tried
    again after its pause, under its idempotency key) and the next batch starts a new one.
    """

    def __init__(self, build: GatewayFactory, senders: int = 16, log_format: str = "text") -> None:
        # The process logs as the server does (text or JSON lines, personal numbers masked), from
        # before it reads ``build`` (whose modules it imports then); ``build`` is refused now if it
        # cannot cross over.
        self._start_with = pickle.dumps(log_format) + pickle.dumps((build, senders))
        self._process: subprocess.Popen[bytes] | None = None
        self._io = ThreadPoolExecutor(1, thread_name_prefix="hallq-outbox-pipe")
        self.started = 0  # sending processes started (a new one after one died)
        # Closing and starting a process take turns: a batch in flight on the pipe's thread when
        # the server stops must not start a process after ``close`` (nothing would stop it).
        self._turn = threading.Lock()
        self._closed = False

    async def send(self, work: list[Work]) -> list[Receipt]:
        return await asyncio.get_running_loop().run_in_executor(self._io, self._exchange, work)

    def _exchange(self, work: list[Work]) -> list[Receipt]:
        """One batch there and its receipts back (on the pipe's own thread, one batch at a time)."""
        try:
            process = self._running()
            try:
                _write(process, work)
            except OSError:  # it died between batches, holding nothing: a new one takes this batch
                process = self._restart()
                _write(process, work)
            return list(pickle.load(process.stdout))  # type: ignore[arg-type]
        except (OSError, EOFError, ValueError, pickle.UnpicklingError):  # ValueError: closed meanwhile
            if self._closed:  # the server stops: the batch is sent again after its lease
                return [Receipt(Outcome.FAILED.value, "the server stopped")] * len(work)
            log.error("the outbox's sending process died during a batch; it will be sent again")
            self._stop()
            return [Receipt(Outcome.FAILED.value, "the sending process died")] * len(work)

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            return self._restart()
        return self._process

    def _restart(self) -> subprocess.Popen[bytes]:
        with self._turn:
            self._stop()
            if self._closed:
                raise BrokenPipeError("the sender is closed")
            command = [sys.executable, "-c", "from queue_server.adapters.sending import serve; serve()"]
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            self._process = process
            self.started += 1
        assert process.stdin is not None
        process.stdin.write(self._start_with)
        process.stdin.flush()
        return process

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[union-attr]
        try:
            process.wait(timeout=2)  # its stdin closed: it leaves after the batch in hand
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self) -> None:
        with self._turn:
            self._closed = True
        self._io.shutdown(wait=False, cancel_futures=True)
        self._stop()


def _write(process: subprocess.Popen[bytes], work: list[Work]) -> None:
    assert process.stdin is not None
    pickle.dump(work, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
    process.stdin.flush()


def serve() -> None:
    """The sending process: the server's log format and its gateways' factory first, then batch
    after batch until its stdin closes (the server stopped, or died), each answered with its
    receipts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which closes the pipe
    batches, receipts = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the receipts' pipe
    configure(pickle.load(batches), part="sending")
    build, senders = pickle.load(batches)
    sending = ThreadSender(build, senders)
    while True:
        try:
            work = pickle.load(batches)
        except EOFError:
            return
        try:
            answer = sending.send_blocking(work)
        except Exception as error:  # a gateway that cannot be built fails its batch, not the process
            log.exception("the outbox's sending process could not send a batch")
            answer = [Receipt(Outcome.FAILED.value, f"{type(error).__name__}: {error}")] * len(work)
        pickle.dump(answer, receipts, protocol=pickle.HIGHEST_PROTOCOL)
        receipts.flush()
