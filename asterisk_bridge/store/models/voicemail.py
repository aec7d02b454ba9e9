"""Voicemail messages sealed into the store, their wrapped keys, tombstones, PINs, transcription.

As for recordings, each wrapped data key lives in its own row: deleting the row is the
crypto-shred. A message has up to two keys, one for its audio and one for its transcript, so
retention can shred a transcript and keep the audio. Caller number and name are personal fields
sealed under the caller's own subject key (``SEALED_BY_SUBJECT``); the clear columns hold no
more than the mailbox, times and sizes.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import (
    NOT_SEALED,
    SEALED_BY_MASTER,
    SEALED_BY_SUBJECT,
    SUBJECT_REF,
    Base,
)


class VoicemailMessage(Base):
    """One voicemail message: encrypted audio, its (optional) encrypted transcript, its state."""

    __tablename__ = "voicemail_messages"

    id: Mapped[str] = mapped_column(String(160), primary_key=True)  # vm-<node>-<msg_id>
    node: Mapped[str] = mapped_column(String(64), index=True)
    mailbox: Mapped[str] = mapped_column(String(80), index=True)  # "1001@default"
    linkedid: Mapped[str] = mapped_column(String(64), index=True, default="")
    # Whose mailbox it is (the extension's owner) and who called: a subject's erasure shreds
    # every message naming them; a hold on either keeps it.
    owner_subject: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True,
                                                      info=SUBJECT_REF)
    caller_subject: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True,
                                                       info=SUBJECT_REF)
    caller_number: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                        info=SEALED_BY_SUBJECT)
    caller_name: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                      info=SEALED_BY_SUBJECT)
    received_at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC
    duration_s: Mapped[float] = mapped_column(Float)
    heard_at: Mapped[str] = mapped_column(String(32), default="")  # "" while new
    path: Mapped[str] = mapped_column(Text)  # relative to <data_dir>/voicemail
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))  # of the ciphertext
    plain_size: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(36), unique=True)
    master_key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(String(32))
    # Transcription: "" (not asked for), pending, done, failed, deleted.
    transcript_status: Mapped[str] = mapped_column(String(16), default="")
    transcript_error: Mapped[str] = mapped_column(Text, default="")
    transcript_engine: Mapped[str] = mapped_column(String(16), default="")
    transcript_attempts: Mapped[int] = mapped_column(Integer, default=0)
    transcript_next_at: Mapped[str] = mapped_column(String(32), default="")
    transcript_key_id: Mapped[str] = mapped_column(String(36), default="")


class VoicemailKey(Base):
    """A message's audio or transcript data key, wrapped by the master key."""

    __tablename__ = "voicemail_keys"

    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(160), ForeignKey("voicemail_messages.id"),
                                            index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # audio | transcript
    wrapped: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_BY_MASTER)
    master_key_id: Mapped[str] = mapped_column(String(16), index=True)


class VoicemailTombstone(Base):
    """What was deleted (a message or only its transcript), when, by whom and why."""

    __tablename__ = "voicemail_tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(160), index=True)
    mailbox: Mapped[str] = mapped_column(String(80))
    what: Mapped[str] = mapped_column(String(16))  # message | transcript
    sha256: Mapped[str] = mapped_column(String(64), default="")
    deleted_at: Mapped[str] = mapped_column(String(32))
    deleted_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)


class VoicemailPin(Base):
    """A mailbox PIN as a salted scrypt hash, and the count of wrong tries against it."""

    __tablename__ = "voicemail_pins"

    mailbox: Mapped[str] = mapped_column(String(80), primary_key=True)
    # scrypt$n$r$p$salt$hash: a salted slow hash, never the PIN (kept as it is on purpose)
    pin_hash: Mapped[str] = mapped_column(String(200), info=NOT_SEALED)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[str] = mapped_column(String(32))


class TranscriptionConfig(Base):
    """The one transcription setting (row id 1): engine off|offline|google, and its options.

    The Google service-account file is sealed by the master key and never shown."""

    __tablename__ = "transcription_config"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    engine: Mapped[str] = mapped_column(String(16), default="off")
    language: Mapped[str] = mapped_column(String(35), default="en-US")
    model: Mapped[str] = mapped_column(String(64), default="")
    endpoint: Mapped[str] = mapped_column(String(255), default="")
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                      info=SEALED_BY_MASTER)
    updated_at: Mapped[str] = mapped_column(String(32))
