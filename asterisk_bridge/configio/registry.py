"""The kinds of record a configuration file holds, in the order they are applied.

Each domain describes its records with a :class:`Section` and calls :func:`register` (the
recording policy, when it lands, adds itself the same way). Order matters: a section may refer
only to sections before it (queues to extensions), so adds and changes run in registry order and
removals in reverse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from asterisk_bridge.configio.kinds import Kind

Record = dict[str, Any]

#: Written instead of a secret by an export without secrets, so the file shows there is one;
#: an import keeps the stored secret of a record whose secret is withheld.
WITHHELD = "withheld"


@dataclass(frozen=True)
class Section:
    """How one kind of record is read, validated, created, changed and removed.

    Every callable gets the import's connection (one transaction for the whole import) and the
    master key. ``read`` returns records sorted by key, each a plain TOML-able dict; with
    ``secrets`` false it writes :data:`WITHHELD` for the fields named in :attr:`secret_fields`.
    ``fields`` gives the kind of every field a record may hold: the import checks it before
    ``parse`` sees the record. ``parse`` validates one record from a file and returns it
    normalised (the ValidationError names the field).
    ``add`` returns a notice to show once (a generated secret) or None.
    """

    name: str
    what: str
    key: str
    read: Callable[[Connection, bytes, bool], list[Record]]
    parse: Callable[[Mapping[str, Any]], Record]
    add: Callable[[Connection, bytes, Record], str | None]
    change: Callable[[Connection, bytes, Record, Record], None]
    remove: Callable[[Connection, bytes, str], None]
    fields: Mapping[str, Kind]
    secret_fields: tuple[str, ...] = ()


SECTIONS: list[Section] = []


def register(section: Section) -> None:
    """Append *section*; a second registration of the same name is a programming error."""
    if any(s.name == section.name for s in SECTIONS):
        raise ValueError(f"config section {section.name!r} is registered twice")
    SECTIONS.append(section)


def section(name: str) -> Section:
    """The registered section called *name*."""
    for s in SECTIONS:
        if s.name == name:
            return s
    raise KeyError(name)
