"""The company directory: contacts the admin manages, and which extensions may view or manage it.

Every function takes a Session so the CLI and ``voco config import`` compose them into one
transaction; each validates its input with :mod:`asterisk_bridge.provisioning.validate` before
touching a row.

A contact is a person: each is a subject, found by the contact's id, numbers and e-mail (a
caller who rang from one of those numbers is the same person), and every field is sealed under
their key, bound to the contact's id. Only the id is in clear, so looking a contact up by name
and keeping names unique open the directory (small: read whole, never by a clear index).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.contacts import findable
from asterisk_bridge.contacts.choices import PRIVILEGES
from asterisk_bridge.contacts.extensions import check_extension
from asterisk_bridge.errors import DeniedError, NotFoundError, ValidationError
from asterisk_bridge.provisioning import validate
from asterisk_bridge.store.models.contacts import CompanyContact, ContactGrant
from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.vault import SubjectVault

MAX_NUMBERS = 10
TABLE = "company_contacts"
FIELDS = ("name", "numbers", "email", "company", "notes")
ERASED = "(erased)"


class AccessDeniedError(DeniedError):
    """An extension lacks the privilege an action needs."""


@dataclass(frozen=True)
class ContactFields:
    """A company contact's validated fields."""

    name: str
    numbers: tuple[str, ...] = ()
    email: str = ""
    company: str = ""
    notes: str = ""

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON and TOML (numbers as a list)."""
        return {**asdict(self), "numbers": list(self.numbers)}


def clean(name: str, numbers: Iterable[str] = (), email: str = "", company: str = "",
          notes: str = "", where: str = "") -> ContactFields:
    """Validate every field; *where* prefixes field names in errors (``contacts[3].``)."""
    nums = tuple(validate.number(n, f"{where}numbers") for n in numbers)
    if len(nums) > MAX_NUMBERS:
        raise ValidationError(f"{where}numbers: at most {MAX_NUMBERS} numbers per contact")
    if len(set(nums)) != len(nums):
        raise ValidationError(f"{where}numbers: a number is listed twice")
    return ContactFields(
        name=validate.display_name(name, f"{where}name"),
        numbers=nums,
        email=validate.email(email, f"{where}email") if email.strip() else "",
        company=validate.display_name(company, f"{where}company") if company.strip() else "",
        notes=validate.note(notes, f"{where}notes"),
    )


def fields_of(session: Session, master_key: bytes, row: CompanyContact) -> ContactFields:
    """The stored row's fields, opened; an erased contact's name reads ``(erased)``."""
    subject = row.contact_subject
    ring = SubjectVault(master_key).keys(session.connection(), [subject] if subject else [])
    values = ring.open_row(TABLE, str(row.id), subject, {f: getattr(row, f) for f in FIELDS})
    return ContactFields(values["name"] or ERASED,
                         tuple(n for n in (values["numbers"] or "").split(",") if n),
                         values["email"] or "", values["company"] or "", values["notes"] or "")


def listing(session: Session, master_key: bytes) -> list[tuple[CompanyContact, ContactFields]]:
    """Every contact with its fields, by name."""
    rows = session.scalars(select(CompanyContact).order_by(CompanyContact.id)).all()
    return sorted(((r, fields_of(session, master_key, r)) for r in rows),
                  key=lambda pair: (pair[1].name, pair[0].id))


def find(session: Session, master_key: bytes, ref: str) -> CompanyContact:
    """A contact by id (digits) or exact name."""
    if ref.isdigit():
        row = session.get(CompanyContact, int(ref))
    else:
        row = next((r for r, f in listing(session, master_key) if f.name == ref.strip()), None)
    if row is None:
        raise NotFoundError("no such company contact; see 'voco contact list'")
    return row


def _store(session: Session, master_key: bytes, row: CompanyContact, fields: ContactFields,
           region: str) -> None:
    conn, vault = session.connection(), SubjectVault(master_key)
    idents = [identity.contact(str(row.id)),
              *sorted(findable.identifiers(fields.numbers, fields.email, region),
                      key=lambda i: i.label)]
    subject = vault.person(conn, idents, "contact")
    sealed = vault.keys(conn, [subject]).seal_row(
        TABLE, str(row.id), subject,
        {"name": fields.name, "numbers": ",".join(fields.numbers), "email": fields.email,
         "company": fields.company, "notes": fields.notes})
    row.contact_subject = subject
    for column, blob in sealed.items():
        setattr(row, column, blob)


def _unique(session: Session, master_key: bytes, name: str, own_id: int | None = None) -> None:
    if any(f.name == name and r.id != own_id for r, f in listing(session, master_key)):
        raise ValidationError("name: a company contact with this name already exists")


def add(session: Session, master_key: bytes, fields: ContactFields,
        region: str = "") -> CompanyContact:
    """Create a contact; names are unique so scripts and imports can refer to them. *region*
    reads national numbers when linking them to the contact's subject."""
    _unique(session, master_key, fields.name)
    row = CompanyContact()
    session.add(row)
    session.flush()  # the id the sealed fields are bound to
    _store(session, master_key, row, fields, region)
    session.flush()
    return row


def update(session: Session, master_key: bytes, row: CompanyContact, fields: ContactFields,
           region: str = "") -> None:
    """Replace a contact's fields."""
    _unique(session, master_key, fields.name, row.id)
    _store(session, master_key, row, fields, region)
    session.flush()


def remove(session: Session, row: CompanyContact) -> None:
    """Delete a contact."""
    session.delete(row)
    session.flush()


def grant(session: Session, extension: str, privilege: str) -> None:
    """Give *extension* ``view`` or ``manage`` on the directory, replacing any earlier grant."""
    ext = validate.extension(extension)
    check_extension(session, ext)
    if privilege not in PRIVILEGES:
        raise ValidationError(f"privilege: {privilege!r} is not valid; use view or manage")
    row = session.get(ContactGrant, ext)
    if row is None:
        session.add(ContactGrant(extension=ext, privilege=privilege))
    else:
        row.privilege = privilege
    session.flush()


def revoke(session: Session, extension: str) -> None:
    """Take away *extension*'s grant."""
    row = session.get(ContactGrant, validate.extension(extension))
    if row is None:
        raise NotFoundError(f"extension {extension} has no grant on the company contacts")
    session.delete(row)
    session.flush()


def grants(session: Session) -> dict[str, str]:
    """``{extension: privilege}``, by extension."""
    rows = session.scalars(select(ContactGrant).order_by(ContactGrant.extension))
    return {g.extension: g.privilege for g in rows}


def authorize(session: Session, extension: str, need: str) -> None:
    """Raise AccessDeniedError unless *extension* holds *need* (or ``manage``, which includes it).

    The enforcement point for extension-facing directory access (phones, user portal).
    """
    row = session.get(ContactGrant, extension)
    held = PRIVILEGES.index(row.privilege) if row else -1
    if held < PRIVILEGES.index(need):
        raise AccessDeniedError(
            f"extension {extension} may not {need} the company contacts; an admin can run "
            f"'voco contact grant {extension} {need}'"
        )
