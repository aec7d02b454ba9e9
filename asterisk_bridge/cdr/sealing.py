"""A CDR's personal fields, sealed under the key of the party they describe.

Two people are named by a CDR: the caller (``src_subject``: ``src``, ``clid``, ``userfield``)
and the called party (``dst_subject``: ``dst``, ``lastdata``, which holds the dialled number).
A number that is a provisioned extension is that extension's owner; any other is an external
number, normalised to E.164. A value whose party cannot be told (``dst`` = ``s``) is sealed
under the other party; a record naming nobody (the far half of a Local channel) is sealed under
a subject of its call (``src_subject``), so nothing of it is ever kept in clear. Channel names,
contexts, applications, account codes, times and dispositions are Asterisk's and Voco's own
identifiers and stay in clear: they are what grouping, billing and operations need. Each value
is bound to the record's natural key and its column.

The write path seals whole batches in the transaction that stores them. It keeps two maps in
memory, which is what makes sealing cheap at Asterisk's top call rate: blind index -> subject
and subject -> unwrapped key. Neither is trusted across transactions: every batch checks, in
one query (a shared row lock on PostgreSQL, so an erasure waits for the batch or the batch
sees it), that the cached subjects it may use (:meth:`CdrSealer.candidates`) still exist, and
forgets those erased meanwhile, so a new call from an erased number gets a new subject and
nothing is ever sealed under a destroyed key. The caller runs that query and the one reading the
provisioned extensions (:class:`Known`), so that on PostgreSQL both share one round trip.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, bindparam, or_, select

from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.store.models.provisioning import ProvExtension
from asterisk_bridge.store.models.subjects import Subject
from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.fields import FieldRef
from asterisk_bridge.subjects.identity import Identifier
from asterisk_bridge.subjects.vault import Keyring, SubjectVault

TABLE = "cdr"
#: subject column -> the columns sealed under that party's key
ROLES: dict[str, tuple[str, ...]] = {"src_subject": ("src", "clid", "userfield"),
                                     "dst_subject": ("dst", "lastdata")}
SEALED = tuple(c for columns in ROLES.values() for c in columns)
_PARTY = {"src_subject": "src", "dst_subject": "dst"}
_OTHER = {"src_subject": "dst_subject", "dst_subject": "src_subject"}
CACHE_MAX = 50_000  # subjects kept in memory; beyond it the cache starts again


def sealed_by(role: str, subject: str) -> ColumnElement[bool]:
    """True for a CDR whose *role* columns (``src_subject``'s or ``dst_subject``'s) are sealed
    under *subject*: that party is them, or the party is unknown and the other one is them."""
    columns = CdrRecord.__table__.c
    mine, other = columns[role], columns[_OTHER[role]]
    return or_(mine == subject, and_(mine.is_(None), other == subject))


def natural_key(row: Mapping[str, Any]) -> str:
    """A CDR's reference in its sealed fields: ``node/uniqueid/sequence``."""
    return f"{row['node']}/{row['uniqueid']}/{row['sequence']}"


@dataclass(frozen=True)
class Known:
    """What a batch is sealed against, read in its transaction: the provisioned extension
    numbers, and which of the cached subjects it may use still exist."""

    extensions: set[str]
    alive: set[str]


@functools.cache
def extensions_query() -> Select[Any]:
    return select(ProvExtension.number)


@functools.cache
def alive_query(dialect: str) -> Select[Any]:
    """Which of ``ids`` still exist; on PostgreSQL a shared lock on them, so that an erasure
    waits for the batch (built once: SQLAlchemy then skips building it per batch)."""
    query = select(Subject.id).where(Subject.id.in_(bindparam("ids", expanding=True)))
    return query.with_for_update(read=True) if dialect == "postgresql" else query


def read_known(conn: Connection, candidates: set[str]) -> Known:
    """:class:`Known` through SQLAlchemy (two statements)."""
    alive = set(conn.execute(alive_query(conn.dialect.name),
                             {"ids": sorted(candidates)}).scalars()) if candidates else set()
    return Known(set(conn.execute(extensions_query()).scalars()), alive)


def party(number: str, exts: set[str], region: str) -> Identifier | None:
    """Who a CDR number is: an extension's owner, an external number, or nobody (``s``)."""
    text = number.strip()
    return identity.extension(text) if text in exts else identity.phone(text, region)


def _parties(row: Row, exts: set[str], region: str) -> dict[str, Identifier | None]:
    found = {role: party(str(row.get(col) or ""), exts, region) for role, col in _PARTY.items()}
    if not any(found.values()):
        found["src_subject"] = identity.call(str(row["node"]), str(row["linkedid"]))
    return found


