"""Retention policies: how many days each category of data is kept (no row: kept for ever)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import Base


class RetentionPolicy(Base):
    """How many days a category of data is kept; no row means kept for ever (the default)."""

    __tablename__ = "retention_policies"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
