"""PostgreSQL: one CDR batch in two round trips, through psycopg's pipeline mode.

Every round trip to the server waits for it to be scheduled, which on a loaded machine costs
more than the work itself; SQLAlchemy sends one statement per round trip (BEGIN, the
extensions, the cached subjects' check, the upsert, the tombstone check, COMMIT). Here, on the
connection SQLAlchemy holds:

1. BEGIN, the provisioned extensions and the shared lock on the cached subjects the batch may
   use (:class:`~asterisk_bridge.cdr.sealing.Known`) go in one pipeline;
2. the rows are sealed (new subjects, rare once the cache is warm, are created through
   SQLAlchemy between the two pipelines);
3. the upsert, the deletion of refused copies (by natural key, so it needs no answer from the
   upsert) and COMMIT go in the second pipeline. A small batch is ``executemany``'d through a
   statement the server prepares once (psycopg prepares a query it has seen five times); a
   large one is ``COPY``'d into a per-connection staging table first (COPY cannot run inside a
   pipeline: one more round trip, for a batch of 100 rows or more).

The statements are the ones SQLAlchemy compiles from the same constructs as the SQLite path
(:func:`~asterisk_bridge.cdr.upsert.on_conflict`, the tombstones' ``refused_clause``), so the
two stores cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, column, delete, select, table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

from asterisk_bridge.cdr import sealing, tombstones
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.cdr.sealing import CdrSealer, Known
from asterisk_bridge.cdr.upsert import COLUMNS, on_conflict
from asterisk_bridge.store.models.cdr import CdrRecord

STAGING = "voco_cdr_staging"
COPY_MIN = 100
_KEYS = text("(cdr.node, cdr.uniqueid, cdr.sequence) IN (SELECT * FROM unnest("
             "CAST(:nodes AS VARCHAR[]), CAST(:uniqueids AS VARCHAR[]), "
             "CAST(:sequences AS INTEGER[])))")


def _sql(stmt: Any) -> tuple[str, dict[str, Any]]:
    """*stmt* as psycopg's SQL text, with the constants SQLAlchemy bound in it."""
    from sqlalchemy.dialects.postgresql import psycopg  # loads psycopg: not for a SQLite store

    compiled = stmt.compile(dialect=psycopg.dialect())
    return str(compiled), {k: v for k, v in compiled.params.items() if v is not None}


@functools.cache
def _statements() -> dict[str, tuple[str, dict[str, Any]]]:
    """The batch's statements, compiled once per process."""
    staged = table(STAGING, *(column(c) for c in COLUMNS))
    return {
        "extensions": _sql(sealing.extensions_query()),
        "alive": _sql(sealing.alive_query("postgresql")),
        "upsert": _sql(on_conflict(postgresql.insert(CdrRecord).values(
            {c: bindparam(c) for c in COLUMNS}))),
        "upsert_staged": _sql(on_conflict(postgresql.insert(CdrRecord).from_select(
            list(COLUMNS), select(*staged.c)))),
        "refuse": _sql(delete(CdrRecord).where(_KEYS, tombstones.refused_clause())),
    }


def _driver(conn: Connection) -> Any:
    return conn.connection.driver_connection


def _known(conn: Connection, candidates: set[str]) -> Known:
    """Round trip 1: BEGIN, the extensions and the cached subjects' lock, pipelined."""
    sql = _statements()
    raw = _driver(conn)
    with raw.pipeline():
        exts = raw.execute(sql["extensions"][0], sql["extensions"][1])
        alive = raw.execute(*_expanded(sql["alive"], sorted(candidates))) if candidates else None
        found = {r[0] for r in exts.fetchall()}
        ids = {r[0] for r in alive.fetchall()} if alive is not None else set()
    return Known(found, ids)


def _expanded(compiled: tuple[str, dict[str, Any]], ids: list[str]) -> tuple[str, dict[str, Any]]:
    """SQLAlchemy renders an expanding IN as a placeholder list to fill per call; PostgreSQL
    takes one array instead, so the statement's text (and its prepared plan) never changes."""
    sql, params = compiled
    return sql.replace("IN (__[POSTCOMPILE_ids])", "= ANY(%(ids)s)"), {**params, "ids": ids}


def write(conn: Connection, values: Sequence[Row], sealer: CdrSealer) -> tuple[int, int]:
    """Seal and upsert *values* and commit, in the transaction open on *conn*; (rows inserted
    or completed, refused copies deleted again).

    psycopg's own errors (the statements here bypass SQLAlchemy's execution) are raised as
    SQLAlchemy's, so that a lost connection is the outage the sink journals rows for."""
    import psycopg

    try:
        return _write(conn, values, sealer)
    except psycopg.Error as exc:
        if _driver(conn).broken:
            conn.invalidate(exc)
        raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc


def _write(conn: Connection, values: Sequence[Row], sealer: CdrSealer) -> tuple[int, int]:
    sealed = sealer.seal(conn, values, _known(conn, sealer.candidates(values)))
    sql = _statements()
    raw = _driver(conn)
    if len(sealed) >= COPY_MIN:
        _stage(conn, sealed)
    refuse_sql, refuse_params = sql["refuse"]
    with raw.pipeline():
        cur = raw.cursor()
        if len(sealed) >= COPY_MIN:
            cur.execute(*sql["upsert_staged"])
        else:
            upsert, constants = sql["upsert"]
            cur.executemany(upsert, [{**constants, **{c: r.get(c) for c in COLUMNS}}
                                     for r in sealed], returning=True)
        refused = raw.execute(refuse_sql, {
            **refuse_params, "nodes": [r["node"] for r in sealed],
            "uniqueids": [r["uniqueid"] for r in sealed],
            "sequences": [r["sequence"] for r in sealed]})
        conn.commit()  # COMMIT joins the pipeline: one round trip for the three
        stored = 0
        while True:
            stored += len(cur.fetchall())
            if not cur.nextset():
                break
    return stored, refused.rowcount


def _stage(conn: Connection, rows: Sequence[Row]) -> None:
    """COPY *rows* into this connection's staging table (emptied at every commit)."""
    names = ", ".join(map(conn.dialect.identifier_preparer.quote, COLUMNS))  # "end" is a keyword
    raw = _driver(conn)
    try:
        if STAGING not in conn.info:  # per database connection; a rollback undoes it
            raw.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} ON COMMIT DELETE ROWS "
                        f"AS SELECT {names} FROM cdr WITH NO DATA")
            conn.info[STAGING] = True
        with raw.cursor().copy(f"COPY {STAGING} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.get(c) for c in COLUMNS])
    except Exception:
        conn.info.pop(STAGING, None)
        raise
