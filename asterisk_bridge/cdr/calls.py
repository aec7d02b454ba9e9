"""Calls, not just legs: CDR records grouped into the conversations a person would name.

Grouping (transitive, union-find):
- records with the same node and linkedid belong together (Asterisk propagates the linkedid to
  every channel a call creates, including the consultation leg of an attended transfer);
- records of the same node that share a channel name (as channel or dstchannel) while their
  times overlap belong together too; the overlap check matters because channel-name counters
  restart with Asterisk, so the same name can come back days later for an unrelated call;
- a record whose accountcode is ``voco:<node>/<linkedid>`` belongs with that node's linkedid: a
  call that crossed a Voco peer trunk, whose receiving node's dialplan recorded the sending
  node's X-Voco-Call header there (docs/multinode.md). So one call can span nodes: ``node`` and
  ``call_id`` are where it began (followed back from mark to mark, not by the nodes' clocks),
  ``nodes`` every node it has records on, that one first; ``answered_by`` is the answered leg
  on the furthest of them.

Figures, over the group's *dialled legs* (records with a destination channel: one per
party A / party B pairing; records without one, such as the far half of a Local channel or the
tail a caller's channel leaves after Dial, are kept as records but are not legs):
- disposition: ``answered`` if any leg was answered (a queue call rung at several agents, one
  answering, is one answered call; the unanswered attempts are legs with NO ANSWER, not extra
  calls); else ``busy`` if any leg was busy; else ``missed`` if any leg rang unanswered; else
  ``failed``. A call with no dialled leg (IVR, voicemail) takes its records' outcome.
- ``start``/``end``: earliest start, latest end of all records; ``duration`` = end - start.
- ``talk``: the length of the union of the answered legs' [answer, end] spans, so overlapping
  legs of a transfer count once; ``wait`` = first answer - start. Asking for recording consent
  never answers a line (docs/recording-consent.md), so these stay true with a recording rule.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, or_, select

from asterisk_bridge.cdr.choices import CALL_DISPOSITIONS
from asterisk_bridge.cdr.query import CdrFilter
from asterisk_bridge.cdr.sealing import open_rows
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.subjects.vault import SubjectVault

LEG_TO_CALL = {"ANSWERED": "answered", "BUSY": "busy", "NO ANSWER": "missed",
               "FAILED": "failed", "CONGESTION": "failed"}
OVERLAP_SLACK = timedelta(seconds=1)  # Master.csv times are whole seconds
Leg = Mapping[str, Any]
#: The accountcode a receiving node's dialplan sets on a call in from a Voco peer trunk.
PEER_MARK = "voco:"
_PEER_LINK = re.compile(r"voco:([A-Za-z0-9][A-Za-z0-9_.-]*)/([A-Za-z0-9][A-Za-z0-9._-]*)")
PEER_HOPS = 8  # peer trunks one call may cross in a row (A -> B -> C ...) and still be joined


def peer_link(accountcode: str) -> tuple[str, str] | None:
    """The (node, linkedid) a record's accountcode names as its call's origin, if it does."""
    found = _PEER_LINK.fullmatch(accountcode or "")
    return (found.group(1), found.group(2)) if found else None


def peer_mark(node: str, linkedid: str) -> str:
    """The accountcode the other node's records of the call (node, linkedid) carry."""
    return f"{PEER_MARK}{node}/{linkedid}"


