"""The encrypted store: a finished recording goes in from the RAM spool, losing nothing, and
its authenticated plaintext comes out for export.

The order that loses nothing (ciphertext fsynced, then row and wrapped key committed, then
plaintext unlinked) is :func:`asterisk_bridge.crypto.sealing.seal_file`'s; the ciphertext's path
is the recording id, so a retry overwrites a ciphertext a crash left unregistered.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.crypto import keywrap
from asterisk_bridge.crypto.sealing import Sealed, seal_file
from asterisk_bridge.errors import KeyFileError, NotFoundError, StoreError
from asterisk_bridge.recording import keys, parties, wav
from asterisk_bridge.recording.parties import CallInfo
from asterisk_bridge.recording.spool import SpoolFile
from asterisk_bridge.store.models.recording import Recording, RecordingKey, RecordingTombstone
from asterisk_bridge.subjects.vault import SubjectVault

CIPHER_SUFFIX = ".vrec"


class RecordingStoreError(StoreError):
    """The encrypted store cannot take a recording now; the plaintext stays in the spool."""


class RecordingNotFound(NotFoundError):
    """No such recording, or its key was already shredded."""


def recordings_dir(app: App) -> Path:
    """``<data_dir>/recordings``, created 0700 on first use."""
    return keys.KIND.directory(app)


def iso(epoch: float) -> str:
    """ISO 8601 UTC with seconds, as every recording timestamp is stored."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def store(app: App, f: SpoolFile, *, partial: bool, info: CallInfo | None = None) -> Recording:
    """Encrypt *f* into the store, register it, then remove the plaintext and its marker.

    Raises RecordingStoreError (plaintext untouched) when the disk or the database fails.
    """
    info = info or CallInfo()
    st = f.path.stat()
    with f.path.open("rb") as fh:
        lay = wav.read_layout(fh)
    try:
        rec_id = _free_id(app, f)
    except SQLAlchemyError as exc:
        raise _unavailable(f.recording_id, exc) from None
    if rec_id is None:  # already stored by a run that crashed before unlinking
        _discard_plaintext(f)
        return _row(app, f.recording_id)
    try:
        target = recordings_dir(app) / f"{rec_id}{CIPHER_SUFFIX}"
    except OSError as exc:
        raise RecordingStoreError(
            f"cannot store recording {rec_id}: the directory {app.config.data_dir}/recordings "
            f"is unusable ({exc.strerror or exc}); the plaintext stays in the RAM spool and "
            "will be retried") from None
    duration = wav.duration_s(lay, st.st_size)
    ended = info.ended_at or st.st_mtime

    def commit(sealed: Sealed) -> Recording:
        row = Recording(
            id=rec_id, node=app.config.asterisk.node, linkedid=f.linkedid,
            uniqueid=f.uniqueid, channel=info.channel,
            started_at=iso(info.started_at or ended - duration), ended_at=iso(ended),
            duration_s=round(duration, 3), partial=int(partial), path=target.name,
            size=sealed.size, sha256=sealed.sha256, plain_size=sealed.plain_size,
            key_id=sealed.key_id, master_key_id=sealed.master_key_id,
            created_at=iso(datetime.now(UTC).timestamp()))
        with Session(app.engine, expire_on_commit=False) as session, session.begin():
            named = parties.name(session.connection(), SubjectVault(sealed.master_key),
                                 app.config.privacy.default_region, rec_id, info)
            row.channel_subject, row.connected_subject = named.channel_subject, \
                named.connected_subject
            row.channel_party, row.connected_party = named.channel_party, named.connected_party
            session.add(row)
            session.flush()
            session.add(RecordingKey(key_id=sealed.key_id, recording_id=rec_id,
                                     wrapped=sealed.wrapped,
                                     master_key_id=sealed.master_key_id))
        return row

    try:
        return seal_file(app.config.master_key_file, f.path, target, keys.owner(rec_id), commit,
                         lambda: _discard_plaintext(f))
    except OSError as exc:
        raise RecordingStoreError(
            f"cannot store recording {rec_id} in {target.parent}: {exc.strerror or exc}; "
            "the plaintext stays in the RAM spool and will be retried"
        ) from None
    except SQLAlchemyError as exc:
        raise _unavailable(rec_id, exc) from None


