"""``voco bridge run`` as its own process, the way the crash tests start and kill it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from asterisk_bridge.context import App

VOCO = str(Path(sys.executable).with_name("voco"))


def start(app: App) -> subprocess.Popen[bytes]:
    """The bridge in a session of its own, so a kill reaches everything it started."""
    return subprocess.Popen([VOCO, "--config", str(app.config.path), "bridge", "run"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def kill(bridge: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no chance to clean up."""
    os.killpg(bridge.pid, signal.SIGKILL)
    bridge.wait()
