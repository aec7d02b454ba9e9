"""Subjects: the people Voco holds data about, each with a key of their own.

A subject's random key, wrapped by the master key, is the only key that opens the personal fields
stored about them. Erasing a subject deletes that row: every field sealed under the key, in
every table and every backup of it, is unreadable from then on. The identifiers a subject is
found by (phone numbers, e-mail addresses, an extension) are stored only as blind indexes:
keyed hashes whose key is itself wrapped by the master key (``store_keys``).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import NOT_SEALED, SEALED_BY_MASTER, Base


class Subject(Base):
    """One person: an external caller, an extension's owner, or a contact."""

    __tablename__ = "subjects"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex; in every AAD
    kind: Mapped[str] = mapped_column(String(16))  # phone | extension | contact
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_BY_MASTER)
    master_key_id: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC


class SubjectIdentifier(Base):
    """One way to find a subject: the blind index of a normalised identifier."""

    __tablename__ = "subject_identifiers"

    bidx: Mapped[str] = mapped_column(String(64), primary_key=True, info=NOT_SEALED)
    subject_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # phone | email | extension | contact


class SubjectTombstone(Base):
    """That a subject was erased, when, by whom and why; nothing that identifies the person."""

    __tablename__ = "subject_tombstones"

    subject_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    erased_at: Mapped[str] = mapped_column(String(32))
    erased_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)


class StoreKey(Base):
    """A store-wide key (e.g. the blind-index key), wrapped by the master key."""

    __tablename__ = "store_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_BY_MASTER)
    master_key_id: Mapped[str] = mapped_column(String(16))
