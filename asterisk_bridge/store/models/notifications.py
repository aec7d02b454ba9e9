"""Notifications: the SMTP door's settings, the rules saying who hears of which event, and the
fact (never the content) of every notification sent.

Nothing personal is in clear here. A rule's e-mail address or phone number is sealed under the
recipient's own subject key (erasing them makes the rule unusable, and the erasure deletes it);
an extension number is internal and stays in clear. The history of what was sent names the
recipient by extension or by subject id, with the event kind, the outcome and how many events
the message stood for.
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


class SmtpSettings(Base):
    """The one SMTP door (row id 1): off, the machine's own MTA, or a custom relay."""

    __tablename__ = "smtp_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))  # off | default | custom
    host: Mapped[str] = mapped_column(String(253), default="")
    port: Mapped[int] = mapped_column(Integer, default=0)
    security: Mapped[str] = mapped_column(String(8), default="")  # tls | starttls | plain
    username: Mapped[str] = mapped_column(String(256), default="")
    password: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                   info=SEALED_BY_MASTER)
    ca_file: Mapped[str] = mapped_column(Text, default="")  # a pinned CA bundle, if any
    sender: Mapped[str] = mapped_column(String(280), default="")
    updated_at: Mapped[str] = mapped_column(String(32))


class NotificationRule(Base):
    """Who hears of one kind of event, and how (e-mail or a phone call)."""

    __tablename__ = "notification_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # email | phone
    target: Mapped[str] = mapped_column(String(12))  # address | extension | number | owner
    extension: Mapped[str | None] = mapped_column(String(10), nullable=True)
    recipient_subject: Mapped[str | None] = mapped_column(String(32), nullable=True,
                                                          index=True, info=SUBJECT_REF)
    recipient: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                    info=SEALED_BY_SUBJECT)
    attach_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_from: Mapped[str | None] = mapped_column(String(5), nullable=True)  # HH:MM, UTC
    quiet_until: Mapped[str | None] = mapped_column(String(5), nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(128))


class NotificationSent(Base):
    """The fact of one notification: when, which event kind, to whom (by reference), how it
    went. Never its text."""

    __tablename__ = "notifications_sent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32), index=True)
    event: Mapped[str] = mapped_column(String(32))
    rule_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channel: Mapped[str] = mapped_column(String(8))
    extension: Mapped[str | None] = mapped_column(String(10), nullable=True)
    recipient_subject: Mapped[str | None] = mapped_column(String(32), nullable=True,
                                                          index=True, info=SUBJECT_REF)
    events: Mapped[int] = mapped_column(Integer, default=1)  # how many it stood for
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(12))  # sent | failed | quiet
    error: Mapped[str] = mapped_column(String(200), default="")  # what failed, never content
