"""Message texts: a default per event kind, which the administrator can override.

An override is a file ``<config dir>/notifications/<kind>.txt`` whose first line is
``Subject: ...`` and the rest the body; ``$fact`` (``$caller``, ``$address``, ``$count``, ...)
is replaced by the event's facts, and an unknown ``$name`` stays as it is. Only the event's own
facts exist to be used, so a template cannot pull in more personal data than the event carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template

from asterisk_bridge.notifications.events import kind as event_kind

MAX_TEMPLATE_BYTES = 16_384


@dataclass(frozen=True)
class Text:
    """A rendered message: the event kind (what a phone call plays), subject line, body."""

    kind: str
    subject: str
    body: str


def _default(kind: str) -> tuple[str, str]:
    k = event_kind(kind)
    subject = "[Voco] " + k.about + ("" if not k.facts else " (" + ", ".join(
        f"${f}" for f in k.facts[:2]) + ")")
    body = "\n".join([f"Voco: {k.about}.", "", *(f"{f}: ${f}" for f in k.facts),
                      "events: $count", "time (UTC): $time", ""])
    return subject, body


def _override(directory: Path | None, kind: str) -> tuple[str, str] | None:
    if directory is None:
        return None
    path = directory / f"{kind}.txt"
    if not path.is_file() or path.stat().st_size > MAX_TEMPLATE_BYTES:
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    first, _, rest = text.partition("\n")
    if not first.lower().startswith("subject:"):
        return None
    return first.split(":", 1)[1].strip(), rest


def render(kind: str, facts: Mapping[str, str], count: int, time: str,
           directory: Path | None = None) -> Text:
    """The message for an event (and *count* events like it) at *time*."""
    subject, body = _override(directory, kind) or _default(kind)
    values = {**{f: "" for f in event_kind(kind).facts}, **facts, "count": str(count),
              "time": time}
    subject = " ".join(Template(subject).safe_substitute(values).split())[:200]
    return Text(kind, subject, Template(body).safe_substitute(values))
