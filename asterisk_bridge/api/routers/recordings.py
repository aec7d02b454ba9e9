"""``/v1/recordings``: metadata, consent evidence, the audio (streamed, decrypted on the fly,
age-encrypted when the token names a recipient) and deletion (crypto-shred; legal holds refuse
it). Every download and every deletion is in the operation log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from asterisk_bridge.api import cursor, streaming
from asterisk_bridge.api.access import State, require
from asterisk_bridge.api.problems import errors
from asterisk_bridge.api.routers.cdr import MAX_PAGE
from asterisk_bridge.api.tokens import Caller, still_open
from asterisk_bridge.recording import query, shred
from asterisk_bridge.recording.vault import open_plaintext

router = APIRouter(prefix="/v1/recordings", tags=["recordings"])
RecordingId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
Time = Annotated[datetime | None, Query()]


class Recording(BaseModel):
    """A recording's metadata (never its key)."""

    id: str
    node: str
    linkedid: str
    channel: str
    started_at: str
    ended_at: str
    duration_s: float
    partial: bool
    caller: str
    callee: str
    size: int
    plain_size: int


class RecordingPage(BaseModel):
    """One page, oldest first; pass ``next_cursor`` back as ``cursor`` (null: the last)."""

    items: list[Recording]
    next_cursor: str | None


class RecordingDetail(BaseModel):
    """A recording, its call's CDR records, its paused spans and its consent evidence."""

    recording: Recording
    call: list[dict[str, Any]]
    pauses: list[dict[str, str]]
    evidence: list[dict[str, str]]


def _meta(fields: dict[str, Any]) -> Recording:
    return Recording(**{f: fields[f] for f in Recording.model_fields})


@router.get("", response_model=RecordingPage, responses=errors(400, 401, 403, 422, 429))
def recordings(caller: Annotated[Caller, require("recordings:read")],
               state: State,
               linkedid: Annotated[str | None, Query(max_length=64)] = None,
               since: Time = None, until: Time = None,
               limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
               cursor_: Annotated[str | None, Query(alias="cursor", max_length=200)] = None,
               ) -> RecordingPage:
    """Recordings, oldest first."""
    after = cursor.decode_text_keyset(cursor_) if cursor_ else None
    filters = query.Filters(linkedid=linkedid, since=since.isoformat() if since else None,
                            until=until.isoformat() if until else None, limit=limit,
                            after=after)
    rows = query.recordings(state.app.engine, filters)
    state.log(caller, "recording list", {"linkedid": linkedid, "rows": len(rows)})
    nxt = cursor.encode(rows[-1].started_at, rows[-1].id) if len(rows) == limit else None
    return RecordingPage(items=[_meta(r) for r in query.with_parties(
        state.app.engine, state.app.master_key, rows)], next_cursor=nxt)


@router.get("/{recording_id}", response_model=RecordingDetail,
            responses=errors(401, 403, 404, 422, 429))
def recording(recording_id: RecordingId, caller: Annotated[Caller, require("recordings:read")],
              state: State) -> RecordingDetail:
    """One recording with its call, paused spans and consent evidence."""
    shown = query.describe(state.app, recording_id)
    state.log(caller, "recording show", {"id": recording_id})
    return RecordingDetail(recording=_meta(shown["recording"]),  # type: ignore[arg-type]
                           call=shown["call"],  # type: ignore[arg-type]
                           pauses=shown["pauses"], evidence=shown["evidence"])  # type: ignore[arg-type]


@router.get("/{recording_id}/audio", response_class=StreamingResponse, responses={
    200: {"content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}},
                      "application/octet-stream": {"schema": {"type": "string",
                                                              "format": "binary"}}},
          "description": "The WAV, or an age file when the token names a recipient."},
    **errors(401, 403, 404, 422, 429, 503)})
def audio(recording_id: RecordingId, caller: Annotated[Caller, require("recordings:read")],
          state: State) -> StreamingResponse:
    """The audio, decrypted as it is sent; an age file (for the token's fixed recipient) when
    the token names one."""
    app = state.app
    chunks = open_plaintext(app, recording_id)
    first = next(chunks)  # a missing recording or key fails here, before any byte is sent
    state.log(caller, "recording audio", {"id": recording_id,
                                          "age": caller.age_recipient is not None})

    def body() -> Any:
        yield first
        yield from chunks

    def admitted() -> bool:
        with app.engine.connect() as conn:
            return still_open(conn, caller.grant_id)

    guarded = streaming.while_open(body(), admitted)
    if caller.age_recipient:
        return StreamingResponse(streaming.age_stream(guarded, caller.age_recipient),
                                 media_type="application/octet-stream", headers={
                                     "Content-Disposition":
                                         f'attachment; filename="{recording_id}.wav.age"'})
    return StreamingResponse(streaming.coalesce(guarded), media_type="audio/wav", headers={
        "Content-Disposition": f'attachment; filename="{recording_id}.wav"'})


class Tombstone(BaseModel):
    """What is left of a deleted recording: which, when, by whom, why."""

    recording_id: str
    deleted_at: str
    deleted_by: str
    reason: str


@router.delete("/{recording_id}", response_model=Tombstone,
               responses=errors(400, 401, 403, 404, 409, 422, 429))
def delete(recording_id: RecordingId,
           reason: Annotated[str, Query(min_length=1, max_length=500)],
           caller: Annotated[Caller, require("recordings:delete")],
           state: State) -> Tombstone:
    """Crypto-shred a recording (key destroyed, file removed, tombstone kept)."""
    stone = shred.delete(state.app, recording_id, reason, f"api token {caller.name}")
    state.log(caller, "recording delete", {"id": recording_id, "reason": reason})
    return Tombstone(recording_id=stone.recording_id, deleted_at=stone.deleted_at,
                     deleted_by=stone.deleted_by, reason=stone.reason)
