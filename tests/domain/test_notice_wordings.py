"""A notice's wording is checked when a hall saves it: only the placeholders its notice fills in."""

from __future__ import annotations

import pytest

from queue_server.domain.errors import Rejected
from queue_server.domain.notices import DEFAULT_TEMPLATES, KINDS, PLACEHOLDERS, SAMPLES, check_wording


def refusal(kind: str, wording: str, language: str = "zh") -> Rejected:
    with pytest.raises(Rejected) as refused:
        check_wording(kind, language, wording)
    return refused.value


def test_every_notice_lists_its_placeholders_and_its_default_wording_uses_only_those() -> None:
    assert set(PLACEHOLDERS) == set(KINDS) == set(DEFAULT_TEMPLATES)
    for kind in KINDS:
        check_wording(kind, "zh", DEFAULT_TEMPLATES[kind])
        assert set(PLACEHOLDERS[kind]) <= set(SAMPLES)  # the settings page can preview each


def test_a_placeholder_another_notice_has_is_refused_with_where_and_what_it_may_use() -> None:
    refused = refusal("ahead", "{number} 请到 {window} 号窗口", "en")
    assert refused.code == "settings.notice_placeholder"
    assert refused.fields == {
        "notice": "ahead",
        "at": "notices.templates.ahead.en",
        "name": "window",
        "known": "{hall} {number} {service} {ahead}",
    }


@pytest.mark.parametrize("wording", ["{number", "number}", "{number!r}", "{ahead:>3}"])
def test_broken_braces_and_formats_are_refused(wording: str) -> None:
    assert refusal("taken", wording).code == "settings.notice_template"


def test_literal_braces_an_empty_wording_and_plain_text_pass() -> None:
    for wording in ("{{注意}} {number}", "", "请留意叫号"):
        check_wording("called", "zh", wording)
