"""Keys derived from the master key, one per purpose: HKDF-SHA-256, no salt, the purpose's label
as HKDF's info. A purpose's key changes with the master key (rotation) and tells nothing of the
master key or of another purpose's key."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def subkey(master_key: bytes, label: bytes) -> bytes:
    """The 32-byte key for the purpose named by *label* (a constant, versioned: ``...-v1``)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(master_key)
