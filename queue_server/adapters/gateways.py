"""The gateways that carry outbox messages: a signed HTTP JSON gateway (SMS or the 好差评 platform),
the same shaped by a hall's contract (method, field templates, form or JSON, signature scheme),
Alibaba Cloud SMS, and a log-only backend for halls without a contract.

A gateway answers every send with a ``Receipt``: delivered, failed (try again later: the gateway was
away, slow or busy) or refused (the message itself is wrong: trying again cannot help). It never
raises for the far side's trouble. The phone number is decrypted here, just before it leaves, and
logged only masked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import socket
import ssl
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import SplitResult, urlencode, urlsplit

import httptools

from queue_server.adapters import aliyun_sms
from queue_server.domain.gateway_body import fill_body
from queue_server.domain.outbox import Outcome
from queue_server.services.outbox.ports import Gateway, MessageRow, Receipt
from queue_server.services.pii import reveal

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-HallQ-Signature"
TIMESTAMP_HEADER = "X-HallQ-Timestamp"
KEY_HEADER = "Idempotency-Key"
RETRYABLE = {408, 425, 429}


def body_signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 (hex) of ``timestamp + "\\n" + body``: what the HTTP gateway checks."""
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def _reason(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")[:300]
    if isinstance(data, dict):
        return str(data.get("reason") or data.get("Message") or data.get("message") or data)[:300]
    return str(data)[:300]


class _Answer:
    """What ``httptools`` reads of one answer: its body, whether it is whole, and whether the
    connection stays open after it (asked while the parser is on it: after, it has moved on)."""

    __slots__ = ("body", "complete", "headers_done", "keep", "parser")

    def __init__(self) -> None:
        self.body: list[bytes] = []
        self.complete = False
        self.headers_done = False
        self.keep = False
        self.parser = httptools.HttpResponseParser(self)

    def on_headers_complete(self) -> None:
        self.headers_done = True
        self.keep = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class _Stale(Exception):
    """The far side closed a kept connection before this exchange was answered."""


class Connection:
    """One kept HTTP/1.1 connection: a request goes out as one write of bytes built here, its
    answer is parsed by ``httptools`` (the C parser uvicorn serves with). ``http.client`` cost a
    sending thread ~0.28 ms of CPU a message on loopback, most of it in writing headers and body
    as two segments and in parsing the answer's headers with the ``email`` package; this is the
    part of sending that runs on the server's cores for every SMS."""

    def __init__(self, url: SplitResult, timeout: float) -> None:
        self.host = url.hostname or "localhost"
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.tls = url.scheme == "https"
        self.netloc = url.netloc
        self.timeout = timeout
        self.sock: socket.socket | None = None

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """Send one request and read its answer: (status, body). Raises ``_Stale`` when a kept
        connection turns out closed before any of the answer came, ``OSError`` for the rest."""
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.netloc}"]
        for name, value in headers.items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise ValueError(f"header {name!r} holds a line break")
            lines.append(f"{name}: {value}")
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        fresh = self.sock is None
        sock = self.sock = self.sock or self._open()
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError) as error:
            self.close()
            raise (OSError(error) if fresh else _Stale(str(error))) from error
        answer = _Answer()
        parser = answer.parser
        got = False
        while not answer.complete:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError as error:
                self.close()
                if got or fresh:
                    raise
                raise _Stale(str(error)) from error
            if not chunk:  # closed: an answer without a length ends here; nothing at all is stale
                self.close()
                if answer.headers_done:
                    break
                if got or fresh:
                    raise ConnectionError("the connection closed in the middle of the answer")
                raise _Stale("the far side closed the kept connection")
            got = True
            try:
                parser.feed_data(chunk)
            except httptools.HttpParserError as error:
                self.close()
                raise ConnectionError(f"a malformed answer: {error}") from error
        if not answer.keep:
            self.close()
        return int(parser.get_status_code()), b"".join(answer.body)


