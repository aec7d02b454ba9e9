"""Consent evidence: turn the dialplan's markers and control actions into rows, and read them.

The dialplan raises ``UserEvent(VocoRecording, Stage: ..., ...)`` at every step (decision, prompt,
answer, start, a party's pause/resume/stop, end); :func:`from_user_event` maps one to a row. A
marker naming a recording is also appended to the recording's trail in the spool
(:func:`from_trail_line`), so what happened while the bridge was down is stored when it is back;
both copies carry the same ``At``, and :func:`record_once` stores a fact only once. The CLI's
pause/resume/stop rows are written by the CLI, naming who asked. Rows are only ever added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from asterisk_bridge.store.models.consent import ConsentEvidence

MARKER_EVENT = "VocoRecording"
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


def record(engine: Engine, node: str, fact: Fact) -> int:
    """Store one fact; returns its row id."""
    values = {f.name: getattr(fact, f.name) for f in fields(fact)}
    values = {k: (v[:_WIDTH[k]] if k in _WIDTH else v) for k, v in values.items()}
    with Session(engine) as s, s.begin():
        row = ConsentEvidence(node=node[:64], recorded_at=now(), **values)
        s.add(row)
        s.flush()
        return row.id


def record_once(engine: Engine, node: str, fact: Fact) -> bool:
    """Store ``fact`` unless the same fact (call, event, leg, recording, time) is already
    stored, as when both the live event and the trail reported it. True if it was added."""
    with Session(engine) as s:
        ev = ConsentEvidence
        seen = s.scalar(select(ev.id).where(
            ev.linkedid == fact.linkedid, ev.event == fact.event, ev.leg == fact.leg,
            ev.recording_id == fact.recording_id, ev.at == fact.at).limit(1))
    if seen is not None:
        return False
    record(engine, node, fact)
    return True


def for_call(engine: Engine, linkedid: str) -> list[dict[str, str]]:
    """Every fact of one call, in the order it happened."""
    return _query(engine, ConsentEvidence.linkedid == linkedid)


def for_recording(engine: Engine, recording_id: str) -> list[dict[str, str]]:
    """Every fact of the call a recording belongs to (consent before it, control during it)."""
    with Session(engine) as s:
        linkedid = s.scalar(select(ConsentEvidence.linkedid)
                            .where(ConsentEvidence.recording_id == recording_id).limit(1))
    return for_call(engine, linkedid) if linkedid else []


def _query(engine: Engine, where: Any) -> list[dict[str, str]]:
    names = [f.name for f in fields(Fact)]
    with Session(engine) as s:
        rows = s.scalars(select(ConsentEvidence).where(where)
                         .order_by(ConsentEvidence.at, ConsentEvidence.id))
        return [{"node": r.node, **{n: getattr(r, n) for n in names}} for r in rows]


