"""A gateway emulator: an SMS gateway and the provincial 好差评 platform, over real HTTP.

It accepts what HallQ's gateways send, shaped like the real ones, and checks their signatures:

- ``POST /sms`` and ``POST /evaluations``: HallQ's signed JSON (``X-HallQ-Timestamp`` and
  ``X-HallQ-Signature`` = hex HMAC-SHA256 of ``timestamp + "\\n" + body``; ``Idempotency-Key``),
  or a batch of them (``{"messages": [...]}``, each with its ``key``), answered with one result a
  message;
- ``GET /?Action=SendSms&…``: Alibaba Cloud's SendSms RPC call (HMAC-SHA1 ``Signature``; ``OutId``
  taken as the idempotency key);
- ``GET|POST|PUT /generic``: a generic HTTP SMS gateway as a hall's contract shapes it (fields as
  JSON, a form or the query string; HallQ's HMAC header, Alibaba's RPC ``Signature``, or unsigned
  when the emulator has no secret), recorded with its method, format and fields.

Each accepted message is recorded once per idempotency key (a JSON line in ``record`` when given);
a repeated key is answered as delivered and not recorded again. It can misbehave on purpose: fail a
share of requests (503), be away for a while (503 for ``down_for`` seconds from start, or until told
otherwise through ``POST /control``), answer slowly, refuse a rating missing its data items, and
refuse (422) a notice to a number that unsubscribed (``{"unsubscribed": [...]}`` to ``/control``),
its reason naming the number as real gateways do.
``GET /received`` lists what it recorded.
"""

from __future__ import annotations

import hmac
import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from queue_server.adapters import aliyun_sms
from queue_server.adapters.gateways import body_signature

log = logging.getLogger(__name__)

# The data items the platform refuses a rating without (GB/T 39735's mandatory ones HallQ holds).
RATING_REQUIRED = ("hall_code", "evaluation_id", "service_code", "ticket", "channel", "level", "rated_at")
UPDATE_REQUIRED = ("hall_code", "evaluation_id", "stage")


@dataclass
class Behaviour:
    """How the emulator misbehaves right now."""

    fail_rate: float = 0.0
    down_until: float = 0.0  # time.monotonic() before which every request gets 503
    slow: float = 0.0  # seconds to wait before answering
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random)


