"""Secrets Voco must give back (SIP secrets, trunk passwords, conference PINs), sealed at rest.

They are encrypted with AES-256-GCM under a key derived from the master key with its own label,
so the provisioning key is independent of the recording wraps and the oplog MAC key. Each blob's
associated data names the entity and the purpose, so a blob copied to another row does not open.
Plaintext exists only when it is generated (shown once), and while configuration is rendered.
Each sealed column is a kind of the master key's registry (:func:`sealed_column`), so a key
rotation re-seals it with everything else.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from asterisk_bridge.crypto.subkey import subkey
from asterisk_bridge.errors import CryptoError, VocoError
from asterisk_bridge.masterkey.registry import SealedKind, sealed

_LABEL = b"voco-provisioning-secrets-v1"
_VM_LABEL = b"voco-voicemail-password-v1"
_NONCE = 12
_RENDER_KEY: ContextVar[bytes | None] = ContextVar("voco_render_master_key", default=None)


def _key(master_key: bytes) -> bytes:
    return subkey(master_key, _LABEL)


def generate() -> str:
    """A fresh SIP password: 192 random bits, URL-safe (no config metacharacters)."""
    return _random.token_urlsafe(24)


def seal(master_key: bytes, label: str, plaintext: str) -> bytes:
    """Encrypt *plaintext* bound to *label* (e.g. ``extension:1001:sip``): nonce ‖ ciphertext."""
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(_key(master_key)).encrypt(nonce, plaintext.encode(), label.encode())


def unseal(master_key: bytes, label: str, blob: bytes) -> str:
    """Decrypt a blob sealed for *label*; CryptoError if the key or the label do not match."""
    try:
        return AESGCM(_key(master_key)).decrypt(blob[:_NONCE], blob[_NONCE:],
                                                label.encode()).decode()
    except (InvalidTag, ValueError):
        raise CryptoError(f"cannot decrypt the stored secret of {label}: wrong master key or "
                          "the stored value was tampered with") from None


def sealed_column(name: str, column: InstrumentedAttribute[Any],
                  label: Callable[[Any], str]) -> SealedKind:
    """The registry kind for *column*, whose rows are sealed under ``label(row)``."""
    def reseal(session: Session, old: bytes, new: bytes) -> int:
        count = 0
        for row in session.scalars(select(column.class_).where(column.is_not(None))):
            blob, where = getattr(row, column.key), label(row)
            try:
                plain = unseal(old, where, blob)
            except CryptoError:
                unseal(new, where, blob)  # re-sealed by an interrupted rotation, or raises
                continue
            setattr(row, column.key, seal(new, where, plain))
            count += 1
        return count

    return sealed(name, reseal, column)


def sip_digest(username: str, realm: str, password: str) -> str:
    """MD5(username:realm:password), RFC 7616's H(A1): what Asterisk checks a phone's digest
    response against (``password_digest``), so the SIP secret itself never reaches a file."""
    return hashlib.md5(f"{username}:{realm}:{password}".encode(), usedforsecurity=False).hexdigest()


def mailbox_password(master_key: bytes, number: str) -> str:
    """A stable 8-digit mailbox password nobody is told: Voco delivers voicemail itself, so the
    phone menu stays locked while the rendered file stays identical between applies (a master
    key rotation changes it, at the next apply)."""
    digest = hmac.new(_key(master_key), _VM_LABEL + number.encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**8).zfill(8)


@contextmanager
def unlocked(master_key: bytes) -> Iterator[None]:
    """Let the template contributor decrypt secrets while configuration is rendered."""
    token = _RENDER_KEY.set(master_key)
    try:
        yield
    finally:
        _RENDER_KEY.reset(token)


def render_key() -> bytes:
    """The master key made available by :func:`unlocked`; refuses when there is none."""
    key = _RENDER_KEY.get()
    if key is None:
        raise VocoError("rendering provisioned configuration needs the master key; "
                        "render through 'voco apply'")
    return key
