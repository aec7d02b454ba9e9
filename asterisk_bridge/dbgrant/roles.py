"""Creating and dropping a database grant's role, and the one view it may read.

The role can log in (password shown once; PostgreSQL keeps only its SCRAM verifier), has a
connection limit, a statement timeout and read-only transactions, expires with the grant
(``VALID UNTIL``), and holds one privilege: ``SELECT`` on :data:`VIEW` (and, for a grant that
asks for personal fields, on its own clear projection). Recordings, keys, contacts and the
operation log stay out of its reach (no grant on any store table). The view exists only while
a database grant is open.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any

from psycopg import sql
from sqlalchemy import Connection, Engine, text

from asterisk_bridge.dbgrant import hba
from asterisk_bridge.errors import StoreError, ValidationError

VIEW = "voco_grant_cdr"
PREFIX = "voco_grant_"
CONNECTION_LIMIT = 2
STATEMENT_TIMEOUT = "30s"
#: The CDR columns the view shows: none of the personal ones, which the store keeps sealed per
#: person (a grant opened with ``--personal`` also reads those, in clear, from its own
#: projection: :mod:`asterisk_bridge.dbgrant.projection`).
COLUMNS = ("id", "node", "linkedid", "start", "answer", "end", "duration", "billsec",
           "disposition")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,30}")


def role_name(name: str) -> str:
    """The role of grant *name* (lower-case letters, digits, '_')."""
    if not _NAME.fullmatch(name.strip()):
        raise ValidationError(f"name: {name!r}: use 1-31 lower-case letters, digits or '_', "
                              "starting with a letter (it becomes a PostgreSQL role name)")
    return PREFIX + name.strip()


def require_postgres(engine: Engine) -> None:
    """Refuse, saying why, unless the store is PostgreSQL."""
    if engine.dialect.name != "postgresql":
        raise StoreError("the database grant needs the PostgreSQL store: this installation "
                         f"uses {engine.dialect.name} (a file with no login roles or network "
                         "access); move the store to PostgreSQL first")


def run(conn: Connection, statement: sql.Composable) -> None:
    """Execute a composed statement (identifiers quoted by psycopg) in *conn*'s transaction."""
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(statement)


def create(conn: Connection, role: str, until: str | None) -> str:
    """Create the view (if needed) and the role; returns the role's password."""
    password = secrets.token_urlsafe(24)
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in COLUMNS)
    run(conn, sql.SQL("CREATE OR REPLACE VIEW {} AS SELECT {} FROM cdr").format(
        sql.Identifier(VIEW), cols))
    run(conn, sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} CONNECTION LIMIT {} VALID UNTIL {}")
         .format(sql.Identifier(role), sql.Literal(password), sql.Literal(CONNECTION_LIMIT),
                 sql.Literal(until or "infinity")))
    for setting, value in (("statement_timeout", STATEMENT_TIMEOUT),
                           ("default_transaction_read_only", "on")):
        run(conn, sql.SQL("ALTER ROLE {} SET {} = {}").format(
            sql.Identifier(role), sql.Identifier(setting), sql.Literal(value)))
    run(conn, sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(VIEW),
                                                          sql.Identifier(role)))
    return password


def shut(conn: Connection, role: str) -> int:
    """Stop new logins and end the role's sessions; returns how many were ended."""
    if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
        return 0
    run(conn, sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(role)))
    return len(conn.execute(text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
        {"r": role}).all())


def drop(conn: Connection, role: str, last: bool) -> None:
    """Drop the role (shut first), and the view with the last grant."""
    if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
        run(conn, sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        run(conn, sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    if last:
        run(conn, sql.SQL("DROP VIEW IF EXISTS {}").format(sql.Identifier(VIEW)))


def hba_file(conn: Connection) -> Path | None:
    """The server's pg_hba.conf when Voco can edit it (the server runs on this host), else
    None: the admin adds the printed lines by hand."""
    visible = conn.execute(text(
        "SELECT setting FROM pg_settings WHERE name = 'hba_file'")).scalar_one_or_none()
    if not visible:  # hidden from a role that is not a superuser
        return None
    path = Path(str(visible))
    return path if path.is_file() and os.access(path, os.W_OK) else None


def apply_hba(conn: Connection, path: Path | None, block: list[str], role: str,
              remove: bool = False) -> None:
    """Install (or remove) the role's block and make the server reload its rules."""
    if path is None:
        return
    if remove:
        hba.remove(path, role)
    else:
        hba.install(path, block, role)
    conn.execute(text("SELECT pg_reload_conf()"))
