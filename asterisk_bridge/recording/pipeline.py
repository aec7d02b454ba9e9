"""One pass over the RAM spool: every finished or abandoned recording goes into the store.

A sweep is idempotent and safe to repeat at any moment, which is what makes the bridge
crash-proof: whatever a killed bridge left behind, the next sweep finds in the spool. Sweeps of
one spool are serialised across processes with a lock file in the spool itself.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App
from asterisk_bridge.notifications import bus
from asterisk_bridge.recording import recover, spool, trail
from asterisk_bridge.recording.parties import CallInfo
from asterisk_bridge.recording.vault import RecordingStoreError, store

log = get_logger("recording")
LOCK_NAME = ".voco-sweep.lock"

AmiAction = Callable[[Mapping[str, str]], Awaitable[Any]]


@dataclass
class SweepReport:
    """What one sweep did; ``settling`` files have lost their channel but not yet got their
    ``.done`` marker, so a prompt second sweep is worthwhile."""

    stored: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    recording: int = 0
    settling: int = 0


@contextmanager
def spool_lock(spool_dir: Path) -> Iterator[None]:
    """Hold the spool's sweep lock (blocking) for the duration."""
    fd = os.open(spool_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def sweep(app: App, spool_dir: Path, active: Collection[str] | None, *,
          hints: Mapping[str, CallInfo] | None = None, startup: bool = False,
          grace_s: float = spool.PARTIAL_GRACE_S) -> SweepReport:
    """Store every finished recording, and every abandoned one as partial.

    *active* is the set of live channel uniqueids (AMI ``CoreShowChannels``); None when Asterisk
    cannot be asked, in which case only finished recordings are stored. With *startup*, first
    repair what a crash may have left (:mod:`recover`).
    """
    hints = hints or {}
    report = SweepReport()
    with spool_lock(spool_dir):
        if startup:
            recover.recover_store(app)
        _settle_strays(app, spool_dir, active, grace_s)
        for f in spool.scan(spool_dir):
            if f.done:
                partial = False
            elif active is not None and spool.is_partial(f, active, grace_s=grace_s):
                partial = True
            else:
                gone = active is not None and f.uniqueid not in active
                report.settling += gone
                report.recording += not gone
                continue
            try:
                _reconcile(app, trail.path_of(f.path))
                row = store(app, f, partial=partial, info=hints.get(f.recording_id))
            except RecordingStoreError as exc:
                log.error("recording.store_failed",
                          extra=fields(recording=f.recording_id, error=str(exc)))
                report.failed[f.recording_id] = str(exc)
                tell_failed(str(exc))
                continue
            (report.partial if partial else report.stored).append(row.id)
            log.info("recording.stored",
                     extra=fields(recording=row.id, partial=partial, size=row.size))
    return report


def tell_failed(reason: str) -> None:
    """Raise ``recording_store_failed``: one key for the whole store, so a disk that stays
    full is one message with a count, not one per recording and retry."""
    bus.publish("recording_store_failed", key="recordings", reason=reason)


def _reconcile(app: App, path: Path) -> None:
    """Store what the trail at ``path`` adds to the evidence (before the trail can go)."""
    try:
        trail.reconcile(app, path)
    except SQLAlchemyError as exc:
        raise RecordingStoreError(
            f"cannot store the evidence in {path.name}: database error "
            f"{type(getattr(exc, 'orig', None) or exc).__name__}; the trail stays in the spool "
            "and will be retried") from None


def _settle_strays(app: App, spool_dir: Path, active: Collection[str] | None,
                   grace_s: float) -> None:
    """Reconcile the trails of recordings already stored, then remove them and other leftover
    markers once their channel is gone (a trail may still grow until the hangup's marker)."""
    now = time.time()
    for path in spool.strays(spool_dir):
        if path.name.endswith(trail.SUFFIX):
            try:
                _reconcile(app, path)
            except RecordingStoreError as exc:
                log.error("recording.trail_failed", extra=fields(error=str(exc)))
                continue
            try:
                quiet = now - path.stat().st_mtime >= grace_s
            except FileNotFoundError:
                continue
            if active is None or spool.uniqueid_of(path) in active or not quiet:
                continue
        path.unlink(missing_ok=True)


async def active_uniqueids(ami_action: AmiAction) -> set[str]:
    """Uniqueids of every channel Asterisk has now (``CoreShowChannels``)."""
    answer = await ami_action({"Action": "CoreShowChannels"})
    messages = answer if isinstance(answer, list) else [answer]
    return {str(m.get("Uniqueid")) for m in messages
            if m.get("Event") == "CoreShowChannel" and m.get("Uniqueid")}
