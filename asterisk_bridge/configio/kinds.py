"""The kind of value each config-file field holds, checked before a record is parsed.

TOML values are typed, and a file written by hand gets the type wrong: ``number = 1001`` (an
integer where the validators expect text) or ``members = "1001"`` (text where a list belongs,
which Python would happily iterate character by character). Every section declares its fields'
kinds, and :func:`check` refuses a wrong one with a message naming the field and what to write.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Collection, Mapping
from enum import Enum
from typing import Any

from asterisk_bridge.errors import ValidationError


class Kind(Enum):
    """A field's kind, with how to write it in TOML."""

    TEXT = 'text in double quotes (e.g. "1001")'
    INTEGER = "a whole number without quotes (e.g. 5)"
    BOOLEAN = "true or false without quotes"
    TEXT_LIST = 'a list of texts (e.g. ["1001", "1002"])'

    def accepts(self, value: Any) -> bool:
        """Whether *value* (as tomllib parsed it) is of this kind."""
        if self is Kind.TEXT:
            return isinstance(value, str)
        if self is Kind.INTEGER:
            return isinstance(value, int) and not isinstance(value, bool)
        if self is Kind.BOOLEAN:
            return isinstance(value, bool)
        return isinstance(value, list) and all(isinstance(v, str) for v in value)


_PYTHON_KINDS: dict[Any, Kind] = {str: Kind.TEXT, int: Kind.INTEGER, bool: Kind.BOOLEAN,
                                  tuple[str, ...]: Kind.TEXT_LIST}


def of_dataclass(cls: type) -> dict[str, Kind]:
    """The kinds of a dataclass's fields, from their annotations; a field of any other type is a
    programming error, caught when the section is defined."""
    hints = typing.get_type_hints(cls)
    try:
        return {f.name: _PYTHON_KINDS[hints[f.name]]
                for f in dataclasses.fields(cls)}
    except KeyError as exc:
        raise TypeError(f"{cls.__name__}: no config-file kind for field type {exc}") from None


def _describe(value: Any, reveal: bool) -> str:
    """What TOML gave, in TOML's words; the value itself only for a scalar that is no secret."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)" if reveal else "true/false"
    if isinstance(value, int | float):
        what = "a whole number" if isinstance(value, int) else "a number with a fraction"
        return f"the {what.removeprefix('a ')} {value}" if reveal else what
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        odd = next((v for v in value if not isinstance(v, str)), None)
        return "a list" if odd is None else f"a list holding {_describe(odd, reveal)}"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"  # TOML dates and times


def check(raw: Mapping[str, Any], kinds: Mapping[str, Kind], what: str,
          secrets: Collection[str] = ()) -> None:
    """Refuse a record of *what* with a field *kinds* does not name, or the first field whose
    value is not of its kind. A secret's value is never quoted in the message."""
    unknown = sorted(set(raw) - set(kinds))
    if unknown:
        raise ValidationError(f"{what}: unknown field(s) {', '.join(unknown)}")
    for name, value in raw.items():
        if not kinds[name].accepts(value):
            raise ValidationError(f"{name}: expected {kinds[name].value}, got "
                                  f"{_describe(value, name not in secrets)}")
