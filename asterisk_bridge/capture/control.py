"""'voco capture start/stop/list/export/delete'.

``start`` records the capture, then spawns a detached runner (``capture/runner.py``) that runs
dumpcap with its own deadline and size cap into the RAM spool and seals the file when dumpcap
exits. If the runner dies (SIGKILL, reboot of Voco), dumpcap still stops by itself, and the
next :func:`sweep` (``voco capture list``/``stop``, the bridge at start and every minute) seals
what it left. Sealing is the recording vault's order: ciphertext written and fsynced, row and
wrapped key committed, then the plaintext unlinked.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.capture import keys, plan, runner
from asterisk_bridge.capture.spool import plain_path, running, spool_dir
from asterisk_bridge.context import App
from asterisk_bridge.crypto.sealing import Sealed, remove_durably, seal_file
from asterisk_bridge.errors import ConfigError, NotFoundError, VocoError
from asterisk_bridge.provisioning import validate
from asterisk_bridge.store import wipe
from asterisk_bridge.store.models.capture import Capture, CaptureKey

CIPHER_SUFFIX = ".vcap"
START_WAIT_S = 15.0
STOP_WAIT_S = 30.0


class CaptureError(VocoError):
    """dumpcap could not start or the capture is in a state that forbids the command."""


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with seconds, as every capture timestamp is stored."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def captures_dir(app: App) -> Path:
    """``<data_dir>/captures``, created 0700."""
    return keys.KIND.directory(app)


def get(app: App, capture_id: str) -> Capture:
    """The capture's row; NotFoundError if there is none."""
    with Session(app.engine, expire_on_commit=False) as session:
        row = session.get(Capture, capture_id)
    if row is None:
        raise NotFoundError(f"no capture {capture_id!r} (see 'voco capture list')")
    return row


def update_row(app: App, capture_id: str, **values: Any) -> None:
    """Set columns of one capture's row."""
    with Session(app.engine) as session, session.begin():
        row = session.get_one(Capture, capture_id)
        for name, value in values.items():
            setattr(row, name, value)


def start(app: App, duration: str, scope: str, max_size: str, actor: str) -> Capture:
    """Start a capture of *scope* for *duration*, at most *max_size*; returns it running."""
    seconds = validate.duration(duration, "for", plan.MOST_S)
    size = plan.max_bytes(max_size)
    settings = app.config.asterisk
    plan.dumpcap_argv(settings, scope, seconds, size, Path("/dev/null"))  # validates it all
    spool_dir(settings)
    if shutil.which("dumpcap") is None:
        raise ConfigError("dumpcap is not installed (Debian package wireshark-common, pulled "
                          "in by tshark)")
    now = datetime.now(UTC)
    row = Capture(id=f"cap-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}", node=settings.node,
                  scope=scope, bpf=plan.bpf(settings, scope), started_at=iso(now),
                  deadline_at=iso(now + timedelta(seconds=seconds)), max_bytes=size,
                  started_by=actor, state="running")
    with Session(app.engine, expire_on_commit=False) as session, session.begin():
        session.add(row)
    pid = runner.spawn(app.config.path, row.id)
    update_row(app, row.id, runner_pid=pid)
    deadline = time.monotonic() + START_WAIT_S
    while time.monotonic() < deadline:
        now_row = get(app, row.id)
        if now_row.state != "running":
            raise CaptureError(f"capture {row.id} did not start: {now_row.stop_reason}")
        if running(now_row.dumpcap_pid, row.id) and plain_path(settings, row.id).exists():
            return now_row
        time.sleep(0.1)
    raise CaptureError(f"capture {row.id}: dumpcap did not start within {START_WAIT_S:.0f} s")


@contextmanager
def _locked(app: App, capture_id: str) -> Iterator[None]:
    """One sealer per capture (the runner and a sweep may race)."""
    lock = spool_dir(app.config.asterisk) / f"{capture_id}.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def seal(app: App, capture_id: str, why: str) -> Capture:
    """Seal the finished plaintext of a running capture into the store (idempotent)."""
    settings = app.config.asterisk
    with _locked(app, capture_id):
        row = get(app, capture_id)
        if row.state != "running":
            return row
        plain = plain_path(settings, capture_id)
        stopped = iso(datetime.now(UTC))
        if not plain.exists():
            update_row(app, capture_id, state="failed", stopped_at=stopped,
                       stop_reason=f"{why}; dumpcap wrote no file")
            return get(app, capture_id)
        plain_size = plain.stat().st_size
        reason = row.stop_reason or ("size cap" if plain_size + 65536 >= row.max_bytes
                                     else "deadline")
        target = captures_dir(app) / f"{capture_id}{CIPHER_SUFFIX}"
        noted = reason if why == "runner" else f"{reason} (sealed by {why})"

        def commit(sealed: Sealed) -> None:
            with Session(app.engine) as session, session.begin():
                held = session.get_one(Capture, capture_id)
                held.state, held.stopped_at, held.stop_reason = "sealed", stopped, noted
                held.path, held.size, held.sha256 = target.name, sealed.size, sealed.sha256
                held.plain_size, held.key_id = sealed.plain_size, sealed.key_id
                held.master_key_id = sealed.master_key_id
                session.flush()
                session.add(CaptureKey(key_id=sealed.key_id, capture_id=capture_id,
                                       wrapped=sealed.wrapped,
                                       master_key_id=sealed.master_key_id))

        seal_file(app.config.master_key_file, plain, target, keys.owner(capture_id), commit,
                  lambda: plain.unlink(missing_ok=True))
    return get(app, capture_id)


