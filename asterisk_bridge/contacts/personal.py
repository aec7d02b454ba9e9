"""Personal contacts: only the owner's passphrase reads them; the admin can count and purge.

The first contact an extension adds creates its keyring under a passphrase the owner chooses (at
least 12 characters, and not the extension's SIP secret, which Voco stores). Voco never stores the
passphrase, so nothing the admin holds (master key, database, files) opens the contacts: the
admin can count them and :func:`purge` them (crypto-shredding), never read them. A forgotten
passphrase loses the contacts. :func:`rewrap` changes the passphrase and re-keys: a fresh contacts
key re-encrypts every record, so whoever learnt the old passphrase or key cannot read what
follows. Keyrings made before passphrases existed (under the SIP secret) open only to be moved to a
passphrase by :func:`rewrap`.
"""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from asterisk_bridge.contacts import crypto
from asterisk_bridge.contacts.company import MAX_NUMBERS
from asterisk_bridge.contacts.extensions import check_extension, is_sip_secret
from asterisk_bridge.errors import NotFoundError, ValidationError
from asterisk_bridge.provisioning import validate
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


def _existing_keyring(session: Session, extension: str) -> PersonalKeyring:
    row = _keyring(session, extension)
    if row is None:
        raise NotFoundError(f"extension {extension} has no personal contacts")
    return row


def _as_keyring(row: PersonalKeyring) -> crypto.Keyring:
    return crypto.Keyring(row.salt, row.scrypt_log_n, row.scrypt_r, row.scrypt_p, row.wrapped_key)


def _store_keyring(row: PersonalKeyring, ring: crypto.Keyring) -> None:
    row.salt, row.wrapped_key = ring.salt, ring.wrapped_key
    row.scrypt_log_n, row.scrypt_r, row.scrypt_p = ring.log_n, ring.r, ring.p


def has_keyring(session: Session, extension: str) -> bool:
    """Whether *extension* has chosen its passphrase yet (its first contact creates the keyring)."""
    return _keyring(session, check_extension(session, extension)) is not None


def _new_passphrase(session: Session, master_key: bytes, ext: str, passphrase: str) -> str:
    """Refuse a passphrase that is short, or that Voco itself stores (the SIP secret)."""
    crypto.check_passphrase(passphrase)
    if is_sip_secret(session, master_key, ext, passphrase):
        raise ValidationError("passphrase: it must not be the extension's SIP secret, which Voco "
                              "stores and the administrator can read; choose one of your own")
    return passphrase


def unlock(session: Session, extension: str, passphrase: str) -> bytes:
    """The extension's contacts key; WrongSecretError unless *passphrase* opens its keyring."""
    ext = check_extension(session, extension)
    return crypto.unlock(ext, _as_keyring(_existing_keyring(session, ext)), passphrase)


def add(session: Session, master_key: bytes, extension: str, passphrase: str,
        fields: dict[str, object]) -> str:
    """Encrypt and store one contact; returns its id. The first contact creates the keyring under
    *passphrase*; the master key only serves to refuse the SIP secret as that passphrase."""
    ext = check_extension(session, extension)
    row = _keyring(session, ext)
    if row is None:
        ring, key = crypto.new_keyring(ext, _new_passphrase(session, master_key, ext, passphrase))
        row = PersonalKeyring(extension=ext)
        _store_keyring(row, ring)
        session.add(row)
        session.flush()
    else:
        key = crypto.unlock(ext, _as_keyring(row), passphrase)
    record_id = pysecrets.token_hex(16)
    session.add(PersonalContact(id=record_id, extension=ext,
                                sealed=crypto.seal(key, ext, record_id, fields)))
    session.flush()
    return record_id


def entries(session: Session, extension: str, passphrase: str) -> list[PersonalEntry]:
    """Every contact of *extension*, decrypted and authenticated, by name."""
    extension = validate.extension(extension)
    key = unlock(session, extension, passphrase)
    rows = session.scalars(select(PersonalContact).where(PersonalContact.extension == extension))
    out = []
    for row in rows:
        rec = crypto.open_sealed(key, extension, row.id, row.sealed)
        out.append(PersonalEntry(row.id, str(rec["name"]), tuple(rec["numbers"]),
                                 str(rec["email"]), str(rec["notes"])))
    return sorted(out, key=lambda e: (e.name.casefold(), e.id))


def remove(session: Session, extension: str, passphrase: str, ref: str) -> PersonalEntry:
    """Delete the contact whose id (or unique id prefix, or exact name) is *ref*."""
    matches = [e for e in entries(session, extension, passphrase)
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


def rewrap(session: Session, master_key: bytes, extension: str, old: str, new: str) -> int:
    """Re-lock under passphrase *new* with a fresh contacts key; returns the records re-encrypted.

    *old* is the current passphrase, or the SIP secret of a keyring from before passphrases.
    """
    ext = check_extension(session, extension)
    row = _existing_keyring(session, ext)
    old_key = crypto.unlock(ext, _as_keyring(row), old, legacy_ok=True)
    ring, key = crypto.new_keyring(ext, _new_passphrase(session, master_key, ext, new))
    records = session.scalars(select(PersonalContact).where(PersonalContact.extension == ext)).all()
    for rec in records:
        rec.sealed = crypto.seal(key, ext, rec.id, crypto.open_sealed(old_key, ext, rec.id,
                                                                       rec.sealed))
    _store_keyring(row, ring)
    session.flush()
    return len(records)


def purge(session: Session, extension: str) -> int:
    """Delete the keyring and every record of *extension* (crypto-shred); returns the count."""
    ext = validate.extension(extension)
    n = count(session, ext)
    session.execute(delete(PersonalContact).where(PersonalContact.extension == ext))
    session.execute(delete(PersonalKeyring).where(PersonalKeyring.extension == ext))
    return n