class CdrSealer:
    """Seals batches of rows for one process (the bridge, a benchmark, a test)."""

    def __init__(self, master_key: bytes, region: str = "") -> None:
        self.vault = SubjectVault(master_key)
        self.region = region
        self._subjects: dict[Identifier, str] = {}
        self._keys: dict[str, bytes] = {}

    def candidates(self, rows: Sequence[Row]) -> set[str]:
        """The cached subjects *rows* may be sealed under, whichever party turns out to be an
        extension: what :class:`Known` must confirm before :meth:`seal`."""
        ids: set[str] = set()
        for row in rows:
            idents: list[Identifier | None] = [
                identity.call(str(row["node"]), str(row["linkedid"]))]
            for col in _PARTY.values():
                text = str(row.get(col) or "").strip()
                if text:
                    idents += [identity.extension(text), identity.phone(text, self.region)]
            ids.update(s for i in idents if i is not None and (s := self._subjects.get(i)))
        return ids

    def seal(self, conn: Connection, rows: Sequence[Row], known: Known | None = None
             ) -> list[Row]:
        """The rows as stored: personal values sealed, ``src_subject``/``dst_subject`` set.
        *known* is what :func:`read_known` (or the PostgreSQL batch's pipeline) read for
        :meth:`candidates` in this transaction; read here when not given."""
        if known is None:
            known = read_known(conn, self.candidates(rows))
        who = [_parties(row, known.extensions, self.region) for row in rows]
        subjects = self._resolve(conn, {i for w in who for i in w.values() if i is not None},
                                 known.alive)
        ring = Keyring(self._keys)
        out = []
        for row, parties in zip(rows, who, strict=True):
            sealed: Row = dict(row)
            ids = {role: subjects[i] if i is not None else None for role, i in parties.items()}
            ref = natural_key(row)
            for role, columns in ROLES.items():
                sealed[role] = ids[role]
                owner = ids[role] or ids[_OTHER[role]]
                for column in columns:
                    value = str(row.get(column) or "")
                    sealed[column] = ring.seal(FieldRef(TABLE, column, ref, owner),
                                               value) if value and owner else None
            out.append(sealed)
        return out

    def _resolve(self, conn: Connection, idents: set[Identifier],
                 alive: set[str]) -> dict[Identifier, str]:
        """Each identifier's subject, from the cache when *alive* confirms it still exists,
        else from the store (creating new subjects); their keys land in the cache."""
        if len(self._subjects) > CACHE_MAX:
            self._subjects.clear()
            self._keys.clear()
        for ident in [i for i in idents if i in self._subjects]:
            subject = self._subjects[ident]
            if subject not in alive:  # erased meanwhile: forget it, a new subject follows
                del self._subjects[ident]
                self._keys.pop(subject, None)
        missing = {i for i in idents if i not in self._subjects}
        by_kind: dict[str, set[Identifier]] = {}
        for ident in missing:
            by_kind.setdefault(ident.kind, set()).add(ident)
        for kind, group in by_kind.items():
            self._subjects.update(self.vault.resolve(conn, group, kind))
        fresh = {self._subjects[i] for i in missing} - set(self._keys)
        if fresh:
            self._keys.update(self.vault.keys(conn, fresh).keys)
        return {i: self._subjects[i] for i in idents}


def open_rows(conn: Connection, vault: SubjectVault, rows: Iterable[Any],
              only: Collection[str] = SEALED) -> list[dict[str, Any]]:
    """Stored rows with their personal values opened (one key query for the lot); an erased
    party's values read as empty, the subject columns are left out. With *only*, just those
    personal columns are opened (and the others left out too)."""
    stored = [dict(r) for r in rows]
    roles = [role for role, columns in ROLES.items() if set(columns) & set(only)]
    ring = vault.keys(conn, {owner for r in stored for role in roles
                             if (owner := r.get(role) or r.get(_OTHER[role]))})
    return [open_row(ring, r, only) for r in stored]


def open_row(ring: Keyring, row: Mapping[str, Any], only: Collection[str] = SEALED
             ) -> dict[str, Any]:
    """One stored row, opened with *ring* (just the personal columns in *only*)."""
    out = {k: v for k, v in row.items() if k not in ROLES and k not in SEALED}
    ids = {role: row.get(role) for role in ROLES}
    for role, columns in ROLES.items():
        owner = ids[role] or ids[_OTHER[role]]
        for column in columns:
            if column not in only:
                continue
            blob = row.get(column)
            out[column] = (ring.open(FieldRef(TABLE, column, natural_key(row), owner), blob)
                           if owner and blob is not None else None) or ""
    return out
