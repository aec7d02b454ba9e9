"""Voicemail data keys under the master key: the messages' :class:`SealedFileKind`, each wrap
bound to its message and purpose (audio or transcript), re-wrapped at a master key rotation
(the ciphertext files are never touched)."""

from __future__ import annotations

from asterisk_bridge.crypto.filekind import SealedFileKind
from asterisk_bridge.store.models.voicemail import VoicemailKey, VoicemailMessage

AUDIO = "audio"
TRANSCRIPT = "transcript"


def owner(message_id: str, purpose: str) -> str:
    """What a message's data key is bound to: a wrap moved to another message or use fails."""
    return f"voicemail:{purpose}:{message_id}"


KIND = SealedFileKind("voicemail", "voicemail", VoicemailKey, VoicemailMessage,
                      bind=lambda held: owner(held.message_id, held.purpose),
                      owner_of=lambda held: f"{held.message_id} ({held.purpose})")
SEALED = KIND.registered("voicemail data keys")