class GatewayEmulator:
    """The emulator's state: what it received, by idempotency key, and how it behaves."""

    def __init__(
        self, secret: str = "", record: Path | None = None, behaviour: Behaviour | None = None
    ) -> None:
        self.secret = secret
        self.record = record
        self.behaviour = behaviour or Behaviour()
        self.received: list[dict[str, Any]] = []
        self.keys: set[str] = set()
        self.requests = 0
        self.batches = 0  # requests in the batch form
        self.duplicates = 0
        self.unsubscribed: set[str] = set()  # numbers that replied TD (退订): refused, by number
        self.lock = threading.Lock()

    def misbehaves(self) -> tuple[int, dict[str, Any]] | None:
        """A 503 when down or unlucky; waits first when slow."""
        b = self.behaviour
        if b.slow:
            time.sleep(b.slow)
        if time.monotonic() < b.down_until:
            return 503, {"reason": "gateway down"}
        if b.fail_rate and b.rng.random() < b.fail_rate:
            return 503, {"reason": "try again later"}
        return None

    def accept(self, path: str, key: str, item: dict[str, Any]) -> dict[str, Any]:
        """Record ``item`` once per key; the answer says whether it was new."""
        with self.lock:
            if key in self.keys:
                self.duplicates += 1
                return {"ok": True, "duplicate": True, "key": key}
            self.keys.add(key)
            entry = {"at": time.time(), "path": path, "key": key, **item}
            self.received.append(entry)
            if self.record is not None:
                with self.record.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return {"ok": True, "duplicate": False, "key": key}

    def judge_rating(self, data: dict[str, Any]) -> str | None:
        """The platform's reason to refuse a submission (a rating, or an update of one), or None."""
        update = data.get("kind") == "evaluation.follow_up"
        missing = [n for n in (UPDATE_REQUIRED if update else RATING_REQUIRED) if data.get(n) in (None, "")]
        if missing:
            return f"missing data items: {', '.join(missing)}"
        if not update and int(data["level"]) <= 2 and not data.get("reasons"):
            return "差评须附差评内容 (a bad rating needs its reasons)"
        if update:
            with self.lock:
                known = {r.get("evaluation_id") for r in self.received if r["path"] == "/evaluations"}
            if data["evaluation_id"] not in known:
                return f"unknown evaluation {data['evaluation_id']}"
        return None

    def signed_json(self, headers: Any, raw: bytes) -> tuple[int, dict[str, Any]] | dict[str, Any]:
        """The JSON body if its HallQ signature holds, or the error answer."""
        stamp = headers.get("X-HallQ-Timestamp", "")
        given = headers.get("X-HallQ-Signature", "")
        if self.secret and not hmac.compare_digest(given, body_signature(self.secret, stamp, raw)):
            return 401, {"reason": "bad signature"}
        try:
            data = json.loads(raw)
        except ValueError:
            return 400, {"reason": "body is not JSON"}
        if not isinstance(data, dict):
            return 400, {"reason": "body is not an object"}
        if "messages" in data:  # the batch form: each message carries its own key
            batch = data["messages"]
            if not isinstance(batch, list) or not batch or not all(isinstance(m, dict) for m in batch):
                return 400, {"reason": "messages is not a list of objects"}
            return data
        if not headers.get("Idempotency-Key"):
            return 400, {"reason": "no idempotency key"}
        return data

    def message(self, path: str, key: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One SMS or rating (alone, or one of a batch): its answer."""
        if not key:
            return 400, {"reason": "no idempotency key"}
        if path == "/sms":
            if not str(data.get("phone", "")).isdigit():
                return 400, {"reason": "no valid phone number"}
            if data["phone"] in self.unsubscribed:  # as real gateways answer, naming it
                return 422, {"reason": f"{data['phone']} 已退订 (the number unsubscribed)"}
            item = {"kind": data.get("kind"), "phone": data["phone"], "text": data.get("text", "")}
            return 200, self.accept("/sms", key, item)
        if path == "/evaluations":
            refused = self.judge_rating(data)
            if refused:
                return 422, {"reason": refused}
            return 200, self.accept("/evaluations", key, data)
        return 404, {"reason": "no such endpoint"}

    def batch(self, path: str, messages: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        """A batch's answer: 200 with one result a message, in order (``key``, ``status`` as the
        single form would answer it, and ``reason`` where refused)."""
        if path not in ("/sms", "/evaluations"):
            return 404, {"reason": "no such endpoint"}
        self.batches += 1
        results = []
        for data in messages:
            key = str(data.get("key") or "")
            status, answer = self.message(path, key, data)
            results.append({"key": key, "status": status, **answer})
        return 200, {"results": results}

    def aliyun(self, query: str) -> tuple[int, dict[str, Any]]:
        """Alibaba Cloud's SendSms, its signature checked with the emulator's secret."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        given = params.pop("Signature", "")
        if self.secret and not hmac.compare_digest(given, aliyun_sms.sign("GET", params, self.secret)):
            return 200, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
        if params.get("Action") != "SendSms" or not params.get("PhoneNumbers"):
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "no number"}
        item = {
            "phone": params["PhoneNumbers"],
            "template_param": json.loads(params.get("TemplateParam") or "{}"),
        }
        answer = self.accept("/aliyun/SendSms", params.get("OutId", ""), item)
        return 200, {"Code": "OK", "Message": "OK", "BizId": answer["key"], "RequestId": answer["key"]}

    def shaped(self, method: str, query: str, headers: Any, raw: bytes) -> tuple[int, dict[str, Any]]:
        """A generic HTTP SMS gateway's request, shaped as a hall's contract says (JSON, a form or
        the query string), with its signature checked: HallQ's HMAC header, or Alibaba's RPC
        ``Signature`` parameter; unsigned only when the emulator has no secret."""
        form = method == "GET" or "json" not in headers.get("Content-Type", "")
        signed = query.encode() if method == "GET" else raw
        try:
            fields = dict(parse_qsl(signed.decode(), keep_blank_values=True)) if form else json.loads(raw)
        except ValueError:
            return 400, {"reason": "body is not JSON"}
        if not isinstance(fields, dict):
            return 400, {"reason": "body is not an object"}
        if "Signature" in fields:
            given = fields.pop("Signature")
            if self.secret and not hmac.compare_digest(given, aliyun_sms.sign(method, fields, self.secret)):
                return 200, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
        elif headers.get("X-HallQ-Signature"):
            stamp, given = headers.get("X-HallQ-Timestamp", ""), headers["X-HallQ-Signature"]
            if self.secret and not hmac.compare_digest(given, body_signature(self.secret, stamp, signed)):
                return 401, {"reason": "bad signature"}
        elif self.secret:
            return 401, {"reason": "unsigned request"}
        key = headers.get("Idempotency-Key") or str(fields.get("OutId") or "")
        if not key:
            return 400, {"reason": "no idempotency key"}
        shape = {"method": method, "format": "form" if form else "json", "fields": fields}
        answer = self.accept("/generic", key, shape)
        return 200, {"Code": "OK", "Message": "OK", **answer}


