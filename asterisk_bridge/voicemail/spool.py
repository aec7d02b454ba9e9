"""Asterisk's voicemail spool (app_voicemail, file storage), read: which messages are finished.

app_voicemail records into ``<mailbox>/tmp`` and moves the finished message into a folder
(``INBOX``…) as ``msgNNNN.wav`` plus ``msgNNNN.txt`` (caller ID, time, duration, ``msg_id``); the
``.txt`` is renamed last, so a message whose ``.txt`` is in a folder is complete. The spool must
be RAM-backed, like the recording spool, so plaintext messages never reach persistent disk.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.recording.spool import SpoolError, require_ram_backed

_SEGMENT = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]{0,79}")
_MSG = re.compile(r"msg[0-9]{4}\.txt")
_MSG_ID = re.compile(r"[0-9]{1,20}-[0-9A-Fa-f]{1,16}")


@dataclass(frozen=True)
class SpoolMessage:
    """One finished message in the spool, with what its ``.txt`` says."""

    txt: Path
    mailbox: str  # box@context
    folder: str
    msg_id: str
    caller_number: str
    caller_name: str
    origtime: float
    duration_s: float
    channel: str = ""  # the caller's channel, as app_voicemail names it (callerchan)

    @property
    def audio(self) -> Path:
        """The message's WAV beside its ``.txt``."""
        return self.txt.with_suffix(".wav")

    def files(self) -> list[Path]:
        """Every file of this message (each recorded format, and the ``.txt``)."""
        return sorted(self.txt.parent.glob(f"{self.txt.stem}.*"))


def spool_root(settings: AsteriskSettings) -> Path:
    """Host path of Asterisk's voicemail spool: ``<ast_spool_dir>/voicemail``."""
    if not settings.ast_spool_dir:
        raise SpoolError("no Asterisk spool directory is configured (ast_spool_dir in [asterisk])")
    return Path(settings.ast_spool_dir) / "voicemail"


def parse(txt: Path, mailbox: str, folder: str) -> SpoolMessage | None:
    """The message a ``msgNNNN.txt`` describes; None if it is not (yet) a complete one."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(txt.read_text(encoding="utf-8", errors="replace"))
        meta = parser["message"]
    except (OSError, configparser.Error, KeyError):
        return None
    if "duration" not in meta or not txt.with_suffix(".wav").exists():
        return None
    name, number = parseaddr(meta.get("callerid", ""))
    msg_id = meta.get("msg_id", "")
    origtime = _number(meta.get("origtime", "")) or txt.stat().st_mtime
    if not _MSG_ID.fullmatch(msg_id):
        msg_id = f"{int(origtime)}-{mailbox.replace('@', '-')}-{folder}-{txt.stem}"
    return SpoolMessage(txt, mailbox, folder, msg_id, number if number != "unknown" else "",
                        name if name != "unknown" else "", origtime,
                        _number(meta.get("duration", "")), meta.get("callerchan", "")[:200])


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def scan(root: Path) -> list[SpoolMessage]:
    """Every finished message under *root*, oldest first (after the RAM check)."""
    if not root.exists():
        return []
    require_ram_backed(root)
    found = []
    for txt in root.glob("*/*/*/msg*.txt"):
        folder, box, context = (p.name for p in txt.parents[:3])
        if folder == "tmp" or not _MSG.fullmatch(txt.name) \
                or not all(_SEGMENT.fullmatch(s) for s in (folder, box, context)):
            continue
        msg = parse(txt, f"{box}@{context}", folder)
        if msg is not None:
            found.append(msg)
    return sorted(found, key=lambda m: (m.origtime, m.msg_id))
