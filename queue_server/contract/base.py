"""The base of every wire model, the API's prefix and the bounds of free text."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

API_PREFIX = "/api/v1"
DEVICE_COOKIE = "hallq_device"  # a board or window screen keeps its device token here


class Model(BaseModel):
    """Base of every wire model: unknown fields are refused so typos fail loudly."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- text limits
# Every free-text field of a request has a bound, so no client can store a novel in a name.

ROW_ID_MAX = 2**63 - 1  # row ids are signed 64-bit integers in both databases
Code = Annotated[str, Field(max_length=40)]  # codes and numbers people type: service, window, staff no
Personal = Annotated[str, Field(max_length=32)]  # an ID card or phone number, before it is checked
Language = Literal["zh-CN", "en"]  # a citizen's language: the wording of the SMS notices they get
Password = Annotated[str, Field(max_length=128)]  # hashing a longer one would only cost the server
Name = Annotated[str, Field(max_length=100)]  # a person's, a service's or a theme's name
Line = Annotated[str, Field(max_length=500)]  # one line of a guide or a checklist
Text = Annotated[str, Field(max_length=2000)]  # a paragraph


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a local wall-clock time, without a UTC offset")
    return value


def _hall_day(value: date) -> date:
    if not date(1970, 1, 1) <= value <= date(2999, 12, 31):
        raise ValueError("a day between 1970-01-01 and 2999-12-31")
    return value


WallTime = Annotated[time, AfterValidator(_wall_clock)]  # the hall's local time, as its clocks show it
Day = Annotated[date, AfterValidator(_hall_day)]  # a day whose neighbours and month ends exist too