@dataclass
class Call:
    """One conversation."""

    node: str
    call_id: str  # linkedid of its earliest record
    disposition: str
    start: datetime
    end: datetime
    answer: datetime | None
    caller: str
    dialled: str
    answered_by: str
    legs: list[Leg] = field(default_factory=list)  # dialled legs, in start order
    records: list[Leg] = field(default_factory=list)  # every CDR record, in start order
    nodes: list[str] = field(default_factory=list)  # where it began, then where it went

    @property
    def duration(self) -> int:
        """Seconds from the first start to the last end."""
        return round((self.end - self.start).total_seconds())

    @property
    def wait(self) -> int:
        """Seconds until first answered (0 if never)."""
        return round((self.answer - self.start).total_seconds()) if self.answer else 0

    @property
    def talk(self) -> int:
        """Seconds during which at least one answered leg was connected."""
        spans = sorted((leg["answer"], leg["end"]) for leg in self.legs
                       if leg["disposition"] == "ANSWERED" and leg["answer"])
        total = timedelta()
        cur_start: datetime | None = None
        cur_end: datetime | None = None
        for s, e in spans:
            if cur_end is None or s > cur_end:
                if cur_start is not None and cur_end is not None:
                    total += cur_end - cur_start
                cur_start, cur_end = s, e
            else:
                cur_end = max(cur_end, e)
        if cur_start is not None and cur_end is not None:
            total += cur_end - cur_start
        return round(total.total_seconds())

    @property
    def consent(self) -> str:
        """What recording consent came to, as the dialplan set it in the CDR (``off``: no rule
        records this call; ``given``, ``not-asked``, ``declined-caller``, ``timeout-caller``,
        ...); empty when no record says (a record imported only from Master.csv)."""
        return next((str(r["consent"]) for r in self.records if r.get("consent")), "")

    def summary(self) -> dict[str, Any]:
        """JSON-friendly view."""
        return {
            "node": self.node, "nodes": self.nodes, "call_id": self.call_id,
            "disposition": self.disposition,
            "start": self.start.isoformat(), "end": self.end.isoformat(),
            "duration": self.duration, "wait": self.wait, "talk": self.talk,
            "caller": self.caller, "dialled": self.dialled, "answered_by": self.answered_by,
            "consent": self.consent,
            "legs": [{"node": leg["node"], "channel": leg["channel"],
                      "dstchannel": leg["dstchannel"],
                      "disposition": leg["disposition"], "start": leg["start"].isoformat(),
                      "billsec": leg["billsec"], "uniqueid": leg["uniqueid"],
                      "sequence": leg["sequence"]} for leg in self.legs],
            "records": len(self.records),
        }


class _Groups:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _overlap(a: Leg, b: Leg) -> bool:
    return bool(a["start"] <= b["end"] + OVERLAP_SLACK and b["start"] <= a["end"] + OVERLAP_SLACK)


def group_calls(records: Sequence[Leg]) -> list[Call]:
    """Group CDR records (dicts with the ``cdr`` columns) into calls, in start order."""
    groups = _Groups(len(records))
    first_of_linkedid: dict[tuple[str, str], int] = {}
    by_channel: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        key = (rec["node"], rec["linkedid"])
        if key in first_of_linkedid:
            groups.union(first_of_linkedid[key], i)
        else:
            first_of_linkedid[key] = i
        for chan in {rec["channel"], rec["dstchannel"]} - {""}:
            for j in by_channel[(rec["node"], chan)]:
                if _overlap(records[j], rec):
                    groups.union(j, i)
            by_channel[(rec["node"], chan)].append(i)
    for i, rec in enumerate(records):
        origin = peer_link(rec["accountcode"])
        if origin in first_of_linkedid:
            groups.union(first_of_linkedid[origin], i)
    members: dict[int, list[Leg]] = defaultdict(list)
    for i, rec in enumerate(records):
        members[groups.find(i)].append(rec)
    calls = [_build(sorted(m, key=lambda r: (r["start"], r["sequence"])))
             for m in members.values()]
    return sorted(calls, key=lambda c: (c.start, c.call_id))


def _origin(recs: list[Leg]) -> tuple[str, str] | None:
    """The (node, linkedid) a call that crossed Voco peer trunks began as: followed back from
    mark to mark, so it does not depend on the nodes' clocks agreeing."""
    keys = {(r["node"], r["linkedid"]) for r in recs}
    back: dict[tuple[str, str], tuple[str, str]] = {}
    for r in recs:
        came_from = peer_link(r["accountcode"])
        if came_from in keys and came_from != (r["node"], r["linkedid"]):
            back[(r["node"], r["linkedid"])] = came_from
    if not back:
        return None
    at, seen = next(iter(back)), set()
    while at in back and at not in seen:
        seen.add(at)
        at = back[at]
    return at


def _build(recs: list[Leg]) -> Call:
    legs = [r for r in recs if r["dstchannel"]]
    basis = legs or recs
    outcomes = {LEG_TO_CALL.get(r["disposition"], "failed") for r in basis}
    disposition = next((d for d in CALL_DISPOSITIONS if d in outcomes), "failed")
    answered = [r for r in basis if r["disposition"] == "ANSWERED" and r["answer"]]
    origin = _origin(recs)
    first = next((r for r in basis if (r["node"], r["linkedid"]) == origin), basis[0])
    nodes = list(dict.fromkeys([first["node"], *(str(r["node"]) for r in recs)]))
    # Across nodes, who answered is on the furthest node with an answered leg (node A's leg
    # to the peer trunk was answered because node B's phone was).
    reach = {n: i for i, n in enumerate(nodes)}
    by = min(answered, key=lambda r: -reach[r["node"]]) if answered and legs else None
    return Call(
        node=first["node"], call_id=origin[1] if origin else recs[0]["linkedid"],
        disposition=disposition,
        start=min(r["start"] for r in recs), end=max(r["end"] for r in recs),
        answer=min((r["answer"] for r in answered), default=None),
        caller=first["src"], dialled=first["dst"],
        answered_by=by["dstchannel"] if by else "",
        legs=legs, records=recs, nodes=nodes,
    )


