"""Filters over stored CDR rows, shared by list, export, delete and retention.

Every value comes from a user and is validated here with a message naming the field and rule.
Times are UTC: ``since``/``until`` accept ISO 8601 (a date, or a date and time; an explicit
offset is converted to UTC, a naive value is taken as UTC) and select on the record's start.

Numbers are sealed, so a filter by number goes through the blind index: ``number`` is
normalised like every stored number (E.164 with the configured default region) and
:meth:`CdrFilter.resolve` turns it into the subject it names, which the records' ``src_subject``
and ``dst_subject`` are compared with: it matches the whole number, in any spelling, never a
part of it. ``extension`` matches a record whose caller or callee is that extension's owner, or
a channel of that endpoint (``PJSIP/1001-…``). Rows come out with their personal values opened
(:func:`~asterisk_bridge.cdr.sealing.open_rows`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    true,
)

from asterisk_bridge.cdr.sealing import open_rows
from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.vault import SubjectVault

DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")
_NUMBER = re.compile(r"\+?[0-9*#]{1,32}")
_EXTENSION = re.compile(r"[A-Za-z0-9_.+-]{1,64}")
_NODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def parse_time(text: str, field: str) -> datetime:
    """ISO 8601 → naive UTC datetime, or ValidationError naming ``field``."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"{field}: {text!r} is not an ISO 8601 date or time (e.g. 2026-11-29 or "
            "2026-11-29T13:00:00Z)"
        ) from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _subjects_of(column_a: Any, column_b: Any, subjects: tuple[str, ...]) -> ColumnElement[bool]:
    return or_(column_a.in_(subjects), column_b.in_(subjects)) if subjects else false()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class CdrFilter:
    """A validated selection of CDR rows; empty selects everything."""

    since: datetime | None = None
    until: datetime | None = None
    number: str | None = None
    extension: str | None = None
    disposition: str | None = None
    node: str | None = None
    ids: tuple[int, ...] = ()
    #: who ``number`` and ``extension`` name, once resolved (None: not resolved yet)
    number_subjects: tuple[str, ...] | None = None
    extension_subjects: tuple[str, ...] | None = None

    @classmethod
    def build(cls, *, since: str | None = None, until: str | None = None,
              number: str | None = None, extension: str | None = None,
              disposition: str | None = None, node: str | None = None,
              ids: tuple[int, ...] = ()) -> CdrFilter:
        """Validate user strings into a filter."""
        if number is not None and not _NUMBER.fullmatch(number):
            raise ValidationError(f"number: {number!r} may hold only digits, * and #, "
                                  "optionally after a leading +, at most 32")
        if extension is not None and not _EXTENSION.fullmatch(extension):
            raise ValidationError(f"extension: {extension!r} may hold only letters, digits, "
                                  "_ . + -, at most 64")
        if node is not None and not _NODE.fullmatch(node):
            raise ValidationError(f"node: {node!r} may hold only letters, digits, _ . -")
        disp = None
        if disposition is not None:
            disp = disposition.strip().upper().replace("_", " ").replace("-", " ")
            if disp not in DISPOSITIONS:
                raise ValidationError(f"disposition: {disposition!r} is not one of "
                                      f"{', '.join(d.lower() for d in DISPOSITIONS)}")
        start = parse_time(since, "since") if since else None
        end = parse_time(until, "until") if until else None
        if start and end and start >= end:
            raise ValidationError("since must be earlier than until")
        if any(i <= 0 for i in ids):
            raise ValidationError("id: CDR ids are positive integers")
        return cls(start, end, number, extension, disp, node, tuple(ids))

    def resolve(self, conn: Connection, vault: SubjectVault, region: str) -> CdrFilter:
        """The filter with its number and extension turned into the subjects they name
        (through the blind index; nobody known matches nothing)."""
        found = replace(self)
        if self.number is not None:
            ident = identity.phone(self.number, region)
            subjects = vault.lookup(conn, [ident]) if ident else {}
            found = replace(found, number_subjects=tuple(sorted(subjects.values())))
        if self.extension is not None:
            idents = [identity.extension(self.extension), identity.phone(self.extension)]
            subjects = vault.lookup(conn, [i for i in idents if i is not None])
            found = replace(found, extension_subjects=tuple(sorted(set(subjects.values()))))
        return found

    def is_empty(self) -> bool:
        """True when the filter selects every row."""
        return not any(asdict(self).values())

    def describe(self) -> dict[str, Any]:
        """The filter as JSON-friendly values, for the operation log: a number as the
        subjects it named, never in clear."""
        shown = {k: v for k, v in asdict(self).items() if k != "number"}
        return {k: (v.isoformat() if isinstance(v, datetime) else list(v)
                    if isinstance(v, tuple) else v)
                for k, v in shown.items() if v not in (None, ())}

    @staticmethod
    def _resolved(subjects: tuple[str, ...] | None) -> tuple[str, ...]:
        if subjects is None:
            raise ValueError("a CDR filter by number or extension must be resolved first")
        return subjects

    def clause(self) -> ColumnElement[bool]:
        """The SQL condition."""
        c = CdrRecord
        parts: list[ColumnElement[bool]] = []
        if self.since:
            parts.append(c.start >= self.since)
        if self.until:
            parts.append(c.start < self.until)
        if self.number:
            parts.append(_subjects_of(c.src_subject, c.dst_subject,
                                      self._resolved(self.number_subjects)))
        if self.extension:
            chan = f"%/{_escape_like(self.extension)}-%"
            parts.append(or_(_subjects_of(c.src_subject, c.dst_subject,
                                          self._resolved(self.extension_subjects)),
                             c.channel.like(chan, escape="\\"),
                             c.dstchannel.like(chan, escape="\\")))
        if self.disposition:
            parts.append(c.disposition == self.disposition)
        if self.node:
            parts.append(c.node == self.node)
        if self.ids:
            parts.append(c.id.in_(self.ids))
        return and_(true(), *parts)


