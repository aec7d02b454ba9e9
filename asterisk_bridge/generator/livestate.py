"""Prove after a reload that what Asterisk enforces is what Voco rendered, kind by kind.

A successful reload and a live sentinel show that Asterisk read the new files; they do not show
that state from older files is gone, and some of it outlives a reload: a global removed from
extensions.conf keeps its value (``clearglobalvars=no``, Debian's default), a PJSIP transport
keeps its old address until a restart. So after every apply Voco reads back each kind of state it
renders and compares it with the files:

- ``globals``: every ``VOCO_*`` global (an empty one counts as unset, as in the dialplan);
- ``dialplan``: each context's extensions and includes (Voco's ``voco-*`` contexts, and every
  context the files define, ``#include``\\ d files too);
- ``pjsip``: endpoints, AORs, auths, outbound registrations, transports (their bind address) and
  identify objects (their endpoint and networks);
- ``features``: the applicationmap's feature codes;
- ``queues``: each queue and its members.

Only names, networks and codes are compared, never secrets (PJSIP auths are listed with the CLI,
which shows no password). :func:`clear_stale_globals` empties ``VOCO_*`` globals the files no
longer define: AMI cannot delete a global, and empty is what the dialplan reads as unset.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from asterisk_bridge.bridge.amiclient import AmiSession
from asterisk_bridge.generator.conffile import Section, first_field, sections
from asterisk_bridge.generator.diff import secret_global

Files = Mapping[str, str]
State = dict[str, str]
GLOBAL_PREFIX = "VOCO_"
CONTEXT_PREFIX = "voco-"
_GLOBAL_LINE = re.compile(r"\s+([A-Za-z0-9_]+)=(.*)")
#: PJSIP object types listed by AMI (action, event); auths and transports are listed with the CLI
#: instead, which shows no password.
_PJSIP_AMI = {"endpoint": ("PJSIPShowEndpoints", "EndpointList"),
              "aor": ("PJSIPShowAors", "AorList"),
              "registration": ("PJSIPShowRegistrationsOutbound", "OutboundRegistrationDetail")}
_PJSIP_CLI = {"auth": "Auth", "transport": "Transport"}


@dataclass(frozen=True)
class Kind:
    """One kind of state: what the rendered files say and what Asterisk reports, as
    ``{key: value}``; ``owned(key)`` says whether a live key absent from the files is Voco's."""

    name: str
    file: str
    expected: Callable[[list[Section]], State]
    live: Callable[[AmiSession], Awaitable[State]]
    owned: Callable[[str], bool]
    hint: Callable[[str], str] = lambda _key: ""


# --- globals -------------------------------------------------------------------------------------
def _expected_globals(secs: list[Section]) -> State:
    return {k: v for s in secs if s.name == "globals" for k, v in s.options if v}


async def _live_globals(ami: AmiSession) -> State:
    return {k: v for k, v in (await _all_globals(ami)).items() if v}


async def _all_globals(ami: AmiSession) -> State:
    found: State = {}
    for line in (await ami.command("dialplan show globals")).splitlines():
        m = _GLOBAL_LINE.fullmatch(line.rstrip())
        if m:
            found[m.group(1)] = m.group(2)
    return found


# --- dialplan ------------------------------------------------------------------------------------
def _shape(extensions: set[str], includes: set[str]) -> str:
    return f"extensions {' '.join(sorted(extensions)) or '-'}; includes " \
           f"{' '.join(sorted(includes)) or '-'}"


def _expected_dialplan(secs: list[Section]) -> State:
    contexts: dict[str, tuple[set[str], set[str]]] = {}
    for s in secs:
        if s.name in ("general", "globals"):
            continue
        exts, incs = contexts.setdefault(s.name, (set(), set()))
        exts.update(first_field(v) for v in s.values("exten"))
        incs.update(s.values("include"))
    return {name: _shape(*parts) for name, parts in contexts.items() if parts[0] or parts[1]}


async def _live_dialplan(ami: AmiSession) -> State:
    answer: Any = await ami.action({"Action": "ShowDialPlan"}, timeout=60)
    contexts: dict[str, tuple[set[str], set[str]]] = {}
    for m in answer if isinstance(answer, list) else [answer]:
        if m.get("Event") != "ListDialplan" or m.get("Registrar") != "pbx_config":
            continue
        exts, incs = contexts.setdefault(m.get("Context", ""), (set(), set()))
        if m.get("IncludeContext"):
            incs.add(m["IncludeContext"])
        elif m.get("Extension"):
            exts.add(m["Extension"])
    return {name: _shape(*parts) for name, parts in contexts.items()}


# --- pjsip ---------------------------------------------------------------------------------------
def _expected_pjsip(secs: list[Section]) -> State:
    found: State = {}
    for s in secs:
        kind = s.get("type")
        if kind == "identify":
            found[f"identify {s.name}"] = _identify(s.get("endpoint") or "", s.values("match"))
        elif kind == "transport":
            bind = s.get("bind") or ""
            if s.get("protocol") in ("ws", "wss") and bind.rsplit("]", 1)[-1].count(":") == 0:
                bind += ":5060"  # how PJSIP lists it; the HTTP server does the listening
            found[f"transport {s.name}"] = bind
        elif kind in _PJSIP_AMI or kind in _PJSIP_CLI:
            found[f"{kind} {s.name}"] = ""
    return found


def _identify(endpoint: str, matches: list[str]) -> str:
    return f"endpoint {endpoint}; match {' '.join(sorted(matches))}"


_LISTED = re.compile(r"\s*(Auth|Transport|Identify|Match):\s+(.*)")


