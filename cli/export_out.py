"""Handing a decrypted sealed file out of the CLI: to a file or a pipe, or as an age file.

Shared by ``voco recording export``, ``voco voicemail export`` and ``voco capture export``:
plaintext never goes to a terminal, a file appears only complete and private (0600), and an age
export streams from the store straight into the age encryptor.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TypeVar

import click

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.safewrite import private_output

F = TypeVar("F", bound=Callable[..., object])


def export_options(content: str, *, age_required: bool = False) -> Callable[[F], F]:
    """The ``-o/--output`` and ``--age-recipient`` options of an export command."""
    output = click.option("-o", "--output", default="-", show_default=True,
                          help="File to write, or - for standard output.")
    recipients = click.option(
        "--age-recipient", "age_recipients", multiple=True, required=age_required,
        help=f"Encrypt the {content} to this age (age1…) or SSH public key; repeatable.")
    return lambda command: output(recipients(command))


def write_plaintext(chunks: Callable[[], Iterator[bytes]], what: str, output: str,
                    age_recipients: tuple[str, ...], content: str = "audio") -> None:
    """Write what *chunks* yields to *output* (``-``: standard output, never a tty)."""
    from asterisk_bridge.crypto import age

    if age_recipients:
        age.recipients(age_recipients)  # refuse a bad recipient before any work
    if output == "-":
        stdout = sys.stdout.buffer
        if stdout.isatty():
            raise ValidationError(f"output: refusing to write {content} to a terminal; use -o "
                                  "FILE")
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
