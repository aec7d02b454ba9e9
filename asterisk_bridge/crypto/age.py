"""age files for handing data to one person: recordings, subject bundles, debug logs, captures.

Plaintext streams from its source straight into pyrage's encryptor: nothing is written in clear
on the way, and an error raised by the source (a recording failing authentication) comes out as
itself rather than as pyrage's EncryptError.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import pyrage

from asterisk_bridge.errors import ValidationError, VocoError


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks (for pyrage's streaming encryptor),
    remembering the error that stopped the iterator: pyrage reports it as its own
    EncryptError, which says nothing a sysadmin can act on."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""
        self.error: VocoError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buf: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
            except VocoError as err:
                self.error = err
                raise
        size = min(len(buf), len(self._pending))
        buf[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def recipients(texts: Iterable[str]) -> list[pyrage.x25519.Recipient | pyrage.ssh.Recipient]:
    """Parse age (``age1…``) or SSH public-key recipients; ValidationError names a bad one."""
    parsed: list[pyrage.x25519.Recipient | pyrage.ssh.Recipient] = []
    for text in texts:
        try:
            if text.startswith("age1"):
                parsed.append(pyrage.x25519.Recipient.from_str(text))
            else:
                parsed.append(pyrage.ssh.Recipient.from_str(text))
        except pyrage.RecipientError:
            raise ValidationError(
                f"age-recipient: {text[:24]!r}… is not an age (age1…) or SSH public key"
            ) from None
    if not parsed:
        raise ValidationError("age-recipient: at least one recipient is needed")
    return parsed


def encrypt_chunks(chunks: Iterator[bytes], out: BinaryIO, texts: Iterable[str]) -> None:
    """Stream *chunks* into an age file on *out*; an error raised by *chunks* (a recording
    failing authentication) propagates as itself."""
    parsed = recipients(texts)
    raw = _ChunkReader(chunks)
    try:
        pyrage.encrypt_io(io.BufferedReader(raw, 1024 * 1024), out, parsed)
    except pyrage.EncryptError:
        if raw.error is not None:
            raise raw.error from None
        raise
    out.flush()
