"""Agent activity: every queue_log line about a queue member or a queued call, as the bridge
read it. Asterisk's queue_log is the durable source (the bridge re-reads it after every
(re)connect, and whenever AMI announces queue activity), so a line is stored once, keyed by its
hash. Caller numbers in queue_log (ENTERQUEUE's caller ID) are not copied."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import SUBJECT_REF, Base


class AgentEvent(Base):
    """One agent or queue event (login, pause, a call offered, answered, abandoned ...)."""

    __tablename__ = "agent_events"
    __table_args__ = (UniqueConstraint("node", "line_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(64), index=True)
    line_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(32), index=True)  # ISO 8601 UTC
    callid: Mapped[str] = mapped_column(String(64), index=True)  # caller's uniqueid or NONE
    queue: Mapped[str] = mapped_column(String(128), index=True)
    agent: Mapped[str] = mapped_column(String(64), index=True)  # extension number, or NONE
    agent_subject: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True,
                                                      info=SUBJECT_REF)
    kind: Mapped[str] = mapped_column(String(24))  # login logout pause unpause offered ...
    reason: Mapped[str] = mapped_column(Text, default="")  # pause reason, completion side
    wait_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    talk_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ring_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
