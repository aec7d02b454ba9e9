"""The local durable journal: where CDR rows wait while the store cannot be written.

A SQLite file in Voco's data directory (``cdr-journal.db``), separate from the store so that it
works when the store is a PostgreSQL server that is down. Rows are appended in one fsynced
transaction per batch (``synchronous=FULL``), then flushed to the store in order and removed
only after the store committed them. A crash between the two leaves rows in the journal that are
already stored; flushing them again is a no-op thanks to the store's idempotent inserts, so
nothing is lost and nothing is duplicated.

The rows are CDRs in clear (the store, which seals them per person, is what is down), so each is
encrypted at rest: AES-256-GCM under a key derived from the master key, with the master key's id
beside it. A journal written before a ``voco keys rotate`` must be flushed with that key: the
error names it. The file, its WAL and shared memory are 0600, and the SQLite ``secure_delete``
pragma overwrites flushed rows.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.crypto.keywrap import master_key_id
from asterisk_bridge.crypto.subkey import subkey
from asterisk_bridge.errors import CryptoError
from asterisk_bridge.safewrite import create_private

FLUSH_BATCH = 500
_LABEL = b"voco-cdr-journal-v1"
_NONCE = 12


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
    """An append-only queue of CDR rows on local disk, each encrypted under *master_key*."""

    def __init__(self, path: Path, master_key: bytes) -> None:
        self.path = path
        self._aead = AESGCM(subkey(master_key, _LABEL))
        self._key_id = master_key_id(master_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        create_private(path)  # it holds CDRs: 0600 from the start, and so its -wal and -shm
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute("CREATE TABLE IF NOT EXISTS sealed_pending (id INTEGER PRIMARY KEY "
                         "AUTOINCREMENT, key_id TEXT NOT NULL, row BLOB NOT NULL)")
        self._seal_legacy()

    def _seal_legacy(self) -> None:
        """Rows an earlier version kept in clear (table ``pending``) are sealed, in order, and
        the clear table dropped (its pages overwritten: ``secure_delete``)."""
        if not self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'pending'").fetchone():
            return
        self._db.execute("BEGIN IMMEDIATE")
        legacy = self._db.execute("SELECT row FROM pending ORDER BY id").fetchall()
        self._db.executemany("INSERT INTO sealed_pending (key_id, row) VALUES (?, ?)",
                             [(self._key_id, self._seal(_decode(text))) for (text,) in legacy])
        self._db.execute("DROP TABLE pending")
        self._db.execute("COMMIT")
        self._db.execute("VACUUM")

    def _seal(self, row: Row) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, _encode(row).encode(), _LABEL)

    def _open(self, key_id: str, blob: bytes) -> Row:
        if key_id != self._key_id:
            raise CryptoError(f"the CDR journal {self.path} holds rows sealed under master key "
                              f"{key_id}, not the current one ({self._key_id}): run the bridge "
                              "once with that key file to flush them, then rotate again")
        try:
            return _decode(self._aead.decrypt(blob[:_NONCE], blob[_NONCE:], _LABEL).decode())
        except InvalidTag:
            raise CryptoError(f"a row of the CDR journal {self.path} failed authentication: "
                              "the file was edited or damaged") from None

    def append(self, rows: Sequence[Row]) -> None:
        """Durably add ``rows`` (committed and fsynced when this returns)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT INTO sealed_pending (key_id, row) VALUES (?, ?)",
                                 [(self._key_id, self._seal(r)) for r in rows])
            self._db.execute("COMMIT")

    def pending(self) -> int:
        """How many rows wait for the store."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM sealed_pending").fetchone()[0])

    def flush(self, store: Callable[[Sequence[Row]], object]) -> int:
        """Hand every pending row to ``store`` in order, removing each batch once stored.

        ``store`` raising (the store is still down) stops the flush; what was not stored stays.
        """
        moved = 0
        while True:
            with self._lock:
                batch = self._db.execute("SELECT id, key_id, row FROM sealed_pending "
                                         "ORDER BY id LIMIT ?", (FLUSH_BATCH,)).fetchall()
            if not batch:
                return moved
            store([self._open(key_id, blob) for _, key_id, blob in batch])
            with self._lock:
                self._db.execute("DELETE FROM sealed_pending WHERE id <= ?", (batch[-1][0],))
            moved += len(batch)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()
