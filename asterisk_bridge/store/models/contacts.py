"""Contacts: the company directory with its per-extension grants, and encrypted personal contacts.

Personal contacts are stored only as AES-GCM ciphertext under a per-extension contacts key; that key
is stored only wrapped by a key derived from the extension owner's passphrase. No column here holds
a personal contact's name or number in any form the master key can open.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import (
    NOT_SEALED,
    SEALED_BY_OWNER,
    SEALED_BY_SUBJECT,
    SUBJECT_REF,
    Base,
)


class CompanyContact(Base):
    """One entry of the company directory; the admin manages it, granted extensions see it.

    Every field is the contact's personal data, sealed under their subject key and bound to the
    row's id; only the id is in clear. A missing value is NULL, not a sealed empty string."""

    __tablename__ = "company_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_subject: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True,
                                                        info=SUBJECT_REF)
    name: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, info=SEALED_BY_SUBJECT)
    # validated numbers joined by ","
    numbers: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                  info=SEALED_BY_SUBJECT)
    email: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                info=SEALED_BY_SUBJECT)
    company: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                  info=SEALED_BY_SUBJECT)
    notes: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                info=SEALED_BY_SUBJECT)


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
