"""The encrypted store without Asterisk: spool rules, store/replay, shred, check, export."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.crypto import age
from asterisk_bridge.errors import CryptoError, ValidationError
from asterisk_bridge.recording import (
    check,
    evidence,
    export,
    pipeline,
    query,
    shred,
    spool,
    wav,
)
from asterisk_bridge.recording.vault import RecordingNotFound, open_plaintext, recordings_dir
from asterisk_bridge.safewrite import private_output
from asterisk_bridge.store.engine import make_engine
from asterisk_bridge.store.models.consent import ConsentEvidence
from asterisk_bridge.store.models.recording import Recording, RecordingKey, RecordingTombstone
from tests.audio_tones import ALICE_HZ, BOB_HZ, tone_wav, tone_windows

NAME = "voco-1795911331_0-1795911331_1"


def finished(spool_dir: Path, name: str = NAME, seconds: float = 3.0,
             freq: int = ALICE_HZ) -> Path:
    wav_path = spool_dir / f"{name}.wav"
    tone_wav(wav_path, seconds, freq)
    (spool_dir / f"{name}.wav.done").touch()
    return wav_path


def plaintext(app: App, rec_id: str) -> bytes:
    return b"".join(open_plaintext(app, rec_id))


def test_disk_spool_is_refused(tmp_path: Path) -> None:
    with pytest.raises(spool.SpoolError, match=r"disk filesystem.*mount -t tmpfs"):
        spool.scan(tmp_path)
    with pytest.raises(spool.SpoolError, match="does not exist"):
        spool.require_ram_backed(tmp_path / "missing")


def test_ids_from_file_names(ram_spool: Path) -> None:
    f = spool.SpoolFile(ram_spool / f"{NAME}.wav", done=False)
    assert (f.linkedid, f.uniqueid) == ("1795911331.0", "1795911331.1")
    g = spool.SpoolFile(ram_spool / "voco-pbx-1-1795911331_0-pbx-1-1795911331_1.wav", done=True)
    assert (g.linkedid, g.uniqueid) == ("pbx-1-1795911331.0", "pbx-1-1795911331.1")


def test_finished_recording_is_stored_and_plaintext_removed(app: App, ram_spool: Path) -> None:
    original = finished(ram_spool).read_bytes()
    report = pipeline.sweep(app, ram_spool, active=set())
    assert report.stored == [NAME] and not report.failed
    assert list(ram_spool.iterdir()) == [ram_spool / pipeline.LOCK_NAME]
    with Session(app.engine) as session:
        row = session.get_one(Recording, NAME)
        held = session.get_one(RecordingKey, row.key_id)
    assert (row.linkedid, row.uniqueid, row.partial) == ("1795911331.0", "1795911331.1", 0)
    assert row.duration_s == pytest.approx(3.0, abs=0.01)
    assert row.plain_size == len(original) and row.node == app.config.asterisk.node
    cipher = recordings_dir(app) / row.path
    assert cipher.stat().st_size == row.size and len(held.wrapped) == 61
    assert original[1000:1100] not in cipher.read_bytes()
    assert plaintext(app, NAME) == original
    assert stat.S_IMODE(recordings_dir(app).stat().st_mode) == 0o700


def test_growing_file_waits_and_abandoned_one_is_partial(app: App, ram_spool: Path) -> None:
    wav_path = ram_spool / f"{NAME}.wav"
    tone_wav(wav_path, 2.0)
    report = pipeline.sweep(app, ram_spool, active={"1795911331.1"})
    assert report.recording == 1 and not report.stored and wav_path.exists()
    report = pipeline.sweep(app, ram_spool, active=set())  # channel gone, within the grace
    assert report.settling == 1 and wav_path.exists()
    report = pipeline.sweep(app, ram_spool, active=None)  # Asterisk unknown: never guess
    assert not report.partial and wav_path.exists()
    report = pipeline.sweep(app, ram_spool, active=set(), grace_s=0)
    assert report.partial == [NAME] and not wav_path.exists()
    with Session(app.engine) as session:
        assert session.get_one(Recording, NAME).partial == 1


def test_partial_wav_header_is_mended_on_export(app: App, ram_spool: Path) -> None:
    wav_path = ram_spool / f"{NAME}.wav"
    tone_wav(wav_path, 2.0)
    data = bytearray(wav_path.read_bytes())
    data[4:8] = data[40:44] = b"\0\0\0\0"  # what a killed Asterisk leaves
    wav_path.write_bytes(bytes(data))
    pipeline.sweep(app, ram_spool, active=set(), grace_s=0)
    out = plaintext(app, NAME)
    assert out[44:] == bytes(data[44:])
    assert all(tone_windows(out, ALICE_HZ))
    assert wav.duration_s(wav.layout(out), len(out)) == pytest.approx(2.0)


def test_replayed_plaintext_is_not_stored_twice(app: App, ram_spool: Path) -> None:
    original = finished(ram_spool)
    keep = original.read_bytes()
    pipeline.sweep(app, ram_spool, active=set())
    original.write_bytes(keep)  # a crash between commit and unlink leaves the plaintext
    (ram_spool / f"{NAME}.wav.done").touch()
    report = pipeline.sweep(app, ram_spool, active=set())
    assert report.stored == [NAME] and not original.exists()
    finished(ram_spool, freq=BOB_HZ)  # different audio under the same name is kept as well
    report = pipeline.sweep(app, ram_spool, active=set())
    assert report.stored == [f"{NAME}~1"]
    assert any(tone_windows(plaintext(app, f"{NAME}~1"), BOB_HZ))
    with Session(app.engine) as session:
        assert len(session.scalars(select(Recording)).all()) == 2


def test_stray_marker_and_stale_temp_are_cleaned(app: App, ram_spool: Path) -> None:
    (ram_spool / f"{NAME}.wav.done").touch()
    stale = recordings_dir(app) / f".{NAME}.vrec.abc123.tmp"
    stale.write_bytes(b"half a ciphertext")
    pipeline.sweep(app, ram_spool, active=set(), startup=True)
    assert not (ram_spool / f"{NAME}.wav.done").exists() and not stale.exists()


def test_delete_shreds_key_then_file_and_leaves_tombstone(app: App, ram_spool: Path) -> None:
    finished(ram_spool)
    pipeline.sweep(app, ram_spool, active=set())
    with Session(app.engine) as session:
        row = session.get_one(Recording, NAME)
        wrapped = session.get_one(RecordingKey, row.key_id).wrapped
    for bad in ("", "   ", "two\nlines"):
        with pytest.raises(ValidationError, match="reason"):
            shred.delete(app, NAME, bad, "alice")
    stone = shred.delete(app, NAME, "retention expired", "alice")
    assert (stone.recording_id, stone.deleted_by, stone.reason) == (
        NAME, "alice", "retention expired")
    assert not (recordings_dir(app) / row.path).exists()
    db = Path(app.config.db_url.removeprefix("sqlite:///"))
    for path in (db, db.with_name(db.name + "-wal")):
        if path.exists():
            assert wrapped not in path.read_bytes(), f"wrapped key still in {path.name}"
    with Session(app.engine) as session:
        assert session.get(Recording, NAME) is None
        assert session.scalars(select(RecordingKey)).all() == []
        assert len(session.scalars(select(RecordingTombstone)).all()) == 1
    with pytest.raises(RecordingNotFound, match=r"deleted at .* by alice"):
        shred.delete(app, NAME, "again", "alice")


def test_interrupted_delete_is_finished_by_recovery(app: App, ram_spool: Path) -> None:
    finished(ram_spool)
    pipeline.sweep(app, ram_spool, active=set())
    with Session(app.engine) as session, session.begin():  # crash right after the shred
        row = session.get_one(Recording, NAME)
        session.delete(session.get_one(RecordingKey, row.key_id))
    assert check.check(app).rows_without_key == [NAME]
    with pytest.raises(RecordingNotFound, match="shredded"):
        plaintext(app, NAME)
    pipeline.sweep(app, ram_spool, active=set(), startup=True)
    assert not check.check(app).problems and check.check(app).rows == 0


def test_check_reports_orphans_both_ways(app: App, ram_spool: Path) -> None:
    finished(ram_spool)
    finished(ram_spool, "voco-2_0-2_1")
    pipeline.sweep(app, ram_spool, active=set())
    directory = recordings_dir(app)
    assert not check.check(app, verify_hashes=True).problems
    (directory / "voco-9_0-9_1.vrec").write_bytes(b"no row")
    (directory / "voco-2_0-2_1.vrec").unlink()
    with (directory / f"{NAME}.vrec").open("r+b") as fh:
        fh.seek(100)
        fh.write(b"X")
    report = check.check(app, verify_hashes=True)
    assert report.files_without_row == ["voco-9_0-9_1.vrec"]
    assert report.rows_without_file == ["voco-2_0-2_1"]
    assert report.hash_mismatch == [NAME]
    with pytest.raises(CryptoError, match="failed authentication"):
        plaintext(app, NAME)


def test_age_export_opens_with_the_age_cli(app: App, ram_spool: Path, tmp_path: Path) -> None:
    original = finished(ram_spool).read_bytes()
    pipeline.sweep(app, ram_spool, active=set())
    identity = tmp_path / "key.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = next(line.split(": ")[1] for line in identity.read_text().splitlines()
                     if line.startswith("# public key"))
    out = tmp_path / "call.wav.age"
    with private_output(out) as fh:
        export.write_age(app, NAME, fh, [recipient])
    decrypted = subprocess.run(["age", "-d", "-i", str(identity), str(out)], check=True,
                               capture_output=True).stdout
    assert decrypted == original
    with pytest.raises(ValidationError, match="age-recipient"):
        age.recipients(["age1notakey"])
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    assert os.stat(out).st_mode & 0o077 == 0


def test_age_export_of_a_tampered_recording_says_so_and_leaves_nothing(
        app: App, ram_spool: Path, tmp_path: Path) -> None:
    """Regression: pyrage turned the recording's CryptoError into a bare EncryptError."""
    finished(ram_spool)
    pipeline.sweep(app, ram_spool, active=set())
    cipher = next(recordings_dir(app).iterdir())
    data = bytearray(cipher.read_bytes())
    data[-40] ^= 1
    cipher.write_bytes(bytes(data))
    recipient = subprocess.run(["age-keygen"], check=True, capture_output=True, text=True
                               ).stdout.split("public key: ")[1].split()[0]
    out = tmp_path / "call.wav.age"
    with pytest.raises(CryptoError, match="failed authentication"), private_output(out) as fh:
        export.write_age(app, NAME, fh, [recipient])
    assert not out.exists() and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_show_joins_the_calls_consent_evidence_and_pauses(app: App, ram_spool: Path) -> None:
    finished(ram_spool)
    pipeline.sweep(app, ram_spool, active=set())
    for event, at in (("start", "2026-11-29T10:00:00"), ("pause", "2026-11-29T10:00:05"),
                      ("resume", "2026-11-29T10:00:09"), ("pause", "2026-11-29T10:00:12")):
        evidence.record(app, evidence.Fact(
            linkedid="1795911331.0", event=event, recording_id=NAME, actor="callee", at=at,
            channel="Local/+442079460000@voco-inbound-00000001;2", caller="+442079460000",
            detail="status=SUCCESS"))
    evidence.record(app, evidence.Fact(linkedid="other", event="pause"))
    shown = query.describe(app, NAME)
    assert shown["pauses"] == [{"from": "2026-11-29T10:00:05", "to": "2026-11-29T10:00:09"},
                               {"from": "2026-11-29T10:00:12", "to": ""}]
    assert [f["event"] for f in shown["evidence"]] == ["start", "pause", "resume", "pause"]
    assert shown["evidence"][0]["channel"].startswith("Local/+442079460000@")  # type: ignore[index]
    assert shown["evidence"][0]["detail"] == "status=SUCCESS"  # type: ignore[index]
    with app.engine.connect() as conn:  # sealed at rest under the caller's key
        stored = conn.execute(select(ConsentEvidence.channel, ConsentEvidence.party_subject)
                              .where(ConsentEvidence.linkedid == "1795911331.0")).all()
    assert all(b"+44" not in blob and subject for blob, subject in stored)
    assert shown["recording"]["sha256"]  # type: ignore[index]


def test_database_down_keeps_plaintext_for_the_next_sweep(app: App, ram_spool: Path) -> None:
    wav_path = finished(ram_spool)
    store_engine = app.engine
    app.__dict__["engine"] = make_engine("postgresql+psycopg://voco@127.0.0.1:1/absent")
    report = pipeline.sweep(app, ram_spool, active=set())
    assert "database error" in report.failed[NAME] and wav_path.exists()
    assert not list(recordings_dir(app).iterdir())
    app.__dict__["engine"] = store_engine  # the database is back
    assert pipeline.sweep(app, ram_spool, active=set()).stored == [NAME]
    assert not wav_path.exists()
