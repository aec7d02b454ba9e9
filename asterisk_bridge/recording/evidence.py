"""Consent evidence: turn the dialplan's markers and control actions into rows, and read them.

The dialplan raises ``UserEvent(VocoRecording, Stage: ..., ...)`` at every step (decision, prompt,
answer, start, a party's pause/resume/stop, end); :func:`from_user_event` maps one to a row. A
marker naming a recording is also appended to the recording's trail in the spool
(:func:`from_trail_line`), so what happened while the bridge was down is stored when it is back;
both copies carry the same ``At``, and :func:`record_once` stores a fact only once. The CLI's
pause/resume/stop rows are written by the CLI, naming who asked. Rows are only ever added.

A fact is about the party whose channel it happened on (:func:`.parties.party_of`: the
channel's extension, else its caller ID, else its connected line): that person is the row's
``party_subject``, and the channel name and the detail (which can hold a dialled number) are
sealed under their key, bound to the row. A fact whose channel names nobody is sealed under the
party of the call's earlier evidence; with no party at all it keeps neither value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.recording.parties import party_of
from asterisk_bridge.store.models.consent import ConsentEvidence
from asterisk_bridge.subjects.vault import SubjectVault

MARKER_EVENT = "VocoRecording"
#: What the dialplan signs, in order (``voco-rec-mark``; :mod:`asterisk_bridge.bridge.eventmac`).
SIGNED = ("Stage", "Leg", "Prompt", "Digit", "Outcome", "RecordingId", "Detail", "At",
          "Uniqueid", "Linkedid")
CONTROLS = ("pause", "resume", "stop")
STAGES = ("decision", "prompt", "answer", "start", "end", *CONTROLS)
#: Who causes each dialplan stage; an answer or a control by the party who pressed the key.
_STAGE_ACTOR = {"decision": "policy", "prompt": "dialplan", "start": "dialplan", "end": "hangup"}
#: Column widths, so a long or hostile value is cut rather than refused by PostgreSQL.
_WIDTH = {"node": 64, "linkedid": 64, "recording_id": 160, "event": 16, "leg": 8, "prompt": 160,
          "digit": 8, "outcome": 32, "actor": 128, "source": 16, "at": 32}


def now() -> str:
    """The current time as stored: ISO 8601 UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Fact:
    """One evidence row, before it is stored."""

    linkedid: str
    event: str
    leg: str = ""
    channel: str = ""
    recording_id: str = ""
    prompt: str = ""
    digit: str = ""
    outcome: str = ""
    actor: str = ""
    source: str = ""
    detail: str = ""
    at: str = field(default_factory=now)
    caller: str = ""  # the channel's caller ID number: names the party, never stored
    connected: str = ""  # its connected line's number: the party when the caller ID is none


def from_user_event(event: Mapping[str, Any]) -> Fact | None:
    """The fact a ``VocoRecording`` UserEvent reports; None for any other or malformed event."""
    if event.get("UserEvent") != MARKER_EVENT:
        return None
    stage, linkedid = str(event.get("Stage", "")), str(event.get("Linkedid", ""))
    if stage not in STAGES or not linkedid:
        return None
    leg = str(event.get("Leg", ""))
    return Fact(
        linkedid=linkedid, event=stage, leg=leg, channel=str(event.get("Channel", "")),
        recording_id=str(event.get("RecordingId", "")), prompt=str(event.get("Prompt", "")),
        digit=str(event.get("Digit", "")), outcome=str(event.get("Outcome", "")),
        actor=_STAGE_ACTOR.get(stage, leg), source="dtmf" if stage in CONTROLS else "dialplan",
        detail=str(event.get("Detail", "")), at=str(event.get("At", "")) or now(),
        caller=str(event.get("CallerIDNum", "")),
        connected=str(event.get("ConnectedLineNum", "")),
    )


def from_trail_line(line: str) -> Fact | None:
    """The fact one trail line reports (``Key=value`` fields joined by ``|``, as the dialplan's
    ``voco-rec-mark`` writes them); None for a line that is not one (a torn last line)."""
    pairs = [field.partition("=") for field in line.strip().split("|")]
    if not pairs or any(not sep for _, sep, _ in pairs):
        return None
    values = {key: value for key, _, value in pairs}
    if not values.get("At"):
        return None
    return from_user_event({"UserEvent": MARKER_EVENT, **values})


TABLE = "consent_evidence"
SEALED = ("channel", "detail")
_NOT_STORED = ("caller", "connected", *SEALED)


def record(app: App, fact: Fact) -> int:
    """Store one fact, its party's fields sealed under their key; returns its row id."""
    values = {f.name: getattr(fact, f.name) for f in fields(fact) if f.name not in _NOT_STORED}
    values = {k: (v[:_WIDTH[k]] if k in _WIDTH else v) for k, v in values.items()}
    vault = SubjectVault(app.master_key)
    with Session(app.engine) as s, s.begin():
        conn = s.connection()
        region = app.config.privacy.default_region
        party = party_of(conn, vault, region, fact.channel, fact.caller) \
            or party_of(conn, vault, region, "", fact.connected) \
            or s.scalar(select(ConsentEvidence.party_subject).where(
                ConsentEvidence.linkedid == fact.linkedid,
                ConsentEvidence.party_subject.is_not(None)).order_by(ConsentEvidence.id))
        row = ConsentEvidence(node=app.config.asterisk.node[:64], recorded_at=now(),
                              party_subject=party, **values)
        s.add(row)
        s.flush()  # the id the sealed fields are bound to
        if party is not None:
            sealed = vault.keys(conn, [party]).seal_row(
                TABLE, str(row.id), party, {"channel": fact.channel, "detail": fact.detail})
            row.channel, row.detail = sealed["channel"], sealed["detail"]
        return row.id


def record_once(app: App, fact: Fact) -> bool:
    """Store ``fact`` unless the same fact (call, event, leg, recording, time) is already
    stored, as when both the live event and the trail reported it. True if it was added."""
    with Session(app.engine) as s:
        ev = ConsentEvidence
        seen = s.scalar(select(ev.id).where(
            ev.linkedid == fact.linkedid, ev.event == fact.event, ev.leg == fact.leg,
            ev.recording_id == fact.recording_id, ev.at == fact.at).limit(1))
    if seen is not None:
        return False
    record(app, fact)
    return True


def for_call(app: App, linkedid: str) -> list[dict[str, str]]:
    """Every fact of one call, in the order it happened."""
    return _query(app, ConsentEvidence.linkedid == linkedid)


def for_recording(app: App, recording_id: str) -> list[dict[str, str]]:
    """Every fact of the call a recording belongs to (consent before it, control during it)."""
    with Session(app.engine) as s:
        linkedid = s.scalar(select(ConsentEvidence.linkedid)
                            .where(ConsentEvidence.recording_id == recording_id).limit(1))
    return for_call(app, linkedid) if linkedid else []


def _query(app: App, where: Any) -> list[dict[str, str]]:
    names = [f.name for f in fields(Fact) if f.name not in _NOT_STORED]
    with Session(app.engine) as s:
        rows = s.scalars(select(ConsentEvidence).where(where)
                         .order_by(ConsentEvidence.at, ConsentEvidence.id)).all()
        ring = SubjectVault(app.master_key).keys(
            s.connection(), {r.party_subject for r in rows if r.party_subject})
        out = []
        for r in rows:
            opened = ring.open_row(TABLE, str(r.id), r.party_subject,
                                   {c: getattr(r, c) for c in SEALED})
            out.append({"node": r.node, **{n: getattr(r, n) for n in names},
                        **{c: v or "" for c, v in opened.items()}})
        return out
