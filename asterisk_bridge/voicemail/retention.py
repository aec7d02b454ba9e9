"""Retention of voicemail: ``voicemail`` (whole messages) and ``transcripts`` (only the text).

Both purge through :mod:`asterisk_bridge.voicemail.shred` (keys destroyed, files removed,
tombstones left), keep what a legal hold covers, purge only this node's messages (their files
are on this node's disk), and write one operation-log entry listing what they deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from asterisk_bridge.context import App
from asterisk_bridge.errors import HeldError
from asterisk_bridge.holds import guard
from asterisk_bridge.oplog import current_actor
from asterisk_bridge.retention.category import Category
from asterisk_bridge.store.models.voicemail import VoicemailMessage
from asterisk_bridge.voicemail import shred
from asterisk_bridge.voicemail.vault import VoicemailNotFound, iso

TOMBSTONE = "voicemail tombstone"


def _purge(kind: str, extra: Callable[[], object] | None,
           delete: Callable[[App, str, str, str], object]) -> Callable[
               [App, datetime, str, str | None], int]:
    def purge(app: App, cutoff: datetime, reason: str, actor: str | None) -> int:
        before = iso(cutoff.replace(tzinfo=UTC).timestamp())
        who = actor or current_actor()
        where = [VoicemailMessage.node == app.config.asterisk.node,
                 VoicemailMessage.received_at < before, guard.unheld(shred.TABLE)]
        if extra is not None:
            where.append(extra())  # type: ignore[arg-type]
        with app.engine.connect() as conn:
            ids = list(conn.execute(select(VoicemailMessage.id).where(*where)
                                    .order_by(VoicemailMessage.received_at)).scalars())
        deleted = []
        for msg_id in ids:
            try:
                if delete(app, msg_id, reason, who) is False:
                    continue
            except (HeldError, VoicemailNotFound):  # held or deleted meanwhile
                continue
            deleted.append(msg_id)
        if deleted:
            tomb = {"kind": kind, "deleted": len(deleted), "ids": deleted, "reason": reason}
            app.tombstone(TOMBSTONE, tomb, who)
        return len(deleted)

    return purge


VOICEMAIL = Category("voicemail", table="voicemail_messages", age="received_at",
                     purge=_purge("voicemail", None, shred.delete_message))
TRANSCRIPTS = Category("transcripts", table="voicemail_messages", age="received_at",
                       purge=_purge("transcripts",
                                    lambda: VoicemailMessage.transcript_key_id != "",
                                    shred.delete_transcript))
