"""The tamper-evident operation log.

Each entry holds the SHA-256 of the previous entry, so editing, deleting, inserting or reordering
a row breaks the chain at the first touched entry. Each hash is also sealed with an HMAC keyed from
the master key, so someone with write access to the database but not the key cannot rebuild a
consistent chain after an edit. A single ``oplog_head`` row names the newest entry: appenders lock
it (serialising writers on every engine), and ``verify`` uses it to notice a deleted tail.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import OplogError
from asterisk_bridge.store.models import OplogEntry, OplogHead

GENESIS = "0" * 64
REDACTED = "***"
# Argument names that hold secrets: "secret", "new_pin", "api_token", "master_key", ... but not
# identifiers such as a policy "key" or "pinned".
_SECRET_NAME = re.compile(
    r"(^|_)(secret|password|passwd|passphrase|token|pin|credentials?)($|_)|(^|_)\w+_key$",
    re.IGNORECASE,
)


def redact(args: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the value of every argument whose name suggests a secret."""
    return {
        k: (REDACTED if _SECRET_NAME.search(k) and v not in (None, "", False) else v)
        for k, v in args.items()
    }


def _mac_key(master_key: bytes) -> bytes:
    return hmac.new(master_key, b"voco-oplog-v1", hashlib.sha256).digest()


def _entry_hash(seq: int, ts: str, actor: str, command: str, args: str, result: str,
                message: str, prev_hash: str) -> str:
    body = json.dumps(
        [seq, ts, actor, command, args, result, message, prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _seal(key: bytes, seq: int, digest: str) -> str:
    return hmac.new(key, f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()


def current_actor() -> str:
    """The OS user running the command (API calls will pass their token's name instead)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def append(engine: Engine, master_key: bytes, command: str, args: Mapping[str, Any],
           result: str, message: str = "", actor: str | None = None) -> int:
    """Append one entry and return its sequence number."""
    key = _mac_key(master_key)
    args_json = json.dumps(redact(args), sort_keys=True, ensure_ascii=False, default=str)
    ts = datetime.now(UTC).isoformat(timespec="microseconds")
    who = actor or current_actor()
    with Session(engine) as session, session.begin():
        head = session.execute(
            select(OplogHead).where(OplogHead.id == 1).with_for_update()
        ).scalar_one_or_none()
        seq = head.seq + 1 if head else 1
        prev = head.hash if head else GENESIS
        digest = _entry_hash(seq, ts, who, command, args_json, result, message, prev)
        mac = _seal(key, seq, digest)
        session.add(OplogEntry(seq=seq, ts=ts, actor=who, command=command, args=args_json,
                               result=result, message=message, prev_hash=prev, hash=digest,
                               mac=mac))
        if head is None:
            session.add(OplogHead(id=1, seq=seq, hash=digest, mac=mac))
        else:
            head.seq, head.hash, head.mac = seq, digest, mac
    return seq


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify`` checked."""

    entries: int
    head_seq: int


def verify(engine: Engine, master_key: bytes) -> VerifyReport:
    """Walk the chain in order; raise OplogError naming the first entry that does not fit."""
    key = _mac_key(master_key)
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
            digest = _entry_hash(e.seq, e.ts, e.actor, e.command, e.args, e.result, e.message,
                                 e.prev_hash)
            if digest != e.hash:
                raise OplogError(f"operation log broken at entry {e.seq}: its content was edited")
            if not hmac.compare_digest(_seal(key, e.seq, digest), e.mac):
                raise OplogError(
                    f"operation log broken at entry {e.seq}: its seal does not match the master "
                    "key (forged, or the wrong master key)"
                )
            prev = digest
            expected_seq += 1
            count += 1
        head = session.get(OplogHead, 1)
    head_seq = head.seq if head else 0
    if head is not None and not hmac.compare_digest(_seal(key, head.seq, head.hash), head.mac):
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


@dataclass(frozen=True)
class Filters:
    """Filters for ``voco oplog list``."""

    command: str | None = None
    actor: str | None = None
    result: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int | None = None


def entries(engine: Engine, filters: Filters) -> Iterator[OplogEntry]:
    """Entries in order, filtered; ``since``/``until`` compare ISO timestamps."""
    q = select(OplogEntry).order_by(OplogEntry.seq)
    if filters.command:
        q = q.where(OplogEntry.command.like(f"{filters.command}%"))
    if filters.actor:
        q = q.where(OplogEntry.actor == filters.actor)
    if filters.result:
        q = q.where(OplogEntry.result == filters.result)
    if filters.since:
        q = q.where(OplogEntry.ts >= filters.since)
    if filters.until:
        q = q.where(OplogEntry.ts < filters.until)
    if filters.limit:
        q = q.limit(filters.limit)
    with Session(engine) as session:
        yield from session.scalars(q)


def reseal(session: Session, old_master: bytes, new_master: bytes) -> int:
    """Re-seal every entry and the head under a new master key (``voco keys rotate``).

    Runs in the caller's transaction, with the rotation's other changes. Each entry's content
    must still match its hash, and its seal must verify under the old key, or under the new one
    when an interrupted rotation is resumed; the hash chain itself is unchanged.
    """
    old, new = _mac_key(old_master), _mac_key(new_master)
    head = session.execute(
        select(OplogHead).where(OplogHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    count = 0
    for e in session.scalars(select(OplogEntry).order_by(OplogEntry.seq)):
        digest = _entry_hash(e.seq, e.ts, e.actor, e.command, e.args, e.result, e.message,
                             e.prev_hash)
        sealed = any(hmac.compare_digest(_seal(k, e.seq, digest), e.mac) for k in (old, new))
        if digest != e.hash or not sealed:
            raise OplogError(
                f"operation log broken at entry {e.seq}: refusing to re-seal it under a new key "
                "(run 'voco oplog verify')"
            )
        e.mac = _seal(new, e.seq, digest)
        count += 1
    if head is not None:
        head.mac = _seal(new, head.seq, head.hash)
    return count
