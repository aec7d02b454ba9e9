"""Per-file data keys, wrapped by the master key with AES-256-GCM.

Why wrap rather than derive: every recording has its own random key, and its wrap lives in the
database row, so deleting the row crypto-shreds the file, backups of the file included. Rotating
the master key then rewraps 60-byte blobs instead of re-encrypting recordings. The key id and a
context label are the associated data, so a wrap moved to another row's id does not open.
"""

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from asterisk_bridge.errors import CryptoError, KeyFileError

KEY_SIZE = 32
NONCE_SIZE = 12
WRAPPED_SIZE = NONCE_SIZE + KEY_SIZE + 16  # nonce ‖ encrypted data key ‖ GCM tag
_WRAP_LABEL = b"voco-wrap-v1"
_MASTER_ID_LABEL = b"voco-master-key-id-v1"


def new_data_key() -> bytes:
    """A fresh random key for one file; never reused, so its nonces cannot collide."""
    return os.urandom(KEY_SIZE)


def wrap_key(
    master_key: bytes, data_key: bytes, key_id: str, *, nonce: bytes | None = None
) -> bytes:
    """Encrypt *data_key* under *master_key*, bound to *key_id*.

    *nonce* is injectable for the test vectors only; production uses ``os.urandom``.
    """
    if len(data_key) != KEY_SIZE:
        raise ValueError(f"data key must be {KEY_SIZE} bytes, got {len(data_key)}")
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"wrap nonce must be {NONCE_SIZE} bytes")
    return nonce + _master(master_key).encrypt(nonce, data_key, _WRAP_LABEL + key_id.encode())


def unwrap_key(master_key: bytes, wrapped: bytes, key_id: str) -> bytes:
    """Recover the data key of *key_id*; fails unless this master key wrapped it for this id."""
    aead = _master(master_key)
    if len(wrapped) != WRAPPED_SIZE:
        raise CryptoError(
            f"cannot unwrap data key {key_id}: wrap is {len(wrapped)} bytes, not {WRAPPED_SIZE}"
        )
    try:
        return aead.decrypt(
            wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], _WRAP_LABEL + key_id.encode()
        )
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
