"""Nights passing for a store: the times its index recorded moved back, as if they had
passed (a nightly run's backoff and dead-answer spacing are hours and days; the tests
cannot wait them out)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path


def nights_pass(root: Path, hours: float) -> None:
    """Move every time the store's index recorded ``hours`` back, as if they had passed."""
    db = sqlite3.connect(root / "rescued" / "index.sqlite3")
    with db:
        for table, column in (
            ("attempts", "at"),
            ("resources", "last_attempt_at"),
            ("listings", "made_at"),
        ):
            rows = db.execute(f"SELECT rowid, {column} FROM {table}").fetchall()
            for rowid, at in rows:
                moved = datetime.fromisoformat(at) - timedelta(hours=hours)
                db.execute(
                    f"UPDATE {table} SET {column} = ? WHERE rowid = ?",
                    (moved.strftime("%Y-%m-%dT%H:%M:%SZ"), rowid),
                )
    db.close()
