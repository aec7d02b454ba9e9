"""Deleting key material so that its bytes do not linger in the database files.

A deleted row's bytes stay in SQLite's free pages, and its old page images in the WAL, until
they are overwritten. Before deleting a key (a recording's data key, a subject's key), the
transaction turns on ``secure_delete`` (freed pages are zeroed); after the commit, a checkpoint
truncates the WAL. PostgreSQL needs neither: its dead tuples are vacuumed, and its backups are
the administrator's to expire.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine


def secure_delete(conn: Connection) -> None:
    """Zero the pages this transaction frees (SQLite)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete=ON")


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
