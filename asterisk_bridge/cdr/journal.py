"""The local durable journal: where CDR rows wait while the store cannot be written.

A SQLite file in Voco's data directory (``cdr-journal.db``), separate from the store so that it
works when the store is a PostgreSQL server that is down. Rows are appended in one fsynced
transaction per batch (``synchronous=FULL``), then flushed to the store in order and removed
only after the store committed them. A crash between the two leaves rows in the journal that are
already stored; flushing them again is a no-op thanks to the store's idempotent inserts, so
nothing is lost and nothing is duplicated.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.safewrite import create_private

FLUSH_BATCH = 500


def _encode(row: Row) -> str:
    return json.dumps({k: (v.isoformat() if isinstance(v, datetime) else v)
                       for k, v in row.items()}, separators=(",", ":"))


def _decode(text: str) -> Row:
    row: Row = json.loads(text)
    for key in ("start", "answer", "end"):
        if row.get(key):
            row[key] = datetime.fromisoformat(row[key])
    return row


class Journal:
    """An append-only queue of CDR rows on local disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        create_private(path)  # it holds CDRs: 0600 from the start, and so its -wal and -shm
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS pending "
                         "(id INTEGER PRIMARY KEY AUTOINCREMENT, row TEXT NOT NULL)")

    def append(self, rows: Sequence[Row]) -> None:
        """Durably add ``rows`` (committed and fsynced when this returns)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT INTO pending (row) VALUES (?)",
                                 [(_encode(r),) for r in rows])
            self._db.execute("COMMIT")

    def pending(self) -> int:
        """How many rows wait for the store."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM pending").fetchone()[0])

    def flush(self, store: Callable[[Sequence[Row]], object]) -> int:
        """Hand every pending row to ``store`` in order, removing each batch once stored.

        ``store`` raising (the store is still down) stops the flush; what was not stored stays.
        """
        moved = 0
        while True:
            with self._lock:
                batch = self._db.execute("SELECT id, row FROM pending ORDER BY id LIMIT ?",
                                         (FLUSH_BATCH,)).fetchall()
            if not batch:
                return moved
            store([_decode(text) for _, text in batch])
            with self._lock:
                self._db.execute("DELETE FROM pending WHERE id <= ?", (batch[-1][0],))
            moved += len(batch)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()
