"""A claimed batch as requests: a gateway that takes batches gets up to its ``batch_size`` messages
a request, one that does not gets one a request, and the receipts come back in the batch's order;
a gateway that breaks fails its own request's messages alone."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from queue_server.adapters.gateways import OneAtATime
from queue_server.adapters.sending import ThreadSender
from queue_server.services.outbox.ports import Gateway, MessageRow, Receipt

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def message(n: int, destination: str = "sms") -> MessageRow:
    payload = {"text": f"m{n}"}
    key, order = f"k{n}", f"sms:{n}"
    return MessageRow(n, 1, destination, "sms.taken", key, order, payload, "pending", 0, NOW, NOW, None, None)


class Batching:
    """Takes up to ``batch_size`` messages a request; refuses the ids in ``refuse``."""

    def __init__(self, batch_size: int, refuse: frozenset[int] = frozenset(), broken: bool = False) -> None:
        self.batch_size = batch_size
        self.refuse = refuse
        self.broken = broken
        self.requests: list[list[int]] = []

    def send(self, message: MessageRow) -> Receipt:
        return self.send_many([message])[0]

    def send_many(self, messages: Sequence[MessageRow]) -> list[Receipt]:
        self.requests.append([m.id for m in messages])
        if self.broken:
            raise RuntimeError("a bug in the gateway")
        return [
            Receipt("refused" if m.id in self.refuse else "delivered", m.payload["text"]) for m in messages
        ]


class Single(OneAtATime):
    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, message: MessageRow) -> Receipt:
        self.sent.append(message.id)
        return Receipt("delivered", message.payload["text"])


def sender(gateways: dict[str, Gateway]) -> ThreadSender:
    return ThreadSender(lambda settings: gateways[str(settings["name"])], senders=4)


def work(names: Sequence[str]) -> list[tuple[str, Mapping[str, Any], MessageRow]]:
    return [(name, {"name": name}, message(n)) for n, name in enumerate(names)]


def test_a_batching_gateway_gets_its_batch_size_a_request_and_the_receipts_keep_their_order() -> None:
    batching, single = Batching(3, refuse=frozenset({4})), Single()
    sending = sender({"b": batching, "s": single})
    names = ["b", "s", "b", "b", "b", "s", "b", "b", "b"]
    receipts = asyncio.run(sending.send(work(names)))
    sending.close()
    assert [r.detail for r in receipts] == [f"m{n}" for n in range(len(names))]
    assert [r.outcome for r in receipts] == ["delivered"] * 4 + ["refused"] + ["delivered"] * 4
    assert sorted(batching.requests) == [[0, 2, 3], [4, 6, 7], [8]]
    assert sorted(single.sent) == [1, 5]


def test_a_gateway_that_breaks_fails_its_own_request_s_messages_alone() -> None:
    broken, fine = Batching(10, broken=True), Batching(10)
    sending = sender({"x": broken, "ok": fine})
    receipts = sending.send_blocking(work(["x", "ok", "x", "ok"]))
    sending.close()
    assert [r.outcome for r in receipts] == ["failed", "delivered", "failed", "delivered"]
    assert receipts[0].detail == "RuntimeError: a bug in the gateway"
    assert broken.requests == [[0, 2]] and fine.requests == [[1, 3]]


def test_a_gateway_answering_fewer_receipts_than_messages_has_them_all_tried_again() -> None:
    short = Batching(10)
    short.send_many = lambda messages: [Receipt("delivered")]  # type: ignore[method-assign]
    sending = sender({"s": short})
    receipts = sending.send_blocking(work(["s", "s", "s"]))
    sending.close()
    assert [(r.outcome, r.detail) for r in receipts] == [
        ("failed", "ValueError: 1 receipts for 3 messages")
    ] * 3
