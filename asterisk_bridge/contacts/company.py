"""The company directory: contacts the admin manages, and which extensions may view or manage it.

Every function takes a Session so the CLI and ``voco config import`` compose them into one
transaction; each validates its input with :mod:`asterisk_bridge.validate` before touching a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge import validate
from asterisk_bridge.contacts.choices import PRIVILEGES
from asterisk_bridge.contacts.extensions import check_extension
from asterisk_bridge.errors import DeniedError, NotFoundError, ValidationError
from asterisk_bridge.store.models.contacts import CompanyContact, ContactGrant

MAX_NUMBERS = 10


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


def fields_of(row: CompanyContact) -> ContactFields:
    """The stored row as fields."""
    return ContactFields(row.name, tuple(n for n in row.numbers.split(",") if n), row.email,
                         row.company, row.notes)


def find(session: Session, ref: str) -> CompanyContact:
    """A contact by id (digits) or exact name."""
    query = select(CompanyContact).where(
        CompanyContact.id == int(ref) if ref.isdigit() else CompanyContact.name == ref.strip()
    )
    row = session.scalars(query).one_or_none()
    if row is None:
        raise NotFoundError(f"no company contact {ref!r}; see 'voco contact list'")
    return row


def listing(session: Session) -> Sequence[CompanyContact]:
    """Every contact, by name."""
    return session.scalars(select(CompanyContact).order_by(CompanyContact.name)).all()


def _store(row: CompanyContact, fields: ContactFields) -> None:
    row.name, row.numbers = fields.name, ",".join(fields.numbers)
    row.email, row.company, row.notes = fields.email, fields.company, fields.notes


def _unique(session: Session, name: str, own_id: int | None = None) -> None:
    clash = session.scalars(select(CompanyContact).where(CompanyContact.name == name)).first()
    if clash is not None and clash.id != own_id:
        raise ValidationError(f"name: a company contact named {name!r} already exists")


def add(session: Session, fields: ContactFields) -> CompanyContact:
    """Create a contact; names are unique so scripts and imports can refer to them."""
    _unique(session, fields.name)
    row = CompanyContact()
    _store(row, fields)
    session.add(row)
    session.flush()
    return row


def update(session: Session, row: CompanyContact, fields: ContactFields) -> None:
    """Replace a contact's fields."""
    _unique(session, fields.name, row.id)
    _store(row, fields)
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
