"""The kiosk's one settings object: a TOML file, then HALLQ_KIOSK_* environment variables, then arguments.

A plain pydantic model read by ``load_settings`` (pydantic-settings would cost the kiosk ~8 MB of
imports for what is one loop over the environment).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_PREFIX = "HALLQ_KIOSK_"
PRINTER_SCHEMES = ("network", "serial", "usb", "file", "dummy")
IDCARD_SCHEMES = ("serial",)


class KioskSettings(BaseModel):
    """How one kiosk runs: which server, its device token, its printer, its screen."""

    model_config = ConfigDict(extra="forbid")

    server: str = Field(default="http://127.0.0.1:8000", description="the queue server's base URL")
    token: str = Field(default="", description="the kiosk's device token (hallq token create --role kiosk)")
    device: str = Field(default="kiosk-1", description="the kiosk's name in the hall, in health reports")
    printer: str = Field(
        default="none",
        description="network://HOST:9100 | serial:///dev/ttyS0?baudrate=9600 | usb://0x0416:0x5011 | "
        "file:///dev/usb/lp0 | none",
    )
    paper_mm: Literal[58, 80] = 80
    chinese: Literal["gb18030", "image"] = Field(
        default="gb18030",
        description="GB18030 text mode (FS &), or images for printers without a Chinese ROM",
    )
    printer_font: Literal["gb18030", "gb2312"] = Field(
        default="gb18030",
        description="the printer's Chinese font: gb18030, or gb2312 (what it lacks gets a stand-in: – → -)",
    )
    qr: Literal["native", "image"] = "native"
    materials_on_paper: int = Field(default=3, ge=0, le=20)
    status_url_base: str = Field(
        default="",
        description="the public address phones reach the status page at, for the QR code (default: server)",
    )
    language: Literal["zh", "en"] = "zh"
    idle_seconds: float = Field(
        default=60, gt=0, description="back to the start screen after this long untouched"
    )
    ticket_seconds: float = Field(default=25, gt=0, description="how long the ticket screen stays")
    unprinted_seconds: float = Field(
        default=300, gt=0, description="the ceiling for a ticket that did not print (it waits for 完成)"
    )
    ticket_guard_seconds: float = Field(
        default=1.5, ge=0, description="the ticket screen ignores taps this long after it appears"
    )
    paperless_hold_seconds: float = Field(
        default=600, ge=0, description="a second unprinted ticket for the same service needs a choice"
    )
    idcard: str = Field(
        default="none", description="the ID card reader: serial:///dev/ttyUSB0?baudrate=115200 | none"
    )
    idcard_poll_seconds: float = Field(
        default=0.3, gt=0, description="how often a card is looked for (readers' manuals: not under 0.3 s)"
    )
    fullscreen: bool = True
    width: int = 1080
    height: int = 1920
    voice: bool = True
    state_dir: Path = Path("var/kiosk")
    request_timeout: float = Field(default=5.0, gt=0)
    retry_seconds: float = Field(default=20.0, ge=0, description="how long one tap keeps retrying")
    transition_seconds: float = Field(default=0.2, ge=0)
    printer_poll_seconds: float = Field(default=30.0, gt=0)
    refresh_seconds: float = Field(default=60.0, gt=0)
    printer_timeout: float = Field(default=3.0, gt=0)

    @field_validator("paper_mm", mode="before")
    @classmethod
    def _paper_from_text(cls, value: Any) -> Any:
        """``HALLQ_KIOSK_PAPER_MM=58`` arrives as text; the literal wants the number."""
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value

    @field_validator("printer", "idcard")
    @classmethod
    def _device_url(cls, value: str, info: Any) -> str:
        """A device address the kiosk can open, refused at start rather than after the window opens."""
        schemes = PRINTER_SCHEMES if info.field_name == "printer" else IDCARD_SCHEMES
        if value in ("", "none"):
            return value
        scheme = value.partition("://")[0] if "://" in value else ""
        if scheme not in schemes:
            raise ValueError(f"{value!r} is not one of {' | '.join(s + '://…' for s in schemes)} | none")
        return value

    @field_validator("server", "status_url_base")
    @classmethod
    def _web_address(cls, value: str) -> str:
        """An http(s) address (the QR code must open in a phone's browser)."""
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.netloc):
            raise ValueError(f"{value!r} is not an http:// or https:// address")
        return value

    @property
    def status_base(self) -> str:
        """The base URL the ticket's QR code points at."""
        return (self.status_url_base or self.server).rstrip("/")


def load_settings(config_file: Path | None = None, **overrides: Any) -> KioskSettings:
    """Settings from ``config_file`` (TOML), overridden by the environment, then by ``overrides``."""
    data: dict[str, Any] = {}
    if config_file is not None:
        with config_file.open("rb") as handle:
            data = dict(tomllib.load(handle).get("kiosk", {}))
    data.update(from_environment())
    data.update({k: v for k, v in overrides.items() if v is not None})
    return KioskSettings(**data)


def settings_problems(error: ValidationError) -> list[str]:
    """One line per wrong setting, as an operator reads it: "printer: 'lpt://x' is not one of …"."""
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "settings"
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return lines


def from_environment() -> dict[str, str]:
    """The settings given as HALLQ_KIOSK_<NAME> variables (any case), as text for pydantic to convert."""
    fields = {f"{ENV_PREFIX}{name}".upper(): name for name in KioskSettings.model_fields}
    return {fields[key.upper()]: value for key, value in os.environ.items() if key.upper() in fields}
