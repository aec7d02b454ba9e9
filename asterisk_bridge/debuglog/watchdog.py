"""The detached process that ends a debug window at its expiry, whoever else is running.

'voco debug on' starts it in its own session (so it outlives the command and a closed
terminal); it sleeps until the window's expiry, re-reading it (an extension moves the expiry,
'voco debug off' ends it early), then ends it. If that fails (Asterisk or the store briefly
away) it retries until it succeeds or another process ended the window.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

RETRY_S = 10.0
CHECK_S = 30.0
ACTOR = "voco debug watchdog"


def spawn(config_path: Path, window_id: int) -> int:
    """Start the watchdog for *window_id*; returns its pid."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "asterisk_bridge.debuglog.watchdog", str(config_path),
         str(window_id)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True, cwd="/")
    return proc.pid


def watch(config_path: Path, window_id: int) -> None:
    """Sleep until *window_id* expires, then end it (retrying), unless it ends otherwise."""
    from asterisk_bridge.context import App
    from asterisk_bridge.debuglog import control, window
    from asterisk_bridge.errors import ConfigError, VocoError

    app = App.open(config_path)
    while True:
        if not Path(app.config.asterisk.ast_etc_dir or "/nonexistent").is_dir():
            return  # the installation is gone: nothing left to silence
        try:
            found = window.current(app.engine, app.config.asterisk.node)
        except ConfigError:
            return
        except (SQLAlchemyError, VocoError):
            time.sleep(RETRY_S)
            continue
        if found is None or found.id != window_id:
            return
        left = (datetime.fromisoformat(found.expires_at) - window.now()).total_seconds()
        if left > 0:
            time.sleep(min(left, CHECK_S))
            continue
        try:
            control.expire_due(app, ACTOR)
            return
        except (SQLAlchemyError, VocoError):
            time.sleep(RETRY_S)


if __name__ == "__main__":  # pragma: no cover - run by spawn()
    os.umask(0o077)
    watch(Path(sys.argv[1]), int(sys.argv[2]))
