"""What a subject's rights reach of voicemail.

Finding a subject lists the messages naming them as the mailbox's owner or as the caller; their
export carries each message's audio (decrypted WAV), with the caller's number and name opened
only when the subject is the caller; erasure crypto-shreds every such message, transcript
included (a message cannot be kept with one person taken out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import select

from asterisk_bridge.context import App
from asterisk_bridge.provisioning import validate
from asterisk_bridge.store.models.voicemail import VoicemailMessage
from asterisk_bridge.subjects import refs
from asterisk_bridge.subjects.reach import Access, BundleFile, Exported, Reach, by_id
from asterisk_bridge.subjects.target import Target
from asterisk_bridge.voicemail import shred
from asterisk_bridge.voicemail.vault import open_audio

#: Columns about the store, not the message: kept out of the subject's export.
INTERNAL = ("path", "size", "sha256", "key_id", "master_key_id", "created_at",
            "transcript_key_id", "transcript_next_at", "transcript_attempts")


def _export(access: Access) -> Exported:
    records, files = [], []
    for rec in VOICEMAIL.rows(access):
        size = rec.pop("plain_size")
        for column in INTERNAL:
            rec.pop(column, None)
        rec["audio"] = f"voicemail/{rec['id']}.wav"
        files.append(BundleFile(rec["audio"], size, _audio(access.app, rec["id"])))
        records.append(rec)
    return Exported(records, files)


def _audio(app: App, msg_id: str) -> Callable[[], Iterator[bytes]]:
    return lambda: open_audio(app, msg_id)


def _erase(app: App, target: Target, actor: str, reason: str) -> int:
    with app.engine.connect() as conn:
        ids = list(conn.execute(select(VoicemailMessage.id).where(
            refs.names(shred.TABLE, [target.subject])).order_by(VoicemailMessage.id)).scalars())
    why = f"erasure of subject {target.subject}: {reason}"[:validate.MAX_REASON]
    for msg_id in ids:
        shred.delete_message(app, msg_id, why, actor)
    return len(ids)


VOICEMAIL = Reach("voicemail", table="voicemail_messages", row_ref=by_id,
                  sealed={"caller_number": "caller_subject", "caller_name": "caller_subject"},
                  export=_export, erase=_erase,
                  erasure="crypto-shredded with its transcript: keys destroyed, files removed, "
                          "tombstone left")
