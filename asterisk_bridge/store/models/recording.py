"""Encrypted recordings, their wrapped data keys, and the tombstones deletions leave.

The wrapped key lives in its own table on purpose: deleting that one row is the crypto-shred. The
ciphertext file (and any backup of it) can never be opened again once the row is gone.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import (
    SEALED_BY_MASTER,
    SEALED_BY_SUBJECT,
    SUBJECT_REF,
    Base,
)


class Recording(Base):
    """One encrypted call recording and what is known of its call."""

    __tablename__ = "recordings"

    id: Mapped[str] = mapped_column(String(160), primary_key=True)  # spool file stem
    node: Mapped[str] = mapped_column(String(64), index=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    uniqueid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(Text, default="")  # recorded channel, when seen
    # Who called whom (asterisk_bridge.recording.parties): the recorded channel's party (the
    # callee) and the party it was connected to when recording began (the caller), as subjects,
    # and their labels ("Alice <5550100>") each sealed under that party's own key. A subject's
    # erasure shreds every recording naming them.
    channel_subject: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True,
                                                        info=SUBJECT_REF)
    connected_subject: Mapped[str | None] = mapped_column(String(32), nullable=True,
                                                          index=True, info=SUBJECT_REF)
    channel_party: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                        info=SEALED_BY_SUBJECT)
    connected_party: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                          info=SEALED_BY_SUBJECT)
    started_at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC
    ended_at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC
    duration_s: Mapped[float] = mapped_column(Float)  # audio length, from the WAV data size
    partial: Mapped[int] = mapped_column(Integer, default=0)  # 1: the recorder never finished
    path: Mapped[str] = mapped_column(Text)  # relative to <data_dir>/recordings
    size: Mapped[int] = mapped_column(BigInteger)  # ciphertext bytes
    sha256: Mapped[str] = mapped_column(String(64))  # of the ciphertext
    plain_size: Mapped[int] = mapped_column(BigInteger)  # WAV bytes, to tell replays apart
    key_id: Mapped[str] = mapped_column(String(36), unique=True)
    master_key_id: Mapped[str] = mapped_column(String(16))  # master key wrapping key_id
    created_at: Mapped[str] = mapped_column(String(32))


class RecordingKey(Base):
    """A recording's data key, wrapped by the master key. Deleting it shreds the recording."""

    __tablename__ = "recording_keys"

    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    recording_id: Mapped[str] = mapped_column(
        String(160), ForeignKey("recordings.id"), index=True
    )
    wrapped: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_BY_MASTER)
    master_key_id: Mapped[str] = mapped_column(String(16), index=True)


class RecordingTombstone(Base):
    """What was deleted, when, by whom and why; never any audio or key material."""

    __tablename__ = "recording_tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recording_id: Mapped[str] = mapped_column(String(160), index=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64))  # of the destroyed ciphertext
    size: Mapped[int] = mapped_column(BigInteger)
    deleted_at: Mapped[str] = mapped_column(String(32))
    deleted_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
