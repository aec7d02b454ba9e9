"""Reading the recordings table for ``voco recording list`` and ``show``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.orm import Session

from asterisk_bridge.cdr.sealing import open_rows
from asterisk_bridge.context import App
from asterisk_bridge.recording import evidence, parties
from asterisk_bridge.recording.vault import missing
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.store.models.recording import Recording, RecordingTombstone
from asterisk_bridge.subjects.vault import SubjectVault

SEALED = (parties.CALLEE, parties.CALLER)


@dataclass(frozen=True)
class Filters:
    """Filters for ``voco recording list``; times are ISO strings compared with ``started_at``."""

    linkedid: str | None = None
    since: str | None = None
    until: str | None = None
    partial: bool | None = None
    limit: int | None = None
    after: tuple[str, str] | None = None  # (started_at, id) keyset: only later recordings


def recordings(engine: Engine, filters: Filters) -> Sequence[Recording]:
    """Matching recordings, oldest first."""
    q = select(Recording).order_by(Recording.started_at, Recording.id)
    if filters.linkedid:
        q = q.where(Recording.linkedid == filters.linkedid)
    if filters.since:
        q = q.where(Recording.started_at >= filters.since)
    if filters.until:
        q = q.where(Recording.started_at < filters.until)
    if filters.partial is not None:
        q = q.where(Recording.partial == int(filters.partial))
    if filters.after:
        started, rec_id = filters.after
        q = q.where(or_(Recording.started_at > started,
                        and_(Recording.started_at == started, Recording.id > rec_id)))
    if filters.limit:
        q = q.limit(filters.limit)
    with Session(engine) as session:
        return session.scalars(q).all()


def recording(engine: Engine, rec_id: str) -> Recording:
    """One recording; RecordingNotFound says whether it was deleted, and when."""
    with Session(engine) as session:
        row = session.get(Recording, rec_id)
        if row is None:
            raise missing(session, rec_id)
        return row


def tombstones(engine: Engine) -> Sequence[RecordingTombstone]:
    """Every deletion, oldest first."""
    with Session(engine) as session:
        return session.scalars(select(RecordingTombstone).order_by(RecordingTombstone.id)).all()


def as_dict(row: Recording) -> dict[str, object]:
    """The row's clear fields, for JSON output (the sealed party labels are in
    :func:`with_parties`)."""
    return {c.key: getattr(row, c.key) for c in Recording.__table__.columns
            if c.key not in SEALED}


def with_parties(engine: Engine, master_key: bytes, rows: Sequence[Recording]
                 ) -> list[dict[str, object]]:
    """Each row's clear fields plus ``caller`` and ``callee``, opened with their subjects'
    keys (read in one transaction: an erased party shows as ``(erased)``)."""
    subjects = {s for r in rows for s in (r.channel_subject, r.connected_subject) if s}
    with engine.connect() as conn:
        ring = SubjectVault(master_key).keys(conn, subjects)
    return [{**as_dict(r), **parties.labels(ring, r.id, {
        c.key: getattr(r, c.key) for c in Recording.__table__.columns})} for r in rows]


def pauses(facts: Sequence[dict[str, str]], rec_id: str) -> list[dict[str, str]]:
    """Paused spans of *rec_id* from its call's evidence: ``{"from", "to"}``, "to" empty if the
    recording ended paused."""
    spans: list[dict[str, str]] = []
    for fact in facts:
        if fact.get("recording_id") not in (rec_id, "") or fact.get("outcome") == "refused":
            continue
        if fact["event"] == "pause" and (not spans or spans[-1]["to"]):
            spans.append({"from": fact["at"], "to": ""})
        elif fact["event"] == "resume" and spans and not spans[-1]["to"]:
            spans[-1]["to"] = fact["at"]
    return spans


def call_records(app: App, node: str, linkedid: str) -> list[dict[str, object]]:
    """The call's CDR records (who called whom, and how it ended), oldest first: the channel
    a recording ran on names only one side of the call."""
    with app.engine.connect() as conn:
        rows = open_rows(conn, SubjectVault(app.master_key), conn.execute(
            select(*CdrRecord.__table__.columns).where(
                CdrRecord.node == node, CdrRecord.linkedid == linkedid)
            .order_by(CdrRecord.start, CdrRecord.id)).mappings())
    return [{"cdr": r["id"], "from": r["src"], "to": r["dst"], "clid": r["clid"],
             "disposition": r["disposition"], "billsec": r["billsec"],
             "recording": r["rec_id"] or "", "consent": r["consent"] or ""} for r in rows]


def describe(app: App, rec_id: str) -> dict[str, object]:
    """A recording with who called whom, its call's CDR records, consent evidence and paused
    spans (``voco recording show``)."""
    engine = app.engine
    row = recording(engine, rec_id)
    facts = evidence.for_call(app, row.linkedid)
    return {"recording": with_parties(engine, app.master_key, [row])[0],
            "call": call_records(app, row.node, row.linkedid),
            "pauses": pauses(facts, rec_id), "evidence": facts}
