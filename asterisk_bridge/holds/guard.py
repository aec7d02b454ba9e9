"""The one check every destructive path makes: does a legal hold cover what it would destroy?

A hold is *active* from when it is added until it is released, or until the end of its
``until`` day (UTC). An active hold on a subject covers every row naming them in any role (a
``SUBJECT_REF`` column, :mod:`asterisk_bridge.subjects.refs`); an active hold on a call covers
every row with that ``linkedid``. Both are read from the schema's markings, so a table that
starts naming people is covered the day it does.

Deletions and erasure call :func:`refuse` (or :func:`refuse_subject`): they are refused as a
whole, with a message naming the holds. Retention instead keeps what is held and purges the rest,
through :func:`unheld`: a hold on one call must not stop every other purge. Both go through
:func:`covers`, the single definition of what a hold covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Table, and_, false, not_, or_, select

from asterisk_bridge.errors import HeldError
from asterisk_bridge.store.models.holds import LegalHold
from asterisk_bridge.subjects import refs

HOLDS = refs.table_of(LegalHold)


def today() -> str:
    """The current UTC date, as ``until`` is stored."""
    return datetime.now(UTC).date().isoformat()


def active() -> ColumnElement[bool]:
    """True for a hold in force now."""
    h = LegalHold
    return and_(h.released_at.is_(None), or_(h.until.is_(None), h.until >= today()))


def covers(table: Table) -> ColumnElement[bool]:
    """True for a (correlated) hold row that covers the current row of *table*."""
    h = LegalHold
    parts = [h.held_subject == column for column in refs.ref_columns(table)]
    call = refs.call_column(table)
    if call is not None:
        parts.append(h.held_call == call)
    return or_(false(), *parts)


def held(table: Table) -> ColumnElement[bool]:
    """True for a row of *table* an active hold covers."""
    return select(LegalHold.id).where(active(), covers(table)).exists()


def unheld(table: Table) -> ColumnElement[bool]:
    """True for a row of *table* no active hold covers (what retention may purge)."""
    return not_(held(table))


def covering(conn: Connection, table: Table, where: ColumnElement[bool]) -> list[Row[Any]]:
    """The active holds covering any row of *table* that *where* selects."""
    selected = select(*table.primary_key.columns).where(where, covers(table)).exists()
    return list(conn.execute(select(LegalHold).where(active(), selected)
                             .order_by(LegalHold.id)))


def refuse(conn: Connection, action: str, table: Table, where: ColumnElement[bool]) -> None:
    """HeldError naming the holds if any covers a row *where* selects; *action* says what was
    refused (``delete CDRs``)."""
    found = covering(conn, table, where)
    if found:
        raise HeldError(_message(action, found))


def refuse_subject(conn: Connection, subject_id: str, action: str) -> None:
    """HeldError naming the holds if any covers the subject or a row naming them: a hold on
    another person or on a call also preserves what those rows say about this one."""
    h = LegalHold
    found = {hold.id: hold for hold in conn.execute(select(h).where(
        active(), h.held_subject == subject_id))}
    for table in refs.personal_tables():
        if refs.ref_columns(table) and table is not HOLDS:  # holds are never destroyed
            found.update((hold.id, hold) for hold in
                         covering(conn, table, refs.names(table, [subject_id])))
    if found:
        raise HeldError(_message(action, [found[i] for i in sorted(found)]))


def describe(hold: Row[Any]) -> str:
    """One hold in a phrase, with nothing personal: ids, dates, the admin's reason."""
    what = f"call {hold.held_call}" if hold.held_call else f"subject {hold.held_subject}"
    until = f", until {hold.until}" if hold.until else ""
    return (f"legal hold {hold.id} on {what} (placed {hold.created_at[:10]} by "
            f"{hold.created_by}{until}: {hold.reason})")


def _message(action: str, holds: Sequence[Row[Any]]) -> str:
    return (f"refused to {action}: " + "; ".join(describe(h) for h in holds)
            + f" cover{'s' if len(holds) == 1 else ''} it; nothing was changed. Once a hold no "
              "longer applies: 'voco hold release ID --reason TEXT'")
