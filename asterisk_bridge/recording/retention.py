"""The ``recordings`` retention category: recordings that started before the cutoff.

Each is crypto-shredded through :func:`asterisk_bridge.recording.shred.delete` (key destroyed,
file removed, tombstone left), and one operation-log entry lists what the purge deleted. Only
this node's recordings are purged: their ciphertext files live on this node's disk, and every
node's bridge purges its own. A recording a legal hold covers is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from asterisk_bridge.context import App
from asterisk_bridge.errors import HeldError
from asterisk_bridge.holds import guard
from asterisk_bridge.oplog import current_actor
from asterisk_bridge.recording import shred
from asterisk_bridge.recording.vault import RecordingNotFound, iso
from asterisk_bridge.retention.category import Category
from asterisk_bridge.store.models.recording import Recording

TOMBSTONE = "recording tombstone"


def purge(app: App, cutoff: datetime, reason: str, actor: str | None) -> int:
    """Shred every unheld recording of this node that started before *cutoff*."""
    before = iso(cutoff.replace(tzinfo=UTC).timestamp())
    who = actor or current_actor()
    with app.engine.connect() as conn:
        ids = list(conn.execute(select(Recording.id).where(
            Recording.node == app.config.asterisk.node, Recording.started_at < before,
            guard.unheld(shred.TABLE)).order_by(Recording.started_at)).scalars())
    deleted = []
    for rec_id in ids:
        try:
            shred.delete(app, rec_id, reason, who)
        except (HeldError, RecordingNotFound):  # held or deleted meanwhile: not ours to purge
            continue
        deleted.append(rec_id)
    if deleted:
        tomb = {"kind": "recordings", "deleted": len(deleted), "ids": deleted,
                "reason": reason}
        app.tombstone(TOMBSTONE, tomb, who)
    return len(deleted)


CATEGORY = Category("recordings", table="recordings", age="started_at", purge=purge)
