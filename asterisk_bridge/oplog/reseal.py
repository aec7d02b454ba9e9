"""Moving the log's seals to a new master key (``voco keys rotate``)."""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import OplogError
from asterisk_bridge.oplog.seal import entry_hash, mac_key, seal
from asterisk_bridge.store.models import OplogEntry, OplogHead


def reseal(session: Session, old_master: bytes, new_master: bytes) -> int:
    """Re-seal every entry and the head under a new master key (``voco keys rotate``).

    Runs in the caller's transaction, with the rotation's other changes. Each entry's content
    must still match its hash, and its seal must verify under the old key, or under the new one
    when an interrupted rotation is resumed; the hash chain itself is unchanged.
    """
    old, new = mac_key(old_master), mac_key(new_master)
    head = session.execute(
        select(OplogHead).where(OplogHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    count = 0
    for e in session.scalars(select(OplogEntry).order_by(OplogEntry.seq)):
        digest = entry_hash(e.seq, e.ts, e.actor, e.command, e.args, e.result, e.message,
                             e.prev_hash)
        sealed = any(hmac.compare_digest(seal(k, e.seq, digest), e.mac) for k in (old, new))
        if digest != e.hash or not sealed:
            raise OplogError(
                f"operation log broken at entry {e.seq}: refusing to re-seal it under a new key "
                "(run 'voco oplog verify')"
            )
        e.mac = seal(new, e.seq, digest)
        count += 1
    if head is not None:
        head.mac = seal(new, head.seq, head.hash)
    return count
