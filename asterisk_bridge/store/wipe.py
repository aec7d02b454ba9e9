"""Deleting key material so that its bytes do not linger in the database files.

Every SQLite connection of the store runs with ``secure_delete`` on (set by the engine's
connect hook, :mod:`asterisk_bridge.store.engine`), so a deleted row's bytes are zeroed in the
page that held it. Its old page images stay in the WAL until that is checkpointed: after
deleting a key (a recording's data key, a subject's key), :func:`checkpoint` truncates it.
PostgreSQL needs neither: its dead tuples are vacuumed, and its backups are the
administrator's to expire.
"""

from __future__ import annotations

from sqlalchemy import Engine


def checkpoint(engine: Engine) -> None:
    """Push SQLite's WAL (which holds old page images) into the main file and truncate it."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        assert raw.driver_connection is not None
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
