"""Contacts: the company directory with its per-extension grants, and encrypted personal contacts.

Personal contacts are stored only as AES-GCM ciphertext under a per-extension contacts key; that key
is stored only wrapped by a key derived from the extension owner's passphrase. No column here holds
a personal contact's name or number in any form the master key can open.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import NOT_SEALED, SEALED_BY_OWNER, Base


class CompanyContact(Base):
    """One entry of the company directory; the admin manages it, granted extensions see it."""

    __tablename__ = "company_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    numbers: Mapped[str] = mapped_column(Text, default="")  # validated numbers joined by ","
    email: Mapped[str] = mapped_column(String(320), default="")
    company: Mapped[str] = mapped_column(String(80), default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class ContactGrant(Base):
    """An extension's privilege on the company directory: ``view`` or ``manage``."""

    __tablename__ = "contact_grants"

    extension: Mapped[str] = mapped_column(String(10), primary_key=True)
    privilege: Mapped[str] = mapped_column(String(8))


class PersonalKeyring(Base):
    """An extension's contacts key, wrapped by scrypt(owner's passphrase, salt)."""

    __tablename__ = "personal_keyrings"

    extension: Mapped[str] = mapped_column(String(10), primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary, info=NOT_SEALED)
    scrypt_log_n: Mapped[int] = mapped_column(Integer)
    scrypt_r: Mapped[int] = mapped_column(Integer)
    scrypt_p: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_BY_OWNER)


class PersonalContact(Base):
    """One personal contact: only its owner extension and a random id are in the clear."""

    __tablename__ = "personal_contacts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex; part of the AAD
    extension: Mapped[str] = mapped_column(String(10), index=True)
    # nonce ‖ AES-GCM(padded JSON) ‖ tag
    sealed: Mapped[bytes] = mapped_column(LargeBinary, info=SEALED_BY_OWNER)


class PersonalContactIndex(Base):
    """A personal contact its owner made findable: blind indexes of its numbers and e-mail.

    The admin's ``voco subject find`` counts the rows matching a person's blind indexes and
    erasure deletes the contacts they point at; neither reads a contact. Contacts not made
    findable have no row here."""

    __tablename__ = "personal_contact_index"

    bidx: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("personal_contacts.id", ondelete="CASCADE"), primary_key=True,
        index=True)
