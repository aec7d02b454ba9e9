"""A voicemail spool laid out as app_voicemail leaves it, for tests without Asterisk."""

from __future__ import annotations

from pathlib import Path

from tests.audio_tones import tone_wav

TXT = """;
; Message Information file
;
[message]
origmailbox={box}
context=voco-ext
macrocontext=
exten={box}
rdnis=unknown
priority=2
callerchan=Local/alice-n-0-6@phone-0000002c;1
callerid="Carol Caller" <+442079460000>
origdate=Sun Nov 29 12:23:02 AM UTC 2026
origtime={origtime}
category=
msg_id={origtime}-0000000{n}
flag=
duration=3
"""


def leave(root: Path, box: str = "1001", n: int = 0, origtime: int = 1795911782) -> Path:
    """A finished message as app_voicemail leaves it in INBOX."""
    inbox = root / "default" / box / "INBOX"
    inbox.mkdir(parents=True, exist_ok=True)
    tone_wav(inbox / f"msg000{n}.wav", 3.0)
    (inbox / f"msg000{n}.txt").write_text(TXT.format(box=box, origtime=origtime, n=n))
    return inbox / f"msg000{n}.wav"
