"""What must never come back once deleted: CDR tombstones and the retention floor.

A CDR exists in several copies Voco controls (the store, the bridge's journal, Asterisk's
Master.csv and its rotated files, AMI events in flight), and reconciliation re-imports whatever
the store lacks. So a deletion is remembered by rules every storing path checks:

- a **tombstone** per deleted record, keyed by its natural key ``(node, uniqueid, sequence)``,
  with who, when and why, never any of the record's data. Written in the transaction that
  deletes the row (``voco cdr delete``, and any later erasure by data subject);
- the **retention floor**: the cutoff of the latest retention purge. Everything that started
  before it was purged, so one timestamp stands for all those tombstones; it only moves forward.
  Tombstones of deletions older than the floor are redundant and pruned.

A record is *refused* when tombstoned or older than the floor: it is not stored (whichever copy
arrives), and Asterisk's files are scrubbed of it (:mod:`~asterisk_bridge.cdr.csvscrub`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, delete, exists, insert, or_, select

from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.store.models.cdr import CdrRecord, CdrTombstone, RetentionFloor

Key = tuple[str, str, int]
"""A CDR's natural key: (node, uniqueid, sequence)."""
KIND = "cdr"
PRUNE_MARGIN = timedelta(days=1)  # clock skew between Asterisk nodes and Voco, with room
_CHUNK = 500  # keys per IN (...) list


def now() -> datetime:
    """Naive UTC, as the CDR tables store times."""
    return datetime.now(UTC).replace(tzinfo=None)


def key(row: Row) -> Key:
    """The natural key of a row."""
    return row["node"], row["uniqueid"], row["sequence"]


def record(conn: Connection, keys: Iterable[Key], who: str, reason: str,
           at: datetime) -> None:
    """Tombstone ``keys`` (in the caller's transaction, the one deleting the rows)."""
    fresh = set(keys)
    fresh -= _tombstoned(conn, fresh)  # a key deleted before (a copy that raced back)
    if fresh:
        conn.execute(insert(CdrTombstone), [
            {"node": n, "uniqueid": u, "sequence": s, "deleted_at": at, "deleted_by": who,
             "reason": reason} for n, u, s in sorted(fresh)])


def floor(conn: Connection) -> datetime | None:
    """The retention floor: records that started before it are gone for good (None: none)."""
    return conn.execute(select(RetentionFloor.purged_before)
                        .where(RetentionFloor.kind == KIND)).scalar_one_or_none()


def raise_floor(engine: Engine, before: datetime) -> None:
    """Move the floor up to ``before`` (never down), then prune the tombstones it covers."""
    with engine.begin() as conn:
        current = floor(conn)
        if current is not None and current >= before:
            return
        conn.execute(delete(RetentionFloor).where(RetentionFloor.kind == KIND))
        conn.execute(insert(RetentionFloor).values(kind=KIND, purged_before=before,
                                                   updated_at=now()))
        # A record deleted before the floor also started before it: the floor refuses it.
        conn.execute(delete(CdrTombstone)
                     .where(CdrTombstone.deleted_at < before - PRUNE_MARGIN))


def refused_clause() -> ColumnElement[bool]:
    """True for a stored ``cdr`` row that must not be there (the SQL form of :func:`refused`,
    for rows already inserted)."""
    c, t = CdrRecord, CdrTombstone
    below = select(RetentionFloor.purged_before).where(RetentionFloor.kind == KIND)
    return or_(exists().where(t.node == c.node, t.uniqueid == c.uniqueid,
                              t.sequence == c.sequence),
               c.start < below.scalar_subquery())


def refused(conn: Connection, rows: Sequence[Row]) -> set[Key]:
    """The keys of ``rows`` that must not be stored: tombstoned, or older than the floor."""
    bottom = floor(conn)
    old = {key(r) for r in rows if bottom is not None and r["start"] < bottom}
    return old | _tombstoned(conn, {key(r) for r in rows} - old)


def refused_keys(engine: Engine, rows: Sequence[Row]) -> set[Key]:
    """:func:`refused` on a connection of its own."""
    with engine.connect() as conn:
        return refused(conn, rows)


def _tombstoned(conn: Connection, keys: set[Key]) -> set[Key]:
    by_node: dict[str, set[str]] = {}
    for node, uniqueid, _ in keys:
        by_node.setdefault(node, set()).add(uniqueid)
    t = CdrTombstone
    found: set[Key] = set()
    for node, uniqueids in by_node.items():
        ids = sorted(uniqueids)
        for i in range(0, len(ids), _CHUNK):
            found.update((n, u, q) for n, u, q in conn.execute(
                select(t.node, t.uniqueid, t.sequence)
                .where(t.node == node, t.uniqueid.in_(ids[i:i + _CHUNK]))))
    return found & keys
