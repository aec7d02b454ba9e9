"""CDR tables: one row per Asterisk CDR record (a "leg"), and what deletions leave behind so
that a deleted record never comes back (tombstones, retention floors).

The natural key is ``(node, uniqueid, sequence)``: Asterisk gives every CDR record of a node a
``sequence`` that is unique for the uniqueid, and the same values appear in the AMI ``Cdr`` event
(through cdr_manager ``[mappings]``) and in Master.csv (``newcdrcolumns=yes``). Whichever copy
arrives first is stored; the other is a no-op. Times are naive UTC datetimes.

The two people a record names are ``src_subject`` and ``dst_subject``; their numbers, the caller
ID, the dialled data and the user field are sealed under their keys
(:mod:`asterisk_bridge.cdr.sealing`). Everything else is Asterisk's own identifiers and figures.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import SEALED_BY_SUBJECT, SUBJECT_REF, Base

ID_TYPE = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER only


class CdrRecord(Base):
    """One Asterisk CDR record (one party A / party B pairing of a call)."""

    __tablename__ = "cdr"
    __table_args__ = (UniqueConstraint("node", "uniqueid", "sequence", name="uq_cdr_natural"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(64))
    uniqueid: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    # Also the link of a call that crossed a Voco peer trunk: ``voco:<node>/<linkedid>``.
    accountcode: Mapped[str] = mapped_column(String(80), default="", index=True)
    src_subject: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True,
                                                    info=SUBJECT_REF)
    dst_subject: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True,
                                                    info=SUBJECT_REF)
    src: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, info=SEALED_BY_SUBJECT)
    dst: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, info=SEALED_BY_SUBJECT)
    dcontext: Mapped[str] = mapped_column(String(80), default="")
    clid: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                               info=SEALED_BY_SUBJECT)
    channel: Mapped[str] = mapped_column(String(255), default="")
    dstchannel: Mapped[str] = mapped_column(String(255), default="")
    lastapp: Mapped[str] = mapped_column(String(80), default="")
    lastdata: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                   info=SEALED_BY_SUBJECT)
    start: Mapped[datetime] = mapped_column(DateTime, index=True)
    answer: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    end: Mapped[datetime] = mapped_column(DateTime)
    duration: Mapped[int] = mapped_column(Integer)
    billsec: Mapped[int] = mapped_column(Integer)
    disposition: Mapped[str] = mapped_column(String(16), index=True)
    amaflags: Mapped[str] = mapped_column(String(16), default="")
    userfield: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                    info=SEALED_BY_SUBJECT)
    peeraccount: Mapped[str] = mapped_column(String(80), default="")
    rec_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    consent: Mapped[str | None] = mapped_column(String(32), nullable=True)
    origin: Mapped[str] = mapped_column(String(8))  # "ami" | "csv": which copy arrived first
    stored_at: Mapped[datetime] = mapped_column(DateTime)


class CdrTombstone(Base):
    """A deleted CDR record: its natural key, who deleted it, when and why, never its data.

    Every path that stores CDRs (live AMI, journal, Master.csv reconciliation) refuses a key
    found here, and Asterisk's CDR files are scrubbed of it."""

    __tablename__ = "cdr_tombstones"

    node: Mapped[str] = mapped_column(String(64), primary_key=True)
    uniqueid: Mapped[str] = mapped_column(String(64), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    deleted_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)


class RetentionFloor(Base):
    """The start time before which retention has purged every record of a kind.

    A retention purge is a tombstone for everything older than its cutoff: records older
    than the floor are refused like tombstoned ones. It only ever moves forward, so removing
    or lengthening a policy later brings nothing back."""

    __tablename__ = "retention_floors"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    purged_before: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
