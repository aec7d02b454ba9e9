"""Handing decrypted audio out of the CLI: a WAV to a file or a pipe, or an age file.

Shared by ``voco recording export`` and ``voco voicemail export``: audio never goes to a
terminal, a file appears only complete and private (0600), and an age export streams from the
store straight into the age encryptor.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import click

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.safewrite import private_output


def write_audio(chunks: Callable[[], Iterator[bytes]], what: str, output: str,
                age_recipients: tuple[str, ...]) -> None:
    """Write the audio *chunks* yields to *output* (``-``: standard output, never a tty)."""
    from asterisk_bridge.crypto import age

    if age_recipients:
        age.recipients(age_recipients)  # refuse a bad recipient before any work
    if output == "-":
        stdout = sys.stdout.buffer
        if stdout.isatty():
            raise ValidationError("output: refusing to write audio to a terminal; use -o FILE")
        _write(chunks, stdout, age_recipients)
        return
    with private_output(Path(output).expanduser()) as out:
        _write(chunks, out, age_recipients)
    click.echo(f"exported {what} to {output}", err=True)


def _write(chunks: Callable[[], Iterator[bytes]], out: BinaryIO,
           age_recipients: tuple[str, ...]) -> None:
    if age_recipients:
        from asterisk_bridge.crypto import age

        age.encrypt_chunks(chunks(), out, age_recipients)
        return
    for chunk in chunks():
        out.write(chunk)
    out.flush()
