"""The encrypted voicemail store: a finished message goes in from the RAM spool, losing nothing;
its audio and transcript come out authenticated.

Sealing is :func:`asterisk_bridge.crypto.sealing.seal_file` (ciphertext fsynced, then row and
wrapped key committed, then every plaintext file of the message unlinked). A message whose id is
already stored was sealed by a run that crashed before unlinking: its plaintext is just removed,
so a message is never stored twice. Caller number and name are sealed under the caller's own
subject key; the mailbox's owner is named as a subject too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.crypto.sealing import Sealed, seal_bytes, seal_file
from asterisk_bridge.errors import NotFoundError, StoreError
from asterisk_bridge.recording import wav
from asterisk_bridge.recording.parties import party
from asterisk_bridge.store.models.voicemail import (
    VoicemailKey,
    VoicemailMessage,
    VoicemailTombstone,
)
from asterisk_bridge.subjects.fields import FieldRef
from asterisk_bridge.subjects.vault import SubjectVault
from asterisk_bridge.voicemail import keys
from asterisk_bridge.voicemail.spool import SpoolMessage

AUDIO_SUFFIX = ".vvm"
TRANSCRIPT_SUFFIX = ".vtx"
TABLE = "voicemail_messages"


class VoicemailStoreError(StoreError):
    """The store cannot take a message now; its plaintext stays in the RAM spool."""


class VoicemailNotFound(NotFoundError):
    """No such message, or it was deleted."""


def voicemail_dir(app: App) -> Path:
    """``<data_dir>/voicemail``, created 0700 on first use."""
    return keys.KIND.directory(app)


def iso(epoch: float) -> str:
    """ISO 8601 UTC with milliseconds, as every voicemail time is stored."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def message_id(node: str, msg: SpoolMessage) -> str:
    """The store's id of a spooled message: stable across retries of the same message."""
    return f"vm-{node}-{msg.msg_id}"[:160]


def store(app: App, msg: SpoolMessage, *, linkedid: str = "",
          transcribe: bool = False) -> VoicemailMessage:
    """Seal *msg* into the store, then remove its plaintext files from the spool.

    VoicemailStoreError (plaintext untouched) when the disk or the database fails.
    """
    node = app.config.asterisk.node
    msg_id = message_id(node, msg)
    try:
        existing = _row(app, msg_id)
    except SQLAlchemyError as exc:
        raise _unavailable(msg_id, exc) from None
    if existing is not None:
        _discard(msg)
        return existing
    target = voicemail_dir(app) / f"{msg_id}{AUDIO_SUFFIX}"
    with msg.audio.open("rb") as fh:
        lay = wav.read_layout(fh)
    duration = msg.duration_s or wav.duration_s(lay, msg.audio.stat().st_size)

    def commit(sealed: Sealed) -> VoicemailMessage:
        row = VoicemailMessage(
            id=msg_id, node=node, mailbox=msg.mailbox, linkedid=linkedid[:64],
            received_at=iso(msg.origtime), duration_s=round(duration, 3), heard_at="",
            path=target.name, size=sealed.size, sha256=sealed.sha256,
            plain_size=sealed.plain_size, key_id=sealed.key_id,
            master_key_id=sealed.master_key_id, created_at=iso(datetime.now(UTC).timestamp()),
            transcript_status="pending" if transcribe else "", transcript_error="",
            transcript_engine="", transcript_attempts=0, transcript_next_at="",
            transcript_key_id="")
        with Session(app.engine, expire_on_commit=False) as session, session.begin():
            _name_people(session.connection(), SubjectVault(sealed.master_key),
                         app.config.privacy.default_region, row, msg)
            session.add(row)
            session.flush()
            session.add(VoicemailKey(key_id=sealed.key_id, message_id=msg_id,
                                     purpose=keys.AUDIO, wrapped=sealed.wrapped,
                                     master_key_id=sealed.master_key_id))
        return row

    try:
        return seal_file(app.config.master_key_file, msg.audio, target,
                         keys.owner(msg_id, keys.AUDIO), commit, lambda: _discard(msg))
    except OSError as exc:
        raise VoicemailStoreError(
            f"cannot store voicemail {msg_id} in {target.parent}: {exc.strerror or exc}; the "
            "plaintext stays in the RAM spool and will be retried") from None
    except SQLAlchemyError as exc:
        raise _unavailable(msg_id, exc) from None


def _name_people(conn: Connection, vault: SubjectVault, region: str, row: VoicemailMessage,
                 msg: SpoolMessage) -> None:
    """Name the mailbox's owner and the caller as subjects; seal the caller's number and name
    under the caller's key (nothing about an anonymous caller is kept)."""
    box = msg.mailbox.partition("@")[0]
    own = party(conn, vault, box, region)
    if own is not None and own.identifier.kind == "extension":
        row.owner_subject = vault.resolve(conn, [own.identifier], "extension")[own.identifier]
    found = party(conn, vault, msg.caller_number, region)
    if found is None:
        return
    caller = found.identifier
    subject = vault.resolve(conn, [caller], caller.kind)[caller]
    row.caller_subject = subject
    ring = vault.keys(conn, [subject])
    row.caller_number = ring.seal(FieldRef(TABLE, "caller_number", row.id, subject),
                                  msg.caller_number)
    if msg.caller_name:
        row.caller_name = ring.seal(FieldRef(TABLE, "caller_name", row.id, subject),
                                    msg.caller_name)


