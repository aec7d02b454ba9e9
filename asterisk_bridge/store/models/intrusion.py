"""Intrusion response: its settings (off by default) and every block it placed.

A blocked address is an attacker's source address, kept in clear because Asterisk must be told
it; it names no subscriber of the PBX. Blocks are never deleted by the response itself: an
ended block keeps when and why it ended (expiry, or who unblocked it).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import Base


class IntrusionSettings(Base):
    """Row id 1: whether repeated failures block their source, for how long, and the
    allowlist (JSON list of networks that are never blocked)."""

    __tablename__ = "intrusion_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    block_s: Mapped[int] = mapped_column(Integer, default=3600)
    allow: Mapped[str] = mapped_column(Text, default="[]")


class IntrusionBlock(Base):
    """One block of one source address."""

    __tablename__ = "intrusion_blocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(45), index=True)
    service: Mapped[str] = mapped_column(String(16))
    failures: Mapped[int] = mapped_column(Integer)
    blocked_at: Mapped[str] = mapped_column(String(32))
    until: Mapped[str] = mapped_column(String(32))
    ended_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(128), nullable=True)  # None: expired
