"""The bridge's last sign of life per node and link, so a restart knows the gap it must cover."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import Base


class BridgeHeartbeat(Base):
    """The last moment a link of a node's bridge was known to hear Asterisk."""

    __tablename__ = "bridge_heartbeats"

    node: Mapped[str] = mapped_column(String(64), primary_key=True)
    link: Mapped[str] = mapped_column(String(8), primary_key=True)  # "ami" | "ari"
    last_seen: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC, microseconds
