"""The server's one validated settings object (environment variables HALLQ_*, or arguments)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServerSettings(BaseSettings):
    """How a queue server process runs."""

    model_config = SettingsConfigDict(env_prefix="HALLQ_")

    db: str = "hallq.db"
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str | None = None
    secret_key_file: str | None = None
    public_url: str = ""
    cookie_secure: bool = False
    # Proxies whose X-Forwarded-Proto/-For are believed (comma-separated addresses or networks);
    # none by default, so a client cannot claim HTTPS or another address for itself.
    trusted_proxies: str = ""
    migrate: bool = True
    password_workers: int = 1  # threads that hash and check passwords (argon2 is CPU-heavy)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="larger requests answer 413")
    # Operations (docs/operations.md): logs as JSON lines or text, one access line per request,
    # and the bearer token that lets a remote Prometheus read /metrics (loopback needs none).
    log_format: str = Field(default="text", pattern="^(text|json)$")
    access_log: bool = False
    metrics_token: str = ""
    # The outbox (docs/notifications.md): how long a dispatcher holds the messages it claimed (a
    # process killed mid-send leaves them to be sent again after this), and give up after how long.
    outbox_lease_seconds: float = Field(default=60.0, gt=0)
    outbox_dead_after_hours: float = Field(default=24.0, gt=0)
    # Send from a process of its own (the server's process keeps only the claim and the record).
    outbox_sender_process: bool = True

    def key_path(self) -> Path:
        """Where the secret key lives when not given directly: beside a SQLite file, or here."""
        if self.secret_key_file:
            return Path(self.secret_key_file)
        if "://" not in self.db or self.db.startswith("sqlite:///"):
            path = Path(self.db.removeprefix("sqlite:///"))
            if str(path) not in ("", ":memory:"):
                return path.with_name(path.name + ".key")
        return Path("hallq.key")

    def secret(self) -> bytes:
        """The key for token and personal-data hashes; created (mode 0600) on first use."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.key_path()
        if path.exists():
            return path.read_bytes().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32).encode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
