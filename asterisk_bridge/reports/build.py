"""Building a report: figures per group from the store's calls (CDRs grouped into calls) and
agent activity (queue_log), for a period.

Definitions (docs/reports.md): a call is answered if any leg was; ``wait`` is the time to
answer (answered calls), ``talk`` the connected time; ``abandoned`` counts queue callers who
hung up while waiting; service level is the share of offered calls answered within
:data:`SERVICE_LEVEL_S` seconds. Agent login time counts logged-in intervals (a login with no
logout runs to the period's end); paused time likewise; static queue members log in with the
configuration and so have no login rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from asterisk_bridge.cdr.calls import Call, list_calls
from asterisk_bridge.cdr.channel_names import endpoint
from asterisk_bridge.cdr.query import CdrFilter
from asterisk_bridge.context import App
from asterisk_bridge.reports import stats
from asterisk_bridge.reports.period import Period, grouping, period
from asterisk_bridge.store.models.agents import AgentEvent
from asterisk_bridge.subjects.vault import SubjectVault

SERVICE_LEVEL_S = 20
MOST_CALLS = 100_000


@dataclass(frozen=True)
class Chart:
    """One bar chart of a report: a bar per group for each series (columns of the rows)."""

    title: str
    series: tuple[str, ...]
    unit: str = ""


@dataclass
class Report:
    """A built report: its rows (one per group) and how to draw it."""

    kind: str
    by: str
    start: datetime
    end: datetime
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    charts: tuple[Chart, ...]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """For ``--json`` and the HTTP API."""
        return {"report": self.kind, "by": self.by, "from": self.start.isoformat(),
                "to": self.end.isoformat(), "columns": list(self.columns), "rows": self.rows,
                "notes": self.notes}


def build_report(app: App, kind: str, start: str, end: str, by: str | None = None) -> Report:
    """The *kind* report (calls, agents, queues) for [start, end), grouped *by*."""
    chosen = grouping(kind, by)
    span = period(start, end)
    if kind == "calls":
        return _calls(app.engine, SubjectVault(app.master_key), span, chosen)
    return {"agents": _agents, "queues": _queues}[kind](app.engine, span, chosen)


# --- calls ---------------------------------------------------------------------------------
CALL_COLUMNS = ("group", "calls", "answered", "missed", "abandoned", "service_level_pct",
                "wait_avg_s", "wait_p90_s", "talk_avg_s", "talk_p90_s")


def _endpoints(call: Call) -> list[str]:
    return [endpoint(ch) for leg in call.records for ch in (leg["channel"], leg["dstchannel"])
            if ch and ch.startswith("PJSIP/")]


def _call_key(by: str, queue_of: dict[str, str]) -> Callable[[Call], str]:
    def key(call: Call) -> str:
        if by == "day":
            return call.start.strftime("%Y-%m-%d")
        if by == "hour":
            return call.start.strftime("%H:00")
        if by == "queue":
            return next((queue_of[r["uniqueid"]] for r in call.records
                         if r["uniqueid"] in queue_of), "(no queue)")
        trunks = [e for leg in call.records for ch in (leg["channel"], leg["dstchannel"])
                  if ch.startswith("PJSIP/trunk-") for e in [endpoint(ch)]]
        if by == "trunk":
            return trunks[0] if trunks else "(internal)"
        extensions = [e for e in _endpoints(call) if e not in trunks]
        return extensions[0] if extensions else "(none)"
    return key


def _calls(engine: Engine, vault: SubjectVault, span: Period, by: str) -> Report:
    calls = [c for c in list_calls(engine, vault, CdrFilter(since=span.start, until=span.end),
                                   limit=MOST_CALLS) if span.start <= c.start < span.end]
    events = _events(engine, span, ("offered", "abandoned"))
    queue_of = {e.callid: e.queue for e in events if e.kind == "offered"}
    abandoned = {e.callid for e in events if e.kind == "abandoned"}
    groups: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        groups[_call_key(by, queue_of)(call)].append(call)
    rows = []
    for name in sorted(groups):
        members = groups[name]
        answered = [c for c in members if c.disposition == "answered"]
        waits = [c.wait for c in answered]
        talks = [c.talk for c in answered]
        quick = sum(1 for w in waits if w <= SERVICE_LEVEL_S)
        rows.append({"group": name, "calls": len(members), "answered": len(answered),
                     "missed": len(members) - len(answered),
                     "abandoned": sum(1 for c in members if any(
                         r["uniqueid"] in abandoned for r in c.records)),
                     "service_level_pct": stats.share(quick, len(members)),
                     "wait_avg_s": stats.mean(waits), "wait_p90_s": stats.percentile(waits, 90),
                     "talk_avg_s": stats.mean(talks),
                     "talk_p90_s": stats.percentile(talks, 90)})
    return Report("calls", by, span.start, span.end, CALL_COLUMNS, rows, (
        Chart("Calls", ("answered", "missed", "abandoned")),
        Chart("Wait and talk (average, seconds)", ("wait_avg_s", "talk_avg_s"), "s")))


# --- agent activity ----------------------------------------------------------------------
def _aware(at: str) -> datetime:
    return datetime.fromisoformat(at).astimezone(UTC).replace(tzinfo=None)


def _events(engine: Engine, span: Period, kinds: Iterable[str] | None = None,
            since_ever: bool = False) -> list[AgentEvent]:
    """Agent events in the period (from the beginning for state-carrying kinds)."""
    lo = span.start.replace(tzinfo=UTC).isoformat(timespec="seconds")
    hi = span.end.replace(tzinfo=UTC).isoformat(timespec="seconds")
    query = select(AgentEvent).where(AgentEvent.at < hi).order_by(AgentEvent.at, AgentEvent.id)
    if not since_ever:
        query = query.where(AgentEvent.at >= lo)
    if kinds is not None:
        query = query.where(AgentEvent.kind.in_(tuple(kinds)))
    with engine.connect() as conn:
        return [AgentEvent(**dict(r)) for r in conn.execute(query).mappings()]


def _intervals(events: Sequence[AgentEvent], on: str, off: str, span: Period,
               ) -> dict[tuple[str, str], int]:
    """Seconds inside *span* between each (agent, queue)'s *on* and *off* events. A pause
    without a queue (PAUSEALL) counts for the agent in every queue (queue ``ALL``)."""
    opened: dict[tuple[str, str], datetime] = {}
    total: dict[tuple[str, str], int] = defaultdict(int)
    for e in events:
        key = (e.agent, e.queue)
        if e.kind == on and key not in opened:
            opened[key] = _aware(e.at)
        elif e.kind == off and key in opened:
            total[key] += stats.overlap_s(opened.pop(key), _aware(e.at), span.start, span.end)
    last = min(span.end, datetime.now(UTC).replace(tzinfo=None))
    for key, since in opened.items():
        total[key] += stats.overlap_s(since, last, span.start, span.end)
    return total


AGENT_COLUMNS = ("group", "offered", "answered", "missed", "login_s", "paused_s",
                 "wait_avg_s", "talk_avg_s", "talk_p90_s")


def _agents(engine: Engine, span: Period, by: str) -> Report:
    state = _events(engine, span, ("login", "logout", "pause", "unpause"), since_ever=True)
    logged = _intervals(state, "login", "logout", span)
    paused = _intervals(state, "pause", "unpause", span)
    calls = [e for e in _events(engine, span, ("answered", "noanswer", "completed"))
             if e.agent not in ("", "NONE")]

    def key(agent: str, queue: str, at: str | None = None) -> str:
        if by == "day" and at is not None:
            return _aware(at).strftime("%Y-%m-%d")
        return queue if by == "queue" else agent

    rows_by: dict[str, dict[str, Any]] = {}

    def row(name: str) -> dict[str, Any]:
        return rows_by.setdefault(name, {"group": name, "offered": 0, "answered": 0,
                                         "missed": 0, "login_s": 0, "paused_s": 0,
                                         "_waits": [], "_talks": []})

    for (agent, queue), secs in logged.items():
        row(key(agent, queue, None if by != "day" else span.start.isoformat()))["login_s"] \
            += secs
    for (agent, queue), secs in paused.items():
        row(key(agent, queue, None if by != "day" else span.start.isoformat()))["paused_s"] \
            += secs
    for e in calls:
        r = row(key(e.agent, e.queue, e.at))
        if e.kind == "answered":
            r["offered"] += 1
            r["answered"] += 1
            if e.wait_s is not None:
                r["_waits"].append(e.wait_s)
        elif e.kind == "noanswer":
            r["offered"] += 1
            r["missed"] += 1
        elif e.talk_s is not None:
            r["_talks"].append(e.talk_s)
    rows = []
    for name in sorted(rows_by):
        r = rows_by[name]
        waits, talks = r.pop("_waits"), r.pop("_talks")
        r.update(wait_avg_s=stats.mean(waits), talk_avg_s=stats.mean(talks),
                 talk_p90_s=stats.percentile(talks, 90))
        rows.append(r)
    notes = ["members provisioned with 'voco queue member add' are logged in by the "
             "configuration: they have no login time"]
    if by == "day":
        notes.append("login and paused time are counted on the period's first day")
    return Report("agents", by, span.start, span.end, AGENT_COLUMNS, rows, (
        Chart("Calls per agent", ("answered", "missed")),
        Chart("Logged in and paused (seconds)", ("login_s", "paused_s"), "s")), notes)


QUEUE_COLUMNS = ("group", "offered", "answered", "abandoned", "timeout", "service_level_pct",
                 "wait_avg_s", "wait_p90_s", "talk_avg_s", "talk_p90_s")


def _queues(engine: Engine, span: Period, by: str) -> Report:
    events = _events(engine, span, ("offered", "answered", "abandoned", "timeout",
                                    "completed"))

    def key(e: AgentEvent) -> str:
        moment = _aware(e.at)
        return {"queue": e.queue, "day": moment.strftime("%Y-%m-%d"),
                "hour": moment.strftime("%H:00")}[by]

    grouped: dict[str, list[AgentEvent]] = defaultdict(list)
    for e in events:
        grouped[key(e)].append(e)
    rows = []
    for name in sorted(grouped):
        evs = grouped[name]
        offered = [e for e in evs if e.kind == "offered"]
        answered = [e for e in evs if e.kind == "answered"]
        waits = [e.wait_s for e in answered if e.wait_s is not None]
        talks = [e.talk_s for e in evs if e.kind == "completed" and e.talk_s is not None]
        rows.append({"group": name, "offered": len(offered), "answered": len(answered),
                     "abandoned": sum(1 for e in evs if e.kind == "abandoned"),
                     "timeout": sum(1 for e in evs if e.kind == "timeout"),
                     "service_level_pct": stats.share(
                         sum(1 for w in waits if w <= SERVICE_LEVEL_S), len(offered)),
                     "wait_avg_s": stats.mean(waits), "wait_p90_s": stats.percentile(waits, 90),
                     "talk_avg_s": stats.mean(talks),
                     "talk_p90_s": stats.percentile(talks, 90)})
    return Report("queues", by, span.start, span.end, QUEUE_COLUMNS, rows, (
        Chart("Queue calls", ("answered", "abandoned", "timeout")),
        Chart("Wait (seconds)", ("wait_avg_s", "wait_p90_s"), "s")))
