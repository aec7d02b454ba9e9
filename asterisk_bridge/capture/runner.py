"""The detached process of one capture: run dumpcap to its own limits, then seal the file.

Started by 'voco capture start' in its own session, so it outlives the command. dumpcap is its
child but enforces the deadline (``-a duration``) and the size cap (``-a filesize``) itself: a
SIGKILLed runner leaves a dumpcap that still stops on time, and a sweep seals its file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

MODULE = "asterisk_bridge.capture.runner"


def spawn(config_path: Path, capture_id: str) -> int:
    """Start the runner of *capture_id*; returns its pid."""
    proc = subprocess.Popen(
        [sys.executable, "-m", MODULE, str(config_path), capture_id],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True, cwd="/")
    return proc.pid


def run(config_path: Path, capture_id: str) -> None:
    """Run the capture's dumpcap to its end, then seal what it wrote."""
    from asterisk_bridge.capture import control, plan
    from asterisk_bridge.capture.spool import plain_path
    from asterisk_bridge.context import App

    app = App.open(config_path)
    row = control.get(app, capture_id)
    settings = app.config.asterisk
    seconds = int((datetime.fromisoformat(row.deadline_at)
                   - datetime.fromisoformat(row.started_at)).total_seconds())
    argv = plan.dumpcap_argv(settings, row.scope, seconds, row.max_bytes,
                             plain_path(settings, capture_id))
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, umask=0o077)
    control.update_row(app, capture_id, dumpcap_pid=proc.pid)
    _, err = proc.communicate()
    if proc.returncode not in (0, -2) and not plain_path(settings, capture_id).exists():
        control.update_row(app, capture_id, state="failed",
                        stop_reason=f"dumpcap exited {proc.returncode}: {err.strip()[-300:]}")
        return
    control.seal(app, capture_id, "runner")


if __name__ == "__main__":  # pragma: no cover - run by spawn()
    os.umask(0o077)
    run(Path(sys.argv[1]), sys.argv[2])
