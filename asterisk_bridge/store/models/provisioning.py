"""Provisioned PBX entities: extensions, trunks, routes, speed dials, conferences, queues.

Values are stored as validated by :mod:`asterisk_bridge.provisioning`; list-valued fields are JSON
text. An extension owner's name, e-mail and mobile are the owner's personal data: sealed under
the owner's subject key (:mod:`asterisk_bridge.subjects`), bound to the extension number.
Secrets Asterisk needs in clear (SIP passwords, conference PINs) are AES-GCM blobs sealed with a
key derived from the master key, never plaintext.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import (
    SEALED_BY_MASTER,
    SEALED_BY_SUBJECT,
    SUBJECT_REF,
    Base,
)


class ProvExtension(Base):
    """A phone: one PJSIP endpoint/auth/aor and, if enabled, a mailbox."""

    __tablename__ = "prov_extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    owner_subject: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True,
                                                      info=SUBJECT_REF)
    name: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_BY_SUBJECT)
    email: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                info=SEALED_BY_SUBJECT)
    mobile: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                 info=SEALED_BY_SUBJECT)
    voicemail: Mapped[bool] = mapped_column(Boolean, default=False)
    webrtc: Mapped[bool] = mapped_column(Boolean, default=False)
    transport: Mapped[str] = mapped_column(String(8), default="tls")
    media_encryption: Mapped[str] = mapped_column(String(8), default="sdes")
    sip_secret: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_BY_MASTER)


class ProvTrunk(Base):
    """A SIP provider: outbound registration and/or identification by source network."""

    __tablename__ = "prov_trunks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer, default=5060)
    username: Mapped[str] = mapped_column(String(64), default="")
    register: Mapped[bool] = mapped_column(Boolean, default=False)
    identify: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of CIDR networks
    transport: Mapped[str] = mapped_column(String(8), default="udp")
    media_encryption: Mapped[str] = mapped_column(String(8), default="none")
    voco_peer: Mapped[bool] = mapped_column(Boolean, default=False)  # leads to another Voco node
    sip_secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                      info=SEALED_BY_MASTER)


class ProvInboundRoute(Base):
    """A DID and where calls to it go."""

    __tablename__ = "prov_inbound_routes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    did: Mapped[str] = mapped_column(String(33), unique=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # extension | queue | conference
    target: Mapped[str] = mapped_column(String(64))


class ProvOutboundRoute(Base):
    """A dial pattern sent out through trunks in order; ``position`` orders the routes."""

    __tablename__ = "prov_outbound_routes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    pattern: Mapped[str] = mapped_column(String(64))
    strip: Mapped[int] = mapped_column(Integer, default=0)
    prepend: Mapped[str] = mapped_column(String(33), default="")
    trunks: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of trunk names, in order
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProvSpeedDial(Base):
    """A short code that dials a number."""

    __tablename__ = "prov_speed_dials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    number: Mapped[str] = mapped_column(String(33))
    name: Mapped[str] = mapped_column(String(80), default="")


class ProvConference(Base):
    """A ConfBridge room reachable on an internal number, optionally behind a PIN."""

    __tablename__ = "prov_conferences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    max_members: Mapped[int] = mapped_column(Integer, default=0)
    pin: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, info=SEALED_BY_MASTER)


class ProvQueue(Base):
    """A call queue on an internal number; members are extension numbers (JSON list)."""

    __tablename__ = "prov_queues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    strategy: Mapped[str] = mapped_column(String(16), default="ringall")
    timeout: Mapped[int] = mapped_column(Integer, default=15)
    members: Mapped[str] = mapped_column(Text, default="[]")
