"""Master key rotation: re-seal everything the master key seals, in one transaction, or nothing.

Steps, each safe to interrupt: (0) the registry is checked, so no sealed column is left behind;
(1) the new key is written beside the old one as ``master.key.new`` (0600, fsynced); (2) one
transaction runs every registered kind's re-sealer (:mod:`asterisk_bridge.masterkey.kinds`): a
failure in any of them rolls back all of them; (3) the old key is hard-linked to
``master.key.old-<UTC time>`` and the new key renamed over ``master.key``; (4) one more pass
re-seals what a concurrent writer sealed with the old key meanwhile; then ``key_rotated`` is
published (the new key's id, never the key). A rerun after a crash finds
``master.key.new`` and finishes the same rotation. The old key is kept, 0600, until the admin
deletes it: until then, database backups taken before the rotation can still be opened with it,
and deleting it is what makes those backups' sealed values useless.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.crypto.keywrap import master_key_id
from asterisk_bridge.masterkey import registry
from asterisk_bridge.masterkey.keyfile import create_master_key, load_master_key
from asterisk_bridge.masterkey.kinds import KINDS
from asterisk_bridge.masterkey.registry import SealedKind
from asterisk_bridge.notifications import bus
from asterisk_bridge.safewrite import fsync_dir
from asterisk_bridge.store.models import Base


@dataclass(frozen=True)
class RotateReport:
    """What a rotation did; ``backup`` is the old key file the admin removes when ready."""

    resealed: dict[str, int]  # kind name -> values re-sealed
    old_key_id: str
    new_key_id: str
    backup: Path


def rotate(app: App, kinds: Sequence[SealedKind] = KINDS) -> RotateReport:
    """Rotate the master key of *app*'s installation (resuming an interrupted rotation)."""
    registry.check(Base.metadata, kinds)
    key_file = app.config.master_key_file
    pending = key_file.with_name(f"{key_file.name}.new")
    old = app.master_key
    if not pending.exists():
        create_master_key(pending)
        fsync_dir(key_file.parent)
    new = load_master_key(pending)
    resealed = reseal_all(app.engine, kinds, old, new)
    backup = key_file.with_name(f"{key_file.name}.old-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}")
    os.link(key_file, backup)
    os.replace(pending, key_file)
    fsync_dir(key_file.parent)
    late = reseal_all(app.engine, kinds, old, new)  # values a concurrent writer sealed meanwhile
    bus.publish("key_rotated", key="master", key_id=master_key_id(new))
    return RotateReport({name: n + late[name] for name, n in resealed.items()},
                        master_key_id(old), master_key_id(new), backup)


def reseal_all(engine: Engine, kinds: Sequence[SealedKind], old: bytes,
               new: bytes) -> dict[str, int]:
    """Run every kind's re-sealer in one transaction; any error rolls all of them back."""
    with Session(engine) as session, session.begin():
        return {kind.name: kind.reseal(session, old, new) for kind in kinds}
