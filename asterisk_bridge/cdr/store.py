"""Idempotent batch writes of CDR rows into the store (SQLite or PostgreSQL).

``INSERT ... ON CONFLICT (node, uniqueid, sequence)`` through SQLAlchemy's dialect inserts: a
record that is already stored is skipped, except that Voco's own fields (recording id, consent),
which only the AMI copy carries, fill in a row first imported from Master.csv. Running the same
batch twice, from two bridges at once, or from the journal after a crash, changes nothing.

A deleted record never comes back: in the same transaction, rows just written that are refused
(:mod:`~asterisk_bridge.cdr.tombstones`) are deleted again. Checking *after* the upsert closes
the race with a concurrent deletion on PostgreSQL: an upsert that met the row being deleted
waits for that transaction, and the check that follows sees its tombstone.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from asterisk_bridge.cdr import tombstones
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.store.models.cdr import CdrRecord

log = logging.getLogger(__name__)

KEY = ("node", "uniqueid", "sequence")
VOCO_FIELDS = ("rec_id", "consent")
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


@functools.cache
def _upsert(dialect: str) -> Any:
    """The upsert statement for ``dialect``, built once so SQLAlchemy compiles it once; rows
    are passed as executemany parameters (batched by SQLAlchemy's insertmanyvalues)."""
    table = CdrRecord.__table__
    stmt = _INSERTS[dialect](table)
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=list(KEY),
        set_={f: func.coalesce(table.c[f], excluded[f]) for f in VOCO_FIELDS},
        where=or_(*[table.c[f].is_(None) & excluded[f].isnot(None) for f in VOCO_FIELDS]),
    ).returning(table.c.id)  # rowcount is not reliable for batched inserts on psycopg


def insert_rows(engine: Engine, rows: Sequence[Row]) -> int:
    """Store ``rows`` in one transaction, minus refused ones; return how many rows were
    inserted or completed."""
    if not rows:
        return 0
    now = datetime.now(UTC).replace(tzinfo=None)
    values = [{**row, "stored_at": now} for row in _unique(rows)]
    with engine.begin() as conn:
        ids = conn.execute(_upsert(engine.dialect.name), values).scalars().all()
        refused = conn.execute(delete(CdrRecord).where(
            CdrRecord.id.in_(ids), tombstones.refused_clause())).rowcount if ids else 0
    if refused:
        log.info("%d copies of deleted CDRs were not stored again (tombstone or retention)",
                 refused)
    return len(ids) - refused


def missing(engine: Engine, rows: Sequence[Row]) -> list[Row]:
    """The rows whose natural key is not stored yet and not refused (a few indexed queries),
    so that reconciling a file the store mostly holds already writes only what it lacks."""
    by_node: dict[str, set[str]] = {}
    for row in rows:
        by_node.setdefault(row["node"], set()).add(row["uniqueid"])
    c = CdrRecord
    have: set[tuple[str, str, int]] = set()
    with engine.connect() as conn:
        for node, uniqueids in by_node.items():
            have.update((n, u, q) for n, u, q in conn.execute(
                select(c.node, c.uniqueid, c.sequence)
                .where(c.node == node, c.uniqueid.in_(sorted(uniqueids)))))
        lacking = [r for r in rows if tombstones.key(r) not in have]
        refused = tombstones.refused(conn, lacking)
    return [r for r in lacking if tombstones.key(r) not in refused]
