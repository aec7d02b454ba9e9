"""Parsing Asterisk's queue_log: ``epoch|callid|queue|agent|EVENT|data1|data2|...``.

Only what agent and queue reports need is kept; ENTERQUEUE's caller ID (``url|callerid``) and
every other data field are dropped. Event meanings (app_queue's queue_log documentation):
ADDMEMBER/REMOVEMEMBER (login, logout), PAUSE/UNPAUSE (data1: reason), ENTERQUEUE (a call
offered to the queue), RINGNOANSWER (data1: ring ms), CONNECT (data1: wait s, data3: ring s),
COMPLETEAGENT/COMPLETECALLER (data1: wait s, data2: talk s), ABANDON (data3: wait s),
EXITWITHTIMEOUT/EXITEMPTY/EXITWITHKEY (data3: wait s). PAUSEALL/UNPAUSEALL are skipped: a
PAUSE/UNPAUSE line per queue follows them. ADDMEMBER/REMOVEMEMBER name the member by its
interface, the others by its member name: both become the extension number.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

#: queue_log verb -> the kind stored.
KINDS = {
    "ADDMEMBER": "login", "REMOVEMEMBER": "logout", "PAUSE": "pause", "UNPAUSE": "unpause",
    "ENTERQUEUE": "offered",
    "RINGNOANSWER": "noanswer", "CONNECT": "answered", "COMPLETEAGENT": "completed",
    "COMPLETECALLER": "completed", "ABANDON": "abandoned", "EXITWITHTIMEOUT": "timeout",
    "EXITEMPTY": "timeout", "EXITWITHKEY": "timeout",
}


_MEMBER = re.compile(r"^Local/([0-9*#+]{1,32})@voco-queue-member/n$")


def agent_of(field: str) -> str:
    """The extension a queue_log agent field names (an interface or a member name)."""
    m = _MEMBER.match(field)
    return m.group(1) if m else field[:64]


@dataclass(frozen=True)
class Line:
    """One kept queue_log line."""

    line_hash: str
    at: str
    callid: str
    queue: str
    agent: str
    kind: str
    reason: str = ""
    wait_s: int | None = None
    talk_s: int | None = None
    ring_s: int | None = None


def _int(fields: list[str], index: int) -> int | None:
    try:
        return int(fields[index])
    except (IndexError, ValueError):
        return None


def parse(raw: str) -> Line | None:
    """The kept part of one line; None for lines reports do not use or that do not parse."""
    fields = raw.rstrip("\r\n").split("|")
    if len(fields) < 5 or fields[4] not in KINDS:
        return None
    try:
        at = datetime.fromtimestamp(int(fields[0]), UTC).isoformat(timespec="seconds")
    except (ValueError, OverflowError, OSError):
        return None
    verb, data = fields[4], fields[5:]
    digest = hashlib.sha256(raw.rstrip("\r\n").encode()).hexdigest()
    base = Line(line_hash=digest, at=at, callid=fields[1][:64], queue=fields[2][:128],
                agent=agent_of(fields[3]), kind=KINDS[verb])
    if verb in ("PAUSE", "PAUSEALL"):
        return replace(base, reason=(data[0] if data else "")[:200])
    if verb == "CONNECT":
        return replace(base, wait_s=_int(data, 0), ring_s=_int(data, 2))
    if verb in ("COMPLETEAGENT", "COMPLETECALLER"):
        return replace(base, reason=verb[8:].lower(), wait_s=_int(data, 0),
                       talk_s=_int(data, 1))
    if verb == "RINGNOANSWER":
        ring_ms = _int(data, 0)
        return replace(base, ring_s=None if ring_ms is None else ring_ms // 1000)
    if verb in ("ABANDON", "EXITWITHTIMEOUT", "EXITWITHKEY", "EXITEMPTY"):
        return replace(base, wait_s=_int(data, 2))
    return base
