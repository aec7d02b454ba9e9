"""``voco apply``: render every PBX file, write it atomically, reload, verify, or roll back.

Steps: render all files (a template error stops here, nothing written); diff against the files
in ``ast_etc_dir``; keep the current files, secrets masked, as a backup set; write the changed
ones (temp file + rename each); reload the modules that read them, checking each Response and
Reload event; prove the new dialplan live with its sentinel; compare Asterisk's live state
(globals, contexts, PJSIP objects, feature codes, queues) with the rendered files; scan
messages.log for warnings about the changed files. Any failure restores the previous files and
reloads them again, so Asterisk keeps (or returns to) the last working configuration. When no
file changed, the live state is still compared, and any drift is repaired by reloading every
file.

The sentinel's name is derived from the rendered content, so identical state renders identical
files (and export/import round trips compare byte for byte) while any change renames it.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.context import App
from asterisk_bridge.crypto.subkey import subkey
from asterisk_bridge.debuglog import logcontext, window
from asterisk_bridge.errors import ApplyError, AsteriskError, ConfigError, RenderError
from asterisk_bridge.generator import diff, reload
from asterisk_bridge.generator.pbx import node_context, render_pbx
from asterisk_bridge.provisioning import secrets
from asterisk_bridge.recording import prompts
from asterisk_bridge.safewrite import write_private
from asterisk_bridge.tls.asterisk import AsteriskTls, locate
from asterisk_bridge.tls.asterisk import install as install_tls
from asterisk_bridge.tls.store import Current, TlsStore
from asterisk_bridge.voicemail import notice

_PENDING = "voco-sentinel-pending"
_SENTINEL = re.compile(r"^exten => (voco-sentinel-[0-9a-z]+),1,", re.MULTILINE)
BACKUPS_KEPT = 10
FILE_MODE = 0o640


@dataclass
class Plan:
    """What an apply would do."""

    files: dict[str, str]
    previous: dict[str, str | None]
    sentinel: str
    diff: str

    @property
    def changed(self) -> list[str]:
        """Files whose text differs from what is on disk, in reload order."""
        return [n for n in reload.MODULES if n in self.files and self.files[n] !=
                self.previous.get(n)]

    @property
    def diff_sha256(self) -> str:
        """SHA-256 of the (secret-masked) diff: what the operation log records."""
        return diff.sha256(self.diff)


@dataclass
class Outcome:
    """What an apply did."""

    changed: list[str]
    diff_sha256: str
    sentinel: str
    reloaded: list[str] = field(default_factory=list)
    backup: str = ""
    applied: bool = False

    def to_dict(self) -> dict[str, Any]:
        """For ``--json`` and the operation log."""
        return dict(vars(self))


def _etc_dir(settings: AsteriskSettings) -> Path:
    if not settings.ast_etc_dir:
        raise ConfigError("no Asterisk configuration directory: set ast_etc_dir in [asterisk] "
                          "of the config file")
    etc = Path(settings.ast_etc_dir)
    if not etc.is_dir():
        raise ConfigError(f"Asterisk configuration directory {etc} does not exist")
    return etc


def _fingerprint_key(master_key: bytes) -> bytes:
    return subkey(master_key, b"voco-apply-diff-mask-v1")


def _tls(app: App) -> tuple[Current, AsteriskTls] | None:
    """This node's certificate and where Asterisk reads its copy, if it has one."""
    current = TlsStore.of(app.config).current()
    return None if current is None else (current, locate(current, app.config.asterisk))


def render(app: App) -> dict[str, str]:
    """Render every PBX file with this node's context; RenderError names the failing template."""
    tls = _tls(app)
    node = node_context(app.config.asterisk, _PENDING, tls[1].as_context() if tls else None)
    node["logging"] = logcontext.context(app.config.asterisk,
                                         window.live(app.engine, app.config.asterisk.node))
    try:
        with secrets.unlocked(app.master_key):
            files = render_pbx(app.engine, node)
    except jinja2.TemplateError as exc:
        where = f"{exc.name}:{exc.lineno}" if isinstance(exc, jinja2.TemplateSyntaxError) \
            else "a template"
        raise RenderError(f"rendering failed in {where}: {exc}; nothing was written, "
                          "Asterisk keeps its current configuration") from None
    digest = hashlib.sha256("".join(f"{n}\0{t}\0" for n, t in sorted(files.items())).encode())
    sentinel = f"voco-sentinel-{digest.hexdigest()[:8]}"
    return {name: text.replace(_PENDING, sentinel) for name, text in files.items()}


def plan(app: App) -> Plan:
    """Render and compare with the files on disk; touches nothing."""
    etc = _etc_dir(app.config.asterisk)
    files = render(app)
    previous = {name: _read(etc / name) for name in files}
    sentinel = _SENTINEL.search(files["extensions.conf"])
    return Plan(files, previous, sentinel.group(1) if sentinel else "",
                diff.unified(previous, files, _fingerprint_key(app.master_key)))


def apply(app: App, dry_run: bool = False, offline: bool = False) -> Outcome:
    """Plan, then (unless *dry_run*) write, reload, verify; roll back on any failure.

    *offline* writes the files for an Asterisk that is not running yet (a container's or a
    host's first start): it reads them when it starts, and a later apply proves them live.
    """
    if dry_run:
        p = plan(app)
        return Outcome(p.changed, p.diff_sha256, p.sentinel)
    with exclusive(app.config.data_dir):
        return _write_offline(app) if offline else _apply(app)


