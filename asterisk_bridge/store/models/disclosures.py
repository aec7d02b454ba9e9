"""The disclosure register: every hand-over of a subject's data to a third party.

The entry outlives the subject: an erased subject's entries stay, pointing at the subject's
tombstone, with who received what on which basis and whether the subject was told. Only the
identifier the entry was made by is sealed under the subject's key; the recipient, the basis and
the items are about the request, not the person (docs/subjects.md argues it).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import SEALED_BY_SUBJECT, SUBJECT_REF, Base


class Disclosure(Base):
    """One disclosure of a subject's data."""

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    about_subject: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True,
                                                      info=SUBJECT_REF)
    subject_label: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                        info=SEALED_BY_SUBJECT)
    recipient: Mapped[str] = mapped_column(Text)  # who received it (the requesting party)
    basis: Mapped[str] = mapped_column(Text)  # the legal basis of the request
    items: Mapped[str] = mapped_column(Text)  # categories / ids, comma-joined (no free text)
    notice: Mapped[str] = mapped_column(String(8))  # sent | withheld
    notice_sent_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    notice_withheld_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(128))


class DisclosureExport(Base):
    """An export bundle made for a disclosure: which file (by hash), when, by whom."""

    __tablename__ = "disclosure_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    exported_at: Mapped[str] = mapped_column(String(32))
    exported_by: Mapped[str] = mapped_column(String(128))
    sha256: Mapped[str] = mapped_column(String(64))  # of the age file handed over
    size: Mapped[int] = mapped_column(BigInteger)
    records: Mapped[int] = mapped_column(Integer)
