"""Master key rotation: re-wrap every data key under a new master key; the audio is untouched.

Steps, each safe to interrupt: (1) the new key is written beside the old one as
``master.key.new`` (0600, fsynced); (2) one transaction re-wraps every data key and re-seals the
operation log under it; (3) the old key is hard-linked to ``master.key.old-<UTC time>`` and the new
key renamed over ``master.key``. A rerun after a crash finds ``master.key.new`` and finishes the
same rotation. The old key is kept, 0600, until the admin deletes it: until then, database
backups taken before the rotation can still be opened with it, and deleting it is what makes
those backups' wrapped keys useless.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from asterisk_bridge import oplog
from asterisk_bridge.context import App
from asterisk_bridge.crypto.keywrap import master_key_id, unwrap_key, wrap_key
from asterisk_bridge.errors import KeyFileError
from asterisk_bridge.masterkey import create_master_key, load_master_key
from asterisk_bridge.safewrite import fsync_dir
from asterisk_bridge.store.models.recording import Recording, RecordingKey

Rewrapper = Callable[[Session, bytes, bytes], int]


def rewrap_recording_keys(session: Session, old: bytes, new: bytes) -> int:
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


#: Every table of data keys wrapped by the master key (voicemail adds its own here).
REWRAPPERS: list[Rewrapper] = [rewrap_recording_keys]


@dataclass(frozen=True)
class RotateReport:
    """What a rotation did; ``backup`` is the old key file the admin removes when ready."""

    rewrapped: int
    resealed: int
    old_key_id: str
    new_key_id: str
    backup: Path


def rotate(app: App) -> RotateReport:
    """Rotate the master key of *app*'s installation (resuming an interrupted rotation)."""
    key_file = app.config.master_key_file
    pending = key_file.with_name(f"{key_file.name}.new")
    old = app.master_key
    if not pending.exists():
        create_master_key(pending)
        fsync_dir(key_file.parent)
    new = load_master_key(pending)
    rewrapped, resealed = _rewrap_all(app, old, new)
    backup = key_file.with_name(f"{key_file.name}.old-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}")
    os.link(key_file, backup)
    os.replace(pending, key_file)
    fsync_dir(key_file.parent)
    rewrapped += _rewrap_all(app, old, new)[0]  # rows a concurrent writer wrapped meanwhile
    return RotateReport(rewrapped, resealed, master_key_id(old), master_key_id(new), backup)


def _rewrap_all(app: App, old: bytes, new: bytes) -> tuple[int, int]:
    with Session(app.engine) as session, session.begin():
        rewrapped = sum(rewrap(session, old, new) for rewrap in REWRAPPERS)
        resealed = oplog.reseal(session, old, new)
    return rewrapped, resealed

