"""Per-file data keys, wrapped by the master key with AES-256-GCM.

Why wrap rather than derive: every recording has its own random key, and its wrap lives in the
database row, so deleting the row crypto-shreds the file, backups of the file included. Rotating
the master key then rewraps 61-byte blobs instead of re-encrypting recordings. The key id and
what the key belongs to (``bound_to``, e.g. the recording id) are the associated data, so a wrap
moved to another key id or to another recording's row does not open.

Version 1 wraps (60 bytes, bound to the key id only) were written before the binding existed;
they are still opened (:func:`unwrap_legacy_key`) until the next rotation rewraps them.
"""

import hashlib
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from asterisk_bridge.errors import CryptoError, KeyFileError

KEY_SIZE = 32
NONCE_SIZE = 12
WRAP_VERSION = b"\x02"
#: version ‖ nonce ‖ encrypted data key ‖ GCM tag
WRAPPED_SIZE = len(WRAP_VERSION) + NONCE_SIZE + KEY_SIZE + 16
LEGACY_WRAPPED_SIZE = NONCE_SIZE + KEY_SIZE + 16  # version 1: no version byte
_WRAP_LABEL = b"voco-wrap-v2"
_LEGACY_WRAP_LABEL = b"voco-wrap-v1"
_MASTER_ID_LABEL = b"voco-master-key-id-v1"


def new_data_key() -> bytes:
    """A fresh random key for one file; never reused, so its nonces cannot collide."""
    return os.urandom(KEY_SIZE)


def _aad(key_id: str, bound_to: str) -> bytes:
    """Length-prefixed, so no choice of the two strings can collide with another."""
    parts = (key_id.encode(), bound_to.encode())
    return _WRAP_LABEL + b"".join(struct.pack(">H", len(p)) + p for p in parts)


def wrap_key(master_key: bytes, data_key: bytes, key_id: str, bound_to: str, *,
             nonce: bytes | None = None) -> bytes:
    """Encrypt *data_key* under *master_key*, bound to *key_id* and to what owns it.

    *nonce* is injectable for the test vectors only; production uses ``os.urandom``.
    """
    if len(data_key) != KEY_SIZE:
        raise ValueError(f"data key must be {KEY_SIZE} bytes, got {len(data_key)}")
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"wrap nonce must be {NONCE_SIZE} bytes")
    sealed = _master(master_key).encrypt(nonce, data_key, _aad(key_id, bound_to))
    return WRAP_VERSION + nonce + sealed


def is_legacy(wrapped: bytes) -> bool:
    """Whether *wrapped* is a version 1 wrap, bound to its key id only."""
    return len(wrapped) == LEGACY_WRAPPED_SIZE


def unwrap_key(master_key: bytes, wrapped: bytes, key_id: str, bound_to: str) -> bytes:
    """Recover the data key of *key_id*; fails unless this master key wrapped it for this id
    and this owner."""
    aead = _master(master_key)
    if len(wrapped) != WRAPPED_SIZE or wrapped[:1] != WRAP_VERSION:
        raise CryptoError(f"cannot unwrap data key {key_id}: not a version 2 wrap of "
                          f"{WRAPPED_SIZE} bytes ({len(wrapped)} bytes)")
    body = wrapped[len(WRAP_VERSION):]
    try:
        return aead.decrypt(body[:NONCE_SIZE], body[NONCE_SIZE:], _aad(key_id, bound_to))
    except InvalidTag:
        raise CryptoError(
            f"cannot unwrap data key {key_id}: wrong master key, corrupted wrap, or a wrap that "
            f"belongs to another row than {bound_to}"
        ) from None


def unwrap_legacy_key(master_key: bytes, wrapped: bytes, key_id: str) -> bytes:
    """Recover a data key from a version 1 wrap (bound to *key_id* only)."""
    aead = _master(master_key)
    if not is_legacy(wrapped):
        raise CryptoError(f"cannot unwrap data key {key_id}: not a version 1 wrap of "
                          f"{LEGACY_WRAPPED_SIZE} bytes ({len(wrapped)} bytes)")
    try:
        return aead.decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:],
                            _LEGACY_WRAP_LABEL + key_id.encode())
    except InvalidTag:
        raise CryptoError(
            f"cannot unwrap data key {key_id}: wrong master key or corrupted wrap"
        ) from None


def master_key_id(master_key: bytes) -> str:
    """A 16-hex fingerprint recorded with each wrap, so key rotation knows which rows to rewrap."""
    _check_master(master_key)
    return hashlib.sha256(_MASTER_ID_LABEL + master_key).hexdigest()[:16]


def _master(master_key: bytes) -> AESGCM:
    _check_master(master_key)
    return AESGCM(master_key)


def _check_master(master_key: bytes) -> None:
    if len(master_key) != KEY_SIZE:
        raise KeyFileError(f"master key must be {KEY_SIZE} bytes, got {len(master_key)}")
