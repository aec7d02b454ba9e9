"""Recording announcements and consent questions: built-in defaults and uploaded prompts.

Uploaded audio (any format sox reads) is converted to 8 kHz mono 16-bit WAV, the format
Asterisk's ``format_wav`` plays without transcoding, and kept in the store, so every node serves
the same prompts. :func:`install` materialises them as ``<astvarlibdir>/voco-prompts/<name>.wav``:
the instance's own lib directory rather than the shared ``<astdatadir>/sounds``, so instances and
nodes never overwrite each other's files. The dialplan plays them as
``${ASTVARLIBDIR}/voco-prompts/<name>``.

Each call kind (internal, inbound, outbound) has two slots: ``announce`` (played to a party who
is not asked) and ``ask`` (the consent question, which must also say that the call is recorded).
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import NotFoundError, ValidationError, VocoError
from asterisk_bridge.provisioning import validate
from asterisk_bridge.recording import policy
from asterisk_bridge.recording.choices import ROLES
from asterisk_bridge.safewrite import write_private
from asterisk_bridge.store.models.consent import RecordingPrompt

PROMPT_DIR = "voco-prompts"  # under the instance's astvarlibdir
MAX_SECONDS = 60.0
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
PROMPT_MODE = 0o644  # played to every caller, so not secret; Asterisk's user must read it
#: Stock Asterisk sounds used until an admin uploads real prompts ("&" joins files).
BUILTIN = {"announce": "conf-now-recording",
           "ask": "conf-now-recording&if-correct-press&digits/{digit}"}


class PromptError(VocoError):
    """A prompt file cannot be read or converted."""


@dataclass(frozen=True)
class Prompt:
    """An uploaded prompt, without its audio."""

    name: str
    duration_ms: int
    sha256: str
    source: str
    created_at: str


def slot(kind: str, role: str) -> str:
    """The settings name of a prompt slot, e.g. ``prompt.inbound.ask``."""
    if kind not in policy.KINDS:
        raise ValidationError(f"kind: {kind!r} is not valid; use one of {', '.join(policy.KINDS)}")
    if role not in ROLES:
        raise ValidationError(f"role: {role!r} is not valid; use one of {', '.join(ROLES)}")
    return f"prompt.{kind}.{role}"


def convert(src: Path) -> tuple[bytes, int]:
    """``src`` as 8 kHz mono 16-bit WAV bytes, and its duration in milliseconds."""
    try:
        size = src.stat().st_size
    except OSError as exc:
        raise PromptError(f"prompt file {src}: {exc.strerror}") from None
    if size > MAX_UPLOAD_BYTES:
        raise PromptError(f"prompt file {src} is larger than {MAX_UPLOAD_BYTES >> 20} MiB")
    with tempfile.TemporaryDirectory(prefix="voco-prompt-") as tmp:
        out = Path(tmp) / "out.wav"
        # -R: repeatable dither, so the same source always gives the same bytes (a default
        # notice is rewritten only when it changed; test speech is the same on every run)
        proc = subprocess.run(
            ["sox", "-V1", "-R", str(src), "-t", "wav", "-r", "8000", "-c", "1", "-b", "16", "-e",
             "signed-integer", str(out)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise PromptError(f"prompt file {src} is not audio sox can read: "
                              f"{proc.stderr.strip() or 'conversion failed'}")
        audio = out.read_bytes()
    frames = (len(audio) - 44) // 2
    duration_ms = frames * 1000 // 8000
    if duration_ms <= 0:
        raise PromptError(f"prompt file {src} holds no audio")
    if duration_ms > MAX_SECONDS * 1000:
        raise PromptError(f"prompt file {src} lasts {duration_ms / 1000:.0f} s; the limit is "
                          f"{MAX_SECONDS:.0f} s")
    return audio, duration_ms


def upload(engine: Engine, name: str, src: Path) -> Prompt:
    """Convert ``src`` and store it as prompt ``name`` (replacing an older one)."""
    name = validate.prompt_name(name, "prompt name")
    audio, duration_ms = convert(src)
    digest = hashlib.sha256(audio).hexdigest()
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    with Session(engine) as s, s.begin():
        row = s.get(RecordingPrompt, name) or RecordingPrompt(name=name)
        row.audio, row.sha256, row.duration_ms = audio, digest, duration_ms
        row.source, row.created_at = src.name[:255], now
        s.add(row)
    return Prompt(name, duration_ms, digest, src.name[:255], now)


def prompts(engine: Engine) -> list[Prompt]:
    """Every uploaded prompt, by name."""
    with Session(engine) as s:
        rows = s.execute(select(RecordingPrompt.name, RecordingPrompt.duration_ms,
                                RecordingPrompt.sha256, RecordingPrompt.source,
                                RecordingPrompt.created_at).order_by(RecordingPrompt.name))
        return [Prompt(*row) for row in rows]


def assignments(engine: Engine | None) -> dict[str, str]:
    """``{slot: prompt name}`` for every slot an admin assigned."""
    return {k: v for k, v in policy.settings(engine).items() if k.startswith("prompt.")}


def assign(engine: Engine, kind: str, role: str, name: str | None) -> None:
    """Use uploaded prompt ``name`` for a slot; ``None`` goes back to the built-in prompt."""
    key = slot(kind, role)
    if name is not None:
        name = validate.prompt_name(name, "prompt name")
        with Session(engine) as s:
            if s.get(RecordingPrompt, name) is None:
                raise NotFoundError(f"prompt name: {name!r} was never uploaded; see "
                                      "'voco prompt list'")
    policy.store_settings(engine, {key: name})


def remove(engine: Engine, name: str) -> None:
    """Delete an uploaded prompt; refused while a slot still uses it."""
    name = validate.prompt_name(name, "prompt name")
    used = sorted(k for k, v in assignments(engine).items() if v == name)
    if used:
        raise ValidationError(f"prompt name: {name!r} is in use by {', '.join(used)}; assign "
                              "another prompt (or --builtin) first")
    with Session(engine) as s, s.begin():
        row = s.get(RecordingPrompt, name)
        if row is None:
            raise NotFoundError(f"prompt name: {name!r} does not exist")
        s.delete(row)


def refs(engine: Engine | None) -> dict[str, dict[str, str]]:
    """What the dialplan plays per kind and role: ``voco:<name>`` or a built-in sound list."""
    assigned = assignments(engine)
    digit = policy.settings(engine)["consent_digit"]
    return {kind: {role: (f"voco:{assigned[slot(kind, role)]}" if slot(kind, role) in assigned
                          else BUILTIN[role].format(digit=digit))
                   for role in ROLES}
            for kind in policy.KINDS}


def install(engine: Engine, lib_dir: Path) -> list[Path]:
    """Write every stored prompt into ``<lib_dir>/voco-prompts/`` and drop stale files."""
    target = lib_dir / PROMPT_DIR
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with Session(engine) as s:
        for row in s.scalars(select(RecordingPrompt)):
            path = target / f"{row.name}.wav"
            if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != row.sha256:
                write_private(path, row.audio, mode=PROMPT_MODE)
            written.append(path)
    for stale in set(target.glob("*.wav")) - set(written):
        stale.unlink()
    return written
