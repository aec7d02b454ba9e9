"""RAM-backed directories: where plaintext personal data may live (the recording spool, the
full debug log, packet captures), and the check that one really is RAM."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path

from asterisk_bridge.errors import ConfigError

_RAM_FS = {0x01021994: "tmpfs", 0x858458F6: "ramfs"}  # statfs(2) f_type magic numbers


def filesystem_type(path: Path, what: str = "directory",
                    error: type[ConfigError] = ConfigError) -> int:
    """The statfs(2) f_type of the filesystem holding *path*."""

    class _StatFs(ctypes.Structure):
        _fields_ = [("f_type", ctypes.c_long), ("_rest", ctypes.c_byte * 112)]

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    buf = _StatFs()
    if libc.statfs(os.fsencode(path), ctypes.byref(buf)) != 0:
        err = ctypes.get_errno()
        raise error(f"{what} {path}: {os.strerror(err)}") from OSError(err, path)
    return int(buf.f_type) & 0xFFFFFFFF


def require_ram_backed(path: Path, what: str, error: type[ConfigError] = ConfigError) -> None:
    """Refuse *path* unless it is a directory on tmpfs/ramfs, naming the fix."""
    if not path.is_dir():
        raise error(f"{what} {path} does not exist or is not a directory")
    if filesystem_type(path, what, error) not in _RAM_FS:
        raise error(
            f"{what} {path} is on a disk filesystem: plaintext would reach persistent storage. "
            f"Mount a tmpfs there (mount -t tmpfs -o mode=0700 tmpfs {path})")
