"""The per-session AMI event filter: Asterisk sends the bridge only the events it handles.

With ``read=all`` a short call yields about a hundred AMI events (CEL, Newexten, VarSet,
DeviceStateChange, TestEvent, ...), of which the capabilities want a handful; parsing the rest
was most of the bridge's AMI cost. Filters belong to a session and vanish with it, so the link
installs them after every login. Advanced filters (``name(X)``) match the event name exactly; a
legacy ``Filter: Event: X`` is an unanchored regex (``Event: Hangup`` also passes HangupRequest).
Only *include* filters are used: each can only let more through, so a refused one never hides
an event another filter lets through.
"""

from __future__ import annotations

from collections.abc import Iterable

ANY = "*"

#: Events the core itself needs whatever the handlers want: ``Shutdown`` ends the link as soon as
#: Asterisk announces it; panoramisk answers an ``Async: true`` Originate with its
#: ``OriginateResponse``. Answers to actions (responses, list items such as CoreShowChannel) are
#: never filtered.
CORE_EVENTS = frozenset({"Shutdown", "OriginateResponse"})

#: Passes every event: each has an ``Event`` header (used when a ``"*"`` handler arrives late).
EVERY_EVENT = "action(include),header(Event),method(none)"


def wanted_names(handler_names: frozenset[str] | None) -> frozenset[str]:
    """What the session must pass: the handlers' names plus the core's, or ``{"*"}``."""
    return frozenset({ANY}) if handler_names is None else handler_names | CORE_EVENTS


def include_actions(names: Iterable[str]) -> list[dict[str, str]]:
    """One ``Filter`` action per name, in a stable order."""
    return [{"Action": "Filter", "Operation": "Add",
             "MatchCriteria": EVERY_EVENT if name == ANY else f"action(include),name({name})",
             "Filter": ""}
            for name in sorted(names)]
