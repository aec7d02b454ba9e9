"""Foundation tables: the operation log and the bridge's connection gaps."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import SEALED_BY_MASTER, Base


class OplogEntry(Base):
    """One state-changing operation, hash-chained to the one before it."""

    __tablename__ = "oplog"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC, microseconds
    actor: Mapped[str] = mapped_column(String(128))
    command: Mapped[str] = mapped_column(String(128), index=True)
    args: Mapped[str] = mapped_column(Text)  # canonical JSON, secrets redacted
    result: Mapped[str] = mapped_column(String(8))  # "ok" | "error"
    message: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64), info=SEALED_BY_MASTER)


class OplogHead(Base):
    """The single row naming the newest entry: the lock appenders serialise on, and the anchor
    that makes a deleted tail detectable. Its MAC is its own (labelled "head"), over the entry
    count, the newest seq and hash, and the installation."""

    __tablename__ = "oplog_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64), info=SEALED_BY_MASTER)


class OplogGenesis(Base):
    """The single row that begins the log: which installation it belongs to, and when it began.

    Written by ``voco init`` (or, visibly, by ``voco oplog restart``) and sealed under the master
    key; entry 1 chains from its hash. A log whose genesis is gone was wiped, however consistent
    the rest looks, and the copy of it kept beside the master key tells a restarted log from the
    original."""

    __tablename__ = "oplog_genesis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation: Mapped[str] = mapped_column(String(32))  # random hex, also in the anchor file
    created_at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC, microseconds
    restarted_from: Mapped[str] = mapped_column(String(32), default="")  # the discarded log's id
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was restarted
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64), info=SEALED_BY_MASTER)


class ConnectionGap(Base):
    """A span during which the bridge could not hear Asterisk; later capabilities reconcile it."""

    __tablename__ = "connection_gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(64), index=True)
    link: Mapped[str] = mapped_column(String(8))  # "ami" | "ari"
    gap_from: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC; last moment known connected
    gap_to: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC; reconnected
    reason: Mapped[str] = mapped_column(Text, default="")
    reconciled: Mapped[int] = mapped_column(Integer, default=0)
