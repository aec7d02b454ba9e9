"""Sealing one plaintext file from a RAM spool into the encrypted store, losing nothing.

Shared by every store of spooled audio (recordings, voicemail). Order is everything: the
ciphertext is written and fsynced under a fresh data key, then the caller's transaction commits
the row and its wrapped key, and only then is the plaintext unlinked. A crash or error at any
step leaves the plaintext in the spool for the next sweep; a ciphertext written before a crash
but never registered is overwritten by the retry, because its path is derived from the row id.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from asterisk_bridge.crypto import keywrap, stream
from asterisk_bridge.errors import CryptoError
from asterisk_bridge.masterkey import load_master_key
from asterisk_bridge.safewrite import private_output

T = TypeVar("T")


@dataclass(frozen=True)
class Sealed:
    """What the store registers of a sealed file: never the data key in clear."""

    key_id: str
    wrapped: bytes  # the data key wrapped by the master key, bound to its owner
    master_key_id: str
    size: int  # ciphertext bytes
    sha256: str  # of the ciphertext
    plain_size: int
    master_key: bytes  # the master key it was wrapped with, for sealing the row's other fields


def seal_file(master_key_file: Path, plain: Path, target: Path, owner: str,
              commit: Callable[[Sealed], T], discard: Callable[[], None]) -> T:
    """Encrypt *plain* into *target*, run *commit* (which must register the wrapped key in one
    transaction), then *discard* the plaintext; returns what *commit* returned.

    OSError: the ciphertext could not be written. SQLAlchemyError: *commit* failed, the
    ciphertext is removed again. Either way the plaintext is untouched.
    """
    plain_size = plain.stat().st_size
    key, key_id = keywrap.new_data_key(), str(uuid.uuid4())
    cipher = stream.encrypt_file(plain, target, key, key_id)
    master = load_master_key(master_key_file)  # a rotation may have replaced it
    sealed = Sealed(key_id, keywrap.wrap_key(master, key, key_id, owner),
                    keywrap.master_key_id(master), cipher.size, cipher.sha256, plain_size, master)
    try:
        result = commit(sealed)
    except SQLAlchemyError:
        target.unlink(missing_ok=True)
        raise
    discard()
    return result


def seal_bytes(master: bytes, data: bytes, target: Path, owner: str, key_id: str) -> Sealed:
    """Encrypt *data* (never written in clear) into *target* under a fresh data key."""
    key = keywrap.new_data_key()
    with private_output(target) as dst:
        encryptor = stream.Encryptor(dst, key, key_id)
        encryptor.write(data)
        cipher = encryptor.finish()
    return Sealed(key_id, keywrap.wrap_key(master, key, key_id, owner),
                  keywrap.master_key_id(master), cipher.size, cipher.sha256, len(data), master)


def open_sealed(path: Path, key: bytes, key_id: str, what: str) -> Iterator[bytes]:
    """The authenticated plaintext of *path*, chunk by chunk; CryptoError if its header names
    another key than its row (*what* names it in the message)."""
    with path.open("rb") as src:
        decryptor = stream.Decryptor(src, key)
        if decryptor.header.key_id != key_id:
            raise CryptoError(
                f"{what}: its file {path.name} is encrypted under data key "
                f"{decryptor.header.key_id}, but the row names {key_id}: files or rows were "
                "swapped; not opened")
        yield from decryptor


def remove_durably(path: Path) -> None:
    """Unlink a (shredded) ciphertext and fsync its directory, so the removal survives a
    crash."""
    path.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
