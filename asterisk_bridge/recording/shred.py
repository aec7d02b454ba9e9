"""Deleting a recording for good: crypto-shred the key, remove the file, keep a tombstone.

Destroying the wrapped data key is the moment the audio becomes unrecoverable, backups of the
ciphertext included; so it is done first, in the same transaction that writes the tombstone (what,
when, by whom, why), so a deletion is never unaccounted for. Then the ciphertext is unlinked, then
the row. On SQLite the key is deleted with ``secure_delete`` and the WAL checkpointed, so the key
bytes do not linger in free pages. A crash after the first step is finished by recovery. A
recording a legal hold covers (its call, or a party) is refused, naming the hold.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.crypto.sealing import remove_durably
from asterisk_bridge.holds import guard as holds
from asterisk_bridge.provisioning import validate
from asterisk_bridge.recording import query
from asterisk_bridge.recording.vault import RecordingNotFound, iso, recordings_dir
from asterisk_bridge.store import wipe
from asterisk_bridge.store.models.recording import Recording, RecordingKey, RecordingTombstone
from asterisk_bridge.subjects.refs import table_of

TABLE = table_of(Recording)


def delete(app: App, rec_id: str, reason: str, actor: str) -> RecordingTombstone:
    """Shred recording *rec_id*; returns its tombstone."""
    why = validate.reason(reason, "the recording is deleted")
    now = iso(datetime.now(UTC).timestamp())
    query.recording(app.engine, rec_id)  # raises, saying whether it was already deleted
    with Session(app.engine, expire_on_commit=False) as session, session.begin():
        row = session.get(Recording, rec_id)
        if row is None:
            raise RecordingNotFound(f"recording {rec_id} was deleted meanwhile")
        key = session.get(RecordingKey, row.key_id)
        if key is not None:
            holds.refuse(session.connection(), f"delete recording {rec_id}", TABLE,
                         Recording.id == rec_id)
            session.delete(key)
            stone = RecordingTombstone(recording_id=row.id, linkedid=row.linkedid,
                                       sha256=row.sha256, size=row.size, deleted_at=now,
                                       deleted_by=actor, reason=why)
            session.add(stone)
        else:  # a previous deletion was interrupted after the shred: its tombstone stands
            stone = session.scalars(select(RecordingTombstone).where(
                RecordingTombstone.recording_id == rec_id)).one()
    wipe.checkpoint(app.engine)
    _remove(app, rec_id)
    return stone


def finish_interrupted(app: App) -> list[str]:
    """Complete every deletion that destroyed its key but not yet its file and row."""
    with Session(app.engine) as session:
        orphans = list(session.scalars(
            select(Recording.id).where(~select(RecordingKey.key_id).where(
                RecordingKey.key_id == Recording.key_id).exists())))
    for rec_id in orphans:
        _remove(app, rec_id)
    return orphans


def _remove(app: App, rec_id: str) -> None:
    """Unlink the (already unreadable) ciphertext durably, then drop its row."""
    directory = recordings_dir(app)
    with Session(app.engine) as session, session.begin():
        row = session.get_one(Recording, rec_id)
        remove_durably(directory / row.path)
        session.delete(row)
