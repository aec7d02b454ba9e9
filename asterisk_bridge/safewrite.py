"""The one way Voco writes a file that holds personal data or secrets.

A predictable temporary name (``.NAME.tmp``) lets another local user plant a symlink there and
have Voco overwrite what it points at, or pre-create the file with loose permissions and read
along. So: the temporary file gets a random name and is created exclusively without following
symlinks (``O_CREAT | O_EXCL | O_NOFOLLOW``), its mode is set exactly (``fchmod``, whatever the
umask), it is fsynced, renamed over the target (or linked, when the target must not exist yet),
and the directory is fsynced. A target that is a symlink is refused rather than replaced: the
admin named a path, and writing somewhere else would surprise them either way.
"""

from __future__ import annotations

import io
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, TextIO

from asterisk_bridge.errors import UnsafeFileError

PRIVATE = 0o600
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_ATTEMPTS = 16


def check_target(path: Path) -> None:
    """Refuse a target that is a symlink or a directory (a missing one is fine)."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeFileError(f"{path} is a symbolic link; refusing to write through it "
                              "(remove it or name the real file)")
    if stat.S_ISDIR(st.st_mode):
        raise UnsafeFileError(f"{path} is a directory; give a file name")


def _create_temp(directory: Path, name: str) -> tuple[int, Path]:
    for _ in range(_ATTEMPTS):
        tmp = directory / f".{name}.{secrets.token_hex(8)}.tmp"
        try:
            return os.open(tmp, _FLAGS, PRIVATE), tmp
        except FileExistsError:
            continue
    raise UnsafeFileError(f"cannot create a temporary file in {directory}: every random name "
                          "was taken (is someone planting files there?)")


def create_private(path: Path) -> None:
    """Create *path* empty with mode 0600 unless it exists (never through a symlink).

    For files another program then fills, such as a SQLite database: SQLite gives the
    database's ``-wal`` and ``-shm`` files the database file's own permissions.
    """
    try:
        fd = os.open(path, _FLAGS, PRIVATE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, PRIVATE)
    finally:
        os.close(fd)


def fsync_dir(directory: Path) -> None:
    """Make a rename or link in *directory* durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def private_output(path: Path, *, mode: int = PRIVATE, replace: bool = True,
                   durable: bool = True) -> Iterator[BinaryIO]:
    """A new file beside *path* that becomes *path* only if the block succeeds.

    ``mode`` is set exactly; ``replace=False`` refuses an existing target (for files such as
    the master key that must never be overwritten); ``durable=False`` skips the fsyncs for
    scratch output that a crash may lose.
    """
    check_target(path)
    directory = path.parent
    fd, tmp = _create_temp(directory, path.name)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            yield out
            out.flush()
            if durable:
                os.fsync(out.fileno())
        if replace:
            check_target(path)
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path, follow_symlinks=False)
            except FileExistsError:
                raise UnsafeFileError(f"{path} already exists; refusing to overwrite it") \
                    from None
            os.unlink(tmp)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(directory)


@contextmanager
def private_text_output(path: Path, *, mode: int = PRIVATE, replace: bool = True,
                        durable: bool = True) -> Iterator[TextIO]:
    """:func:`private_output` for UTF-8 text (newlines written as given)."""
    with private_output(path, mode=mode, replace=replace, durable=durable) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="", write_through=True)
        yield text
        text.flush()
        text.detach()


def write_private(path: Path, data: bytes | str, *, mode: int = PRIVATE, replace: bool = True,
                  durable: bool = True) -> None:
    """Write *data* (text as UTF-8) to *path*, whole or not at all."""
    with private_output(path, mode=mode, replace=replace, durable=durable) as out:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)
