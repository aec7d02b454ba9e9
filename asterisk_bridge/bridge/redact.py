"""Keeping call parties out of Voco's own logs: one filter on the log handler.

Asterisk-derived values (caller ID numbers and names, dialled extensions, channel names that
embed an extension) reach log lines through messages, structured fields and exception texts.
The filter replaces every number-shaped token (three or more digits, ``+`` and single spaces
or dashes inside allowed) by ``[number]`` and the whole value of every field whose name says
it holds a party (``caller``, ``CallerIDName``, ``exten`` ...) by ``[redacted]``. Identifiers
that only look numeric inside a larger token survive: a uniqueid ``1795911331.0``, an address
``127.0.0.1:5038``, a timestamp ``2026-11-30T14:56:27``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

NUMBER = "[number]"
REDACTED = "[redacted]"
_NUMBER = re.compile(r"(?<![\w.:+-])\+?\d(?:[ -]?\d){%d,}(?![\w.:-])")
_PARTY_KEYS = frozenset({
    "calleridnum", "calleridname", "connectedlinenum", "connectedlinename", "callerid",
    "caller", "callee", "name", "number", "exten", "extension", "parties", "src", "dst", "clid",
    "from", "to", "destination", "source", "phone", "displayname", "dnid", "rdnis",
    "membername", "interface", "member", "agent",
})


def scrub(text: str, min_digits: int = 3) -> str:
    """*text* with every number-shaped token of at least *min_digits* digits replaced."""
    return _compiled(min_digits).sub(NUMBER, text)


_PATTERNS: dict[int, re.Pattern[str]] = {}


def _compiled(min_digits: int) -> re.Pattern[str]:
    if min_digits not in _PATTERNS:
        _PATTERNS[min_digits] = re.compile(_NUMBER.pattern % (min_digits - 1))
    return _PATTERNS[min_digits]


def is_party_key(key: str) -> bool:
    """Whether a field named *key* holds a call party (compared without case and ``_``)."""
    return key.replace("_", "").replace("-", "").lower() in _PARTY_KEYS


def scrub_value(key: str, value: Any) -> Any:
    """A structured field's value fit for a log."""
    if is_party_key(key) and value not in (None, ""):
        return REDACTED
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {k: scrub_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(key, v) for v in value]
    return value


class PartyRedactor(logging.Filter):
    """Rewrites each record in place: message, structured fields and exception text."""

    def __init__(self, fields_attr: str) -> None:
        super().__init__()
        self.fields_attr = fields_attr

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        values = getattr(record, self.fields_attr, None)
        if isinstance(values, Mapping):
            setattr(record, self.fields_attr,
                    {k: scrub_value(k, v) for k, v in values.items()})
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True
