"""The request a hall's generic HTTP SMS gateway expects: field templates, checked when saved.

Each gateway contract names its own fields ("mobile", "content", "tpl_id", …). A hall writes them
as templates with placeholders (``{"mobile": "{phone}", "content": "{text}"}``); HallQ fills them per
message. A template with an unknown placeholder or a broken brace is refused when the settings are
saved (a stable code for each), never discovered by the dispatcher at three in the morning.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from queue_server.domain.errors import Rejected

# What a template may name: the number (decrypted just before sending), the notice's text, the
# hall's SMS template code and its parameters (JSON), the message's idempotency key, the time of
# the send (ISO 8601, UTC), the message's kind, and the whole payload as JSON (the 好差评 push).
PLACEHOLDERS = ("phone", "text", "template_code", "template_params", "key", "timestamp", "kind", "data")
# What the 好差评 push's templates may name: a rating has no number, no text and no SMS template,
# so only the message's own values and its data.
PUSH_PLACEHOLDERS = ("key", "timestamp", "kind", "data")
_FORMATTER = Formatter()


def placeholders_of(field: str, template: str, known: tuple[str, ...] = PLACEHOLDERS) -> set[str]:
    """The placeholders ``template`` names; refused if one is not ``known`` or the braces are broken."""
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as error:  # a lone "{" or "}": literal braces are written "{{" and "}}"
        raise Rejected("settings.gateway_template", field=field, detail=str(error)) from error
    named: set[str] = set()
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in known:
            raise Rejected("settings.gateway_placeholder", field=field, name=name, known=", ".join(known))
        if spec or conversion:  # "{phone!r}", "{text:>20}": formatting a gateway never needs
            raise Rejected("settings.gateway_template", field=field, detail=f"{{{name}}} takes no format")
        named.add(name)
    return named


def check_body(fields: Mapping[str, str], *, sms: bool) -> None:
    """Refuse a body whose templates are broken or name what its destination never fills in (the
    push: SMS-only values), or an SMS body that never names the number."""
    known = PLACEHOLDERS if sms else PUSH_PLACEHOLDERS
    named: set[str] = set()
    for field, template in fields.items():
        named |= placeholders_of(field, template, known)
    if sms and fields and "phone" not in named:
        raise Rejected("settings.gateway_no_phone", placeholder="{phone}")


def fill_body(fields: Mapping[str, str], values: Mapping[str, str]) -> dict[str, str]:
    """Each field's template filled with ``values`` (every placeholder given a value)."""
    return {field: template.format_map(values) for field, template in fields.items()}
