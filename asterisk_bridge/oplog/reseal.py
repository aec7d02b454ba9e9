"""Moving the log's seals to a new master key (``voco keys rotate``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import OplogError
from asterisk_bridge.oplog.seal import (
    entry_hash,
    entry_mac,
    genesis_hash,
    genesis_mac,
    head_mac,
    mac_key,
    same,
)
from asterisk_bridge.store.models import OplogEntry, OplogGenesis, OplogHead


def reseal(session: Session, old_master: bytes, new_master: bytes) -> int:
    """Re-seal the genesis, every entry and the head under a new master key.

    Runs in the caller's transaction, with the rotation's other changes. Each record's content
    must still match its hash, and its seal must verify under the old key, or under the new one
    when an interrupted rotation is resumed; hashes (and so the chain) are unchanged. Returns how
    many entries were re-sealed.
    """
    old, new = mac_key(old_master), mac_key(new_master)
    head = session.execute(
        select(OplogHead).where(OplogHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    genesis = session.get(OplogGenesis, 1)
    if genesis is None or head is None:
        raise OplogError("the operation log has no genesis or head record: refusing to re-seal "
                         "it (run 'voco oplog verify')")
    digest = genesis_hash(genesis.installation, genesis.created_at, genesis.restarted_from,
                          genesis.reason)
    if digest != genesis.hash or not any(same(genesis_mac(k, digest), genesis.mac)
                                         for k in (old, new)):
        raise OplogError("the operation log's genesis record is broken: refusing to re-seal it "
                         "under a new key (run 'voco oplog verify')")
    genesis.mac = genesis_mac(new, digest)
    count = 0
    for e in session.scalars(select(OplogEntry).order_by(OplogEntry.seq)):
        digest = entry_hash(e.seq, e.ts, e.actor, e.command, e.args, e.result, e.message,
                            e.prev_hash)
        sealed = any(same(entry_mac(k, e.seq, digest), e.mac) for k in (old, new))
        if digest != e.hash or not sealed:
            raise OplogError(
                f"operation log broken at entry {e.seq}: refusing to re-seal it under a new key "
                "(run 'voco oplog verify')"
            )
        e.mac = entry_mac(new, e.seq, digest)
        count += 1
    if not any(same(head_mac(k, genesis.installation, head.count, head.seq, head.hash), head.mac)
               for k in (old, new)):
        raise OplogError("the operation log's head record is broken: refusing to re-seal it "
                         "under a new key (run 'voco oplog verify')")
    head.mac = head_mac(new, genesis.installation, head.count, head.seq, head.hash)
    return count
