"""Alibaba Cloud SMS (SendSms, API version 2017-05-25) requests, signed the RPC way.

The signature (SignatureVersion 1.0, HMAC-SHA1) is Alibaba Cloud's documented one:

    canonical     = "&".join(enc(k) + "=" + enc(v) for k, v in sorted(params))   # all but Signature
    string_to_sign = METHOD + "&" + enc("/") + "&" + enc(canonical)
    Signature      = base64(HMAC-SHA1(key=secret + "&", msg=string_to_sign))

where ``enc`` is RFC 3986 percent-encoding of UTF-8 (unreserved ``A-Z a-z 0-9 - _ . ~`` kept; a
space is ``%20``, never ``+``). The tests check it against the worked example of the documentation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

ENDPOINT = "https://dysmsapi.aliyuncs.com/"


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding of UTF-8, as the signature wants it."""
    return quote(value, safe="-_.~")


def canonical_query(params: dict[str, str]) -> str:
    """The sorted, encoded query string (without ``Signature``)."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def string_to_sign(method: str, params: dict[str, str]) -> str:
    """What is signed: the method, the encoded path "/" and the encoded canonical query."""
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def sign(method: str, params: dict[str, str], secret: str) -> str:
    """The request's ``Signature`` (base64 of HMAC-SHA1 keyed with ``secret + "&"``)."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def common_params(
    access_key_id: str, now: datetime | None = None, nonce: str | None = None
) -> dict[str, str]:
    """The parameters every RPC call signs besides its own (a generic gateway's fields add theirs)."""
    return {
        "AccessKeyId": access_key_id,
        "Format": "JSON",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce or str(uuid.uuid4()),
        "SignatureVersion": "1.0",
        "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def send_sms_params(
    *,
    access_key_id: str,
    phone: str,
    sign_name: str,
    template_code: str,
    template_param: dict[str, str],
    out_id: str,
    nonce: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The SendSms request's parameters (``OutId`` carries the outbox's idempotency key)."""
    return {
        **common_params(access_key_id, now, nonce),
        "Action": "SendSms",
        "OutId": out_id,
        "PhoneNumbers": phone,
        "RegionId": "cn-hangzhou",
        "SignName": sign_name,
        "TemplateCode": template_code,
        "TemplateParam": json.dumps(template_param, ensure_ascii=False, separators=(",", ":")),
        "Version": "2017-05-25",
    }


def signed_query(method: str, params: dict[str, str], secret: str) -> str:
    """The full query string, ``Signature`` first as the documentation shows it."""
    return f"Signature={percent_encode(sign(method, params, secret))}&{canonical_query(params)}"
