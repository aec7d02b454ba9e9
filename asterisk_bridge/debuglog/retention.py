"""The ``debug-logs`` retention category: debug windows that started before the cutoff.

A window's full log is deleted when the window ends; what remains is the window's row (when
full logging ran, who started and ended it). Retention forgets ended windows' rows (and any
full log a crash left in RAM); an open window is left to its own expiry.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.debuglog import logcontext, window
from asterisk_bridge.oplog import current_actor
from asterisk_bridge.retention.category import Category
from asterisk_bridge.store.models.debuglog import DebugWindow

TOMBSTONE = "debug-log tombstone"


def purge(app: App, cutoff: datetime, reason: str, actor: str | None) -> int:
    """Forget every ended window that started before *cutoff*."""
    ids = window.ended_before(app.engine, window.iso(cutoff.replace(tzinfo=UTC)))
    if not ids:
        return 0
    for window_id in ids:
        if app.config.asterisk.ram_log_dir:
            logcontext.debug_file(app.config.asterisk, window_id).unlink(missing_ok=True)
    with Session(app.engine) as session, session.begin():
        session.execute(delete(DebugWindow).where(DebugWindow.id.in_(ids)))
    who = actor or current_actor()
    tomb = {"kind": "debug-logs", "deleted": len(ids), "ids": ids, "reason": reason}
    app.tombstone(TOMBSTONE, tomb, who)
    return len(ids)


CATEGORY = Category(
    "debug-logs", table="debug_windows", age="started_at", purge=purge,
    unheld="a window's row names no call or person, and its full log never outlives it")
