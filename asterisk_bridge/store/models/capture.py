"""Packet captures: sealed pcap files of the PBX's SIP/RTP traffic, and their data keys.

A capture's row outlives its deletion as the tombstone (who deleted it, when, why); its key
row does not: deleting the key is the crypto-shred.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import SEALED_BY_MASTER, Base


class Capture(Base):
    """One 'voco capture start': running, sealed, failed or deleted."""

    __tablename__ = "captures"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    node: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(8))  # sip | rtp | all
    bpf: Mapped[str] = mapped_column(Text)  # the capture filter dumpcap ran
    started_at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC
    deadline_at: Mapped[str] = mapped_column(String(32))
    max_bytes: Mapped[int] = mapped_column(BigInteger)
    started_by: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), index=True)
    runner_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dumpcap_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stopped_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    stop_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    path: Mapped[str | None] = mapped_column(Text, nullable=True)  # in <data_dir>/captures
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # ciphertext bytes
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    plain_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(36), nullable=True, unique=True)
    master_key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    deleted_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    deleted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    delete_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class CaptureKey(Base):
    """A sealed capture's data key, wrapped by the master key for its capture."""

    __tablename__ = "capture_keys"

    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    capture_id: Mapped[str] = mapped_column(ForeignKey("captures.id"), unique=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_BY_MASTER)
    master_key_id: Mapped[str] = mapped_column(String(16), index=True)
