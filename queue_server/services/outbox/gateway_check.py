"""A hall's gateway settings checked when saved: body templates, and the signature they allow."""

from __future__ import annotations

from queue_server import contract as c
from queue_server.domain.errors import Rejected
from queue_server.domain.gateway_body import check_body


def check_gateway(gateway: c.GatewaySettings, *, sms: bool) -> None:
    """Refuse settings the gateway could never send by (a clear code rather than a dead letter)."""
    if gateway.kind != "http":
        return  # the log and Alibaba Cloud's SendSms read none of the generic gateway's fields
    if gateway.batch_size > 1 and gateway.body:
        # Only HallQ's own JSON has a batch form: a shaped request would silently ignore the size.
        raise Rejected("settings.gateway_batch_shape", setting="batch_size")
    check_body(gateway.body, sms=sms)
    shaped = gateway.method != "POST" or gateway.body_format != "json" or gateway.signature != "hmac_sha256"
    if shaped and not gateway.body:  # HallQ's own JSON is POSTed and HMAC-signed: nothing else
        raise Rejected("settings.gateway_needs_body")
    if gateway.signature == "aliyun_rpc" and gateway.method != "GET" and gateway.body_format == "json":
        raise Rejected("settings.gateway_rpc_form")


def check_gateways(settings: c.HallSettingsModel) -> None:
    """Both destinations' gateways of a hall's settings; a refusal says which (``at``, the request
    fields of that gateway), so the settings page shows it beside them."""
    for at, gateway, sms in (
        ("notices.gateway", settings.notices.gateway, True),
        ("evaluation_push.gateway", settings.evaluation_push.gateway, False),
    ):
        try:
            check_gateway(gateway, sms=sms)
        except Rejected as error:
            error.fields.setdefault("at", f"{at}.{error.fields.pop('setting', 'body')}")
            raise