def _handler(emulator: GatewayEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes: with Nagle on, each answer on a kept connection
        # waited for the client's delayed ACK (40 ms), which no real gateway does.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the record is the log
            log.debug(format, *args)

        def _answer(self, status: int, body: Any) -> None:
            raw = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/received":
                with emulator.lock:
                    self._answer(200, {"received": emulator.received, "duplicates": emulator.duplicates})
                return
            emulator.requests += 1
            trouble = emulator.misbehaves()
            if url.path == "/generic":
                self._answer(*(trouble or emulator.shaped("GET", url.query, self.headers, b"")))
                return
            self._answer(*(trouble or emulator.aliyun(url.query)))

        def do_PUT(self) -> None:
            url = urlsplit(self.path)
            raw = self._body()
            emulator.requests += 1
            if url.path != "/generic":
                self._answer(404, {"reason": "no such endpoint"})
                return
            self._answer(*(emulator.misbehaves() or emulator.shaped("PUT", url.query, self.headers, raw)))

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            raw = self._body()
            if url.path == "/control":
                self._control(json.loads(raw or b"{}"))
                return
            emulator.requests += 1
            trouble = emulator.misbehaves()
            if trouble:
                self._answer(*trouble)
                return
            if url.path == "/generic":
                self._answer(*emulator.shaped("POST", url.query, self.headers, raw))
                return
            data = emulator.signed_json(self.headers, raw)
            if isinstance(data, tuple):
                self._answer(*data)
                return
            if "messages" in data:
                self._answer(*emulator.batch(url.path, data["messages"]))
                return
            self._answer(*emulator.message(url.path, self.headers["Idempotency-Key"], data))

        def _control(self, wanted: dict[str, Any]) -> None:
            b = emulator.behaviour
            if "down_for" in wanted:
                b.down_until = time.monotonic() + float(wanted["down_for"])
            if "fail_rate" in wanted:
                b.fail_rate = float(wanted["fail_rate"])
            if "slow" in wanted:
                b.slow = float(wanted["slow"])
            if "unsubscribed" in wanted:
                emulator.unsubscribed = {str(number) for number in wanted["unsubscribed"]}
            self._answer(200, {"fail_rate": b.fail_rate, "down": time.monotonic() < b.down_until})

    return Handler


class MockGateway(ThreadingHTTPServer):
    """The emulator on a port (``serve_forever`` in a thread or as ``hallq mock-gateway``)."""

    daemon_threads = True

    def __init__(self, host: str, port: int, emulator: GatewayEmulator) -> None:
        super().__init__((host, port), _handler(emulator))
        self.emulator = emulator

    @property
    def url(self) -> str:
        """The base URL it answers on."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"
