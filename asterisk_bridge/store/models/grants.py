"""Grants: the doors through which data leaves the PBX for another application.

One row per grant, whatever the door (an AMI user, an API token, a database role, a popup URL,
a CRM lookup): a named party, what it may see (scopes), from where (CIDRs), until when. A grant
is never deleted: revoking or expiring it records when and by whom, so the register of who
could see what stays evidence.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import NOT_SEALED, SEALED_BY_MASTER, Base


class Grant(Base):
    """One open (or formerly open) door."""

    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    door: Mapped[str] = mapped_column(String(16), index=True)  # ami | api | db | popup | crm
    name: Mapped[str] = mapped_column(String(64))
    party: Mapped[str] = mapped_column(Text)  # who it is for (an organisation, an application)
    scopes: Mapped[str] = mapped_column(Text)  # JSON list: what it may see or do
    permit: Mapped[str] = mapped_column(Text)  # JSON list of CIDRs it may come from
    options: Mapped[str] = mapped_column(Text, default="{}")  # JSON: door-specific settings
    # The SHA-256 of an API token: the token itself is shown once and never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True,
                                                   info=NOT_SEALED)
    # A secret Voco must give back (an AMI secret Asterisk needs in manager.conf, a CRM's auth
    # header, a popup's signing key), sealed under the master key.
    sealed_secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                        info=SEALED_BY_MASTER)
    until: Mapped[str | None] = mapped_column(String(32), nullable=True)  # ISO 8601 UTC
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(128))
    closed_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    close_reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why, or "expired"


class GrantAddress(Base):
    """An address a grant was used from, first seen when (a new one is notified:
    ``grant_new_address``). The party's own addresses, not a subscriber's; kept with the grant."""

    __tablename__ = "grant_addresses"
    __table_args__ = (UniqueConstraint("grant_id", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), index=True)
    address: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC
