"""Recording data keys under the master key: each row's wrap, and its re-wrap at rotation.

Only the 60-byte wraps change at a rotation: the audio files are never touched.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from asterisk_bridge.crypto.keywrap import master_key_id, unwrap_key, wrap_key
from asterisk_bridge.errors import KeyFileError
from asterisk_bridge.masterkey.registry import sealed
from asterisk_bridge.store.models.recording import Recording, RecordingKey


def reseal(session: Session, old: bytes, new: bytes) -> int:
    """Re-wrap every recording data key still under *old*; returns how many."""
    old_id, new_id = master_key_id(old), master_key_id(new)
    count = 0
    for held in session.scalars(select(RecordingKey).where(RecordingKey.master_key_id != new_id)):
        if held.master_key_id != old_id:
            raise KeyFileError(
                f"data key {held.key_id} is wrapped by master key {held.master_key_id}, which is "
                f"neither the current ({old_id}) nor the new one ({new_id}); restore that key "
                "file as the master key and rotate again"
            )
        data_key = unwrap_key(old, held.wrapped, held.key_id)
        held.wrapped, held.master_key_id = wrap_key(new, data_key, held.key_id), new_id
        count += 1
    session.execute(update(Recording).where(Recording.master_key_id == old_id)
                    .values(master_key_id=new_id))
    return count


SEALED = sealed("recording data keys", reseal, RecordingKey.wrapped)