def list_calls(engine: Engine, vault: SubjectVault, flt: CdrFilter,
               disposition: str | None = None, limit: int = 100) -> list[Call]:
    """The newest ``limit`` calls with a record matching ``flt`` (and the call disposition),
    their records' personal values opened."""
    if disposition is not None and disposition not in CALL_DISPOSITIONS:
        raise ValidationError(f"disposition: {disposition!r} is not one of "
                              f"{', '.join(CALL_DISPOSITIONS)}")
    if not 1 <= limit <= 100_000:
        raise ValidationError("limit: must be between 1 and 100000")
    c = CdrRecord
    # Over-fetch linkedids when filtering on the call disposition, which SQL cannot see.
    fetch = limit * (4 if disposition else 1)
    with engine.connect() as conn:
        keys = conn.execute(
            select(c.node, c.linkedid).where(flt.clause()).group_by(c.node, c.linkedid)
            .order_by(func.min(c.start).desc()).limit(fetch)
        ).all()
        records: dict[int, dict[str, Any]] = {}
        for rec in _fetch(conn, vault, _groups(keys)):
            records[rec["id"]] = rec
        # One round of "shares a channel" across linkedids (transfers between calls).
        chans = {(r["node"], ch) for r in records.values() for ch in (r["channel"],
                                                                       r["dstchannel"]) if ch}
        chan_list = sorted(chans)
        for i in range(0, len(chan_list), 500):
            names = [ch for _, ch in chan_list[i:i + 500]]
            for rec in _fetch(conn, vault, [or_(c.channel.in_(names), c.dstchannel.in_(names))]):
                if (rec["node"], rec["channel"]) in chans or (rec["node"], rec["dstchannel"]) \
                        in chans:
                    records.setdefault(rec["id"], rec)
        _add_peer_halves(conn, vault, records, {(n, lid) for n, lid in keys})
    selected = {(n, lid) for n, lid in keys}
    calls = [call for call in group_calls(list(records.values()))
             if any((r["node"], r["linkedid"]) in selected for r in call.records)]
    if disposition:
        calls = [call for call in calls if call.disposition == disposition]
    return sorted(calls, key=lambda call: call.start, reverse=True)[:limit]


def _groups(keys: Iterable[tuple[str, str]]) -> list[ColumnElement[bool]]:
    """One clause per 500 (node, linkedid) pairs: every record of those calls on those nodes."""
    c = CdrRecord
    pairs = sorted(keys)
    return [or_(*[(c.node == n) & (c.linkedid == lid) for n, lid in pairs[i:i + 500]])
            for i in range(0, len(pairs), 500)]


def _fetch(conn: Connection, vault: SubjectVault, clauses: Iterable[ColumnElement[bool]]
           ) -> list[dict[str, Any]]:
    """The records matching each clause, their personal values opened."""
    cols = CdrRecord.__table__.columns
    return [rec for clause in clauses
            for rec in open_rows(conn, vault, conn.execute(select(*cols).where(clause)).mappings())]


def _add_peer_halves(conn: Connection, vault: SubjectVault, records: dict[int, dict[str, Any]],
                     whole: set[tuple[str, str]]) -> None:
    """Add the other nodes' records of calls that crossed a Voco peer trunk, both ways: the
    calls these records name as their origin, and the calls whose records name these.

    ``whole`` holds the (node, linkedid) calls whose records are all in ``records`` already.
    Skipped at the cost of one index probe when no record names an origin at all (one node, or
    no peer trunk ever used)."""
    c = CdrRecord
    if conn.execute(select(c.id).where(c.accountcode >= PEER_MARK,
                                       c.accountcode < PEER_MARK[:-1] + ";").limit(1)).first() \
            is None:
        return
    asked: set[str] = set()
    for _ in range(PEER_HOPS):
        here = {(r["node"], r["linkedid"]) for r in records.values()}
        origins = {o for r in records.values() if (o := peer_link(r["accountcode"]))}
        marks = sorted({peer_mark(n, lid) for n, lid in here} - asked)
        asked.update(marks)
        found = _fetch(conn, vault, [c.accountcode.in_(marks[i:i + 500])
                                     for i in range(0, len(marks), 500)])
        # A call found by its mark, or named as an origin, is fetched whole.
        todo = (origins | {(r["node"], r["linkedid"]) for r in found}) - whole
        whole |= todo
        found += _fetch(conn, vault, _groups(todo))
        new = [r for r in found if r["id"] not in records]
        if not new:
            return
        for rec in new:
            records[rec["id"]] = rec
