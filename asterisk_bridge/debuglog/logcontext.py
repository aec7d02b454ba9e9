"""What logger.conf says: quiet, or quiet plus one RAM-backed full log for an open window."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.provisioning import validate
from asterisk_bridge.store.models.debuglog import DebugWindow

PREFIX = "voco-debug-"
#: logger.conf without a debug window: errors, warnings and security events only.
QUIET_LOGGING: Mapping[str, Any] = {"debug_file": None}


def debug_file(settings: AsteriskSettings, window_id: int) -> Path:
    """Host path of window *window_id*'s full log, in the RAM log directory."""
    return Path(settings.ram_log_dir) / f"{PREFIX}{window_id}.log"


def context(settings: AsteriskSettings, window: DebugWindow | None) -> dict[str, Any]:
    """The ``logging`` template variable for *window* (None: quiet)."""
    if window is None or not settings.ram_log_dir:
        return dict(QUIET_LOGGING)
    path = debug_file(settings, window.id)
    return {"debug_file": settings.as_seen_by_asterisk(path),
            "debug_levels": validate.log_levels(window.levels),
            "debug_until": window.expires_at}


def logger_conf(settings: AsteriskSettings, window: DebugWindow | None) -> str:
    """The text of logger.conf for *window* (the template engine loads only here: a bridge
    that merely finds debug logs to expire or purge never needs it)."""
    from asterisk_bridge.generator.render import render

    return render("logger.conf.j2", {"logging": context(settings, window)})
