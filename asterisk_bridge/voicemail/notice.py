"""The privacy notice a caller hears before leaving a voicemail, and the evidence that they did.

By default it is :data:`DEFAULT_TEXT`, spoken by espeak-ng and converted like every prompt (8 kHz
mono WAV, :func:`asterisk_bridge.recording.prompts.convert`) into ``<astvarlibdir>/voco-voicemail/
notice.wav`` when the configuration is applied, while some extension has a mailbox that plays it
(a PBX without voicemail, or with an uploaded notice, never needs espeak-ng). An administrator
replaces it with an uploaded prompt (``voco prompt upload``, then ``voco voicemail notice NAME``).
The dialplan raises ``UserEvent(VocoVoicemail, Stage: notice, ...)`` once the notice was played;
the bridge stores it as an evidence row, as it does for recording consent.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from asterisk_bridge.errors import NotFoundError
from asterisk_bridge.provisioning import validate
from asterisk_bridge.recording import evidence, policy, prompts
from asterisk_bridge.recording.prompts import PromptError
from asterisk_bridge.safewrite import write_private
from asterisk_bridge.store.models.provisioning import ProvExtension

DEFAULT_TEXT = ("Please leave a message after the tone. Your message, your number and your "
                "name are stored encrypted for the person you called, and may be transcribed. "
                "They are deleted when that person deletes them, or after the retention period.")
NOTICE_DIR = "voco-voicemail"
SETTING = "prompt.voicemail.notice"
DEFAULT_SOUND = f"{NOTICE_DIR}/notice"  # render_default's file, as the dialplan names it
MARKER_EVENT = "VocoVoicemail"
MENU_CODE = "*97"  # what an extension dials to hear its voicemail


def speak(text: str, voice: str = "en-us", speed: int = 150) -> bytes:
    """*text* spoken by espeak-ng, as the 8 kHz mono WAV Asterisk plays."""
    with tempfile.TemporaryDirectory(prefix="voco-notice-") as tmp:
        spoken = Path(tmp) / "spoken.wav"
        try:
            proc = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w",
                                   str(spoken), text], capture_output=True, text=True,
                                  check=False)
        except FileNotFoundError:
            raise PromptError(
                "espeak-ng is not installed, and it speaks the default voicemail privacy "
                "notice: install it (apt-get install espeak-ng), or play an uploaded prompt "
                "instead ('voco prompt upload NAME FILE', then 'voco voicemail notice NAME')"
            ) from None
        if proc.returncode != 0:
            raise PromptError(f"espeak-ng could not speak {text[:40]!r}: "
                              f"{proc.stderr.strip() or proc.returncode}")
        return prompts.convert(spoken)[0]


def render_default(lib_dir: Path, text: str = DEFAULT_TEXT) -> Path:
    """Speak *text* into ``<lib_dir>/voco-voicemail/notice.wav`` (rewritten only if changed)."""
    target = lib_dir / NOTICE_DIR / "notice.wav"
    target.parent.mkdir(parents=True, exist_ok=True)
    audio = speak(text)
    if not target.exists() or hashlib.sha256(target.read_bytes()).digest() \
            != hashlib.sha256(audio).digest():
        write_private(target, audio, mode=prompts.PROMPT_MODE)
    return target


def install(engine: Engine, lib_dir: Path) -> Path | None:
    """Render the default notice if a mailbox plays it (see :func:`sound`); None otherwise."""
    if sound(engine) != DEFAULT_SOUND:
        return None
    with engine.connect() as conn:
        if conn.execute(select(ProvExtension.id).where(ProvExtension.voicemail.is_(True))
                        .limit(1)).first() is None:
            return None
    return render_default(lib_dir)


def assign(engine: Engine, name: str | None) -> None:
    """Play uploaded prompt *name* as the notice; None goes back to the default."""
    if name is not None:
        name = validate.prompt_name(name, "prompt name")
        if name not in {p.name for p in prompts.prompts(engine)}:
            raise NotFoundError(f"prompt name: {name!r} was never uploaded; see "
                                "'voco prompt list'")
    policy.store_settings(engine, {SETTING: name})


def sound(engine: Engine | None) -> str:
    """What the dialplan plays, under ``${ASTVARLIBDIR}``: the assigned prompt, else the spoken
    default."""
    name = prompts.assignments(engine).get(SETTING)
    if name:
        return f"{prompts.PROMPT_DIR}/{validate.prompt_name(name, 'prompt')}"
    return DEFAULT_SOUND


def voicemail_context(engine: Engine | None) -> dict[str, Any]:
    """The ``voicemail`` template variable (a contributor in ``generator/pbx.py``)."""
    return {"voicemail": {"notice": sound(engine), "marker": MARKER_EVENT, "code": MENU_CODE}}


def from_user_event(event: Mapping[str, Any]) -> evidence.Fact | None:
    """The evidence a ``VocoVoicemail`` notice event reports; None for anything else."""
    if event.get("UserEvent") != MARKER_EVENT or event.get("Stage") != "notice":
        return None
    linkedid = event.get("Linkedid", "")  # the channel's own header: AMI adds it to UserEvents
    if isinstance(linkedid, list):
        linkedid = linkedid[0] if linkedid else ""
    linkedid = str(linkedid)
    if not linkedid:
        return None
    return evidence.Fact(
        linkedid=linkedid, event="notice", leg="caller", channel=str(event.get("Channel", "")),
        prompt=str(event.get("Prompt", "")), outcome=str(event.get("Outcome", "")),
        actor="dialplan", source="dialplan", detail=f"voicemail {event.get('Mailbox', '')}")
