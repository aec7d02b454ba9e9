"""Where captured CDR rows go: the store, or the local journal while the store is unreachable.

A batch is *durable* when ``write`` returns: committed in the store, or fsynced in the journal.
Only then does the capture count it as processed. While the journal holds rows, new batches try
to flush it first, so the store receives rows roughly in order and an outage never reorders
what was already waiting.

The sink keeps one connection open for its writes (on PostgreSQL a pooled checkout would cost
a ping round trip per batch); an outage closes it, and the next write opens a new one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from asterisk_bridge.cdr import truth
from asterisk_bridge.cdr.journal import Journal
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows

log = logging.getLogger(__name__)

#: Errors meaning "the store is not reachable now", as opposed to a bug or bad data.
OUTAGE = (OperationalError, InterfaceError)


class CdrSink:
    """Writes batches durably; thread-safe (called from a worker thread)."""

    def __init__(self, engine: Engine, journal: Journal, sealer: CdrSealer) -> None:
        self.engine = engine
        self.journal = journal
        self.sealer = sealer
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self.stored = 0
        self.journaled = 0

    def write_missing(self, rows: Sequence[Row]) -> str:
        """Like :meth:`write`, for a reconciliation batch: only rows the store lacks, or holds
        differently (Master.csv wins: :mod:`~asterisk_bridge.cdr.truth`), are written (all of
        them go to the journal if the store cannot even be read)."""
        with contextlib.suppress(*OUTAGE), self.engine.connect() as conn:
            rows = truth.to_write(conn, self.sealer.vault, rows)
        return self.write(rows) if rows else "store"

    def write(self, rows: Sequence[Row]) -> str:
        """Make ``rows`` durable; return ``"store"`` or ``"journal"``."""
        with self._lock:
            if self.journal.pending() and not self._flush_locked():
                self.journal.append(rows)
                self.journaled += len(rows)
                return "journal"
            try:
                self._insert(rows)
            except OUTAGE as exc:
                log.warning("store unreachable (%s); %d CDR rows kept in the local journal %s",
                            exc.orig, len(rows), self.journal.path)
                self.journal.append(rows)
                self.journaled += len(rows)
                return "journal"
            self.stored += len(rows)
            return "store"

    def flush(self) -> bool:
        """Move journaled rows to the store; True when the journal is empty afterwards."""
        with self._lock:
            return self._flush_locked()

    def close(self) -> None:
        """Close the kept connection."""
        with self._lock:
            self._disconnect()

    def _insert(self, rows: Sequence[Row]) -> None:
        if self._conn is None:
            self._conn = self.engine.connect()
        try:
            insert_rows(self._conn, rows, self.sealer)
        except OUTAGE:
            self._disconnect()
            raise

    def _disconnect(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail to close
                self._conn.close()
            self._conn = None

    def _flush_locked(self) -> bool:
        try:
            moved = self.journal.flush(self._insert)
        except OUTAGE:
            return False
        if moved:
            log.info("flushed %d CDR rows from the local journal into the store", moved)
        self.stored += moved
        return True
