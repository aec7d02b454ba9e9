"""One personal field sealed under its subject's key: the format, and nothing else.

``0x01 ‖ nonce (12) ‖ AES-256-GCM(padded UTF-8)``. The associated data names the table, the
column, the row (a stable reference such as a CDR's ``node/uniqueid/sequence``) and the subject,
length-prefixed so no two references collide: a sealed value copied to another row, column or
subject does not open. Plaintexts are padded to 32-byte steps (with a 2-byte length), so the
ciphertext's size says little about a name's length.
"""

from __future__ import annotations

import functools
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from asterisk_bridge.errors import CryptoError

VERSION = b"\x01"
NONCE_SIZE = 12
PAD_STEP = 32
_LABEL = b"voco-subject-field-v1"


@dataclass(frozen=True)
class FieldRef:
    """Where a sealed value lives: it is bound to exactly this place and subject."""

    table: str
    column: str
    row: str
    subject: str

    def aad(self) -> bytes:
        return _place(self.table, self.column) + _part(self.row) + _part(self.subject)


def _part(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">H", len(data)) + data


@functools.lru_cache(maxsize=1024)
def _place(table: str, column: str) -> bytes:
    return _LABEL + _part(table) + _part(column)


@functools.lru_cache(maxsize=4096)
def _aead(key: bytes) -> AESGCM:
    """The cipher of one subject key, kept while it is used: setting one up costs more than
    sealing a name with it. Only who already holds the key can reach it here."""
    return AESGCM(key)


def seal(key: bytes, ref: FieldRef, value: str) -> bytes:
    """Encrypt *value* for *ref* under a subject's *key*."""
    data = value.encode("utf-8")
    if len(data) > 0xFFFF:
        raise ValueError("a personal field holds at most 65535 bytes")
    body = struct.pack(">H", len(data)) + data
    body += b"\x00" * (-len(body) % PAD_STEP)
    nonce = os.urandom(NONCE_SIZE)
    return VERSION + nonce + _aead(key).encrypt(nonce, body, ref.aad())


def open_(key: bytes, ref: FieldRef, blob: bytes) -> str:
    """Decrypt a value sealed for *ref*; CryptoError if it was moved, edited or the key is
    another subject's."""
    if blob[:1] != VERSION or len(blob) < 1 + NONCE_SIZE + 16:
        raise CryptoError(f"{ref.table}.{ref.column} of {ref.row}: not a sealed field")
    try:
        body = _aead(key).decrypt(blob[1:1 + NONCE_SIZE], blob[1 + NONCE_SIZE:], ref.aad())
    except InvalidTag:
        raise CryptoError(
            f"{ref.table}.{ref.column} of {ref.row} failed authentication: the value was edited, "
            "or copied from another row, column or person"
        ) from None
    (size,) = struct.unpack(">H", body[:2])
    return body[2:2 + size].decode("utf-8")
