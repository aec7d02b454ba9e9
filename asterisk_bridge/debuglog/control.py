"""'voco debug on/off/status/export': Asterisk's full logging in a time-boxed window.

Turning it on opens a window in the store, renders logger.conf with one extra channel whose file
lives in the RAM log directory (``ram_log_dir``, refused unless tmpfs/ramfs), reloads Asterisk's
logger and proves the channel is live (``logger show channels``), then starts a detached
watchdog that ends the window at its expiry even if no Voco command or bridge runs. The bridge
checks again at start and every minute. Ending a window (off, expiry) renders the quiet
logger.conf first, reloads it, deletes the full log, then marks the window ended: plaintext is
gone unless the admin exported it (age-encrypted) before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from asterisk_bridge import ramdir
from asterisk_bridge.bridge.amiclient import ami_session
from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.context import App
from asterisk_bridge.crypto import age
from asterisk_bridge.debuglog import logcontext, watchdog, window
from asterisk_bridge.errors import AsteriskError, AsteriskUnreachable, ConfigError, NotFoundError
from asterisk_bridge.generator.apply import exclusive, write_files
from asterisk_bridge.provisioning import validate
from asterisk_bridge.store.models.debuglog import DebugWindow

MOST_S = 24 * 3600
_READ = 1024 * 1024
OPEN_POLLS = 50  # tenths of a second for Asterisk's logger to open the new file


def _ram_dir(settings: AsteriskSettings) -> Path:
    if not settings.ram_log_dir:
        raise ConfigError("no RAM log directory: set ram_log_dir in [asterisk] of the config "
                          "file to a tmpfs directory Asterisk can write (e.g. /run/asterisk/"
                          "voco-debug, mounted with 'mount -t tmpfs -o mode=0700 tmpfs DIR')")
    path = Path(settings.ram_log_dir)
    ramdir.require_ram_backed(path, "RAM log directory (ram_log_dir)")
    return path


def turn_on(app: App, duration: str, levels: str, actor: str) -> DebugWindow:
    """Open (or extend) this node's window for *duration* (``2h``) logging *levels*."""
    seconds = validate.duration(duration, "for", MOST_S, least_s=10)
    chosen = validate.log_levels(levels)
    settings = app.config.asterisk
    _ram_dir(settings)
    with exclusive(app.config.data_dir):
        opened = window.open_window(app.engine, settings.node, chosen, seconds, actor)
        try:
            _install(settings, opened)
        except AsteriskError:
            _silence(settings, None)
            window.end(app.engine, opened.id, actor, "Asterisk refused the full logging")
            raise
    watchdog.spawn(app.config.path, opened.id)
    return opened


def turn_off(app: App, actor: str, reason: str) -> DebugWindow | None:
    """End the open window (if any): quiet logger.conf, reload, delete the full log."""
    settings = app.config.asterisk
    with exclusive(app.config.data_dir):
        ended = window.current(app.engine, settings.node)
        problem = _silence(settings, ended)
        if ended is not None:
            window.end(app.engine, ended.id, actor, reason)
    if problem:
        raise AsteriskError(f"logger.conf is quiet again and the full log was deleted, but "
                            f"Asterisk could not reload its logger: {problem}")
    return ended


def expire_due(app: App, actor: str) -> DebugWindow | None:
    """End the open window if its time is up; returns it if it did."""
    found = window.current(app.engine, app.config.asterisk.node)
    if found is None or not window.is_due(found):
        return None
    return turn_off(app, actor, "expired")


def _silence(settings: AsteriskSettings, ended: DebugWindow | None) -> str:
    """Render the quiet logger.conf, reload it, delete every full log; the reload problem (an
    unreachable Asterisk is none: it reads the quiet file when it starts)."""
    write_files(_etc(settings), {"logger.conf": logcontext.logger_conf(settings, None)})
    problem = ""
    try:
        asyncio.run(_reload_logger(settings, None))
    except AsteriskUnreachable:
        pass
    except AsteriskError as exc:
        problem = str(exc)
    if settings.ram_log_dir:
        for path in Path(settings.ram_log_dir).glob(f"{logcontext.PREFIX}*.log"):
            path.unlink(missing_ok=True)
    return problem


def _etc(settings: AsteriskSettings) -> Path:
    if not settings.ast_etc_dir or not Path(settings.ast_etc_dir).is_dir():
        raise ConfigError("no Asterisk configuration directory: set ast_etc_dir in [asterisk] "
                          "of the config file")
    return Path(settings.ast_etc_dir)


def _install(settings: AsteriskSettings, opened: DebugWindow) -> None:
    write_files(_etc(settings), {"logger.conf": logcontext.logger_conf(settings, opened)})
    asyncio.run(_reload_logger(settings, opened))


async def _reload_logger(settings: AsteriskSettings, opened: DebugWindow | None) -> None:
    """Reload the logger and prove the result: the full log's file exists (Asterisk opens it
    at the reload), or no full-log channel is left."""
    async with ami_session(settings) as ami:
        answer = await ami.action({"Action": "Reload", "Module": "logger"})
        if not hasattr(answer, "get") or answer.get("Response") != "Success":
            raise AsteriskError(f"Asterisk refused to reload its logger: {answer!r}")
        channels = await ami.command("logger show channels")
        if opened is None:
            if logcontext.PREFIX in channels:
                raise AsteriskError("Asterisk's logger still runs a full debug log after the "
                                    "reload")
            return
        path = logcontext.debug_file(settings, opened.id)
        for _ in range(OPEN_POLLS):
            if path.exists():
                return
            await asyncio.sleep(0.1)
    raise AsteriskError(f"Asterisk's logger did not open {path} after the reload (can it "
                        "write to ram_log_dir?)")


def status(app: App) -> dict[str, Any]:
    """The node's debug state (an expired window is ended first)."""
    expire_due(app, "voco debug status")
    settings = app.config.asterisk
    found = window.current(app.engine, settings.node)
    if found is None:
        return {"debug": "off", "node": settings.node}
    path = logcontext.debug_file(settings, found.id)
    left = datetime.fromisoformat(found.expires_at) - window.now()
    return {"debug": "on", "node": settings.node, "window": found.id, "levels": found.levels,
            "started_at": found.started_at, "started_by": found.started_by,
            "expires_at": found.expires_at, "seconds_left": max(int(left.total_seconds()), 0),
            "log_file": str(path), "log_bytes": path.stat().st_size if path.exists() else 0,
            "exported": found.exported}


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(_READ):
            yield chunk


def export(app: App, out: BinaryIO, recipients: Iterable[str]) -> DebugWindow:
    """Write the open window's full log so far as an age file for *recipients*."""
    wanted = list(recipients)
    age.recipients(wanted)  # refuse a bad recipient before reading anything
    found = window.live(app.engine, app.config.asterisk.node)
    if found is None:
        raise NotFoundError("debug logging is off: there is no full log to export")
    path = logcontext.debug_file(app.config.asterisk, found.id)
    if not path.exists():
        raise NotFoundError(f"the full log {path} has not been written yet (nothing logged)")
    age.encrypt_chunks(_chunks(path), out, wanted)
    window.count_export(app.engine, found.id)
    return found
