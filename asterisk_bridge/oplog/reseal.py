"""Moving the log's seals to a new master key (``voco keys rotate``)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import OplogError
from asterisk_bridge.oplog import seal
from asterisk_bridge.store.models import OplogEntry, OplogGenesis, OplogHead


def reseal(session: Session, old_master: bytes, new_master: bytes) -> int:
    """Re-seal the genesis, every entry and the head under a new master key.

    Runs in the caller's transaction, with the rotation's other changes. Each record's content
    must still match its hash, and its seal must verify under the old key, or under the new one
    when an interrupted rotation is resumed; hashes (and so the chain) are unchanged. Returns how
    many entries were re-sealed.
    """
    old, new = seal.mac_key(old_master), seal.mac_key(new_master)

    def sealed(mac_of: Callable[[bytes], str], stored: str) -> bool:
        return any(seal.same(mac_of(k), stored) for k in (old, new))

    def refuse(what: str) -> OplogError:
        return OplogError(f"the operation log's {what} is broken: refusing to re-seal it under "
                          "a new key (run 'voco oplog verify')")

    head = session.execute(
        select(OplogHead).where(OplogHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    genesis = session.get(OplogGenesis, 1)
    if genesis is None or head is None:
        raise refuse("genesis or head record (missing)")
    digest = seal.hash_of_genesis(genesis)
    if digest != genesis.hash or not sealed(lambda k: seal.genesis_mac(k, digest), genesis.mac):
        raise refuse("genesis record")
    genesis.mac = seal.genesis_mac(new, digest)
    installation = genesis.installation
    if not sealed(lambda k: seal.head_mac(k, installation, head.count, head.seq, head.hash),
                  head.mac):
        raise refuse("head record")
    head.mac = seal.head_mac(new, installation, head.count, head.seq, head.hash)
    count = 0
    for e in session.scalars(select(OplogEntry).order_by(OplogEntry.seq)):
        digest = seal.hash_of_entry(e)
        mac_of = functools.partial(seal.entry_mac, seq=e.seq, digest=digest)
        if digest != e.hash or not sealed(mac_of, e.mac):
            raise refuse(f"entry {e.seq}")
        e.mac = seal.entry_mac(new, e.seq, digest)
        count += 1
    return count
