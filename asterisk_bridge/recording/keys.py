"""Recording data keys under the master key: each row's wrap, and its re-wrap at rotation.

A wrap is bound to its key id *and* its recording id, and a row and its key row must name each
other, so a wrapped key, key row or recording row moved or swapped to another recording does not
open (the file header's key id is checked by the vault). Only the wraps change at a rotation: the
audio files are never touched. Version 1 wraps (bound to the key id only, written before the
binding existed) still open, and every rotation rewraps them bound.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from asterisk_bridge.crypto import keywrap
from asterisk_bridge.errors import CryptoError, KeyFileError
from asterisk_bridge.masterkey.registry import sealed
from asterisk_bridge.store.models.recording import Recording, RecordingKey


def owner(rec_id: str) -> str:
    """What a recording's data key is bound to when wrapped."""
    return f"recording:{rec_id}"


def wrap(master: bytes, data_key: bytes, key_id: str, rec_id: str) -> bytes:
    """A recording's data key wrapped for its key id and its recording id."""
    return keywrap.wrap_key(master, data_key, key_id, owner(rec_id))


def unwrap(master: bytes, row: Recording, held: RecordingKey) -> bytes:
    """The data key of recording *row*; CryptoError if the rows do not belong together."""
    if held.key_id != row.key_id or held.recording_id != row.id:
        raise CryptoError(
            f"recording {row.id} names data key {row.key_id}, whose key row belongs to "
            f"recording {held.recording_id}: the rows were swapped or edited; not opened")
    return _open(master, held)


def _open(master: bytes, held: RecordingKey) -> bytes:
    if keywrap.is_legacy(held.wrapped):
        return keywrap.unwrap_legacy_key(master, held.wrapped, held.key_id)
    try:
        return keywrap.unwrap_key(master, held.wrapped, held.key_id, owner(held.recording_id))
    except CryptoError as exc:
        raise CryptoError(f"recording {held.recording_id}: {exc}") from None


def reseal(session: Session, old: bytes, new: bytes) -> int:
    """Re-wrap, bound to its recording, every data key still under *old*; returns how many."""
    old_id, new_id = keywrap.master_key_id(old), keywrap.master_key_id(new)
    count = 0
    for held in session.scalars(select(RecordingKey).where(RecordingKey.master_key_id != new_id)):
        if held.master_key_id != old_id:
            raise KeyFileError(
                f"data key {held.key_id} is wrapped by master key {held.master_key_id}, which is "
                f"neither the current ({old_id}) nor the new one ({new_id}); restore that key "
                "file as the master key and rotate again"
            )
        held.wrapped = wrap(new, _open(old, held), held.key_id, held.recording_id)
        held.master_key_id = new_id
        count += 1
    session.execute(update(Recording).where(Recording.master_key_id == old_id)
                    .values(master_key_id=new_id))
    return count


SEALED = sealed("recording data keys", reseal, RecordingKey.wrapped)
