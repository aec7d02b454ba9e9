"""SQLite: one CDR batch through the sqlite3 driver's own ``executemany``.

SQLite runs in the bridge's process, so round trips cost nothing; what a batch costs is Python:
SQLAlchemy rendering a multi-row ``INSERT ... RETURNING`` and building a result per batch took
half of a large batch's time. Here the same statements, compiled once by SQLAlchemy from the
same constructs as the PostgreSQL path (:func:`~asterisk_bridge.cdr.upsert.on_conflict`, the
tombstones' ``refused_clause``), go to the driver directly, with values converted by the
columns' own SQLAlchemy types (times keep SQLAlchemy's stored format):

- the upsert, without ``RETURNING`` (the driver's ``executemany`` takes none): what it inserted
  or completed is the connection's change count (a skipped conflict changes nothing);
- the deletion of refused copies among the rows just inserted: ids above the largest before the
  batch. Writers are serialised (``BEGIN IMMEDIATE``), so these are exactly this batch's new
  rows. (A stored row the upsert only completed is not refused: a deletion removes the row and
  tombstones it in one transaction, and a row below the retention floor is the purge's.)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete
from sqlalchemy.dialects import sqlite

from asterisk_bridge.cdr import sealing, tombstones
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.upsert import COLUMNS, on_conflict
from asterisk_bridge.store.models.cdr import CdrRecord


@functools.cache
def _statements() -> tuple[str, list[tuple[str, Any]], str, list[Any]]:
    """(upsert, its columns in parameter order with their converters, refused-copy deletion,
    its parameters with ``None`` where the id floor goes), compiled once per process."""
    dialect = sqlite.dialect()
    cdr = CdrRecord.__table__
    compiled = on_conflict(sqlite.insert(CdrRecord).values(
        {c: bindparam(c) for c in COLUMNS})).compile(dialect=dialect)
    upsert = str(compiled)
    upsert = upsert[:upsert.rindex(" RETURNING")]
    order = [(c, cdr.c[c].type.dialect_impl(dialect).bind_processor(dialect))
             for c in compiled.positiontup or ()]
    refuse = delete(CdrRecord).where(CdrRecord.id > bindparam("after"),
                                     tombstones.refused_clause()).compile(dialect=dialect)
    params = [None if name == "after" else refuse.params[name]
              for name in refuse.positiontup or ()]
    return upsert, order, str(refuse), params


def write(conn: Connection, values: Sequence[Row], sealer: CdrSealer) -> tuple[int, int]:
    """Seal and upsert *values* in the transaction open on *conn*; (rows inserted or
    completed, refused copies deleted again)."""
    sealed = sealer.seal(conn, values, sealing.read_known(conn, sealer.candidates(values)))
    upsert, order, refuse, params = _statements()
    raw: Any = conn.connection.driver_connection  # sqlite3.Connection
    (after,) = raw.execute("SELECT coalesce(max(id), 0) FROM cdr").fetchone()
    before = raw.total_changes
    raw.executemany(upsert, [tuple(_value(row.get(c), convert) for c, convert in order)
                             for row in sealed])
    stored = raw.total_changes - before
    refused = raw.execute(refuse, [after if p is None else p for p in params]).rowcount
    return stored, refused


def _value(value: Any, convert: Any) -> Any:
    return value if convert is None or value is None else convert(value)