def resolved(app: App, flt: CdrFilter) -> CdrFilter:
    """*flt* with its number and extension resolved (:meth:`CdrFilter.resolve`)."""
    with app.engine.begin() as conn:
        return flt.resolve(conn, SubjectVault(app.master_key), app.config.privacy.default_region)


def select_cdrs(flt: CdrFilter, limit: int | None = None, newest_first: bool = False
                ) -> Select[Any]:
    """The SELECT of every column for ``flt``, in start order."""
    order = (CdrRecord.start.desc(), CdrRecord.id.desc()) if newest_first else (
        CdrRecord.start, CdrRecord.id)
    stmt = select(*CdrRecord.__table__.columns).where(flt.clause()).order_by(*order)
    return stmt.limit(limit) if limit else stmt


def list_cdrs(engine: Engine, vault: SubjectVault, flt: CdrFilter, limit: int
              ) -> list[dict[str, Any]]:
    """The newest ``limit`` selected rows, newest first, opened."""
    with engine.connect() as conn:
        return open_rows(conn, vault, conn.execute(select_cdrs(flt, limit, True)).mappings())


def page_cdrs(engine: Engine, vault: SubjectVault, flt: CdrFilter, limit: int,
              before: tuple[datetime, int] | None = None) -> list[dict[str, Any]]:
    """Up to ``limit`` selected rows, newest first, opened, strictly older than the
    ``(start, id)`` keyset *before*: a page that stays right while new rows arrive."""
    stmt = select_cdrs(flt, limit, True)
    if before is not None:
        start, row_id = before
        stmt = stmt.where(or_(CdrRecord.start < start,
                              and_(CdrRecord.start == start, CdrRecord.id < row_id)))
    with engine.connect() as conn:
        return open_rows(conn, vault, conn.execute(stmt).mappings())


def count_cdrs(engine: Engine, flt: CdrFilter) -> int:
    """How many rows ``flt`` selects."""
    with engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(CdrRecord).where(flt.clause())).scalar_one())


def stream_cdrs(engine: Engine, vault: SubjectVault, flt: CdrFilter, yield_per: int = 2000
                ) -> Iterator[dict[str, Any]]:
    """Every selected row as a dict, opened, read through a server-side cursor (constant
    memory: rows are opened a partition at a time, with one key query each)."""
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=yield_per).execute(
            select_cdrs(flt))
        for part in result.mappings().partitions():
            yield from open_rows(conn, vault, part)