class KeepAlive:
    """One persistent HTTP connection per sending thread and origin: a backlog of thousands of
    messages pays the TCP (and TLS) set-up once per thread, not once per message."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self, url: SplitResult) -> Connection:
        pool: dict[str, Connection] = self._local.__dict__.setdefault("pool", {})
        origin = f"{url.scheme}://{url.netloc}"
        conn = pool.get(origin)
        if conn is None:
            conn = pool[origin] = Connection(url, self.timeout)
        return conn

    def exchange(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """Status and body of one exchange; status 0 when the far side was not reached. A kept
        connection the far side closed meanwhile is opened again once (the message carries its
        idempotency key, so a send repeated this way is still delivered once)."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn = self._connection(parts)
        for attempt in (1, 2):
            try:
                return conn.request(method, target, body, headers)
            except _Stale as error:
                if attempt == 2:
                    return 0, str(error).encode()
            except OSError as error:
                conn.close()
                return 0, f"{type(error).__name__}: {error}".encode()
        return 0, b"unreachable"


def _classify(status: int, raw: bytes) -> Receipt:
    return _receipt(status, _reason(raw) if status < 200 or status >= 300 else "")


def _receipt(status: int, reason: str) -> Receipt:
    """What an HTTP status (0: the far side not reached) and the far side's reason make of a send."""
    if 200 <= status < 300 or status == 409:  # 409: the key was delivered before
        return Receipt(Outcome.DELIVERED.value, f"HTTP {status}")
    if 400 <= status < 500 and status not in RETRYABLE:
        return Receipt(Outcome.REFUSED.value, f"HTTP {status}: {reason}")
    return Receipt(Outcome.FAILED.value, f"HTTP {status}: {reason}" if status else reason)


def _batch_receipts(status: int, raw: bytes, keys: Sequence[str]) -> list[Receipt]:
    """A batch's answer, one receipt a key: the whole request's status when it was not taken (each
    message then fares as a single one would), else each message's own ``results`` entry; a message
    the answer does not list is tried again (its key makes a second delivery harmless)."""
    if not 200 <= status < 300:
        return [_classify(status, raw)] * len(keys)
    try:
        listed = json.loads(raw)["results"]
        results = {str(r["key"]): r for r in listed if isinstance(r, dict) and "key" in r}
    except (ValueError, KeyError, TypeError):
        return [Receipt(Outcome.FAILED.value, f"HTTP {status}: the answer lists no results")] * len(keys)
    receipts = []
    for key in keys:
        result = results.get(key)
        if result is None:
            receipts.append(Receipt(Outcome.FAILED.value, "the gateway's answer did not list this message"))
            continue
        try:
            item_status = int(result.get("status", 0))
        except (TypeError, ValueError):
            item_status = 0
        receipts.append(_receipt(item_status, str(result.get("reason") or "")[:300] or "no reason given"))
    return receipts


class OneAtATime(ABC):
    """A gateway whose far side takes one message a request."""

    batch_size = 1

    @abstractmethod
    def send(self, message: MessageRow) -> Receipt: ...

    def send_many(self, messages: Sequence[MessageRow]) -> list[Receipt]:
        return [self.send(message) for message in messages]


class LogGateway(OneAtATime):
    """Writes each message to the log (the number masked) and counts it delivered."""

    def send(self, message: MessageRow) -> Receipt:
        shown = {k: v for k, v in message.payload.items() if k != "phone_cipher"}
        log.info("outbox %s %s (log only): %s", message.kind, message.idempotency_key, shown)
        return Receipt(Outcome.DELIVERED.value, "logged")


