"""The status file a running bridge keeps for ``voco bridge status``.

It is rewritten atomically about once a second, and marked ``stopped`` at a clean shutdown. A
bridge that was killed leaves ``running`` behind with a dead pid: readers check the pid.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from asterisk_bridge.errors import NotRunningError, VocoError
from asterisk_bridge.safewrite import write_private


@dataclass
class LinkState:
    """What the bridge knows about one link right now."""

    state: str = "down"  # "connected" | "reconnecting" | "down"
    since: float = 0.0  # POSIX time of the last state change
    last_event: float = 0.0  # POSIX time data last arrived
    events: int = 0
    connects: int = 0
    last_error: str = ""
    event_filter: list[str] | None = None  # the only events Asterisk sends; None: all it may
    backlog: int = 0  # events queued for handlers right now
    dropped: int = 0  # events dropped because a handler's queue was full
    oversize: int = 0  # frames dropped for their size (AMI)
    malformed: int = 0  # frames or messages that could not be decoded: skipped
    resyncs: int = 0  # gaps recorded for such losses (each one reconciled by the capabilities)

    def set(self, state: str, at: float, error: str = "") -> None:
        """Change state; ``error`` explains a loss or a failed attempt."""
        self.state = state
        self.since = at
        if error:
            self.last_error = error


@dataclass
class BridgeStatus:
    """The whole file."""

    pid: int
    node: str
    started: float
    state: str = "running"  # "running" | "stopped"
    updated: float = 0.0
    links: dict[str, LinkState] = field(default_factory=dict)


def write_status(path: Path, status: BridgeStatus) -> None:
    """Replace the file atomically (0600), so a reader never sees half of it; not fsynced:
    it is rewritten every second, and a crash makes it stale anyway."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, json.dumps(asdict(status), indent=1), durable=False)


def read_status(path: Path) -> BridgeStatus:
    """Read the file; VocoError if it is missing or unreadable."""
    try:
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotRunningError(f"the bridge is not running: no status file at {path}") from None
    except (OSError, ValueError) as exc:
        raise VocoError(f"cannot read the bridge status file {path}: {exc}") from None
    links = {name: LinkState(**state) for name, state in doc.pop("links", {}).items()}
    return BridgeStatus(**doc, links=links)


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a live (non-zombie) process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            stat = fh.read()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@contextlib.contextmanager
def single_instance(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the block: two bridges on one data directory
    would store every event twice and overwrite each other's status file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise VocoError(
                f"another bridge is already running on data directory {path.parent} "
                f"(it holds {path}); stop it first") from None
        yield
    finally:
        os.close(fd)
