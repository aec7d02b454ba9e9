"""Handing a recording out: a WAV to a file or a stream, or an age file for one person.

Plaintext never touches disk on the way to an age file: authenticated chunks stream from the
Voco format straight into the age encryptor (``crypto/age.py``). A file output appears only
complete: a recording that fails authentication half-way leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from asterisk_bridge.context import App
from asterisk_bridge.crypto import age
from asterisk_bridge.recording.vault import open_plaintext


def write_age(app: App, rec_id: str, out: BinaryIO, recipients: Iterable[str]) -> None:
    """Write the recording as an age file (binary) readable with ``age -d -i <identity>``."""
    age.encrypt_chunks(open_plaintext(app, rec_id), out, recipients)
