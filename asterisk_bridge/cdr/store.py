"""Idempotent batch writes of CDR rows into the store (SQLite or PostgreSQL).

``INSERT ... ON CONFLICT (node, uniqueid, sequence)``: a record that is already stored is
skipped, except that Voco's own fields (recording id, consent), which only the AMI copy carries,
fill in a row first imported from Master.csv, and that a Master.csv record whose stored copy
differs corrects it (:mod:`~asterisk_bridge.cdr.truth`: Master.csv wins). Running the same
batch twice, from two bridges at once, or from the journal after a crash, changes nothing.

On PostgreSQL a batch goes through psycopg's pipeline mode, two round trips for the whole
transaction, a large batch ``COPY``'d into a staging table (:mod:`~asterisk_bridge.cdr.pgbatch`);
SQLite, in process, takes the driver's own ``executemany``
(:mod:`~asterisk_bridge.cdr.sqlitebatch`).

A deleted record never comes back: in the same transaction, rows just written that are refused
(:mod:`~asterisk_bridge.cdr.tombstones`) are deleted again. Checking *after* the upsert closes
the race with a concurrent deletion on PostgreSQL: an upsert that met the row being deleted
waits for that transaction, and the check that follows sees its tombstone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from asterisk_bridge.cdr import sqlitebatch, truth
from asterisk_bridge.cdr.rows import VOCO_FIELDS, Row
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.upsert import KEY
from asterisk_bridge.store.engine import Bind

log = logging.getLogger(__name__)



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
    stored = 0
    refused = 0
    with _transaction(bind) as conn:
        values, corrected = truth.correct(conn, sealer, values)
        if values:
            if conn.dialect.name == "postgresql":
                # Imported here: its SQLAlchemy dialect is MBs resident a SQLite store never uses.
                from asterisk_bridge.cdr import pgbatch
                stored, refused = pgbatch.write(conn, values, sealer)
            else:
                stored, refused = sqlitebatch.write(conn, values, sealer)
    truth.tell(corrected)
    if refused:
        log.info("%d copies of deleted CDRs were not stored again (tombstone or retention)",
                 refused)
    return stored - refused + len(corrected)
