"""``/v1/calls``: calls as a person sees them (legs grouped), newest first, by cursor pages."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from asterisk_bridge.api import cursor
from asterisk_bridge.api.access import State, require
from asterisk_bridge.api.problems import errors
from asterisk_bridge.api.routers.cdr import MAX_PAGE, cdr_filter
from asterisk_bridge.api.times import UtcTime
from asterisk_bridge.api.tokens import Caller
from asterisk_bridge.cdr.calls import list_calls
from asterisk_bridge.cdr.query import CdrFilter, resolved
from asterisk_bridge.subjects.vault import SubjectVault

router = APIRouter(prefix="/v1/calls", tags=["calls"])


class Call(BaseModel):
    """One call: its outcome, times (UTC), durations in seconds, and its dialled legs."""

    node: str  # where the call began
    nodes: list[str]  # every node it crossed over Voco peer trunks, in order (node first)
    call_id: str
    disposition: str
    start: UtcTime
    end: UtcTime
    duration: int
    wait: int
    talk: int
    caller: str
    dialled: str
    answered_by: str
    legs: list[dict[str, Any]]
    records: int


class CallPage(BaseModel):
    """One page; pass ``next_cursor`` back as ``cursor`` for the next (null: the last page).
    Calls that began in the same second as the last one of a page may be on neither page."""

    items: list[Call]
    next_cursor: str | None


@router.get("", response_model=CallPage, responses=errors(400, 401, 403, 422, 429))
def calls(caller: Annotated[Caller, require("calls:read")], state: State,
          flt: Annotated[CdrFilter, Depends(cdr_filter)],
          outcome: Literal["answered", "busy", "missed", "failed"] | None = None,
          limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
          cursor_: Annotated[str | None, Query(alias="cursor", max_length=200)] = None,
          ) -> CallPage:
    """Calls with a record matching the filters (``outcome``: the call's, not a leg's)."""
    if cursor_:
        before = cursor.decode_time(cursor_)
        flt = replace(flt, until=min(before, flt.until) if flt.until else before)
        if flt.since and flt.since >= before:
            return CallPage(items=[], next_cursor=None)
    flt = resolved(state.app, flt)  # a number goes through the blind index
    found = list_calls(state.app.engine, SubjectVault(state.app.master_key), flt, outcome, limit)
    state.log(caller, "calls list", {"filter": flt.describe(), "rows": len(found)})
    nxt = cursor.encode(found[-1].start) if len(found) == limit else None
    return CallPage(items=[Call(**c.summary()) for c in found], next_cursor=nxt)
