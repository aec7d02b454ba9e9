"""Voicemail data keys under the master key: each wrap bound to its message and purpose, and
their re-wrap at a master key rotation (the ciphertext files are never touched)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.crypto import keywrap
from asterisk_bridge.errors import CryptoError, KeyFileError
from asterisk_bridge.masterkey.registry import sealed
from asterisk_bridge.store.models.voicemail import VoicemailKey, VoicemailMessage

AUDIO = "audio"
TRANSCRIPT = "transcript"


def owner(message_id: str, purpose: str) -> str:
    """What a message's data key is bound to: a wrap moved to another message or use fails."""
    return f"voicemail:{purpose}:{message_id}"


def unwrap(master: bytes, held: VoicemailKey) -> bytes:
    """The data key of *held*; CryptoError names the message if it does not open."""
    try:
        return keywrap.unwrap_key(master, held.wrapped, held.key_id,
                                  owner(held.message_id, held.purpose))
    except CryptoError as exc:
        raise CryptoError(f"voicemail {held.message_id} ({held.purpose}): {exc}") from None


def reseal(session: Session, old: bytes, new: bytes) -> int:
    """Re-wrap every voicemail data key still under *old*; returns how many."""
    old_id, new_id = keywrap.master_key_id(old), keywrap.master_key_id(new)
    count = 0
    for held in session.scalars(select(VoicemailKey).where(VoicemailKey.master_key_id != new_id)):
        if held.master_key_id != old_id:
            raise KeyFileError(
                f"voicemail data key {held.key_id} is wrapped by master key "
                f"{held.master_key_id}, neither the current ({old_id}) nor the new one "
                f"({new_id}); restore that key file as the master key and rotate again")
        held.wrapped = keywrap.wrap_key(new, unwrap(old, held), held.key_id,
                                        owner(held.message_id, held.purpose))
        held.master_key_id = new_id
        count += 1
    for row in session.scalars(select(VoicemailMessage)
                               .where(VoicemailMessage.master_key_id == old_id)):
        row.master_key_id = new_id
    return count


SEALED = sealed("voicemail data keys", reseal, VoicemailKey.wrapped)
