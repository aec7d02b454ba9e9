"""Transcribing pending messages: one at a time, retried with backoff, never stored twice.

A message is due when it is ``pending`` (sealed while transcription was on) or ``failed`` with
its next try due. Its audio is decrypted in memory only, handed to the engine, and the text is
sealed under its own key (:func:`asterisk_bridge.voicemail.vault.store_transcript`, which refuses
a second transcript). A failure (service down, credentials refused, quota) leaves the message
intact, marks it ``failed`` with the reason, and schedules the next try; after
:data:`MAX_ATTEMPTS` it stays failed until an administrator retries it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.store.models.voicemail import VoicemailMessage
from asterisk_bridge.voicemail import vault
from asterisk_bridge.voicemail.transcribe import settings
from asterisk_bridge.voicemail.transcribe.engine import Engine, TranscriptionError
from asterisk_bridge.voicemail.transcribe.google import GoogleEngine
from asterisk_bridge.voicemail.transcribe.offline import OfflineEngine

BACKOFF_S = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
MAX_ATTEMPTS = len(BACKOFF_S)


def make_engine(app: App) -> Engine | None:
    """The engine the setting names (None when transcription is off)."""
    cfg = settings.current(app.engine)
    if cfg.engine == "offline":
        return OfflineEngine(cfg.language)
    if cfg.engine == "google":
        return GoogleEngine(settings.credentials(app.engine, app.master_key), cfg.language,
                            cfg.model, cfg.endpoint)
    return None


def due(app: App, now: datetime) -> list[str]:
    """Ids of this node's messages whose transcription is due, oldest first."""
    stamp = vault.iso(now.timestamp())
    m = VoicemailMessage
    with Session(app.engine) as session:
        return list(session.scalars(select(m.id).where(
            m.node == app.config.asterisk.node, m.transcript_attempts < MAX_ATTEMPTS,
            or_(m.transcript_status == "pending",
                (m.transcript_status == "failed") & (m.transcript_next_at <= stamp)))
            .order_by(m.received_at)))


def run_pending(app: App, engine: Engine, now: Callable[[], datetime] | None = None,
                limit: int = 10) -> dict[str, str]:
    """Transcribe up to *limit* due messages; returns ``{id: "done" | "failed: reason"}``."""
    clock = now or (lambda: datetime.now(UTC))
    results: dict[str, str] = {}
    for msg_id in due(app, clock())[:limit]:
        try:
            text = engine.transcribe(vault.audio_bytes(app, msg_id))
        except vault.VoicemailNotFound:  # deleted meanwhile
            continue
        except TranscriptionError as exc:
            results[msg_id] = f"failed: {exc.reason}"
            _failed(app, msg_id, exc, clock())
            continue
        vault.store_transcript(app, msg_id, text, engine.name)
        results[msg_id] = "done"
    return results


def _failed(app: App, msg_id: str, exc: TranscriptionError, when: datetime) -> None:
    with Session(app.engine) as session, session.begin():
        row = session.get(VoicemailMessage, msg_id)
        if row is None or row.transcript_status == "done":
            return
        row.transcript_attempts = MAX_ATTEMPTS if not exc.retry else row.transcript_attempts + 1
        row.transcript_status, row.transcript_error = "failed", exc.reason[:300]
        wait = BACKOFF_S[min(row.transcript_attempts, MAX_ATTEMPTS) - 1]
        row.transcript_next_at = vault.iso((when + timedelta(seconds=wait)).timestamp())


def retry(app: App, msg_id: str) -> None:
    """Make a failed (or never asked for) transcription due again now."""
    with Session(app.engine) as session, session.begin():
        row = session.get(VoicemailMessage, msg_id)
        if row is None:
            raise vault.missing(session, msg_id)
        if row.transcript_status != "done":
            row.transcript_status, row.transcript_attempts = "pending", 0
            row.transcript_error, row.transcript_next_at = "", ""
