"""The default rubric is a data file in the domain package, read once and checked like a stored rubric."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from queue_server.domain.errors import Rejected
from queue_server.domain.rubric import default_rubric, from_dict

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "queue_server" / "domain" / "rubric_default.toml"


def test_the_default_rubric_is_read_once_from_a_file_shipped_in_the_package() -> None:
    assert default_rubric() is default_rubric()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["setuptools"]["package-data"]["queue_server"]
    assert any(fnmatch("domain/rubric_default.toml", pattern) for pattern in shipped)
    assert from_dict(tomllib.loads(DATA.read_text(encoding="utf-8"))) == default_rubric()


def test_the_file_is_checked_like_a_stored_rubric() -> None:
    raw = tomllib.loads(DATA.read_text(encoding="utf-8"))
    raw["window"]["sections"][0]["rules"].append(dict(raw["window"]["sections"][0]["rules"][0]))
    with pytest.raises(Rejected) as refused:
        from_dict(raw)
    assert refused.value.code == "assessment.bad_rubric"
    assert refused.value.fields["detail"] == "a rule key appears twice"
