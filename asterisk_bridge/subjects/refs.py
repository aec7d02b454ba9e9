"""Which rows name which people: the schema's ``SUBJECT_REF`` columns, walked, never listed.

A table that holds a person's data has a ``<role>_subject`` column per person it names, marked
``info=SUBJECT_REF``, and keeps their sealed values in ``SEALED_BY_SUBJECT`` columns
(:mod:`asterisk_bridge.store.models.base`). Everything here reads those markings, so a subject's
find, export and erasure, and the legal holds that block them, reach a table the day it gains
such a column. A table with a ``linkedid`` column belongs to a call, which is what a hold on a
call covers.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import cast

from sqlalchemy import Column, ColumnElement, MetaData, Table, false, or_

from asterisk_bridge.store.models import Base
from asterisk_bridge.store.models.base import SEALED_BY, SEALED_BY_SUBJECT, SUBJECT_REF_KEY

CALL_COLUMN = "linkedid"


def table_of(model: type[Base]) -> Table:
    """A model's table (typed as a Table: every Voco model maps exactly one)."""
    return cast(Table, model.__table__)


def ref_columns(table: Table) -> list[Column[str]]:
    """The columns of *table* holding a subject id."""
    return [c for c in table.columns if c.info.get(SUBJECT_REF_KEY)]


def sealed_columns(table: Table) -> list[Column[bytes]]:
    """The columns of *table* holding values sealed under a subject's key."""
    return [c for c in table.columns if c.info.get(SEALED_BY) == SEALED_BY_SUBJECT[SEALED_BY]]


def personal_tables(metadata: MetaData = Base.metadata) -> list[Table]:
    """Every table naming people or holding their sealed values, in name order."""
    return [t for _, t in sorted(metadata.tables.items())
            if ref_columns(t) or sealed_columns(t)]


def call_column(table: Table) -> Column[str] | None:
    """The column tying a row to a call, if the table has one."""
    return table.columns.get(CALL_COLUMN)


def names(table: Table, subject_ids: Collection[str]) -> ColumnElement[bool]:
    """True for a row of *table* that names any of *subject_ids* in any role."""
    ids = sorted(subject_ids)
    return or_(false(), *[c.in_(ids) for c in ref_columns(table)]) if ids else false()


def row_id(table: Table, row: dict[str, object]) -> str:
    """A row's primary key as one string (``a/b`` for a composite key), for listings."""
    return "/".join(str(row[c.name]) for c in table.primary_key.columns)
