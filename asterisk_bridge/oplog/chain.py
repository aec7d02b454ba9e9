"""Appending to and reading the chain.

Each entry holds the SHA-256 of the previous entry, so editing, deleting, inserting or reordering
a row breaks the chain at the first touched entry. Each hash is also sealed with an HMAC keyed from
the master key, so someone with write access to the database but not the key cannot rebuild a
consistent chain after an edit. A single ``oplog_head`` row names the newest entry: appenders lock
it (serialising writers on every engine), and ``verify`` uses it to notice a deleted tail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from asterisk_bridge.oplog.actor import current_actor
from asterisk_bridge.oplog.redact import redact
from asterisk_bridge.oplog.seal import entry_hash, mac_key, seal
from asterisk_bridge.store.models import OplogEntry, OplogHead

GENESIS = "0" * 64


def append(engine: Engine, master_key: bytes, command: str, args: Mapping[str, Any],
           result: str, message: str = "", actor: str | None = None) -> int:
    """Append one entry and return its sequence number."""
    key = mac_key(master_key)
    args_json = json.dumps(redact(args), sort_keys=True, ensure_ascii=False, default=str)
    ts = datetime.now(UTC).isoformat(timespec="microseconds")
    who = actor or current_actor()
    with Session(engine) as session, session.begin():
        head = session.execute(
            select(OplogHead).where(OplogHead.id == 1).with_for_update()
        ).scalar_one_or_none()
        seq = head.seq + 1 if head else 1
        prev = head.hash if head else GENESIS
        digest = entry_hash(seq, ts, who, command, args_json, result, message, prev)
        mac = seal(key, seq, digest)
        session.add(OplogEntry(seq=seq, ts=ts, actor=who, command=command, args=args_json,
                               result=result, message=message, prev_hash=prev, hash=digest,
                               mac=mac))
        if head is None:
            session.add(OplogHead(id=1, seq=seq, hash=digest, mac=mac))
        else:
            head.seq, head.hash, head.mac = seq, digest, mac
    return seq


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
    """Entries in order, filtered; ``since``/``until`` compare ISO timestamps; ``actor`` also
    matches that user's entries made through sudo."""
    q = select(OplogEntry).order_by(OplogEntry.seq)
    if filters.command:
        q = q.where(OplogEntry.command.like(f"{filters.command}%"))
    if filters.actor:
        q = q.where(or_(OplogEntry.actor == filters.actor,
                        OplogEntry.actor.startswith(f"{filters.actor} (", autoescape=True)))
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