def _write_offline(app: App) -> Outcome:
    settings = app.config.asterisk
    try:
        asyncio.run(reload.sentinel_live(settings, "voco-sentinel-probe"))
    except AsteriskError:
        pass  # not running: the files may be written
    else:
        raise ApplyError("Asterisk is running: use 'voco apply', which reloads and verifies")
    p = plan(app)
    outcome = Outcome(p.changed, p.diff_sha256, p.sentinel)
    if settings.ast_lib_dir:
        prompts.install(app.engine, Path(settings.ast_lib_dir))
    tls = _tls(app)
    if tls is not None:
        install_tls(*tls)
    outcome.backup = str(_backup(app.config.data_dir, p.previous,
                                 _fingerprint_key(app.master_key)))
    write_files(_etc_dir(settings), {n: p.files[n] for n in p.changed})
    outcome.applied = True
    return outcome


@contextmanager
def exclusive(data_dir: Path) -> Iterator[None]:
    """One apply at a time on this host: two would interleave writes and rollbacks."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / "apply.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ApplyError("another 'voco apply' is running; try again when it has finished")\
                from None
        yield
    finally:
        os.close(fd)


def _apply(app: App) -> Outcome:
    settings = app.config.asterisk
    p = plan(app)
    outcome = Outcome(p.changed, p.diff_sha256, p.sentinel)
    etc = _etc_dir(settings)
    # Reach AMI before touching a file: if Asterisk is down, nothing is written.
    live = asyncio.run(reload.sentinel_live(settings, p.sentinel))
    if settings.ast_lib_dir:  # uploaded prompts live in the store; every node plays its copy
        prompts.install(app.engine, Path(settings.ast_lib_dir))
        notice.install(app.engine, Path(settings.ast_lib_dir))
    tls = _tls(app)
    if tls is not None:  # the files name this copy: it must be there before they are reloaded
        install_tls(*tls)
    if not p.changed:
        if not live or asyncio.run(reload.live_differences(settings, p.files)):
            # Files are current but Asterisk does not run them all (an earlier run was cut
            # short, or someone changed live state by hand): reload every file.
            outcome.reloaded = reload.modules_for(p.files)
            _reload_or_raise(settings, outcome.reloaded, p.sentinel, p, etc, list(p.files))
        outcome.applied = True
        return outcome
    outcome.backup = str(_backup(app.config.data_dir, p.previous,
                                 _fingerprint_key(app.master_key)))
    outcome.reloaded = reload.modules_for(p.changed)
    watch = reload.LogWatch(settings.ast_log_dir)
    write_files(etc, {n: p.files[n] for n in p.changed})
    _reload_or_raise(settings, outcome.reloaded, p.sentinel, p, etc, p.changed, watch)
    outcome.applied = True
    return outcome


def _reload_or_raise(settings: AsteriskSettings, modules: list[str], sentinel: str, p: Plan,
                     etc: Path, changed: list[str], watch: reload.LogWatch | None = None) -> None:
    try:
        problems = asyncio.run(reload.reload_and_check(settings, modules, sentinel, p.files))
    except AsteriskError as exc:  # the link dropped mid-reload: treat it as a refusal
        problems = [str(exc)]
    if watch is not None:
        problems += watch.problems(changed)
    if not problems:
        return
    _restore(etc, {n: p.previous.get(n) for n in changed})
    old = _SENTINEL.search(p.previous.get("extensions.conf") or "")
    before = {n: t for n, t in p.previous.items() if t is not None}
    try:
        after = asyncio.run(reload.reload_and_check(settings, modules,
                                                    old.group(1) if old else None, before))
    except AsteriskError as exc:
        after = [str(exc)]
    state = ("the previous files were restored and are live again" if not after else
             "the previous files were restored, but reloading them also failed: "
             + "; ".join(after))
    raise ApplyError(f"Asterisk rejected the new configuration ({', '.join(changed)}): "
                     + "; ".join(problems) + f". {state}")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def write_files(etc: Path, files: Mapping[str, str]) -> None:
    """Each file whole or not at all (``safewrite``), keeping the mode an admin gave it."""
    for name, text in files.items():
        target = etc / name
        try:
            mode = target.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = FILE_MODE
        write_private(target, text, mode=mode)


def _restore(etc: Path, previous: Mapping[str, str | None]) -> None:
    write_files(etc, {n: t for n, t in previous.items() if t is not None})
    for name, text in previous.items():
        if text is None:
            (etc / name).unlink(missing_ok=True)


def _backup(data_dir: Path, previous: Mapping[str, str | None], fingerprint_key: bytes) -> Path:
    """Keep the files being replaced, their secrets masked as in the diff; prune old sets.

    A backup shows what Asterisk ran before, and which secret lines changed, without keeping any
    secret: an old SIP secret, password or PIN must not outlive its replacement in ten old sets.
    The store re-renders the secrets ('voco apply'); rollback uses the files in memory.
    """
    root = data_dir / "apply-backups"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = root / datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target.mkdir(mode=0o700)
    for name, text in previous.items():
        if text is not None:
            write_private(target / name, diff.mask(text, fingerprint_key), replace=False)
    for old in sorted(p for p in root.iterdir() if p.is_dir())[:-BACKUPS_KEPT]:
        shutil.rmtree(old, ignore_errors=True)
    return target