def _unavailable(rec_id: str, exc: SQLAlchemyError) -> RecordingStoreError:
    cause = getattr(exc, "orig", None) or exc
    return RecordingStoreError(
        f"cannot register recording {rec_id}: database error {type(cause).__name__}: "
        f"{' '.join(str(cause).split())[:200]}; the plaintext stays in the RAM spool and will "
        "be retried")


def _discard_plaintext(f: SpoolFile) -> None:
    """The audio is safely stored: the plaintext goes first, then its markers and trail."""
    f.path.unlink(missing_ok=True)
    for companion in f.companions():
        companion.unlink(missing_ok=True)


def _row(app: App, rec_id: str) -> Recording:
    with Session(app.engine, expire_on_commit=False) as session:
        return session.get_one(Recording, rec_id)


def _free_id(app: App, f: SpoolFile) -> str | None:
    """The id to store *f* under: its stem, unless a row already holds it.

    A row holding the same audio means a crash came between commit and unlink (None: nothing to
    store). Different audio under the same name is kept too, under ``<stem>~<n>``.
    """
    with Session(app.engine) as session:
        taken = {rid for rid in session.scalars(
            select(Recording.id).where(Recording.id.startswith(f.recording_id))
        ) if rid == f.recording_id or rid.startswith(f"{f.recording_id}~")}
    if f.recording_id not in taken:
        return f.recording_id
    if any(same_audio(app, rid, f.path) for rid in sorted(taken)):
        return None
    n = 1
    while f"{f.recording_id}~{n}" in taken:
        n += 1
    return f"{f.recording_id}~{n}"


def missing(session: Session, rec_id: str) -> RecordingNotFound:
    """The error for an id with no row: it says when and by whom it was deleted, if it was."""
    stone = session.scalars(select(RecordingTombstone).where(
        RecordingTombstone.recording_id == rec_id)).first()
    if stone is not None:
        return RecordingNotFound(
            f"recording {rec_id} was deleted at {stone.deleted_at} by {stone.deleted_by}: "
            f"{stone.reason}")
    return RecordingNotFound(f"no recording {rec_id!r} (see 'voco recording list')")


def same_audio(app: App, rec_id: str, plaintext: Path) -> bool:
    """Whether the stored recording *rec_id* decrypts to exactly the bytes of *plaintext*."""
    if plaintext.stat().st_size != _row(app, rec_id).plain_size:
        return False
    with plaintext.open("rb") as fh:
        for chunk in open_plaintext(app, rec_id, mend=False):
            if fh.read(len(chunk)) != chunk:
                return False
        return fh.read(1) == b""


def open_plaintext(app: App, rec_id: str, *, mend: bool = True) -> Iterator[bytes]:
    """The recording's WAV bytes, chunk by chunk, each authenticated before it is yielded.

    With *mend*, a partial recording's stale WAV header is corrected (see :mod:`wav`). The whole
    output is genuine only if iteration ends without CryptoError.
    """
    with Session(app.engine) as session:
        row = session.get(Recording, rec_id)
        held = session.get(RecordingKey, row.key_id) if row else None
        if row is None:
            raise missing(session, rec_id)
    if held is None:
        raise RecordingNotFound(
            f"recording {rec_id} has no key: it was shredded (its deletion did not finish; "
            f"run 'voco recording delete {rec_id}' again to complete it)"
        )
    have = keywrap.master_key_id(app.master_key)
    if held.master_key_id != have:
        raise KeyFileError(
            f"recording {rec_id} is wrapped by master key {held.master_key_id}, but the key file "
            f"holds {have}; if a 'voco keys rotate' was interrupted, run it again to finish it"
        )
    key = keys.unwrap(app.master_key, row, held)
    first = True
    for chunk in keys.KIND.open(app, row.path, key, row.key_id, f"recording {rec_id}"):
        yield wav.mend_header(chunk, row.plain_size) if first and mend else chunk
        first = False
