"""What a subject's rights reach of voicemail.

Finding a subject lists the messages naming them as the mailbox's owner or as the caller; their
export carries each message's audio (decrypted WAV), with the caller's number and name opened
only when the subject is the caller; erasure crypto-shreds every such message, transcript
included (a message cannot be kept with one person taken out).
"""

from __future__ import annotations

from asterisk_bridge.context import App
from asterisk_bridge.store.models.voicemail import VoicemailMessage
from asterisk_bridge.subjects import sealedfiles
from asterisk_bridge.subjects.reach import Access, Exported, Reach, by_id
from asterisk_bridge.subjects.target import Target
from asterisk_bridge.voicemail import shred
from asterisk_bridge.voicemail.vault import open_audio

#: Columns about the store, not the message: kept out of the subject's export.
INTERNAL = ("path", "size", "sha256", "key_id", "master_key_id", "created_at",
            "transcript_key_id", "transcript_next_at", "transcript_attempts")


def _export(access: Access) -> Exported:
    return sealedfiles.export(access, VOICEMAIL, "voicemail", INTERNAL, open_audio)


def _erase(app: App, target: Target, actor: str, reason: str) -> int:
    return sealedfiles.erase(app, target, VoicemailMessage, shred.delete_message, actor,
                             reason)


VOICEMAIL = Reach("voicemail", table="voicemail_messages", row_ref=by_id,
                  sealed={"caller_number": "caller_subject", "caller_name": "caller_subject"},
                  export=_export, erase=_erase,
                  erasure="crypto-shredded with its transcript: keys destroyed, files removed, "
                          "tombstone left")
