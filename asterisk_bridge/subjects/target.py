"""Who a rights command is about: an identifier typed on the command line, and its subject.

The identifier is personal data itself. It is validated without ever being quoted in an error
(errors reach the terminal and the operation log), and what goes into the operation log is
:func:`oplog_form`: the subject id and the identifier sealed under the subject's own key, so
the log says who was searched for while the person exists, and nothing once they are erased,
without a byte of the log changing (``voco oplog verify`` stays intact).
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from asterisk_bridge.errors import NotFoundError, ValidationError
from asterisk_bridge.store.models.subjects import SubjectIdentifier
from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.fields import FieldRef
from asterisk_bridge.subjects.identity import Identifier
from asterisk_bridge.subjects.vault import Keyring, SubjectVault

_NUMBER = re.compile(r"\+?[0-9 ().-]{1,40}")
_EXTENSION = re.compile(r"[0-9]{2,10}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}")
_NOT_SHOWN = "(not shown: it is personal data)"
#: What a subject may be created for when a hold names them before any data does: an external
#: number or an extension says what kind of person they are; an e-mail address alone does not.
CREATABLE = {"phone": "phone", "extension": "extension"}


def identifier(number: str | None, extension: str | None, email: str | None,
               region: str = "") -> Identifier:
    """Exactly one of a phone number, an extension or an e-mail address, normalised."""
    given = [v is not None for v in (number, extension, email)]
    if sum(given) != 1:
        raise ValidationError("give exactly one of a phone number, --extension N or "
                              "--email ADDRESS")
    if number is not None:
        ident = identity.phone(number, region) if _NUMBER.fullmatch(number.strip()) else None
        if ident is None:
            raise ValidationError(f"number: not a phone number {_NOT_SHOWN}; use digits, "
                                  "optionally with a leading + and spaces")
        return ident
    if extension is not None:
        if not _EXTENSION.fullmatch(extension.strip()):
            raise ValidationError("extension: use 2 to 10 digits")
        return identity.extension(extension)
    assert email is not None
    if not _EMAIL.fullmatch(email.strip()):
        raise ValidationError(f"email: not a plain address like alice@example.com {_NOT_SHOWN}")
    return identity.email(email)


@dataclass(frozen=True)
class Target:
    """An identifier, the subject it leads to (None: nobody is known by it), and the blind
    indexes of every identifier of that subject (for what is found by identifier, not by
    subject: findable personal contacts)."""

    identifier: Identifier
    subject_id: str | None
    bidxs: tuple[str, ...]

    @property
    def subject(self) -> str:
        """The subject id; NotFoundError when nobody is known by the identifier."""
        if self.subject_id is None:
            raise NotFoundError(f"no subject is known by this {self.identifier.kind} "
                                "(nothing is held about it)")
        return self.subject_id


def find(conn: Connection, vault: SubjectVault, ident: Identifier) -> Target:
    """The target for *ident*; never creates a subject."""
    subject_id = vault.lookup(conn, [ident]).get(ident)
    return _target(conn, vault, ident, subject_id)


def find_or_create(conn: Connection, vault: SubjectVault, ident: Identifier) -> Target:
    """The target for *ident*, creating its subject when it is a number or an extension (a
    hold placed before any call); an unknown e-mail address is NotFoundError."""
    subject_id = vault.lookup(conn, [ident]).get(ident)
    if subject_id is None:
        if ident.kind not in CREATABLE:
            raise NotFoundError(f"no subject is known by this {ident.kind} "
                                "(nothing is held about it)")
        subject_id = vault.resolve(conn, [ident], CREATABLE[ident.kind])[ident]
    return _target(conn, vault, ident, subject_id)


def _target(conn: Connection, vault: SubjectVault, ident: Identifier,
            subject_id: str | None) -> Target:
    own = vault.blind(conn, ident)
    known = _bidxs(conn, subject_id) if subject_id else ()
    return Target(ident, subject_id, tuple(sorted({own, *known})))


def _bidxs(conn: Connection, subject_id: str) -> tuple[str, ...]:
    return tuple(sorted(conn.execute(select(SubjectIdentifier.bidx).where(
        SubjectIdentifier.subject_id == subject_id)).scalars()))


def label_ref(table: str, column: str, row: object, subject_id: str) -> FieldRef:
    """Where an identifier sealed into a register row (a hold, a disclosure) lives."""
    return FieldRef(table, column, str(row), subject_id)


def oplog_form(conn: Connection, vault: SubjectVault, target: Target) -> dict[str, Any]:
    """What the operation log records for *target*: its kind, its subject and, sealed under
    the subject's key and bound to a random reference kept beside it, the identifier typed."""
    if target.subject_id is None:
        return {"kind": target.identifier.kind, "subject": None}
    return {"kind": target.identifier.kind,
            **sealed_arg(conn, vault, target.subject_id, "args.subject", target.identifier.value)}


def sealed_arg(conn: Connection, vault: SubjectVault, subject_id: str, column: str,
               value: str) -> dict[str, Any]:
    """A personal value as the operation log records it: the subject's id, and the value
    sealed under their key, bound to *column* and a random reference kept beside it. The hash
    chain covers this form, so erasing the subject later changes no byte of the log."""
    ring: Keyring = vault.keys(conn, [subject_id])
    ref = secrets.token_hex(8)
    sealed = ring.seal(FieldRef("oplog", column, ref, subject_id), value)
    return {"subject": subject_id, "ref": ref, "sealed": base64.b64encode(sealed).decode()}
