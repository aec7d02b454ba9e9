"""Personal contacts: readable only with the owning extension's secret, countable by the admin.

The first contact an extension adds creates its keyring, under the extension's SIP secret (checked
against the provisioned one). The owner may then :func:`rewrap` it under a passphrase of their own,
which nothing the admin holds can open; until then, someone holding both the master key and the
database could unseal the SIP secret and so the contacts. If the admin resets the SIP secret, the
keyring stays under the old one: the owner moves it with :func:`rewrap` (old and new secret).
An owner who lost the old secret cannot recover the contacts; the admin can only :func:`purge`
them (crypto-shredding), never read them.
"""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from asterisk_bridge import validate
from asterisk_bridge.contacts import crypto
from asterisk_bridge.contacts.company import MAX_NUMBERS
from asterisk_bridge.contacts.extensions import check_extension, is_sip_secret
from asterisk_bridge.errors import NotFoundError, ValidationError
from asterisk_bridge.store.models.contacts import PersonalContact, PersonalKeyring


@dataclass(frozen=True)
class PersonalEntry:
    """One decrypted personal contact."""

    id: str
    name: str
    numbers: tuple[str, ...]
    email: str
    notes: str

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {**asdict(self), "numbers": list(self.numbers)}


def clean(name: str, numbers: Iterable[str], email: str = "", notes: str = "") -> dict[str, object]:
    """Validate a personal contact's fields with the same rules as company contacts."""
    nums = [validate.number(n, "numbers") for n in numbers]
    if len(nums) > MAX_NUMBERS:
        raise ValidationError(f"numbers: at most {MAX_NUMBERS} numbers per contact")
    return {
        "name": validate.display_name(name, "name"),
        "numbers": nums,
        "email": validate.email(email, "email") if email.strip() else "",
        "notes": validate.note(notes, "notes"),
    }


def _keyring(session: Session, extension: str) -> PersonalKeyring | None:
    return session.get(PersonalKeyring, extension)


def _as_keyring(row: PersonalKeyring) -> crypto.Keyring:
    return crypto.Keyring(row.salt, row.scrypt_log_n, row.scrypt_r, row.scrypt_p, row.wrapped_key)


def _store_keyring(row: PersonalKeyring, ring: crypto.Keyring) -> None:
    row.salt, row.wrapped_key = ring.salt, ring.wrapped_key
    row.scrypt_log_n, row.scrypt_r, row.scrypt_p = ring.log_n, ring.r, ring.p


def unlock(session: Session, extension: str, secret: str,
           master_key: bytes | None = None) -> bytes:
    """The extension's contacts key; given the *master_key*, a first use makes the keyring,
    provided *secret* is the extension's SIP secret."""
    ext = check_extension(session, extension)
    row = _keyring(session, ext)
    if row is not None:
        return crypto.unlock(ext, _as_keyring(row), secret)
    if master_key is None:
        raise NotFoundError(f"extension {ext} has no personal contacts")
    if not is_sip_secret(session, master_key, ext, secret):
        raise crypto.WrongSecretError(
            f"wrong secret for extension {ext}: the first personal contact needs the "
            "extension's SIP secret")
    ring, key = crypto.new_keyring(ext, secret)
    row = PersonalKeyring(extension=ext)
    _store_keyring(row, ring)
    session.add(row)
    session.flush()
    return key


def add(session: Session, master_key: bytes, extension: str, secret: str,
        fields: dict[str, object]) -> str:
    """Encrypt and store one contact; returns its id. The master key only serves to check the
    SIP secret when the keyring is created; it never touches the contacts key."""
    extension = validate.extension(extension)
    key = unlock(session, extension, secret, master_key)
    record_id = pysecrets.token_hex(16)
    session.add(PersonalContact(id=record_id, extension=extension,
                                sealed=crypto.seal(key, extension, record_id, fields)))
    session.flush()
    return record_id


def entries(session: Session, extension: str, secret: str) -> list[PersonalEntry]:
    """Every contact of *extension*, decrypted and authenticated, by name."""
    extension = validate.extension(extension)
    key = unlock(session, extension, secret)
    rows = session.scalars(select(PersonalContact).where(PersonalContact.extension == extension))
    out = []
    for row in rows:
        rec = crypto.open_sealed(key, extension, row.id, row.sealed)
        out.append(PersonalEntry(row.id, str(rec["name"]), tuple(rec["numbers"]),
                                 str(rec["email"]), str(rec["notes"])))
    return sorted(out, key=lambda e: (e.name.casefold(), e.id))


def remove(session: Session, extension: str, secret: str, ref: str) -> PersonalEntry:
    """Delete the contact whose id (or unique id prefix, or exact name) is *ref*."""
    matches = [e for e in entries(session, extension, secret)
               if e.id.startswith(ref) or e.name == ref.strip()]
    if not matches:
        raise NotFoundError(f"extension {extension} has no personal contact {ref!r}")
    if len(matches) > 1:
        raise ValidationError(f"contact: {ref!r} matches {len(matches)} contacts; give the id")
    session.execute(delete(PersonalContact).where(PersonalContact.id == matches[0].id))
    return matches[0]


def count(session: Session, extension: str) -> int:
    """How many personal contacts *extension* has: all the admin may learn."""
    ext = validate.extension(extension)
    return session.scalar(
        select(func.count()).select_from(PersonalContact).where(PersonalContact.extension == ext)
    ) or 0


def rewrap(session: Session, extension: str, old_secret: str, new_secret: str) -> None:
    """Move the keyring from the old secret to the new one; the records stay as they are."""
    extension = validate.extension(extension)
    key = unlock(session, extension, old_secret)
    row = _keyring(session, extension)
    assert row is not None  # unlock succeeded
    _store_keyring(row, crypto.wrap(extension, key, new_secret))
    session.flush()


def purge(session: Session, extension: str) -> int:
    """Delete the keyring and every record of *extension* (crypto-shred); returns the count."""
    ext = validate.extension(extension)
    n = count(session, ext)
    session.execute(delete(PersonalContact).where(PersonalContact.extension == ext))
    session.execute(delete(PersonalKeyring).where(PersonalKeyring.extension == ext))
    return n
