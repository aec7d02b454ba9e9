"""Appending to and reading the chain.

Each entry holds the SHA-256 of the previous entry (entry 1: of the genesis record), so editing,
deleting, inserting or reordering a row breaks the chain at the first touched entry. Each hash is
also sealed with an HMAC keyed from the master key, so someone with write access to the database
but not the key cannot rebuild a consistent chain after an edit. A single ``oplog_head`` row
names the newest entry: appenders lock it (serialising writers on every engine), and ``verify``
uses it to notice a deleted tail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, inspect, or_, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from asterisk_bridge.errors import OplogError
from asterisk_bridge.oplog.actor import current_actor
from asterisk_bridge.oplog.redact import redact, scrub
from asterisk_bridge.oplog.seal import entry_hash, entry_mac, head_mac, mac_key
from asterisk_bridge.store.models import OplogEntry, OplogGenesis, OplogHead

TABLES = ("oplog_genesis", "oplog", "oplog_head")
NO_LOG = ("nothing more can be logged. Restore the database from a backup, or begin a new log "
          "with 'voco oplog restart --reason TEXT' (every later verify shows the restart)")


def missing_tables(engine: Engine) -> list[str]:
    """The log's tables that do not exist (dropped, or a schema downgraded below them)."""
    present = set(inspect(engine).get_table_names())
    return [t for t in TABLES if t not in present]


def now() -> str:
    """The log's timestamp format: ISO 8601 UTC with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def write_entry(session: Session, key: bytes, genesis: OplogGenesis, head: OplogHead,
                command: str, args: Mapping[str, Any], result: str, message: str,
                actor: str | None) -> int:
    """Add the entry after *head* (locked by the caller) and move the head to it."""
    args_json = json.dumps(redact(args), sort_keys=True, ensure_ascii=False, default=str)
    message = scrub(message, args)
    who = actor or current_actor()
    ts = now()
    seq = head.seq + 1
    digest = entry_hash(seq, ts, who, command, args_json, result, message, head.hash)
    session.add(OplogEntry(seq=seq, ts=ts, actor=who, command=command, args=args_json,
                           result=result, message=message, prev_hash=head.hash, hash=digest,
                           mac=entry_mac(key, seq, digest)))
    head.count, head.seq, head.hash = head.count + 1, seq, digest
    head.mac = head_mac(key, genesis.installation, head.count, seq, digest)
    return seq


def append(engine: Engine, master_key: bytes, command: str, args: Mapping[str, Any],
           result: str, message: str = "", actor: str | None = None) -> int:
    """Append one entry and return its sequence number.

    Refuses (OplogError) when the log has no genesis or head: a wiped log does not silently
    begin again.
    """
    key = mac_key(master_key)
    try:
        with Session(engine) as session, session.begin():
            head = session.execute(
                select(OplogHead).where(OplogHead.id == 1).with_for_update()
            ).scalar_one_or_none()
            genesis = session.get(OplogGenesis, 1)
            if genesis is None or head is None:
                lost = "genesis record" if genesis is None else "head record"
                raise OplogError(f"the operation log has no {lost} (it was wiped, or its tables "
                                 f"were recreated): {NO_LOG}")
            return write_entry(session, key, genesis, head, command, args, result, message,
                               actor)
    except (OperationalError, ProgrammingError):
        missing = missing_tables(engine)
        if not missing:
            raise
        raise OplogError(f"the operation log's tables are missing ({', '.join(missing)}): "
                         f"{NO_LOG}") from None


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
