"""What a kind of master-key-sealed data provides, and the check that no kind is missing.

A model marks every column whose bytes only the master key opens with
``info=SEALED_BY_MASTER`` (:mod:`asterisk_bridge.store.models.base`). A :class:`SealedKind`
covers some of those columns and knows how to re-seal them under a new key. Rotation refuses to
start while a marked column is covered by no kind, so a feature that seals something new cannot
be left behind by a rotation: it fails loudly instead (and the registry test fails first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import InstrumentedAttribute, Session

from asterisk_bridge.errors import KeyFileError
from asterisk_bridge.store.models.base import SEALED_BY, SEALED_BY_MASTER

#: ``reseal(session, old_master, new_master) -> how many values were re-sealed``.
#:
#: It runs inside the rotation's one transaction, next to every other kind. It re-seals each
#: value still sealed under *old*, leaves a value already sealed under *new* as it is (a rotation
#: resumed after a crash, or a row written meanwhile), and raises a VocoError naming the value if
#: it opens under neither: the whole rotation then rolls back and the key file stays as it was.
Reseal = Callable[[Session, bytes, bytes], int]


@dataclass(frozen=True)
class SealedKind:
    """One kind of data the master key seals: its name, its columns, and its re-sealer."""

    name: str
    reseal: Reseal
    columns: tuple[str, ...]  # "table.column"


def sealed(name: str, reseal: Reseal, *columns: InstrumentedAttribute[Any]) -> SealedKind:
    """A kind covering the model *columns* (e.g. ``RecordingKey.wrapped``)."""
    return SealedKind(name, reseal, tuple(_qualified(c) for c in columns))


def _qualified(attr: InstrumentedAttribute[Any]) -> str:
    [column] = attr.property.columns
    return f"{column.table.name}.{column.name}"


def marked(metadata: MetaData) -> set[str]:
    """Every column the models mark as sealed by the master key."""
    return {f"{table.name}.{column.name}" for table in metadata.tables.values()
            for column in table.columns
            if column.info.get(SEALED_BY) == SEALED_BY_MASTER[SEALED_BY]}


def check(metadata: MetaData, kinds: Iterable[SealedKind]) -> None:
    """Refuse (KeyFileError) unless the kinds cover exactly the marked columns, each once."""
    covered: dict[str, str] = {}
    problems = []
    for kind in kinds:
        for column in kind.columns:
            if column in covered:
                problems.append(f"{column} is re-sealed twice ({covered[column]}, {kind.name})")
            covered[column] = kind.name
    want = marked(metadata)
    problems += [f"{c} is sealed by the master key but no registered kind re-seals it"
                 for c in sorted(want - set(covered))]
    problems += [f"{c} is re-sealed by {covered[c]} but its model does not mark it sealed"
                 for c in sorted(set(covered) - want)]
    if problems:
        raise KeyFileError("the registry of what the master key seals is incomplete, so a "
                           "rotation would leave data behind; nothing was changed: "
                           + "; ".join(problems))