def caller(app: App, conn: Connection, row: VoicemailMessage) -> tuple[str, str]:
    """The caller's number and name, opened with their subject key ("" once erased)."""
    if row.caller_subject is None:
        return "", ""
    ring = SubjectVault(app.master_key).keys(conn, [row.caller_subject])
    return tuple(ring.open(FieldRef(TABLE, c, row.id, row.caller_subject),  # type: ignore[return-value]
                           getattr(row, c)) or "" for c in ("caller_number", "caller_name"))


def _discard(msg: SpoolMessage) -> None:
    """The message is safely stored: its audio files go first, the ``.txt`` last."""
    for path in msg.files():
        if path != msg.txt:
            path.unlink(missing_ok=True)
    msg.txt.unlink(missing_ok=True)


def _unavailable(msg_id: str, exc: SQLAlchemyError) -> VoicemailStoreError:
    cause = getattr(exc, "orig", None) or exc
    return VoicemailStoreError(
        f"cannot register voicemail {msg_id}: database error {type(cause).__name__}: "
        f"{' '.join(str(cause).split())[:200]}; the plaintext stays in the RAM spool and will "
        "be retried")


def _row(app: App, msg_id: str) -> VoicemailMessage | None:
    with Session(app.engine, expire_on_commit=False) as session:
        return session.get(VoicemailMessage, msg_id)


def missing(session: Session, msg_id: str) -> VoicemailNotFound:
    """The error for an id with no row, saying when and by whom it was deleted, if it was."""
    stone = session.scalars(select(VoicemailTombstone).where(
        VoicemailTombstone.message_id == msg_id, VoicemailTombstone.what == "message")).first()
    if stone is not None:
        return VoicemailNotFound(f"voicemail {msg_id} was deleted at {stone.deleted_at} by "
                                 f"{stone.deleted_by}: {stone.reason}")
    return VoicemailNotFound(f"no voicemail {msg_id!r} (see 'voco voicemail list')")


def _open(app: App, msg_id: str, purpose: str) -> Iterator[bytes]:
    """The authenticated plaintext of the message's *purpose* file, chunk by chunk."""
    with Session(app.engine, expire_on_commit=False) as session:
        row = session.get(VoicemailMessage, msg_id)
        if row is None:
            raise missing(session, msg_id)
        key_id = row.key_id if purpose == keys.AUDIO else row.transcript_key_id
        held = session.get(VoicemailKey, key_id) if key_id else None
    if held is None or held.message_id != msg_id or held.purpose != purpose:
        raise VoicemailNotFound(f"voicemail {msg_id} has no {purpose} (never made, or shredded)")
    name = row.path if purpose == keys.AUDIO else transcript_name(msg_id, key_id)
    return keys.KIND.open(app, name, keys.KIND.unwrap(app.master_key, held), key_id,
                          f"voicemail {msg_id}")


def open_audio(app: App, msg_id: str) -> Iterator[bytes]:
    """The message's WAV bytes, chunk by chunk, each authenticated before it is yielded."""
    yield from _open(app, msg_id, keys.AUDIO)


def audio_bytes(app: App, msg_id: str) -> bytes:
    """The whole WAV of a message (messages are short), authenticated."""
    return b"".join(open_audio(app, msg_id))


def transcript(app: App, msg_id: str) -> str | None:
    """The message's transcript, or None if it has none (not yet, failed, or deleted)."""
    try:
        chunks = _open(app, msg_id, keys.TRANSCRIPT)
    except VoicemailNotFound:
        if _row(app, msg_id) is None:
            raise
        return None
    return b"".join(chunks).decode("utf-8")


def transcript_name(msg_id: str, key_id: str) -> str:
    """A transcript's file: named by its key too, so a second one never overwrites the first."""
    return f"{msg_id}.{key_id}{TRANSCRIPT_SUFFIX}"


def store_transcript(app: App, msg_id: str, text: str, engine: str) -> bool:
    """Seal *text* as the message's transcript under its own key; False when the message is
    gone or already has one (nothing is stored twice)."""
    key_id = str(uuid.uuid4())
    target = voicemail_dir(app) / transcript_name(msg_id, key_id)
    sealed = seal_bytes(app.master_key, text.encode("utf-8"), target,
                        keys.owner(msg_id, keys.TRANSCRIPT), key_id)
    with Session(app.engine) as session, session.begin():
        row = session.get(VoicemailMessage, msg_id, with_for_update=True)
        if row is None or row.transcript_status == "done":
            stored = False
        else:
            session.add(VoicemailKey(key_id=sealed.key_id, message_id=msg_id,
                                     purpose=keys.TRANSCRIPT, wrapped=sealed.wrapped,
                                     master_key_id=sealed.master_key_id))
            row.transcript_key_id = sealed.key_id
            row.transcript_status, row.transcript_error = "done", ""
            row.transcript_engine = engine
            stored = True
    if not stored:
        target.unlink(missing_ok=True)
    return stored
