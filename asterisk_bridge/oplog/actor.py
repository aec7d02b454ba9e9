"""Who ran a command, as the operation log records it.

The name comes from the process's real uid, which the kernel vouches for: ``$USER`` and
``$LOGNAME`` (what ``getpass.getuser`` reads first) are set by whoever starts the process. Under
sudo the real uid is root's; ``$SUDO_USER`` then says who invoked sudo, but it is an environment
variable too, so it is kept only as extra information beside the verified name.
"""

from __future__ import annotations

import os
import pwd

SUDO_SHOWN = 32  # characters of $SUDO_USER kept: a user name, not a payload


def current_actor() -> str:
    """``name`` of the real uid (``uid N`` without a passwd entry), plus ``(via sudo: who)``."""
    uid = os.getuid()
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = f"uid {uid}"
    claimed = "".join(c for c in os.environ.get("SUDO_USER", "") if c.isprintable())[:SUDO_SHOWN]
    return f"{name} (via sudo: {claimed})" if claimed and claimed != name else name
