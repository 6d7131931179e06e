"""The 好差评 rating scale is defined once and every side speaks it by name, never by position."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evaluator_device import protocol
from queue_server import contract
from queue_server.domain import evaluations
from queue_server.domain.rating import BAD_LEVELS, LEVEL_NAMES, EvaluationLevel

PROTOCOL_MD = Path(__file__).resolve().parents[2] / "evaluator_device" / "PROTOCOL.md"


def test_the_contract_the_rules_and_the_pad_codec_share_one_scale() -> None:
    assert contract.EvaluationLevel is EvaluationLevel
    assert evaluations.Level is EvaluationLevel
    assert protocol.Level is EvaluationLevel


def test_each_pad_key_names_one_level_and_back() -> None:
    assert [level.key for level in EvaluationLevel] == [1, 2, 3, 4, 5]
    for level in EvaluationLevel:
        assert EvaluationLevel.of_key(level.key) is level
    with pytest.raises(KeyError):
        EvaluationLevel.of_key(6)


def test_the_level_bytes_are_those_protocol_md_promises() -> None:
    table = re.findall(r"^\| (\d) \| (\S+) \| (好评|差评) \|$", PROTOCOL_MD.read_text(encoding="utf-8"), re.M)
    assert len(table) == 5
    for byte, name, verdict in table:
        level = EvaluationLevel.of_key(int(byte))
        assert LEVEL_NAMES[level] == name
        assert (level in BAD_LEVELS) == (verdict == "差评")