class HttpGateway:
    """POSTs each message as JSON, signed with HMAC-SHA256 and carrying its idempotency key; with
    a ``batch_size`` over 1, up to that many messages a request (``{"messages": [...]}``, each with
    its key), answered with one result a message."""

    def __init__(
        self, url: str, secret: str, pii_key: bytes, timeout: float = 5.0, batch_size: int = 1
    ) -> None:
        self.url = url
        self.secret = secret
        self.pii_key = pii_key
        self.http = KeepAlive(timeout)
        self.batch_size = batch_size

    def body(self, message: MessageRow) -> dict[str, Any]:
        """The JSON sent: the payload, the number decrypted in place of its cipher."""
        data = {k: v for k, v in message.payload.items() if k != "phone_cipher"}
        if "phone_cipher" in message.payload:
            data["phone"] = reveal(self.pii_key, str(message.payload["phone_cipher"]))
        return {"key": message.idempotency_key, "kind": message.kind, **data}

    def send(self, message: MessageRow) -> Receipt:
        try:
            body = json.dumps(self.body(message), ensure_ascii=False).encode()
        except ValueError as error:  # a number this server's key cannot decrypt: never deliverable
            return Receipt(Outcome.REFUSED.value, str(error))
        return _classify(*self._post(body, {KEY_HEADER: message.idempotency_key}))

    def send_many(self, messages: Sequence[MessageRow]) -> list[Receipt]:
        if self.batch_size == 1:
            return [self.send(message) for message in messages]
        # A batching gateway gets the batch form every time, a lone message too: one form to take.
        receipts: list[Receipt | None] = [None] * len(messages)
        items: list[tuple[int, dict[str, Any]]] = []
        for i, message in enumerate(messages):
            try:
                items.append((i, self.body(message)))
            except ValueError as error:  # a number this server's key cannot decrypt
                receipts[i] = Receipt(Outcome.REFUSED.value, str(error))
        if items:
            body = json.dumps({"messages": [item for _, item in items]}, ensure_ascii=False).encode()
            keys = [str(item["key"]) for _, item in items]
            for (i, _), receipt in zip(items, _batch_receipts(*self._post(body, {}), keys), strict=True):
                receipts[i] = receipt
        return [receipt for receipt in receipts if receipt is not None]

    def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            **headers,
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: body_signature(self.secret, stamp, body),
        }
        return self.http.exchange("POST", self.url, body, headers)


class AliyunSmsGateway(OneAtATime):
    """Alibaba Cloud SMS (SendSms): the text's fields as the template's parameters."""

    def __init__(self, settings: Mapping[str, Any], secret: str, pii_key: bytes) -> None:
        self.url = str(settings.get("url") or aliyun_sms.ENDPOINT)
        self.settings = settings
        self.secret = secret
        self.pii_key = pii_key
        self.http = KeepAlive(float(settings.get("timeout_seconds", 5.0)))

    def send(self, message: MessageRow) -> Receipt:
        try:
            phone = reveal(self.pii_key, str(message.payload["phone_cipher"]))
        except (KeyError, ValueError) as error:
            return Receipt(Outcome.REFUSED.value, f"no number: {error}")
        params = aliyun_sms.send_sms_params(
            access_key_id=str(self.settings.get("access_key_id", "")),
            phone=phone,
            sign_name=str(self.settings.get("sign_name", "")),
            template_code=str(self.settings.get("template_code", "")),
            template_param={"text": str(message.payload.get("text", ""))},
            out_id=message.idempotency_key,
        )
        query = aliyun_sms.signed_query("GET", params, self.secret)
        return _aliyun_receipt(*self.http.exchange("GET", f"{self.url.rstrip('/')}/?{query}", None, {}))


def _aliyun_receipt(status: int, raw: bytes) -> Receipt:
    """An Alibaba Cloud RPC answer: HTTP 200 carries the verdict in its ``Code``."""
    if status != 200:
        return _classify(status, raw)
    code = _reason_code(raw)
    if code == "OK":
        return Receipt(Outcome.DELIVERED.value, "OK")
    if code.startswith("isv.") and "LIMIT" not in code.upper():
        return Receipt(Outcome.REFUSED.value, code)
    return Receipt(Outcome.FAILED.value, code)