def stop(app: App, capture_id: str, actor: str) -> Capture:
    """Stop a running capture now and seal it."""
    row = get(app, capture_id)
    if row.state != "running":
        raise CaptureError(f"capture {capture_id} is not running (it is {row.state})")
    update_row(app, capture_id, stop_reason=f"stopped by {actor}")
    if running(row.dumpcap_pid, capture_id):
        os.kill(row.dumpcap_pid or 0, signal.SIGINT)
    deadline = time.monotonic() + STOP_WAIT_S
    while time.monotonic() < deadline:
        now_row = get(app, capture_id)
        if now_row.state != "running":
            return now_row
        if not running(now_row.dumpcap_pid, capture_id) and \
                not running(now_row.runner_pid, capture_id):
            break
        time.sleep(0.1)
    return seal(app, capture_id, actor)


def sweep(app: App, actor: str) -> list[str]:
    """Seal every capture of this node whose dumpcap and runner are both gone."""
    with Session(app.engine) as session:
        rows = list(session.scalars(select(Capture).where(
            Capture.node == app.config.asterisk.node, Capture.state == "running")))
    done = []
    for row in rows:
        if running(row.dumpcap_pid, row.id) or running(row.runner_pid, row.id):
            continue
        seal(app, row.id, actor)
        done.append(row.id)
    return done


def captures(app: App) -> list[Capture]:
    """Every capture, oldest first (finished ones sealed first)."""
    sweep(app, "voco capture list")
    with Session(app.engine) as session:
        return list(session.scalars(select(Capture).order_by(Capture.started_at, Capture.id)))


def _plaintext(app: App, row: Capture) -> Iterator[bytes]:
    with Session(app.engine) as session:
        held = session.get(CaptureKey, row.key_id) if row.key_id else None
    if row.state != "sealed" or held is None or not row.path:
        raise NotFoundError(f"capture {row.id} is {row.state}: nothing to export")
    yield from keys.KIND.open(app, row.path, keys.KIND.unwrap(app.master_key, held),
                              held.key_id, f"capture {row.id}")


def plaintext(app: App, capture_id: str) -> Iterator[bytes]:
    """The capture's pcap, authenticated chunk by chunk (the CLI exports it as an age file)."""
    sweep(app, "voco capture export")
    return _plaintext(app, get(app, capture_id))


def delete(app: App, capture_id: str, reason: str, actor: str) -> Capture:
    """Crypto-shred a sealed capture: its key first, then its file; the row stays as the
    tombstone."""
    why = validate.reason(reason, "the capture is deleted")
    row = get(app, capture_id)
    if row.state == "running":
        raise CaptureError(f"capture {capture_id} is still running: 'voco capture stop "
                           f"{capture_id}' first")
    if row.state == "deleted":
        raise NotFoundError(f"capture {capture_id} was deleted at {row.deleted_at} by "
                            f"{row.deleted_by}: {row.delete_reason}")
    with Session(app.engine) as session, session.begin():
        held = session.get(CaptureKey, row.key_id) if row.key_id else None
        if held is not None:
            session.delete(held)
        gone = session.get_one(Capture, capture_id)
        gone.state, gone.deleted_at = "deleted", iso(datetime.now(UTC))
        gone.deleted_by, gone.delete_reason = actor, why
    wipe.checkpoint(app.engine)
    if row.path:
        remove_durably(captures_dir(app) / row.path)
    return get(app, capture_id)


def as_dict(row: Capture) -> dict[str, Any]:
    """A capture for ``--json`` (never its key)."""
    return {k: getattr(row, k) for k in (
        "id", "node", "scope", "bpf", "state", "started_at", "deadline_at", "max_bytes",
        "started_by", "stopped_at", "stop_reason", "size", "plain_size", "sha256",
        "deleted_at", "deleted_by", "delete_reason")}

