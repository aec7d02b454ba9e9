"""The ``captures`` retention category: captures that started before the cutoff are
crypto-shredded (key, then file; the row stays as the tombstone), one oplog entry per purge."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from asterisk_bridge.capture import control
from asterisk_bridge.context import App
from asterisk_bridge.oplog import current_actor
from asterisk_bridge.retention.category import Category
from asterisk_bridge.store.models.capture import Capture

TOMBSTONE = "capture tombstone"


def purge(app: App, cutoff: datetime, reason: str, actor: str | None) -> int:
    """Shred every sealed or failed capture of this node that started before *cutoff*."""
    before = control.iso(cutoff.replace(tzinfo=UTC))
    who = actor or current_actor()
    with app.engine.connect() as conn:
        ids = list(conn.execute(select(Capture.id).where(
            Capture.node == app.config.asterisk.node, Capture.started_at < before,
            Capture.state.in_(("sealed", "failed")))).scalars())
    for capture_id in ids:
        control.delete(app, capture_id, reason, who)
    if ids:
        tomb = {"kind": "captures", "deleted": len(ids), "ids": ids, "reason": reason}
        app.tombstone(TOMBSTONE, tomb, who)
    return len(ids)


CATEGORY = Category(
    "captures", table="captures", age="started_at", purge=purge,
    unheld="a capture is one sealed pcap of many calls: no call or person can be named in it")
