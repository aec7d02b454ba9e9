"""The RAM spool MixMonitor records into: which files are finished, partial, or still growing.

The contract with the dialplan: MixMonitor writes ``voco-<linkedid>-<uniqueid>.wav`` (dots turned
into ``_``) and ``<file>.wav.done`` appears once the file is closed for good (a paused recording
is not finished: its segments leave ``.end<n>``/``.held<n>`` markers, see the consent dialplan's
``voco-rec-monitor``). A ``.wav`` without ``.done`` whose channel is gone (Asterisk crashed or
restarted) is a partial recording; it is kept like any other. ``<file>.wav.trail`` holds the
dialplan's markers for the recording (:mod:`.trail`). The spool must be RAM-backed, so
plaintext audio never reaches persistent disk: a spool on a disk filesystem is refused, not used.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asterisk_bridge import ramdir
from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.errors import ConfigError

PREFIX = "voco-"
SUFFIX = ".wav"
DONE = ".done"
PARTIAL_GRACE_S = 10.0
"""A file untouched this long whose channel is gone is partial. The grace covers the moment
between a channel leaving the channel list and its post-recording command touching ``.done``."""


class SpoolError(ConfigError):
    """The spool is missing or not RAM-backed: recording plaintext would reach persistent disk."""


@dataclass(frozen=True)
class SpoolFile:
    """One recording in the spool."""

    path: Path
    done: bool  # the post-recording command ran: the file is closed and complete

    @property
    def recording_id(self) -> str:
        """The file stem, which is also the recording's id in the store."""
        return self.path.name[: -len(SUFFIX)]

    @property
    def marker(self) -> Path:
        """The ``.done`` marker beside the file."""
        return self.path.with_name(self.path.name + DONE)

    def companions(self) -> list[Path]:
        """Every file the dialplan keeps beside this one (markers, trail), but not the audio."""
        return companions_of(self.path)

    @property
    def linkedid(self) -> str:
        """The call's linkedid, from the file name."""
        return _ids(self.recording_id)[0]

    @property
    def uniqueid(self) -> str:
        """The recorded channel's uniqueid, from the file name."""
        return _ids(self.recording_id)[1]


def _ids(recording_id: str) -> tuple[str, str]:
    """Split ``voco-<linkedid>-<uniqueid>``. With a ``systemname`` both ids carry the same
    dashed prefix, so the dashes split evenly between the two halves."""
    parts = recording_id[len(PREFIX):].split("-")
    half = max(len(parts) // 2, 1)
    linked, unique = "-".join(parts[:half]), "-".join(parts[half:])
    return linked.replace("_", "."), unique.replace("_", ".")


def spool_path(settings: AsteriskSettings) -> Path:
    """Host path of the monitor spool: ``<ast_spool_dir>/monitor``."""
    if not settings.ast_spool_dir:
        raise SpoolError("no Asterisk spool directory is configured (ast_spool_dir in [asterisk])")
    return Path(settings.ast_spool_dir) / "monitor"


def require_ram_backed(path: Path) -> None:
    """Refuse a spool that is not tmpfs/ramfs, naming the fix."""
    ramdir.require_ram_backed(path, "recording spool", SpoolError)


def scan(spool: Path) -> list[SpoolFile]:
    """Every Voco recording in *spool*, oldest first (the RAM check is done here too)."""
    require_ram_backed(spool)
    found: list[tuple[float, SpoolFile]] = []
    for path in spool.iterdir():
        name = path.name
        if not (name.startswith(PREFIX) and name.endswith(SUFFIX)):
            continue
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:  # stored by a concurrent sweep
            continue
        found.append((mtime, SpoolFile(path, path.with_name(name + DONE).exists())))
    return [f for _, f in sorted(found, key=lambda item: item[0])]


def companions_of(wav: Path) -> list[Path]:
    """The files named ``<wav>.<something>`` beside ``wav``."""
    return sorted(wav.parent.glob(f"{glob.escape(wav.name)}.*"))


def occupied(spool: Path) -> bool:
    """Whether *spool* holds any Voco file (recording, marker or trail): one directory read,
    so a sweep can skip asking Asterisk for its channels when there is nothing to sweep."""
    with os.scandir(spool) as entries:
        return any(entry.name.startswith(PREFIX) for entry in entries)


def strays(spool: Path) -> list[Path]:
    """Markers and trails whose recording is already stored (a crash between the unlinks, or a
    marker the dialplan wrote after the recording was stored, such as the hangup's ``end``)."""
    return [p for p in spool.glob(f"{PREFIX}*{SUFFIX}.*")
            if not p.with_name(p.name[: p.name.index(SUFFIX + ".") + len(SUFFIX)]).exists()]


def uniqueid_of(path: Path) -> str:
    """The recorded channel's uniqueid, from a spool file's or companion's name."""
    return _ids(path.name[: path.name.index(SUFFIX)])[1]


def is_partial(f: SpoolFile, active_uniqueids: Iterable[str], now: float | None = None,
               grace_s: float = PARTIAL_GRACE_S) -> bool:
    """Whether *f* is an abandoned recording: no marker, channel gone, quiet for *grace_s*."""
    if f.done or f.uniqueid in set(active_uniqueids):
        return False
    try:
        idle = (now or time.time()) - f.path.stat().st_mtime
    except FileNotFoundError:
        return False
    return idle >= grace_s and not f.marker.exists()

