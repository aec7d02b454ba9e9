"""Legal holds: what must not be destroyed, by anyone, until the hold is released or ends.

A hold covers a subject (every row that names them, and the recordings of calls they are a party
to) or a call (every row of that linkedid: its CDRs, recordings and consent evidence). Holds are
never deleted: releasing one records who released it, when and why, so the register of holds is
itself evidence.
"""

from __future__ import annotations

from sqlalchemy import Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import SEALED_BY_SUBJECT, SUBJECT_REF, Base


class LegalHold(Base):
    """One hold: on a subject (``held_subject``) or on a call (``held_call``), never both."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    held_subject: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True,
                                                     info=SUBJECT_REF)
    # The identifier the hold was placed by ("phone:+442079460000"), sealed under the held
    # subject's key, so 'voco hold list' can show it and nothing else in the row is personal.
    subject_label: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                        info=SEALED_BY_SUBJECT)
    held_call: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[str | None] = mapped_column(String(10), nullable=True)  # last day, inclusive
    created_at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC
    created_by: Mapped[str] = mapped_column(String(128))
    released_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    release_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
