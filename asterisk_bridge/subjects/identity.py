"""What identifies a person, normalised so that every spelling of it finds the same subject.

An external number becomes E.164 when it is a valid number (``+44 20 7946 0000``, or
``020 7946 0000`` with the default region ``GB``); anything else that was dialled keeps its
digits (and a leading ``+``) so it is still one identifier. An e-mail address is compared
case-insensitively. An extension is its number. A contact is its random id. A call is its node
and linkedid, for CDR records that name no person.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from types import ModuleType

from asterisk_bridge.errors import ValidationError

KINDS = ("phone", "email", "extension", "contact", "call")
_NOT_DIGITS = re.compile(r"[^0-9]")


@dataclass(frozen=True)
class Identifier:
    """A normalised identifier: ``kind`` is one of :data:`KINDS`."""

    kind: str
    value: str

    @property
    def label(self) -> str:
        """``kind:value``: what the blind index is computed over."""
        return f"{self.kind}:{self.value}"


def _phonenumbers() -> ModuleType:
    """The phone-number library, imported on first use: its code and metadata are a few MB
    resident that an idle bridge, or a command that never meets a number, does not need."""
    import phonenumbers

    return phonenumbers


@functools.lru_cache(maxsize=65_536)
def phone(raw: str, region: str = "") -> Identifier | None:
    """An external number, or None when nothing number-like remains (``anonymous``, ``s``).

    Cached: parsing and validating a number is what sealing a CDR costs most, and a PBX sees the
    same numbers again and again."""
    text = raw.strip()
    digits = _NOT_DIGITS.sub("", text)
    if not digits:
        return None
    digits = ("+" if text.startswith("+") else "") + digits
    phonenumbers = _phonenumbers()
    try:
        parsed = phonenumbers.parse(text, region.upper() or None)
    except phonenumbers.NumberParseException:
        return Identifier("phone", digits)
    if phonenumbers.is_valid_number(parsed):
        return Identifier("phone", phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.E164))
    return Identifier("phone", digits)


def email(raw: str) -> Identifier:
    """An e-mail address (already validated), compared case-insensitively."""
    return Identifier("email", raw.strip().lower())


def extension(number: str) -> Identifier:
    """The owner of an internal extension."""
    return Identifier("extension", number.strip())


def contact(contact_id: str) -> Identifier:
    """A company contact, by its own random id."""
    return Identifier("contact", contact_id)


def call(node: str, linkedid: str) -> Identifier:
    """A call whose record names nobody (the far half of a Local channel): what it holds is
    sealed under a key of the call's own, so it is never in clear either."""
    return Identifier("call", f"{node}/{linkedid}")


def check_region(region: str) -> str:
    """An ISO 3166 region phonenumbers knows (``GB``, ``US``, ``DE``), or empty for none."""
    code = region.strip().upper()
    if code and code not in _phonenumbers().SUPPORTED_REGIONS:
        raise ValidationError(f"default region: {region!r} is not a region code like GB, US "
                              "or DE")
    return code
