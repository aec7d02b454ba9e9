"""Keys for personal contacts: a per-extension contacts key that only the owner's passphrase opens.

The passphrase is chosen by the owner and never stored, logged or derived from anything Voco
holds: the contacts key is wrapped (AES-256-GCM, bound to the extension) under
scrypt(passphrase, random salt), so a successful unwrap *is* the passphrase's check and nothing
else about it is stored. Whoever holds the master key, the database and every file still has to
guess the passphrase, at scrypt's cost per guess: hence a minimum length, and a cost floor Voco
enforces on every unlock rather than reading it blindly from the keyring row (a forged row with a
trivial cost is refused, and so is one whose cost would exhaust memory).

Each record is sealed with AES-256-GCM under the contacts key, its owner extension and row id as
associated data, so a ciphertext copied or swapped into another row fails to open. Plaintexts are
padded to 256-byte buckets, so ciphertext sizes reveal little about name lengths.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from asterisk_bridge.crypto import keywrap
from asterisk_bridge.crypto.keywrap import KEY_SIZE, NONCE_SIZE, new_data_key
from asterisk_bridge.errors import CryptoError, ExitCode, ValidationError

#: scrypt cost of new keyrings: 2**15 * 8 * 128 B = 32 MiB and ~0.1 s per unlock (RFC 7914's
#: interactive figure). Unlocking accepts at least this and at most 2**18 (256 MiB).
SCRYPT_LOG_N, MAX_LOG_N = 15, 18
SCRYPT_R = 8
SCRYPT_P, MAX_P = 1, 4
SALT_SIZE = 16
MIN_PASSPHRASE = 12
PAD_BUCKET = 256
_RECORD_LABEL = b"voco-personal-contact-v1"
_WRAP_ID = "personal-contacts"


class WrongSecretError(CryptoError):
    """The presented passphrase does not unwrap the extension's contacts key."""

    exit_code = ExitCode.DENIED


class LegacyKeyringError(CryptoError):
    """The keyring is still wrapped under the extension's SIP secret, which the admin can read."""


@dataclass(frozen=True)
class Keyring:
    """What the store keeps for one extension: salt, scrypt cost, and the wrapped contacts key."""

    salt: bytes
    log_n: int
    r: int
    p: int
    wrapped_key: bytes


def check_passphrase(passphrase: str) -> str:
    """Refuse a passphrase too short to withstand guessing by whoever holds the database."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(
            f"passphrase: at least {MIN_PASSPHRASE} characters (several words are easiest to "
            "remember); anyone holding a copy of the database can try guesses offline")
    return passphrase


def _kek(extension: str, secret: str, ring: Keyring) -> bytes:
    """scrypt(secret), after checking the keyring's cost against Voco's own bounds."""
    if not (SCRYPT_LOG_N <= ring.log_n <= MAX_LOG_N and ring.r == SCRYPT_R
            and SCRYPT_P <= ring.p <= MAX_P and len(ring.salt) == SALT_SIZE):
        raise CryptoError(
            f"the personal contacts keyring of extension {extension} has scrypt cost "
            f"N=2^{ring.log_n}, r={ring.r}, p={ring.p} with a {len(ring.salt)}-byte salt, outside "
            f"what Voco accepts (N=2^{SCRYPT_LOG_N}..2^{MAX_LOG_N}, r={SCRYPT_R}, "
            f"p={SCRYPT_P}..{MAX_P}, {SALT_SIZE}-byte salt): it was forged or damaged; refused")
    if not secret:
        raise WrongSecretError("the passphrase is empty")
    return Scrypt(salt=ring.salt, length=KEY_SIZE, n=2**ring.log_n, r=ring.r,
                  p=ring.p).derive(secret.encode())


def new_keyring(extension: str, passphrase: str) -> tuple[Keyring, bytes]:
    """A fresh contacts key for *extension*, and its keyring wrapped under *passphrase*."""
    key = new_data_key()
    return wrap(extension, key, passphrase), key


def wrap(extension: str, contacts_key: bytes, passphrase: str) -> Keyring:
    """Wrap *contacts_key* under a fresh salt and *passphrase* at Voco's own scrypt cost."""
    check_passphrase(passphrase)
    ring = Keyring(os.urandom(SALT_SIZE), SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, wrapped_key=b"")
    kek = _kek(extension, passphrase, ring)
    return replace(ring, wrapped_key=keywrap.wrap_key(kek, contacts_key, _WRAP_ID, extension))


def unlock(extension: str, keyring: Keyring, passphrase: str, *, legacy_ok: bool = False) -> bytes:
    """The contacts key, or WrongSecretError: the unwrap's GCM tag is the passphrase's check.

    A keyring from before passphrases (wrapped under the SIP secret) opens only with
    *legacy_ok*, which only a move to a passphrase uses; otherwise LegacyKeyringError.
    """
    kek = _kek(extension, passphrase, keyring)
    legacy = keywrap.is_legacy(keyring.wrapped_key)
    if legacy and not legacy_ok:
        raise LegacyKeyringError(
            f"the personal contacts of extension {extension} are still locked with the "
            "extension's SIP secret, which the administrator can read; move them to a "
            "passphrase of your own with 'voco contact personal rewrap' (old: the SIP secret)")
    try:
        if legacy:
            return keywrap.unwrap_legacy_key(kek, keyring.wrapped_key, f"{_WRAP_ID}/{extension}")
        return keywrap.unwrap_key(kek, keyring.wrapped_key, _WRAP_ID, extension)
    except CryptoError:
        raise WrongSecretError(
            f"wrong passphrase for extension {extension}'s personal contacts (Voco does not "
            "keep it and cannot reset it; if it is lost, the admin can only purge them)"
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
