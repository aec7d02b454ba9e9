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


def filter_spec(name: str, header: str, value: str) -> str:
    """``Name:Header=Value``: pass only ``name`` events whose ``header`` is exactly ``value``
    (e.g. the one VarSet of the ~25 per call that the recording store needs)."""
    return f"{name}:{header}={value}"


def wanted_names(handler_names: frozenset[str] | None) -> frozenset[str]:
    """What the session must pass: the handlers' specs plus the core's names, or ``{"*"}``."""
    return frozenset({ANY}) if handler_names is None else handler_names | CORE_EVENTS


def matches(spec: str, name: str, header_value: str | None) -> bool:
    """Whether an event called ``name`` (with ``header_value`` for the spec's header) passes."""
    event, _, condition = spec.partition(":")
    if spec == ANY or event != name:
        return spec == ANY
    return not condition or condition.partition("=")[2] == header_value


def include_actions(specs: Iterable[str]) -> list[dict[str, str]]:
    """One ``Filter`` action per spec, in a stable order."""
    return [_action(spec) for spec in sorted(specs)]


def _action(spec: str) -> dict[str, str]:
    if spec == ANY:
        return {"Action": "Filter", "Operation": "Add", "MatchCriteria": EVERY_EVENT,
                "Filter": ""}
    name, _, condition = spec.partition(":")
    if not condition:
        return {"Action": "Filter", "Operation": "Add",
                "MatchCriteria": f"action(include),name({name})", "Filter": ""}
    header, _, value = condition.partition("=")
    return {"Action": "Filter", "Operation": "Add",
            "MatchCriteria": f"action(include),name({name}),header({header}),method(exact)",
            "Filter": value}
