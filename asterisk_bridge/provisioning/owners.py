"""An extension owner's name, e-mail and mobile: sealed under the owner's own subject key.

The owner is one subject, found by the extension number and by their e-mail address and
mobile, so ``voco subject find --email`` and a call from their mobile reach the same person.
Each value is bound to the extension number and its column. Once the owner is erased the
fields read as empty and the name as the extension number (what a phone shows without a
name): the extension itself, internal, keeps working.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.identity import Identifier
from asterisk_bridge.subjects.vault import SubjectVault

TABLE = "prov_extensions"
FIELDS = ("name", "email", "mobile")


def identifiers(number: str, email: str, mobile: str) -> list[Identifier]:
    """What identifies an extension's owner, the extension first (it names the subject)."""
    idents = [identity.extension(number)]
    if email:
        idents.append(identity.email(email))
    phone = identity.phone(mobile) if mobile else None
    return idents + ([phone] if phone else [])


class OwnerFields:
    """The :class:`~asterisk_bridge.provisioning.records.Personal` codec of extensions."""

    fields: tuple[str, ...] = FIELDS

    def seal(self, session: Session, master_key: bytes, spec: Any) -> dict[str, Any]:
        conn = session.connection()
        vault = SubjectVault(master_key)
        subject = vault.person(conn, identifiers(spec.number, spec.email, spec.mobile),
                               "extension")
        ring = vault.keys(conn, [subject])
        sealed = ring.seal_row(TABLE, spec.number, subject,
                               {f: getattr(spec, f) for f in FIELDS})
        return {"owner_subject": subject, **sealed}

    def open(self, session: Session, master_key: bytes, row: Any) -> dict[str, Any]:
        conn = session.connection()
        subject = row.owner_subject
        ring = SubjectVault(master_key).keys(conn, [subject] if subject else [])
        values = ring.open_row(TABLE, row.number, subject, {f: getattr(row, f) for f in FIELDS})
        return {"name": values["name"] or row.number, "email": values["email"] or "",
                "mobile": values["mobile"] or ""}
