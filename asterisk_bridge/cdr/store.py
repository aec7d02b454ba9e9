"""Idempotent batch writes of CDR rows into the store (SQLite or PostgreSQL).

``INSERT ... ON CONFLICT (node, uniqueid, sequence)`` through SQLAlchemy's dialect inserts: a
record that is already stored is skipped, except that Voco's own fields (recording id, consent),
which only the AMI copy carries, fill in a row first imported from Master.csv. Running the same
batch twice, from two bridges at once, or from the journal after a crash, changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, or_
from sqlalchemy.dialects import postgresql, sqlite

from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.store.models.cdr import CdrRecord

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


def insert_rows(engine: Engine, rows: Sequence[Row]) -> int:
    """Store ``rows`` in one transaction; return how many rows were inserted or completed."""
    if not rows:
        return 0
    now = datetime.now(UTC).replace(tzinfo=None)
    values = [{**row, "stored_at": now} for row in _unique(rows)]
    table = CdrRecord.__table__
    stmt = _INSERTS[engine.dialect.name](table).values(values)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=list(KEY),
        set_={f: func.coalesce(table.c[f], excluded[f]) for f in VOCO_FIELDS},
        where=or_(*[table.c[f].is_(None) & excluded[f].isnot(None) for f in VOCO_FIELDS]),
    ).returning(table.c.id)  # rowcount is -1 for multi-row inserts on psycopg
    with engine.begin() as conn:
        return len(conn.execute(stmt).all())
