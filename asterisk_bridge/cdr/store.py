"""Idempotent batch writes of CDR rows into the store (SQLite or PostgreSQL).

``INSERT ... ON CONFLICT (node, uniqueid, sequence)``: a record that is already stored is
skipped, except that Voco's own fields (recording id, consent), which only the AMI copy carries,
fill in a row first imported from Master.csv, and that a Master.csv record whose stored copy
differs corrects it (:mod:`~asterisk_bridge.cdr.truth`: Master.csv wins). Running the same
batch twice, from two bridges at once, or from the journal after a crash, changes nothing.

On PostgreSQL a large batch (:data:`COPY_MIN` rows or more: a bridge catching up) is ``COPY``'d
into a temporary staging table (one per connection, emptied at every commit) and moved by one
``INSERT ... SELECT ... ON CONFLICT``: the rows travel in PostgreSQL's bulk format, adapted in
psycopg's C code, instead of as bound parameters SQLAlchemy renders in Python. A small batch (an
idle bridge commits each row as it comes) takes the executemany path, two round trips fewer.
SQLite, in process, always takes executemany parameters.

A deleted record never comes back: in the same transaction, rows just written that are refused
(:mod:`~asterisk_bridge.cdr.tombstones`) are deleted again. Checking *after* the upsert closes
the race with a concurrent deletion on PostgreSQL: an upsert that met the row being deleted
waits for that transaction, and the check that follows sees its tombstone.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, column, delete, func, or_, select, table, text
from sqlalchemy.dialects import postgresql, sqlite

from asterisk_bridge.cdr import tombstones, truth
from asterisk_bridge.cdr.rows import VOCO_FIELDS, Row
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.cdr import CdrRecord

log = logging.getLogger(__name__)

KEY = ("node", "uniqueid", "sequence")
_INSERTS: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _unique(rows: Sequence[Row]) -> list[Row]:
    """One row per natural key (PostgreSQL refuses to upsert a row twice in one statement);
    Voco's own fields are kept from whichever copy has them."""
    merged: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        key = tuple(row[k] for k in KEY)
        if key in merged:
            first = merged[key]
            for f in VOCO_FIELDS:
                first[f] = first.get(f) or row.get(f)
        else:
            merged[key] = dict(row)
    return list(merged.values())


STAGING = "voco_cdr_staging"
COPY_MIN = 100
#: Every column a row carries (all but the generated id), in the staging table's order.
COLUMNS = tuple(c.name for c in CdrRecord.__table__.columns if c.name != "id")


def _on_conflict(stmt: Any) -> Any:
    """Skip a stored record; only fill Voco's own fields it lacks."""
    cdr = CdrRecord.__table__
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=list(KEY),
        set_={f: func.coalesce(cdr.c[f], excluded[f]) for f in VOCO_FIELDS},
        where=or_(*[cdr.c[f].is_(None) & excluded[f].isnot(None) for f in VOCO_FIELDS]),
    ).returning(cdr.c.id)  # rowcount is not reliable for batched inserts on psycopg


@functools.cache
def _upsert(dialect: str) -> Any:
    """The upsert statement for ``dialect``, built once so SQLAlchemy compiles it once; rows
    are passed as executemany parameters (batched by SQLAlchemy's insertmanyvalues)."""
    return _on_conflict(_INSERTS[dialect](CdrRecord.__table__))


@functools.cache
def _upsert_staged() -> Any:
    """PostgreSQL: everything in the staging table, upserted by one statement."""
    staged = table(STAGING, *(column(c) for c in COLUMNS))
    return _on_conflict(postgresql.insert(CdrRecord).from_select(
        list(COLUMNS), select(*staged.c)))


def _copy_staged(conn: Connection, values: Sequence[Row]) -> list[int]:
    """PostgreSQL: COPY *values* into this connection's staging table, upsert them; the ids
    inserted or completed."""
    names = ", ".join(map(conn.dialect.identifier_preparer.quote, COLUMNS))  # "end" is a keyword
    try:
        if STAGING not in conn.info:  # per database connection; a rollback undoes it
            conn.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} ON COMMIT "
                              f"DELETE ROWS AS SELECT {names} FROM cdr WITH NO DATA"))
            conn.info[STAGING] = True
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {STAGING} ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row([row.get(c) for c in COLUMNS])
        return list(conn.execute(_upsert_staged()).scalars().all())
    except Exception:
        conn.info.pop(STAGING, None)
        raise


@contextmanager
def _transaction(bind: Bind) -> Iterator[Connection]:
    """A transaction on *bind*: a new one on an engine's pooled connection, or on a connection
    the caller keeps open (the bridge's CDR writer holds one, saving a checkout per batch)."""
    if isinstance(bind, Connection):
        with bind.begin():
            yield bind
    else:
        with bind.begin() as conn:
            yield conn


def insert_rows(bind: Bind, rows: Sequence[Row], sealer: CdrSealer) -> int:
    """Store ``rows`` in one transaction, their personal fields sealed by *sealer* (in the
    same transaction), minus refused ones; return how many rows were inserted, completed or
    corrected to Master.csv's copy."""
    if not rows:
        return 0
    now = datetime.now(UTC).replace(tzinfo=None)
    values = [{**row, "stored_at": now} for row in _unique(rows)]
    ids: list[int] = []
    refused = 0
    with _transaction(bind) as conn:
        values, corrected = truth.correct(conn, sealer, values)
        if values:
            values = sealer.seal(conn, values)
            if conn.dialect.name == "postgresql" and len(values) >= COPY_MIN:
                ids = _copy_staged(conn, values)
            else:
                ids = list(conn.execute(_upsert(conn.dialect.name), values).scalars().all())
            refused = conn.execute(delete(CdrRecord).where(
                CdrRecord.id.in_(ids), tombstones.refused_clause())).rowcount if ids else 0
    truth.tell(corrected)
    if refused:
        log.info("%d copies of deleted CDRs were not stored again (tombstone or retention)",
                 refused)
    return len(ids) - refused + len(corrected)
