"""A recording's key is bound to the recording: swapping two recordings' rows, key rows, wraps or
files by hand makes both fail to open, with a CryptoError that says what does not match.

Before the binding, swapping the key id and path of two rows (and the key rows' recording ids)
opened one call's audio under the other call's id, parties and consent evidence.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import update
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.crypto import keywrap
from asterisk_bridge.errors import CryptoError
from asterisk_bridge.masterkey.rotate import rotate
from asterisk_bridge.recording import check, keys, vault
from asterisk_bridge.recording.spool import SpoolFile
from asterisk_bridge.store.models.recording import Recording, RecordingKey
from tests.audio_tones import ALICE_HZ, BOB_HZ, tone_wav

A, B = "voco-1795911331_0-1795911331_1", "voco-1795911400_0-1795911400_1"


@pytest.fixture
def two(app: App, tmp_path: Path) -> dict[str, bytes]:
    """Recordings A (alice's tone) and B (bob's), stored through the vault."""
    audio = {}
    for rec_id, freq in ((A, ALICE_HZ), (B, BOB_HZ)):
        wav = tmp_path / f"{rec_id}.wav"
        tone_wav(wav, 1.0, freq)
        audio[rec_id] = wav.read_bytes()
        vault.store(app, SpoolFile(wav, done=True), partial=False)
    return audio


def _open(app: App, rec_id: str) -> bytes:
    return b"".join(vault.open_plaintext(app, rec_id, mend=False))


def _row(app: App, rec_id: str) -> Recording:
    with Session(app.engine) as s:
        return s.get_one(Recording, rec_id)


def _swap(app: App, model: type[Recording] | type[RecordingKey], pks: tuple[str, str],
          *columns: str) -> None:
    """Exchange *columns* between two rows (a unique key id through a placeholder)."""
    pk = model.__mapper__.primary_key[0]
    with Session(app.engine) as s, s.begin():
        a, b = (s.get_one(model, k) for k in pks)
        values = [{c: getattr(r, c) for c in columns} for r in (a, b)]
    with Session(app.engine) as s, s.begin():
        if "key_id" in columns:
            s.execute(update(model).where(pk == pks[0]).values(key_id="placeholder"))
        s.execute(update(model).where(pk == pks[1]).values(values[0]))
        s.execute(update(model).where(pk == pks[0]).values(values[1]))


def _both_refused(app: App, match: str) -> None:
    for rec_id in (A, B):
        with pytest.raises(CryptoError, match=match):
            _open(app, rec_id)


def test_the_normal_path_opens_each_recording(app: App, two: dict[str, bytes]) -> None:
    assert _open(app, A) == two[A] and _open(app, B) == two[B]
    with Session(app.engine) as s:
        assert all(len(k.wrapped) == keywrap.WRAPPED_SIZE for k in s.query(RecordingKey))
    assert check.check(app).problems == {}


def test_swapped_recording_rows_are_refused(app: App, two: dict[str, bytes]) -> None:
    """The full swap: rows describe each other's audio, and key rows point back at them."""
    ka, kb = _row(app, A).key_id, _row(app, B).key_id
    _swap(app, Recording, (A, B), "key_id", "path", "size", "sha256", "plain_size",
          "duration_s")
    _swap(app, RecordingKey, (ka, kb), "recording_id")
    _both_refused(app, "belongs to another row than recording:")


def test_a_row_pointing_at_another_recordings_key_is_refused(
        app: App, two: dict[str, bytes]) -> None:
    _swap(app, Recording, (A, B), "key_id")
    _both_refused(app, r"whose key row belongs to recording .*: the rows were swapped")


def test_swapped_wraps_are_refused(app: App, two: dict[str, bytes]) -> None:
    _swap(app, RecordingKey, (_row(app, A).key_id, _row(app, B).key_id), "wrapped")
    _both_refused(app, "cannot unwrap data key")


def test_swapped_files_are_refused(app: App, two: dict[str, bytes]) -> None:
    directory = vault.recordings_dir(app)
    a, b = directory / _row(app, A).path, directory / _row(app, B).path
    os.rename(a, directory / "tmp")
    os.rename(b, a)
    os.rename(directory / "tmp", b)
    _both_refused(app, r"its file .* is encrypted under data key .*, but the row names .*: "
                       "files or rows were swapped")


def test_a_version_1_wrap_opens_until_a_rotation_binds_it(
        app: App, two: dict[str, bytes]) -> None:
    row = _row(app, A)
    with Session(app.engine) as s, s.begin():
        held = s.get_one(RecordingKey, row.key_id)
        data_key = keys.unwrap(app.master_key, row, held)
        nonce = os.urandom(keywrap.NONCE_SIZE)  # what Voco wrote before the binding existed
        held.wrapped = nonce + AESGCM(app.master_key).encrypt(
            nonce, data_key, b"voco-wrap-v1" + row.key_id.encode())
    assert _open(app, A) == two[A]
    assert check.check(app).problems == {"unbound_keys": [A]}

    rotate(app)
    del app.master_key
    with Session(app.engine) as s:
        assert len(s.get_one(RecordingKey, row.key_id).wrapped) == keywrap.WRAPPED_SIZE
    assert check.check(app).problems == {}
    assert _open(app, A) == two[A] and _open(app, B) == two[B]
