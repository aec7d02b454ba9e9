"""Deleting voicemail for good: crypto-shred the key, remove the file, keep a tombstone.

As for recordings, destroying the wrapped data key is what makes the audio (or transcript)
unrecoverable, backups of the ciphertext included; it happens in the transaction that writes the
tombstone, then the file is unlinked, then (for a whole message) the row. A message a legal hold
covers (its call, its owner or its caller) is refused, naming the hold. A crash after the key is
gone is finished by :func:`finish_interrupted` at the bridge's next start.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.holds import guard as holds
from asterisk_bridge.provisioning import validate
from asterisk_bridge.safewrite import fsync_dir
from asterisk_bridge.store import wipe
from asterisk_bridge.store.models.voicemail import (
    VoicemailKey,
    VoicemailMessage,
    VoicemailTombstone,
)
from asterisk_bridge.subjects.refs import table_of
from asterisk_bridge.voicemail.vault import (
    VoicemailNotFound,
    iso,
    missing,
    transcript_name,
    voicemail_dir,
)

TABLE = table_of(VoicemailMessage)


def delete_message(app: App, msg_id: str, reason: str, actor: str) -> VoicemailTombstone:
    """Shred message *msg_id* (audio and transcript); returns its tombstone."""
    why = validate.reason(reason, "the voicemail is deleted")
    with Session(app.engine, expire_on_commit=False) as session, session.begin():
        row = session.get(VoicemailMessage, msg_id)
        if row is None:
            raise missing(session, msg_id)
        holds.refuse(session.connection(), f"delete voicemail {msg_id}", TABLE,
                     VoicemailMessage.id == msg_id)
        session.execute(delete(VoicemailKey).where(VoicemailKey.message_id == msg_id))
        stone = VoicemailTombstone(message_id=msg_id, mailbox=row.mailbox, what="message",
                                   sha256=row.sha256, deleted_at=_now(), deleted_by=actor,
                                   reason=why)
        session.add(stone)
    wipe.checkpoint(app.engine)
    _remove(app, msg_id)
    return stone


def delete_transcript(app: App, msg_id: str, reason: str, actor: str) -> bool:
    """Shred a message's transcript only (retention of transcripts); False if it had none."""
    why = validate.reason(reason, "the transcript is deleted")
    with Session(app.engine) as session, session.begin():
        row = session.get(VoicemailMessage, msg_id)
        if row is None:
            raise VoicemailNotFound(f"no voicemail {msg_id!r}")
        key_id = row.transcript_key_id
        if not key_id:
            return False
        holds.refuse(session.connection(), f"delete the transcript of voicemail {msg_id}",
                     TABLE, VoicemailMessage.id == msg_id)
        session.execute(delete(VoicemailKey).where(VoicemailKey.key_id == key_id))
        row.transcript_key_id, row.transcript_status = "", "deleted"
        session.add(VoicemailTombstone(message_id=msg_id, mailbox=row.mailbox, what="transcript",
                                       deleted_at=_now(), deleted_by=actor, reason=why))
    wipe.checkpoint(app.engine)
    _unlink(app, [transcript_name(msg_id, key_id)])
    return True


def finish_interrupted(app: App) -> list[str]:
    """Complete every deletion that destroyed a message's audio key but not its file and row."""
    with Session(app.engine) as session:
        orphans = list(session.scalars(select(VoicemailMessage.id).where(
            ~select(VoicemailKey.key_id).where(
                VoicemailKey.key_id == VoicemailMessage.key_id).exists())))
    for msg_id in orphans:
        _remove(app, msg_id)
    return orphans


def _remove(app: App, msg_id: str) -> None:
    """Unlink the (already unreadable) files durably, then drop the row."""
    with Session(app.engine) as session, session.begin():
        row = session.get_one(VoicemailMessage, msg_id)
        names = [row.path] + ([transcript_name(msg_id, row.transcript_key_id)]
                              if row.transcript_key_id else [])
        _unlink(app, names)
        session.delete(row)


def _unlink(app: App, names: list[str]) -> None:
    directory = voicemail_dir(app)
    for name in names:
        (directory / name).unlink(missing_ok=True)
    fsync_dir(directory)


def _now() -> str:
    return iso(datetime.now(UTC).timestamp())
