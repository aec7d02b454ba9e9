"""Capture data keys under the master key: each wrap is bound to its key id and its capture,
and rotation re-wraps them (the sealed files are never touched)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from asterisk_bridge.crypto import keywrap
from asterisk_bridge.errors import KeyFileError
from asterisk_bridge.masterkey.registry import sealed
from asterisk_bridge.store.models.capture import Capture, CaptureKey


def owner(capture_id: str) -> str:
    """What a capture's data key is bound to."""
    return f"capture:{capture_id}"


def unwrap(master: bytes, held: CaptureKey) -> bytes:
    """The data key of *held*'s capture."""
    return keywrap.unwrap_key(master, held.wrapped, held.key_id, owner(held.capture_id))


def reseal(session: Session, old: bytes, new: bytes) -> int:
    """Re-wrap every capture key still under *old*; returns how many."""
    old_id, new_id = keywrap.master_key_id(old), keywrap.master_key_id(new)
    count = 0
    for held in session.scalars(select(CaptureKey).where(CaptureKey.master_key_id != new_id)):
        if held.master_key_id != old_id:
            raise KeyFileError(
                f"capture key {held.key_id} is wrapped by master key {held.master_key_id}, "
                f"which is neither the current ({old_id}) nor the new one ({new_id}); restore "
                "that key file as the master key and rotate again")
        held.wrapped = keywrap.wrap_key(new, unwrap(old, held), held.key_id,
                                        owner(held.capture_id))
        held.master_key_id = new_id
        count += 1
    session.execute(update(Capture).where(Capture.master_key_id == old_id)
                    .values(master_key_id=new_id))
    return count


SEALED = sealed("capture data keys", reseal, CaptureKey.wrapped)
