"""The ``cdr`` retention category: CDR records older than the cutoff, by start time (UTC).

The purge first raises the retention floor (:mod:`~asterisk_bridge.cdr.tombstones`), so no copy
older than it is ever stored again, then deletes what is older through
:func:`asterisk_bridge.cdr.erase.delete_cdrs`, which scrubs Asterisk's files and leaves a
tombstone in the operation log. A record a legal hold covers is kept, and the floor stops below
the oldest such record: everything under the floor is gone, so the floor must not pass a record
that stays.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from asterisk_bridge.cdr import tombstones
from asterisk_bridge.cdr.erase import TABLE, delete_cdrs
from asterisk_bridge.cdr.query import CdrFilter
from asterisk_bridge.context import App
from asterisk_bridge.holds import guard
from asterisk_bridge.retention.category import Category
from asterisk_bridge.store.models.cdr import CdrRecord


def purge(app: App, cutoff: datetime, reason: str, actor: str | None) -> int:
    """Delete every unheld record that started before *cutoff*; see the module docstring."""
    flt = CdrFilter(until=cutoff)
    with app.engine.connect() as conn:
        oldest_held = conn.execute(select(func.min(CdrRecord.start)).where(
            flt.clause(), guard.held(TABLE))).scalar()
        unheld = conn.execute(select(func.count()).select_from(CdrRecord).where(
            flt.clause(), guard.unheld(TABLE))).scalar_one()
    tombstones.raise_floor(app.engine, min(cutoff, oldest_held or cutoff))
    if not unheld:  # no tombstone for a purge that deletes nothing
        return 0
    return delete_cdrs(app, flt, reason, actor, keep_held=True)


CATEGORY = Category("cdr", table="cdr", age="start", purge=purge)
