"""What a subject's find, export and erasure reach: one :class:`Reach` per category of data.

Most of it is generic. A reach names a table; the rows that name the subject in any
``SUBJECT_REF`` column (:mod:`.refs`) are what it finds, and what it exports: the row's clear
columns, the roles the subject has in it, and the values sealed under *their* key (another
party's sealed values are theirs, and stay out). Erasure needs nothing per table: destroying the
subject's key makes every value sealed under it unreadable. A domain adds a hook where that is
not all: a recording's audio must be crypto-shredded, a findable personal contact deleted, an
export must carry audio, a count must come from elsewhere (the operation log).

:mod:`.reached` lists every reach; :func:`problems` is the check (run by a test) that every table
naming people or holding sealed values is covered, so the next feature cannot forget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, MetaData, Table, select

from asterisk_bridge.context import App
from asterisk_bridge.store.models import Base
from asterisk_bridge.subjects import refs
from asterisk_bridge.subjects.fields import FieldRef
from asterisk_bridge.subjects.target import Target
from asterisk_bridge.subjects.vault import SubjectVault


@dataclass(frozen=True)
class Access:
    """What a hook works with: one connection (one transaction), the vault, the target."""

    app: App
    conn: Connection
    vault: SubjectVault
    target: Target


@dataclass(frozen=True)
class Found:
    """What one category holds about the subject: how many, and which (``ids`` stays empty
    where only a count may be shown, e.g. other people's personal contacts)."""

    count: int
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class BundleFile:
    """A file for an export bundle: its name there, its exact size, and its bytes on demand."""

    name: str
    size: int
    chunks: Callable[[], Iterator[bytes]]


@dataclass
class Exported:
    """One category's part of an export: records for the manifest, files beside it, a note."""

    records: list[dict[str, Any]]
    files: list[BundleFile] = field(default_factory=list)
    note: str = ""


FindHook = Callable[[Access], Found]
ExportHook = Callable[[Access], Exported]
EraseHook = Callable[[App, Target, str, str], int]
"""``erase(app, target, actor, reason) -> how many things it destroyed``; it runs before the
subject's key is destroyed, and must refuse (HeldError) what a legal hold covers."""
WithKeyHook = Callable[[Connection, str], int]
"""``with_key(conn, subject) -> how many things it changed``; it runs in the transaction that
destroys the key, after it: what must go at the same instant as the key (a clear copy)."""

KEY_ONLY = "personal fields unreadable once the key is destroyed; the rows stay"


@dataclass(frozen=True)
class Reach:
    """One category of what is held about a subject.

    ``table``: the table whose ``SUBJECT_REF`` columns find the subject's rows (generic find and
    export). ``sealed`` maps each of its ``SEALED_BY_SUBJECT`` columns to the ``SUBJECT_REF``
    column whose subject sealed it, and ``row_ref`` gives the ``row`` part of the value's
    :class:`FieldRef`, so the generic export can open the subject's own values. ``find`` and
    ``export`` replace the generic ones; ``exported=False`` keeps the category out of the
    subject's own export (legal holds, the operation log: telling the subject could prejudice
    an investigation). ``erase`` runs before the key goes, ``with_key`` in the transaction
    that destroys it; ``erasure`` says in words what erasure does here (shown by the dry run).
    """

    category: str
    table: str | None = None
    row_ref: Callable[[Mapping[str, Any]], str] | None = None
    sealed: Mapping[str, str] = field(default_factory=dict)
    find: FindHook | None = None
    export: ExportHook | None = None
    exported: bool = True
    erase: EraseHook | None = None
    with_key: WithKeyHook | None = None
    erasure: str = KEY_ONLY

    def found(self, access: Access) -> Found:
        """What this category holds about the target."""
        if self.find is not None:
            return self.find(access)
        if self.table is None or access.target.subject_id is None:
            return Found(0)
        table = Base.metadata.tables[self.table]
        rows = access.conn.execute(select(*table.primary_key.columns).where(
            refs.names(table, [access.target.subject_id]))).mappings()
        ids = tuple(refs.row_id(table, dict(r)) for r in rows)
        return Found(len(ids), ids)

    def exported_part(self, access: Access) -> Exported:
        """This category's part of the target's export."""
        if self.export is not None:
            return self.export(access)
        if self.table is None:
            return Exported([])
        return Exported(self.rows(access))

    def rows(self, access: Access) -> list[dict[str, Any]]:
        """The rows naming the target, as the target may see them: clear columns, their roles,
        and the values sealed under their own key."""
        subject = access.target.subject
        table = Base.metadata.tables[str(self.table)]
        roles = [c.name for c in refs.ref_columns(table)]
        hidden = set(roles) | {c.name for c in refs.sealed_columns(table)}
        ring = access.vault.keys(access.conn, [subject])
        out = []
        for mapping in access.conn.execute(select(table).where(refs.names(table, [subject]))
                                           .order_by(*table.primary_key.columns)).mappings():
            row = dict(mapping)
            rec: dict[str, Any] = {k: plain(v) for k, v in row.items()
                                   if k not in hidden and not isinstance(v, bytes)}
            rec["roles"] = [r.removesuffix("_subject") for r in roles if row[r] == subject]
            for column, by in self.sealed.items():
                if row[by] == subject and self.row_ref is not None:
                    rec[column] = ring.open(FieldRef(table.name, column, self.row_ref(row),
                                                     subject), row[column])
            out.append(rec)
        return out


def by_id(row: Mapping[str, Any]) -> str:
    """``row_ref`` of a table whose rows are named by their ``id`` in their sealed fields."""
    return str(row["id"])


def plain(value: Any) -> Any:
    """A column value as JSON has it (times as ISO 8601)."""
    return value.isoformat() if isinstance(value, datetime | date) else value


def problems(reaches: Sequence[Reach], metadata: MetaData = Base.metadata) -> list[str]:
    """Every way *reaches* fail to cover the tables of *metadata* that name people or hold
    their sealed values (empty: all covered)."""
    out: list[str] = []
    by_table: dict[str, Reach] = {}
    categories = [r.category for r in reaches]
    out += [f"category {c!r} is registered twice" for c in sorted(set(categories))
            if categories.count(c) > 1]
    for reach in reaches:
        if reach.table is None:
            continue
        if reach.table in by_table:
            out.append(f"{reach.table} is covered twice ({by_table[reach.table].category}, "
                       f"{reach.category})")
        by_table[reach.table] = reach
        if reach.table not in metadata.tables:
            out.append(f"{reach.category}: table {reach.table} does not exist")
    for table in refs.personal_tables(metadata):
        reach_ = by_table.get(table.name)
        if reach_ is None:
            out.append(f"{table.name} names people or holds their sealed values, but no Reach "
                       "covers it: register one in asterisk_bridge/subjects/reached.py")
            continue
        out += _sealing_problems(table, reach_)
    return out


def _sealing_problems(table: Table, reach: Reach) -> list[str]:
    out = []
    roles = {c.name for c in refs.ref_columns(table)}
    sealed = {c.name for c in refs.sealed_columns(table)}
    if sealed and not roles:
        out.append(f"{table.name} holds sealed values but no SUBJECT_REF column says whose "
                   "key sealed them")
    if reach.export is None:
        out += [f"{table.name}.{c} is sealed but {reach.category}'s export cannot open it: map "
                "it to its SUBJECT_REF column in Reach.sealed" for c in sorted(sealed)
                if c not in reach.sealed]
    for column, by in reach.sealed.items():
        if column not in sealed:
            out.append(f"{table.name}.{column} is in Reach.sealed but not marked "
                       "SEALED_BY_SUBJECT")
        if by not in roles:
            out.append(f"{table.name}.{by} (sealing {column}) is not a SUBJECT_REF column")
    if reach.sealed and reach.row_ref is None:
        out.append(f"{reach.category}: Reach.sealed needs row_ref to open the values")
    return out
