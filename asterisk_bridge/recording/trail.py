"""A recording's trail: the dialplan's markers for it, written beside its spool file.

``voco-rec-mark`` appends every marker naming a recording (start, a party's pause/resume/stop,
end) to ``<recording>.wav.trail`` as well as raising it as a UserEvent. The bridge stores the
events it sees as they come; the trail is how it learns, when it is back, what happened while
it was down (a party stopping the recording, say). Every sweep of the spool reconciles each
trail into the evidence before the recording is stored and the trail removed; the evidence is
stored once whichever copy arrives first (:func:`evidence.record_once`).
"""

from __future__ import annotations

from pathlib import Path

from asterisk_bridge.context import App
from asterisk_bridge.recording import evidence

SUFFIX = ".trail"


def path_of(wav: Path) -> Path:
    """The trail of the spool file ``wav``."""
    return wav.with_name(wav.name + SUFFIX)


def reconcile(app: App, path: Path) -> int:
    """Store every fact of the trail at ``path`` not stored yet; returns how many were added.

    A missing trail adds nothing. A line being written right now (no newline yet) is left for
    the next sweep."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return 0
    added = 0
    for line in text.splitlines(keepends=True):
        fact = evidence.from_trail_line(line) if line.endswith("\n") else None
        if fact is not None:
            added += evidence.record_once(app, fact)
    return added
