"""Walking the chain: the first entry that does not fit is named."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import OplogError
from asterisk_bridge.oplog.chain import GENESIS
from asterisk_bridge.oplog.seal import entry_hash, mac_key, seal
from asterisk_bridge.store.models import OplogEntry, OplogHead


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify`` checked."""

    entries: int
    head_seq: int


def verify(engine: Engine, master_key: bytes) -> VerifyReport:
    """Walk the chain in order; raise OplogError naming the first entry that does not fit."""
    key = mac_key(master_key)
    prev = GENESIS
    expected_seq = 1
    count = 0
    with Session(engine) as session:
        for e in session.scalars(select(OplogEntry).order_by(OplogEntry.seq)):
            if e.seq != expected_seq:
                raise OplogError(
                    f"operation log broken at entry {e.seq}: expected entry {expected_seq} "
                    "(an entry was deleted, inserted or renumbered)"
                )
            if e.prev_hash != prev:
                raise OplogError(
                    f"operation log broken at entry {e.seq}: it does not follow entry {e.seq - 1} "
                    "(an entry was deleted, inserted or reordered)"
                )
            digest = entry_hash(e.seq, e.ts, e.actor, e.command, e.args, e.result, e.message,
                                 e.prev_hash)
            if digest != e.hash:
                raise OplogError(f"operation log broken at entry {e.seq}: its content was edited")
            if not hmac.compare_digest(seal(key, e.seq, digest), e.mac):
                raise OplogError(
                    f"operation log broken at entry {e.seq}: its seal does not match the master "
                    "key (forged, or the wrong master key)"
                )
            prev = digest
            expected_seq += 1
            count += 1
        head = session.get(OplogHead, 1)
    head_seq = head.seq if head else 0
    if head is not None and not hmac.compare_digest(seal(key, head.seq, head.hash), head.mac):
        raise OplogError("operation log head record was edited (its seal does not match)")
    if count > head_seq:
        raise OplogError(
            f"operation log broken at entry {head_seq + 1}: it was not written by Voco "
            f"(the head says {head_seq} entries; inserted)"
        )
    if count < head_seq or (head is not None and head.hash != prev):
        raise OplogError(
            f"operation log broken at entry {count + 1}: the head says {head_seq} entries "
            f"but {count} remain (the newest entries were deleted)"
        )
    return VerifyReport(entries=count, head_seq=head_seq)


