"""The bridge's on-disk outbox (SQLite): ratings kept until the server has them, once per evaluation."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS ratings (
    evaluation_id INTEGER PRIMARY KEY,
    window TEXT NOT NULL,
    level TEXT NOT NULL,
    reasons TEXT NOT NULL,
    pressed_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    delivered_at TEXT,
    result TEXT
);
CREATE TABLE IF NOT EXISTS asked (
    evaluation_id INTEGER PRIMARY KEY,
    window TEXT NOT NULL,
    address INTEGER NOT NULL,
    asked_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class StoredRating:
    """A rating waiting for (or done with) delivery."""

    evaluation_id: int
    window: str
    level: str
    reasons: list[str]
    pressed_at: datetime


class Outbox:
    """Ratings are written here before the pad gets its ACK, and marked when the server answered."""

    def __init__(self, path: str | Path) -> None:
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()
        self.changed = threading.Event()

    def close(self) -> None:
        """Close the file."""
        with self.lock:
            self.db.close()

    def asked(self, evaluation_id: int, window: str, address: int) -> None:
        """Remember that this pad was asked about this evaluation (only such ratings are taken)."""
        with self.lock:
            self.db.execute(
                "INSERT OR IGNORE INTO asked VALUES (?, ?, ?, ?)",
                (evaluation_id, window, address, datetime.now(UTC).isoformat()),
            )

    def question(self, evaluation_id: int, address: int) -> tuple[str, datetime] | None:
        """The window and the time this pad was first asked about the evaluation, or None."""
        with self.lock:
            row = self.db.execute(
                "SELECT window, asked_at FROM asked WHERE evaluation_id = ? AND address = ?",
                (evaluation_id, address),
            ).fetchone()
        return (str(row[0]), datetime.fromisoformat(row[1])) if row else None

    def asked_as(self, evaluation_low: int, address: int) -> int | None:
        """The evaluation, among those this pad was asked about, whose id ends in these 16 bits
        (version 2's SHORT_RATING); the latest asked when several do."""
        with self.lock:
            row = self.db.execute(
                "SELECT evaluation_id FROM asked WHERE address = ? AND evaluation_id % 65536 = ? "
                "ORDER BY asked_at DESC LIMIT 1",
                (address, evaluation_low),
            ).fetchone()
        return int(row[0]) if row else None

    def add(self, rating: StoredRating) -> bool:
        """Keep a rating (durably); False when this evaluation already has one (a copy)."""
        with self.lock:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO ratings VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
                (
                    rating.evaluation_id,
                    rating.window,
                    rating.level,
                    json.dumps(rating.reasons),
                    rating.pressed_at.isoformat(),
                    datetime.now(UTC).isoformat(),
                ),
            )
            added = cursor.rowcount == 1
        if added:
            self.changed.set()
        return added

    def has(self, evaluation_id: int) -> bool:
        """Whether a rating of this evaluation was taken already."""
        with self.lock:
            row = self.db.execute(
                "SELECT 1 FROM ratings WHERE evaluation_id = ?", (evaluation_id,)
            ).fetchone()
        return row is not None

    def undelivered(self, limit: int = 100) -> list[StoredRating]:
        """Ratings the server has not confirmed yet, oldest first."""
        with self.lock:
            rows = self.db.execute(
                "SELECT evaluation_id, window, level, reasons, pressed_at FROM ratings "
                "WHERE delivered_at IS NULL ORDER BY received_at LIMIT ?",
                (limit,),
            ).fetchall()
        return [StoredRating(r[0], r[1], r[2], json.loads(r[3]), datetime.fromisoformat(r[4])) for r in rows]

    def delivered(self, evaluation_id: int, result: str) -> None:
        """The server answered for good (recorded, or refused with a final reason)."""
        with self.lock:
            self.db.execute(
                "UPDATE ratings SET delivered_at = ?, result = ? WHERE evaluation_id = ?",
                (datetime.now(UTC).isoformat(), result, evaluation_id),
            )

    def counts(self) -> dict[str, int]:
        """How many ratings are waiting and how many were delivered."""
        with self.lock:
            waiting, done = self.db.execute(
                "SELECT SUM(delivered_at IS NULL), SUM(delivered_at IS NOT NULL) FROM ratings"
            ).fetchone()
        return {"waiting": int(waiting or 0), "delivered": int(done or 0)}
