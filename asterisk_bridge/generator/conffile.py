"""Read back what a rendered Asterisk configuration file declares, as Asterisk would parse it.

Only what Voco itself renders needs to be understood: ``[section]`` headers, ``key = value`` and
``key => value`` options, ``;`` comments and ``#include`` / ``#tryinclude`` (read through a
callback, as Asterisk inserts the file in place). A section name may repeat (PJSIP's ``[1001]``
endpoint, auth and AOR): each occurrence is its own :class:`Section`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

_HEADER = re.compile(r"\[([^\]]+)\]")
_INCLUDE = re.compile(r"#(?:try)?include\s+[\"<]?([^\"<>]+?)[\">]?")
MAX_INCLUDE_DEPTH = 8
Include = Callable[[str], "str | None"]
_OPTION = re.compile(r"([^=\s]+)\s*=>?\s*(.*)")


@dataclass
class Section:
    """One ``[name]`` block and its options, in file order."""

    name: str
    options: list[tuple[str, str]] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        """The first value of *key*, or None."""
        return next((v for k, v in self.options if k == key), None)

    def values(self, key: str) -> list[str]:
        """Every value of *key* (``match``, ``include``, ``exten`` repeat)."""
        return [v for k, v in self.options if k == key]


def _lines(text: str, include: Include, depth: int = 0) -> Iterator[str]:
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        directive = _INCLUDE.fullmatch(line)
        if directive and depth < MAX_INCLUDE_DEPTH:
            included = include(directive.group(1))
            if included is not None:
                yield from _lines(included, include, depth + 1)
        elif line and not line.startswith("#"):
            yield line


def sections(text: str, include: Include = lambda _name: None) -> list[Section]:
    """The sections of *text*; options before the first header are ignored, like Asterisk.

    *include* returns the text of an included file, or None where there is none to read.
    """
    found: list[Section] = []
    for line in _lines(text, include):
        header = _HEADER.fullmatch(line)
        if header:
            found.append(Section(header.group(1)))
            continue
        option = _OPTION.fullmatch(line)
        if option and found:
            found[-1].options.append((option.group(1), option.group(2).strip()))
    return found


def first_field(value: str) -> str:
    """What precedes the first ',' outside ``[...]``: an ``exten =>`` line's extension (whose
    pattern may hold a ``[0-9,]`` class), an applicationmap entry's DTMF code."""
    depth = 0
    for i, c in enumerate(value):
        if c == "[":
            depth += 1
        elif c == "]":
            depth = max(depth - 1, 0)
        elif c == "," and not depth:
            return value[:i].strip()
    return value.strip()
