"""Who ran a command, as the operation log records it."""

from __future__ import annotations

import getpass


def current_actor() -> str:
    """The OS user running the command (API calls will pass their token's name instead)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
