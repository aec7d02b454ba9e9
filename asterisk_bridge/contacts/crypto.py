"""Keys for personal contacts: a per-extension contacts key that only the owner's secret unwraps.

Why a wrapped random key rather than a key derived straight from the secret: changing the secret
(``voco contact personal rewrap``) then rewraps 60 bytes instead of re-encrypting every record. The
wrap key is scrypt(secret, random salt) and the wrap is AES-256-GCM, so a successful unwrap *is*
the secret's verification: nothing else about the secret is stored. Each record is sealed with
AES-256-GCM under the contacts key, its owner extension and row id as associated data, so a
ciphertext copied or swapped into another row fails to open. Plaintexts are padded to 256-byte
buckets, so ciphertext sizes reveal little about name lengths.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from asterisk_bridge.crypto import keywrap
from asterisk_bridge.crypto.keywrap import KEY_SIZE, NONCE_SIZE, new_data_key
from asterisk_bridge.errors import CryptoError

#: scrypt cost: 2**15 * 8 * 128 B = 32 MiB and ~0.1 s per unlock (RFC 7914's interactive figure).
SCRYPT_LOG_N = 15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_SIZE = 16
PAD_BUCKET = 256
_RECORD_LABEL = b"voco-personal-contact-v1"


class WrongSecretError(CryptoError):
    """The presented secret does not unwrap the extension's contacts key."""


@dataclass(frozen=True)
class Keyring:
    """What the store keeps for one extension: salt, scrypt cost, and the wrapped contacts key."""

    salt: bytes
    log_n: int
    r: int
    p: int
    wrapped_key: bytes


_WRAP_ID = "personal-contacts"


def _kek(secret: str, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    if not secret:
        raise WrongSecretError("the secret is empty")
    return Scrypt(salt=salt, length=KEY_SIZE, n=2**log_n, r=r, p=p).derive(secret.encode())


def new_keyring(extension: str, secret: str) -> tuple[Keyring, bytes]:
    """A fresh contacts key for *extension*, and its keyring wrapped under *secret*."""
    key = new_data_key()
    return wrap(extension, key, secret), key


def wrap(extension: str, contacts_key: bytes, secret: str) -> Keyring:
    """Wrap *contacts_key* under a fresh salt and *secret* (used on creation and on rewrap)."""
    salt = os.urandom(SALT_SIZE)
    kek = _kek(secret, salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)
    return Keyring(salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P,
                   keywrap.wrap_key(kek, contacts_key, _WRAP_ID, extension))


def unlock(extension: str, keyring: Keyring, secret: str) -> bytes:
    """The contacts key, or WrongSecretError: the unwrap's GCM tag is the secret's check."""
    kek = _kek(secret, keyring.salt, keyring.log_n, keyring.r, keyring.p)
    try:
        if keywrap.is_legacy(keyring.wrapped_key):  # written before wraps were bound
            return keywrap.unwrap_legacy_key(kek, keyring.wrapped_key,
                                             f"{_WRAP_ID}/{extension}")
        return keywrap.unwrap_key(kek, keyring.wrapped_key, _WRAP_ID, extension)
    except CryptoError:
        raise WrongSecretError(
            f"wrong secret for extension {extension}'s personal contacts (if the admin reset the "
            "extension's secret, run 'voco contact personal rewrap' with the old and new secret)"
        ) from None


def _aad(extension: str, record_id: str) -> bytes:
    return b"\x00".join((_RECORD_LABEL, extension.encode(), record_id.encode()))


def seal(contacts_key: bytes, extension: str, record_id: str, record: dict[str, Any]) -> bytes:
    """nonce ‖ AES-GCM(JSON padded with spaces to a 256-byte bucket), bound to extension and id."""
    plain = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
    plain += b" " * (-len(plain) % PAD_BUCKET)
    nonce = os.urandom(NONCE_SIZE)
    return nonce + AESGCM(contacts_key).encrypt(nonce, plain, _aad(extension, record_id))


def open_sealed(contacts_key: bytes, extension: str, record_id: str,
                sealed: bytes) -> dict[str, Any]:
    """The record, or CryptoError if it was tampered with or moved from another row."""
    try:
        plain = AESGCM(contacts_key).decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:],
                                             _aad(extension, record_id))
    except (InvalidTag, ValueError):
        raise CryptoError(
            f"personal contact {record_id} of extension {extension} failed authentication: "
            "the row was tampered with, or swapped or copied from another row"
        ) from None
    record: dict[str, Any] = json.loads(plain)
    return record