async def _live_pjsip(ami: AmiSession) -> State:
    found: State = {}
    for kind, (action, event) in _PJSIP_AMI.items():
        answer: Any = await ami.action({"Action": action}, timeout=30)
        found.update({f"{kind} {m['ObjectName']}": ""
                      for m in (answer if isinstance(answer, list) else [answer])
                      if m.get("Event") == event and m.get("ObjectName")})
    for kind, label in _PJSIP_CLI.items():
        for line in (await ami.command(f"pjsip list {kind}s")).splitlines():
            m = _LISTED.fullmatch(line.rstrip())
            if m and m.group(1) == label and not m.group(2).startswith("<"):
                name, *rest = m.group(2).split()
                value = rest[-1] if kind == "transport" and rest else ""
                found[f"{kind} {name.split('/', 1)[0]}"] = value
    identifies: dict[str, tuple[str, list[str]]] = {}
    current: tuple[str, list[str]] | None = None
    for line in (await ami.command("pjsip show identifies")).splitlines():
        m = _LISTED.fullmatch(line.rstrip())
        if not m or m.group(2).startswith("<"):
            continue
        if m.group(1) == "Identify":
            name, _, endpoint = m.group(2).strip().partition("/")
            current = identifies[name] = (endpoint, [])
        elif m.group(1) == "Match" and current is not None:
            current[1].extend(m.group(2).split(","))
    found.update({f"identify {name}": _identify(endpoint, matches)
                  for name, (endpoint, matches) in identifies.items()})
    return found


# --- features ------------------------------------------------------------------------------------
def _expected_features(secs: list[Section]) -> State:
    return {k: first_field(v) for s in secs if s.name == "applicationmap" for k, v in s.options}


async def _live_features(ami: AmiSession) -> State:
    found: State = {}
    table = False
    for line in (await ami.command("features show")).splitlines():
        if line.startswith("Dynamic Feature"):
            table = True
        elif table and not line.strip():
            break
        elif table and not line.startswith("-"):
            words = line.split()
            found[words[0]] = words[-1]
    return found


# --- queues --------------------------------------------------------------------------------------
def _expected_queues(secs: list[Section]) -> State:
    return {s.name: " ".join(sorted(v.split(",", 1)[0] for v in s.values("member")))
            for s in secs if s.name != "general"}


async def _live_queues(ami: AmiSession) -> State:
    answer: Any = await ami.action({"Action": "QueueStatus"}, timeout=30)
    members: dict[str, list[str]] = {}
    for m in answer if isinstance(answer, list) else [answer]:
        if m.get("Event") == "QueueParams":
            members.setdefault(m.get("Queue", ""), [])
        elif m.get("Event") == "QueueMember" and m.get("Membership") != "dynamic":
            # agents logged in ('voco agent login', *45) are not configuration
            members.setdefault(m.get("Queue", ""), []).append(
                m.get("Location") or m.get("Interface", ""))
    return {q: " ".join(sorted(ms)) for q, ms in members.items()}


KINDS = (
    Kind("globals", "extensions.conf", _expected_globals, _live_globals,
         lambda k: k.startswith(GLOBAL_PREFIX)),
    Kind("dialplan", "extensions.conf", _expected_dialplan, _live_dialplan,
         lambda k: k.startswith(CONTEXT_PREFIX)),
    Kind("pjsip", "pjsip.conf", _expected_pjsip, _live_pjsip, lambda k: True,
         lambda k: " (PJSIP changes a transport only when Asterisk restarts)"
         if k.startswith("transport ") else ""),
    Kind("features", "features.conf", _expected_features, _live_features, lambda k: True),
    Kind("queues", "queues.conf", _expected_queues, _live_queues, lambda k: True),
)


def _compare(kind: Kind, expected: State, live: State) -> list[str]:
    problems = []
    for key in sorted(set(expected) | {k for k in live if kind.owned(k)}):
        want, have = expected.get(key), live.get(key)
        if want == have:
            continue
        if have is None:
            problems.append(f"{kind.name}: {key} is rendered but missing in Asterisk")
        elif want is None:
            shown = "" if secret_global(key) else f" ({have})"
            problems.append(f"{kind.name}: {key} is still live in Asterisk but no longer "
                            f"rendered{shown}")
        elif secret_global(key):
            problems.append(f"{kind.name}: {key} in Asterisk is not the rendered secret")
        else:
            problems.append(f"{kind.name}: {key} is {have!r} in Asterisk but {want!r} in "
                            f"the rendered files{kind.hint(key)}")
    return problems


async def differences(ami: AmiSession, files: Files,
                      include: Callable[[str], str | None] = lambda _name: None) -> list[str]:
    """Every mismatch between *files* and Asterisk's live state, one line each.

    *include* returns the text of a file that a rendered file ``#include``\\ s (None if absent).
    """
    problems: list[str] = []
    for kind in KINDS:
        if kind.file in files:
            expected = kind.expected(sections(files[kind.file], include))
            problems += _compare(kind, expected, await kind.live(ami))
    return problems


async def clear_stale_globals(ami: AmiSession, files: Files,
                              include: Callable[[str], str | None] = lambda _name: None,
                              ) -> list[str]:
    """Empty every non-empty ``VOCO_*`` global that *files* no longer define; return the names."""
    if "extensions.conf" not in files:
        return []
    rendered = {k for s in sections(files["extensions.conf"], include) if s.name == "globals"
                for k, _ in s.options}
    stale = sorted(k for k, v in (await _all_globals(ami)).items()
                   if v and k.startswith(GLOBAL_PREFIX) and k not in rendered)
    for name in stale:
        await ami.action({"Action": "Setvar", "Variable": name, "Value": ""})
    return stale
