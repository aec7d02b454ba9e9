"""The one rule every CDR write follows, on either store: a stored record is never changed,
except that Voco's own fields (recording id, consent), which only the AMI copy carries, fill in
a row first imported from Master.csv."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_

from asterisk_bridge.cdr.rows import VOCO_FIELDS
from asterisk_bridge.store.models.cdr import CdrRecord

KEY = ("node", "uniqueid", "sequence")
#: Every column a row carries (all but the generated id), in the table's order.
COLUMNS = tuple(c.name for c in CdrRecord.__table__.columns if c.name != "id")


def on_conflict(stmt: Any) -> Any:
    """*stmt* (an ``INSERT`` of either dialect) made idempotent on the natural key, returning
    the ids it inserted or completed (rowcount is not reliable for batched inserts on psycopg)."""
    cdr = CdrRecord.__table__
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=list(KEY),
        set_={f: func.coalesce(cdr.c[f], excluded[f]) for f in VOCO_FIELDS},
        where=or_(*[cdr.c[f].is_(None) & excluded[f].isnot(None) for f in VOCO_FIELDS]),
    ).returning(cdr.c.id)