def _reason_code(raw: bytes) -> str:
    try:
        return str(json.loads(raw).get("Code", ""))
    except (ValueError, AttributeError):
        return ""


class ShapedHttpGateway(OneAtATime):
    """The generic HTTP SMS gateway as a hall's contract shapes it: its method, its fields (filled
    from templates), JSON, a form or the query string, and its signature scheme."""

    def __init__(self, settings: Mapping[str, Any], secret: str, pii_key: bytes) -> None:
        self.settings = settings
        self.url = str(settings["url"])
        self.method = str(settings.get("method", "POST"))
        self.form = self.method == "GET" or settings.get("body_format") == "form"
        self.signature = str(settings.get("signature", "hmac_sha256"))
        self.fields: dict[str, str] = dict(settings.get("body") or {})
        self.secret = secret
        self.pii_key = pii_key
        self.http = KeepAlive(float(settings.get("timeout_seconds", 5.0)))

    def values(self, message: MessageRow, now: datetime) -> dict[str, str]:
        """What the placeholders stand for in this message (the number decrypted here)."""
        payload = {k: v for k, v in message.payload.items() if k not in ("phone_cipher", "phone_masked")}
        text = str(payload.get("text", ""))
        cipher = message.payload.get("phone_cipher")
        return {
            "phone": reveal(self.pii_key, str(cipher)) if cipher else "",
            "text": text,
            "template_code": str(self.settings.get("template_code", "")),
            "template_params": json.dumps({"text": text}, ensure_ascii=False, separators=(",", ":")),
            "key": message.idempotency_key,
            "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kind": message.kind,
            "data": json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        }

    def send(self, message: MessageRow) -> Receipt:
        now = datetime.now(UTC)
        try:
            fields = fill_body(self.fields, self.values(message, now))
        except ValueError as error:  # a number this server's key cannot decrypt: never deliverable
            return Receipt(Outcome.REFUSED.value, str(error))
        headers = {KEY_HEADER: message.idempotency_key}
        if self.signature == "aliyun_rpc":
            common = aliyun_sms.common_params(str(self.settings.get("access_key_id", "")), now)
            encoded = aliyun_sms.signed_query(self.method, {**common, **fields}, self.secret).encode()
        elif self.form:
            encoded = urlencode(fields).encode()
        else:
            encoded = json.dumps(fields, ensure_ascii=False).encode()
        if self.signature == "hmac_sha256":  # over the body, or over the query string of a GET
            stamp = str(int(now.timestamp()))
            headers[TIMESTAMP_HEADER] = stamp
            headers[SIGNATURE_HEADER] = body_signature(self.secret, stamp, encoded)
        if self.method == "GET":
            joiner = "&" if urlsplit(self.url).query else "?"
            answer = self.http.exchange("GET", f"{self.url}{joiner}{encoded.decode()}", None, headers)
        else:
            form = "application/x-www-form-urlencoded" if self.form else "application/json; charset=utf-8"
            headers["Content-Type"] = form
            answer = self.http.exchange(self.method, self.url, encoded, headers)
        return _aliyun_receipt(*answer) if self.signature == "aliyun_rpc" else _classify(*answer)


def build_gateway(settings: Mapping[str, Any], pii_key: bytes) -> Gateway:
    """The gateway a hall's settings for one destination describe (its secret from the environment)."""
    kind = str(settings.get("kind", "log"))
    secret = os.environ.get(str(settings.get("secret_env") or ""), "") if settings.get("secret_env") else ""
    timeout = float(settings.get("timeout_seconds", 5.0))
    if kind == "http" and settings.get("url") and settings.get("body"):
        return ShapedHttpGateway(settings, secret, pii_key)
    if kind == "http" and settings.get("url"):
        batch = int(settings.get("batch_size", 1) or 1)
        return HttpGateway(str(settings["url"]), secret, pii_key, timeout, batch)
    if kind == "aliyun":
        return AliyunSmsGateway(settings, secret, pii_key)
    return LogGateway()
