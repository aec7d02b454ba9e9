"""Debug-log windows: when Asterisk's full logging was on, for how long, and who ended it.

The rows hold no call data (that is in the RAM-only log file); they are the history an auditor
asks for, and what the expiry watchdog and the bridge read to end a window on time.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import Base


class DebugWindow(Base):
    """One 'voco debug on' window; open while ``ended_at`` is NULL."""

    __tablename__ = "debug_windows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(64), index=True)
    levels: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC
    expires_at: Mapped[str] = mapped_column(String(32))
    started_by: Mapped[str] = mapped_column(String(128))
    ended_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    exported: Mapped[int] = mapped_column(Integer, default=0)  # how many times
