"""Handing a recording out: a WAV to a file or a stream, or an age file for one person.

Plaintext never touches disk on the way to an age file: authenticated chunks stream from the
Voco format straight into the age encryptor. A file output appears only complete: a recording
that fails authentication half-way leaves nothing behind.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import pyrage

from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError, VocoError
from asterisk_bridge.recording.vault import open_plaintext


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


def age_recipients(texts: Iterable[str]) -> list[pyrage.x25519.Recipient | pyrage.ssh.Recipient]:
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


def write_wav(app: App, rec_id: str, out: BinaryIO) -> int:
    """Write the recording's WAV to *out*; returns the byte count."""
    written = 0
    for chunk in open_plaintext(app, rec_id):
        out.write(chunk)
        written += len(chunk)
    out.flush()
    return written


def encrypt_chunks(chunks: Iterator[bytes], out: BinaryIO, recipients: Iterable[str]) -> None:
    """Stream *chunks* into an age file on *out*; an error raised by *chunks* (a recording
    failing authentication) propagates as itself."""
    parsed = age_recipients(recipients)
    raw = _ChunkReader(chunks)
    try:
        pyrage.encrypt_io(io.BufferedReader(raw, 1024 * 1024), out, parsed)
    except pyrage.EncryptError:
        if raw.error is not None:
            raise raw.error from None
        raise
    out.flush()


def write_age(app: App, rec_id: str, out: BinaryIO, recipients: Iterable[str]) -> None:
    """Write the recording as an age file (binary) readable with ``age -d -i <identity>``."""
    encrypt_chunks(open_plaintext(app, rec_id), out, recipients)
