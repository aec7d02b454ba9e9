"""The master key file: 256 random bits that wrap every per-file data key.

The key never appears in output or logs. A key file that group or others can read is refused,
because whoever reads it can decrypt every recording.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from asterisk_bridge.errors import KeyFileError
from asterisk_bridge.safewrite import write_private

KEY_BYTES = 32


def create_master_key(path: Path) -> None:
    """Create a new key file with mode 0600; refuse to overwrite an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(path):
        raise KeyFileError(f"master key {path} already exists; refusing to overwrite it")
    write_private(path, secrets.token_bytes(KEY_BYTES), replace=False)


def load_master_key(path: Path) -> bytes:
    """Read the key after checking it is a 0600-or-stricter regular file of the right size."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise KeyFileError(f"master key {path} not found (was 'voco init' run?)") from None
    if not stat.S_ISREG(st.st_mode):
        raise KeyFileError(f"master key {path} is not a regular file")
    if st.st_mode & 0o077:
        raise KeyFileError(
            f"master key {path} has loose permissions {stat.S_IMODE(st.st_mode):04o}; "
            f"run 'chmod 600 {path}'"
        )
    try:
        key = path.read_bytes()
    except PermissionError:
        raise KeyFileError(f"master key {path} is not readable by this user") from None
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"master key {path} is {len(key)} bytes, expected {KEY_BYTES}")
    return key
