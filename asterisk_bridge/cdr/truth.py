"""Master.csv wins: a stored CDR that differs from Asterisk's own copy is corrected to it.

Asterisk writes channel fields into AMI events unescaped, so a caller number or dialled string
holding CR LF splits a ``Cdr`` event, and the caller's text after the blank line becomes a Cdr
frame of its own whose remaining headers are the real record's: the forger's own call arrives
with the ``Source``/``Destination`` they chose (docs/dialplan-safety.md). The AMI reader cannot
tell such a frame from a real one (every byte of it is as Asterisk would send it). Master.csv
quotes every field, so the same value cannot move a column there: when reconciliation meets a
record the store already holds, it compares the two, and every column both copies carry takes
Master.csv's value (times at its whole-second precision: an AMI time within the same second is
kept). Voco's own fields (recording id, consent), which only AMI carries, are kept. A database
grant's clear projection of a corrected record is replaced in the same transaction; once it
commits, each correction raises the ``cdr_corrected`` event (record key and column names only).

A stored record any of whose parties was erased is never corrected: re-sealing its values
would bring back what erasure destroyed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from asterisk_bridge.cdr import tombstones
from asterisk_bridge.cdr.rows import CSV_COLUMNS, VOCO_FIELDS, Row
from asterisk_bridge.cdr.sealing import ROLES, CdrSealer, natural_key, open_row
from asterisk_bridge.notifications import bus
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.subjects.vault import SubjectVault

log = logging.getLogger(__name__)

#: What both copies carry, besides the natural key: compared, and Master.csv's value stored.
COMPARED = tuple(c for c in CSV_COLUMNS if c not in ("uniqueid", "sequence"))
TIMES = ("start", "answer", "end")
Key = tuple[str, str, int]


def _same(column: str, stored: Any, truth: Any) -> bool:
    if column in TIMES and isinstance(stored, datetime):
        stored = stored.replace(microsecond=0)  # Master.csv has whole seconds
    return (stored if stored is not None else "") == (truth if truth is not None else "")


def differing(stored: Mapping[str, Any], truth: Row) -> list[str]:
    """The columns in which an opened stored row differs from Master.csv's copy."""
    return [c for c in COMPARED if not _same(c, stored.get(c), truth.get(c))]


def held(conn: Connection, vault: SubjectVault, rows: Sequence[Row]
         ) -> dict[Key, tuple[int, dict[str, Any] | None]]:
    """The stored copies of *rows* by natural key: their id and values opened (None when a
    party of the record was erased: nothing to compare, nothing to correct)."""
    by_node: dict[str, set[str]] = {}
    for row in rows:
        by_node.setdefault(row["node"], set()).add(row["uniqueid"])
    found: list[dict[str, Any]] = []
    for node, uniqueids in by_node.items():
        found.extend(dict(r) for r in conn.execute(
            select(*CdrRecord.__table__.columns)
            .where(CdrRecord.node == node, CdrRecord.uniqueid.in_(sorted(uniqueids))))
            .mappings())
    ring = vault.keys(conn, {r[role] for r in found for role in ROLES if r[role]})
    out: dict[Key, tuple[int, dict[str, Any] | None]] = {}
    for row in found:
        owners = {row[role] for role in ROLES if row[role]}
        opened = open_row(ring, row) if owners <= set(ring.keys) else None
        out[tombstones.key(row)] = (row["id"], opened)
    return out


def to_write(conn: Connection, vault: SubjectVault, rows: Sequence[Row]) -> list[Row]:
    """The Master.csv rows a reconciliation must write: those the store lacks and has not
    deleted, and those whose stored copy differs (few indexed queries, then opening only the
    rows found), so reconciling a file the store already holds writes nothing."""
    stored = held(conn, vault, rows)
    lacking = [r for r in rows if tombstones.key(r) not in stored]
    refused = tombstones.refused(conn, lacking)
    wrong = [r for r in rows if (found := stored.get(tombstones.key(r))) is not None
             and found[1] is not None and differing(found[1], r)]
    return [r for r in lacking if tombstones.key(r) not in refused] + wrong


@dataclass(frozen=True)
class Correction:
    """One stored CDR corrected to Master.csv's copy: its natural key and what differed."""

    record: str  # node/uniqueid/sequence
    columns: tuple[str, ...]


def tell(corrections: Sequence[Correction]) -> None:
    """Raise ``cdr_corrected`` for each (after the correcting transaction committed); one key
    for them all, so a burst is one message with a count."""
    for fix in corrections:
        bus.publish("cdr_corrected", key="cdr", record=fix.record,
                    columns=", ".join(fix.columns))


def correct(conn: Connection, sealer: CdrSealer, rows: Sequence[Row]
            ) -> tuple[list[Row], list[Correction]]:
    """Split Master.csv *rows* (origin ``csv``) into those not stored yet, returned for the
    insert, and those stored, each corrected in place to Master.csv's copy where it differs;
    returns (rows to insert, what was corrected). Rows from AMI, and rows carrying Voco's own
    fields (which the upsert fills in), are returned for the insert too."""
    from_csv = [r for r in rows if r.get("origin") == "csv"]
    if not from_csv:
        return list(rows), []
    stored = held(conn, sealer.vault, from_csv)
    fresh = [r for r in rows if r.get("origin") != "csv" or tombstones.key(r) not in stored
             or any(r.get(f) for f in VOCO_FIELDS)]  # the upsert fills in Voco's own fields
    fixes: list[tuple[int, Row, list[str]]] = []
    for row in from_csv:
        found = stored.get(tombstones.key(row))
        if found is not None and found[1] is not None and (cols := differing(found[1], row)):
            fixes.append((found[0], row, cols))
    if fixes:
        sealed = sealer.seal(conn, [row for _, row, _ in fixes])
        keep = (*COMPARED, *ROLES)
        for (row_id, row, cols), values in zip(fixes, sealed, strict=True):
            conn.execute(update(CdrRecord).where(CdrRecord.id == row_id)
                         .values({c: values[c] for c in keep}))
            log.warning("CDR %s differed from Asterisk's Master.csv in %s; Master.csv's copy "
                        "stored (an AMI Cdr event forged through caller-controlled text?)",
                        natural_key(row), ", ".join(cols))
        from asterisk_bridge.dbgrant import projection  # psycopg: only once a row is corrected

        projection.replace(conn, sealer.vault, [row_id for row_id, _, _ in fixes])
    return fresh, [Correction(natural_key(row), tuple(cols)) for _, row, cols in fixes]
