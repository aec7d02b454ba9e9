"""Voicemail files private to Asterisk, whatever app_voicemail does.

app_voicemail creates message audio as 0666 minus Asterisk's umask (the sandbox and the image
run it with umask 027), but chmods every message's ``.txt`` (caller ID, time, duration) to 0666
outright, and has no setting against it. So the bridge takes others' access (and group write)
away: from a mailbox as soon as Asterisk says it saved a message (``MessageWaiting``), and from
every mailbox after each AMI (re)connect, for what was saved while the bridge was away.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
from pathlib import Path

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App

TAKEN_AWAY = 0o027  # what umask 027 would have kept Asterisk from granting
_SEGMENT = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]{0,79}")

log = get_logger("voicemail")


def tighten(root: Path) -> int:
    """Remove group write and every permission of others under *root* (symlinks are left
    alone); returns how many files and directories changed."""
    changed = 0
    if not root.is_dir():
        return changed
    for parent, dirs, files in os.walk(root):
        for path in (Path(parent), *(Path(parent) / n for n in (*dirs, *files))):
            try:
                st = path.lstat()
                if not stat.S_ISLNK(st.st_mode) and st.st_mode & TAKEN_AWAY:
                    os.chmod(path, stat.S_IMODE(st.st_mode) & ~TAKEN_AWAY)
                    changed += 1
            except FileNotFoundError:  # Asterisk moved or deleted it meanwhile
                continue
    return changed


class VoicemailPrivacy:
    """The bridge capability that keeps ``<spool>/voicemail`` private."""

    name = "voicemail-privacy"

    def __init__(self, app: App) -> None:
        spool = app.config.asterisk.ast_spool_dir
        self.root = Path(spool) / "voicemail" if spool else None

    def register(self, bridge: BridgeHandle) -> None:
        """Hear about every saved message."""
        bridge.on_ami("MessageWaiting", self._saved)

    def mailbox_dir(self, mailbox: str) -> Path | None:
        """``<root>/<context>/<box>`` for ``box@context``; None for anything else."""
        box, _, context = mailbox.partition("@")
        if self.root is None or not all(_SEGMENT.fullmatch(s) for s in (box, context or "x")):
            return None
        return self.root / (context or "default") / box

    async def _saved(self, event: Event) -> None:
        where = self.mailbox_dir(str(event.get("Mailbox", "")))
        if where is not None:
            await self._tighten(where)

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """After every AMI (re)connect, every mailbox."""
        if link == "ami" and self.root is not None:
            await self._tighten(self.root)

    async def _tighten(self, root: Path) -> None:
        changed = await asyncio.to_thread(tighten, root)
        if changed:
            log.info("voicemail.tightened", extra=fields(path=str(root), changed=changed))

    async def close(self) -> None:
        """Nothing to flush."""
