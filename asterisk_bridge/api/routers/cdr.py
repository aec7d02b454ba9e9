"""``/v1/cdr``: CDR records (one per Asterisk CDR), newest first, by cursor pages; deletion
where the token is scoped for it (legal holds refuse it)."""

from __future__ import annotations

import io
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel

from asterisk_bridge.api import cursor
from asterisk_bridge.api.access import State, require
from asterisk_bridge.api.problems import ApiProblem, errors
from asterisk_bridge.api.times import UtcTime
from asterisk_bridge.api.tokens import Caller
from asterisk_bridge.cdr import export
from asterisk_bridge.cdr.erase import delete_cdrs
from asterisk_bridge.cdr.query import CdrFilter, page_cdrs, resolved
from asterisk_bridge.subjects.vault import SubjectVault

router = APIRouter(prefix="/v1/cdr", tags=["cdr"])
MAX_PAGE = 500
Text = Annotated[str | None, Query(max_length=64)]


class Cdr(BaseModel):
    """One CDR record; times are UTC."""

    id: int
    node: str
    uniqueid: str
    sequence: int
    linkedid: str
    accountcode: str
    src: str
    dst: str
    dcontext: str
    clid: str
    channel: str
    dstchannel: str
    lastapp: str
    lastdata: str
    start: UtcTime
    answer: UtcTime | None
    end: UtcTime
    duration: int
    billsec: int
    disposition: str
    amaflags: str
    userfield: str
    peeraccount: str
    rec_id: str | None
    consent: str | None
    origin: str
    stored_at: UtcTime


class CdrPage(BaseModel):
    """One page; pass ``next_cursor`` back as ``cursor`` for the next (null: the last page)."""

    items: list[Cdr]
    next_cursor: str | None


def cdr_filter(since: Text = None, until: Text = None, number: Text = None,
               extension: Text = None, disposition: Text = None, node: Text = None
               ) -> CdrFilter:
    """The filters shared with 'voco cdr list' (validated by the same code)."""
    return CdrFilter.build(since=since, until=until, number=number, extension=extension,
                           disposition=disposition, node=node)


@router.get("", response_model=CdrPage, responses={
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
    **errors(400, 401, 403, 422, 429)})
def list_cdrs(caller: Annotated[Caller, require("cdr:read")], state: State,
              flt: Annotated[CdrFilter, Depends(cdr_filter)],
              limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
              cursor_: Annotated[str | None, Query(alias="cursor", max_length=200)] = None,
              fmt: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
              ) -> CdrPage | Response:
    """CDR records matching the filters, newest first; CSV with ``format=csv`` (the next
    cursor is then in the ``X-Next-Cursor`` header)."""
    before = cursor.decode_keyset(cursor_) if cursor_ else None
    flt = resolved(state.app, flt)  # a number goes through the blind index
    rows = page_cdrs(state.app.engine, SubjectVault(state.app.master_key), flt, limit, before)
    nxt = cursor.encode(rows[-1]["start"], rows[-1]["id"]) if len(rows) == limit else None
    state.log(caller, "cdr list", {"filter": flt.describe(), "rows": len(rows)})
    if fmt == "csv":
        out = io.StringIO()
        export.write(rows, "csv", out)
        return Response(out.getvalue(), media_type="text/csv",
                        headers={"X-Next-Cursor": nxt} if nxt else None)
    return CdrPage(items=[Cdr(**r) for r in rows], next_cursor=nxt)


class Deleted(BaseModel):
    """What a deletion removed."""

    deleted: int


@router.delete("/{cdr_id}", response_model=Deleted, responses=errors(400, 401, 403, 404, 409,
                                                                     422, 429))
def delete_cdr(cdr_id: Annotated[int, Path(ge=1, le=2**62)],
               reason: Annotated[str, Query(min_length=1, max_length=500)],
               caller: Annotated[Caller, require("cdr:delete")],
               state: State) -> Deleted:
    """Delete one CDR record for good (a tombstone stays); a legal hold refuses it (409)."""
    n = delete_cdrs(state.app, CdrFilter.build(ids=(cdr_id,)), reason,
                    f"api token {caller.name}")
    state.log(caller, "cdr delete", {"id": cdr_id, "deleted": n})
    if not n:
        raise ApiProblem(404, f"CDR {cdr_id} does not exist")
    return Deleted(deleted=n)
