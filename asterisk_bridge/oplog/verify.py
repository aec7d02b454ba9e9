"""Walking the log from its genesis to its head; the first thing that does not fit is named.

Checked in order: the tables exist; the genesis record is there, unedited, sealed, and the one
the anchor file names; the head is there and sealed; every entry follows the one before it, is
unedited and sealed; the last entry is the one the head names. Each failure message says what
happened (edited, deleted, inserted, reordered, truncated, wiped, restarted, forged).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import OplogError
from asterisk_bridge.oplog import seal
from asterisk_bridge.oplog.chain import missing_tables
from asterisk_bridge.oplog.genesis import Anchor, read_anchor
from asterisk_bridge.store.models import OplogEntry, OplogGenesis, OplogHead

RESTORE = "restore the database from a backup"


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify`` checked: how many entries, and which log (began when, restarted why)."""

    entries: int
    head_seq: int
    installation: str
    began: str
    restarted_from: str = ""
    reason: str = ""


def _broken(at: int, what: str) -> OplogError:
    return OplogError(f"operation log broken at entry {at}: {what}")


def verify(engine: Engine, master_key: bytes, anchor: Path | None = None) -> VerifyReport:
    """Check the whole log; raise OplogError naming the first thing that does not fit.

    *anchor* is the file beside the master key that says which log this installation began
    (None skips that cross-check, for a store used without a config file).
    """
    missing = missing_tables(engine)
    if missing:
        raise OplogError(f"the operation log's tables are missing ({', '.join(missing)}): they "
                         f"were dropped or the schema was downgraded; {RESTORE}")
    expected = _read_anchor(anchor)
    key = seal.mac_key(master_key)
    with Session(engine) as session:
        genesis = session.get(OplogGenesis, 1)
        _check_genesis(key, genesis, expected, anchor)
        assert genesis is not None
        head = session.get(OplogHead, 1)
        rows = session.scalar(select(func.count()).select_from(OplogEntry)) or 0
        if head is None:
            raise OplogError("the operation log was truncated: every entry and the head record "
                             f"were deleted; {RESTORE}" if rows == 0 else
                             f"the operation log's head record was deleted; {RESTORE}")
        if not seal.same(seal.head_mac(key, genesis.installation, head.count, head.seq, head.hash),
                    head.mac):
            raise OplogError("the operation log's head record was forged or replaced (its seal "
                             "does not match): entries after the newest one left may have "
                             f"been deleted; {RESTORE}")
        count, last_hash = _walk(session, key, genesis.hash, head)
    if count < head.count:
        gone = f"entries {count + 1}-{head.count}" if head.count > count + 1 \
            else f"entry {head.count}"
        raise _broken(count + 1, f"the head says {head.count} entries but {count} remain: the "
                      f"newest ones ({gone}) were deleted")
    if last_hash != head.hash:
        raise _broken(count, "it is not the entry the head names: the newest entry was replaced")
    return VerifyReport(entries=count, head_seq=head.seq, installation=genesis.installation,
                        began=genesis.created_at, restarted_from=genesis.restarted_from,
                        reason=genesis.reason)


def _read_anchor(anchor: Path | None) -> Anchor | None:
    if anchor is None:
        return None
    found = read_anchor(anchor)
    if found is None:
        raise OplogError(f"the operation log anchor {anchor} is missing, so a wiped and "
                         "restarted log cannot be told from this installation's own: restore it "
                         "from a backup, or copy it from the node that ran 'voco init' (it sits "
                         "beside the master key)")
    return found


def _check_genesis(key: bytes, genesis: OplogGenesis | None, expected: Anchor | None,
                   anchor: Path | None) -> None:
    if genesis is None:
        began = (f" (this installation's log began {expected.created_at} as installation "
                 f"{expected.installation}, per {anchor})" if expected else "")
        raise OplogError(f"the operation log was wiped: its genesis record is gone (the log's "
                         f"tables were emptied, or dropped and recreated){began}; {RESTORE}")
    digest = seal.hash_of_genesis(genesis)
    if digest != genesis.hash:
        raise OplogError(f"the operation log's genesis record was edited; {RESTORE}")
    if not seal.same(seal.genesis_mac(key, digest), genesis.mac):
        raise OplogError("the operation log's genesis record was forged (its seal does not match "
                         "the master key, or this is the wrong master key)")
    if expected is not None and expected.installation != genesis.installation:
        raise OplogError(
            f"the operation log was restarted: the database's log began {genesis.created_at} "
            f"(installation {genesis.installation}), but this installation's log began "
            f"{expected.created_at} (installation {expected.installation}, per {anchor}); "
            f"{RESTORE}")


def _walk(session: Session, key: bytes, genesis_digest: str, head: OplogHead) -> tuple[int, str]:
    """Check every entry in seq order; returns how many and the last one's hash."""
    prev, expected, count = genesis_digest, 1, 0
    for e in session.scalars(select(OplogEntry).order_by(OplogEntry.seq)):
        if e.seq < expected:
            raise _broken(e.seq, "it is not part of the chain (numbers start at 1): inserted")
        if e.seq > head.seq:
            raise _broken(e.seq, f"it lies beyond the newest entry the head names ({head.seq}): "
                          "inserted, or the head was replaced by an older copy")
        if e.seq > expected:
            gone = f"entries {expected}-{e.seq - 1} are" if e.seq > expected + 1 \
                else f"entry {expected} is"
            raise _broken(expected, f"{gone} missing: deleted")
        if e.prev_hash != prev:
            raise _broken(e.seq, _misplaced(session, e))
        digest = seal.hash_of_entry(e)
        if digest != e.hash:
            raise _broken(e.seq, "its content was edited")
        if not seal.same(seal.entry_mac(key, e.seq, digest), e.mac):
            raise _broken(e.seq, "its seal does not match the master key (forged, or the wrong "
                          "master key)")
        prev, expected, count = digest, expected + 1, count + 1
    return count, prev


def _misplaced(session: Session, e: OplogEntry) -> str:
    """Why an entry does not follow its predecessor: moved (reordered) or foreign (inserted)."""
    after = session.scalar(select(OplogEntry.seq).where(OplogEntry.hash == e.prev_hash))
    if after is not None:
        return f"it was written right after the entry now numbered {after}: entries were reordered"
    return f"it does not follow entry {e.seq - 1}: an entry was inserted or replaced"
