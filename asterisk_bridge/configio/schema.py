"""The configuration file: TOML with one array of tables per section, optionally age-encrypted.

The file is deterministic (sections in registry order, records sorted by key, no timestamp), so
two exports of the same state are byte-identical and diff cleanly under version control. A
section left out of a file is left alone by an import; a section present, even empty
(``queues = []``), is the complete desired state of that kind of record.

Encryption is standard age (armored), so ``age -d`` opens the file without Voco: to X25519
recipients (``age1...``) or to a passphrase (age's scrypt recipient).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyrage
import tomli_w

from asterisk_bridge.configio.registry import SECTIONS, Record
from asterisk_bridge.errors import CryptoError, ValidationError

FORMAT = 1
_PREAMBLE = (
    "# Voco configuration: the whole provisioned state, one array of tables per kind.\n"
    "# Apply with 'voco config import FILE' (add --dry-run to see the changes first).\n"
    "# A kind left out is not touched; a kind listed (even empty) is replaced as a whole.\n"
    "# Personal contacts are never exported: only their owners can read them.\n"
)
_ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"
_BINARY = b"age-encryption.org/v1"


@dataclass(frozen=True)
class Document:
    """A parsed file: whether it carries secrets, and the raw records of each section present."""

    with_secrets: bool
    sections: dict[str, list[Mapping[str, Any]]]


def dumps(records: Mapping[str, list[Record]], with_secrets: bool) -> str:
    """The TOML text for ``{section name: records}``: sections in registry order, one
    ``[[section]]`` table per record (records are flat); empty sections as ``name = []``."""
    parts = [_PREAMBLE]
    parts += [f"{s.name} = []\n" for s in SECTIONS if s.name in records and not records[s.name]]
    parts.append("\n[voco]\n" + tomli_w.dumps({"format": FORMAT, "secrets": with_secrets}))
    for s in SECTIONS:
        parts += [f"\n[[{s.name}]]\n" + tomli_w.dumps(rec) for rec in records.get(s.name, ())]
    return "".join(parts)


def loads(text: str) -> Document:
    """Parse and check the file's shape; records are validated later, per section."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"not valid TOML: {exc}") from None
    meta = doc.pop("voco", None)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValidationError(
            f"missing [voco] table with format = {FORMAT}; is this a Voco export?")
    if not isinstance(meta.get("secrets", False), bool):
        raise ValidationError("voco: secrets: expected true or false without quotes")
    known = {s.name for s in SECTIONS}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise ValidationError(f"unknown section(s) {', '.join(unknown)}; "
                              f"known: {', '.join(s.name for s in SECTIONS)}")
    for name, items in doc.items():
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValidationError(f"{name}: expected an array of tables ([[{name}]])")
    return Document(meta.get("secrets", False), doc)


def is_encrypted(data: bytes) -> bool:
    """Whether *data* is an age file (armored or binary)."""
    head = data.lstrip()
    return head.startswith(_ARMOR) or head.startswith(_BINARY)


def encrypt(text: str, recipients: Iterable[str], passphrase: str | None) -> bytes:
    """Armored age ciphertext to X25519 *recipients*, or to *passphrase*."""
    plain = text.encode()
    if passphrase is not None:
        return bytes(pyrage.passphrase.encrypt(plain, passphrase, armored=True))
    try:
        keys = [pyrage.x25519.Recipient.from_str(r.strip()) for r in recipients]
    except pyrage.RecipientError as exc:
        raise ValidationError(f"age-recipient: not an age X25519 recipient (age1...): {exc}"
                              ) from None
    if not keys:
        raise ValidationError("age-recipient: name at least one recipient or a passphrase file")
    return bytes(pyrage.encrypt(plain, keys, armored=True))


def decrypt(data: bytes, identities: Iterable[str], passphrase: str | None) -> str:
    """The plaintext of an age file, from identity file texts or a passphrase."""
    try:
        if passphrase is not None:
            plain = pyrage.passphrase.decrypt(data, passphrase)
        else:
            keys = [pyrage.x25519.Identity.from_str(line.strip())
                    for text in identities for line in text.splitlines()
                    if line.strip().startswith("AGE-SECRET-KEY-")]
            if not keys:
                raise CryptoError("the file is age-encrypted: give --identity FILE (an age key "
                                  "file) or --passphrase-file FILE")
            plain = pyrage.decrypt(data, keys)
    except (pyrage.DecryptError, pyrage.IdentityError) as exc:
        raise CryptoError(f"cannot decrypt the config file: {exc} (wrong identity or passphrase?)"
                          ) from None
    try:
        return bytes(plain).decode()
    except UnicodeDecodeError:
        raise ValidationError("the decrypted config file is not UTF-8 text") from None
