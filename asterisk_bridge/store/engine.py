"""Engines for SQLite (embedded default) and PostgreSQL, tuned for durable concurrent writes.

SQLite runs in WAL mode with ``synchronous=NORMAL`` and every transaction opened with
``BEGIN IMMEDIATE``: with two writer processes, a plain ``BEGIN`` lost updates or failed with
"database is locked", while ``BEGIN IMMEDIATE`` serialises writers cleanly. Every connection
also turns ``secure_delete`` on: a deleted row's bytes (a sealed value, a wrapped key) are
zeroed instead of lingering in free pages. Debian's SQLite is built with it on by default,
most other builds are not, so the store never relies on the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from asterisk_bridge.errors import StoreError
from asterisk_bridge.safewrite import create_private

SQLITE_BUSY_TIMEOUT_S = 30

Bind = Engine | Connection
"""What a service function runs on: an engine, or an open connection whose transaction it joins
(``voco config import`` applies everything in one transaction)."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" hook below (pysqlite would BEGIN DEFERRED).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; raise StoreError for a URL that cannot be used.

    A URL that does not parse is never quoted back: it may hold a password, and there is no
    telling where.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError(
            "the database URL is not valid (not shown: it may hold a password): expected "
            "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB"
        ) from None
    try:
        return _create(parsed, **kwargs)
    except NoSuchModuleError:
        raise StoreError(
            f"database driver {parsed.drivername!r} is not available: use sqlite:// or "
            "postgresql+psycopg://"
        ) from None


def sqlite_path(parsed: URL) -> Path | None:
    """The file a SQLite URL names (None for an in-memory or URI database)."""
    name = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or name in ("", ":memory:") or \
            name.startswith("file:"):
        return None
    return Path(name)


def _create(parsed: URL, **kwargs: Any) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is not None and path.parent.is_dir():
            create_private(path)  # before SQLite creates it with the umask's mode
        engine = create_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    raise StoreError(
        f"database backend {parsed.get_backend_name()!r} is not supported: use SQLite or PostgreSQL"
    )


def redacted_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<invalid database URL>"
