"""The voicemail store without Asterisk: a spool laid out as app_voicemail writes it (on tmpfs),
sealed, read back, shredded, held, purged, rotated."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.errors import HeldError
from asterisk_bridge.holds.register import place_on_call
from asterisk_bridge.masterkey.rotate import rotate
from asterisk_bridge.provisioning import extensions
from asterisk_bridge.provisioning.extensions import Extension
from asterisk_bridge.recording.spool import SpoolError
from asterisk_bridge.store.models.voicemail import (
    VoicemailKey,
    VoicemailMessage,
    VoicemailTombstone,
)
from asterisk_bridge.voicemail import mwi, query, retention, shred, spool, sweep, vault
from tests.unit.voicemail_support import leave


@pytest.fixture
def vm_app(app: App) -> App:
    extensions.add(app.engine, app.master_key, Extension(number="1001", name="Alice"))
    return app


def only(app: App) -> VoicemailMessage:
    [row] = query.messages(app)
    return row


def test_a_disk_spool_is_refused(vm_app: App, tmp_path: Path) -> None:
    leave(tmp_path)
    with pytest.raises(SpoolError, match="disk filesystem"):
        sweep.sweep(vm_app, tmp_path)


def test_a_message_is_sealed_and_leaves_nothing_in_the_spool(vm_app: App,
                                                             ram_spool: Path) -> None:
    audio = leave(ram_spool)
    plain = audio.read_bytes()
    (ram_spool / "default" / "1001" / "tmp").mkdir()  # a message still being recorded: left
    (ram_spool / "default" / "1001" / "tmp" / "msg0000.txt").write_text("[message]\n")
    report = sweep.sweep(vm_app, ram_spool, linkedids={
        "Local/alice-n-0-6@phone-0000002c;1": "1795911781.158"})
    row = only(vm_app)
    assert report.stored == [row.id] == ["vm-node1-1795911782-00000000"]
    assert report.mailboxes == {"1001@default"}
    assert not list(ram_spool.glob("default/1001/INBOX/*"))
    assert (ram_spool / "default" / "1001" / "tmp" / "msg0000.txt").exists()
    assert vault.audio_bytes(vm_app, row.id) == plain
    stored = vault.voicemail_dir(vm_app) / row.path
    assert os.stat(stored).st_mode & 0o777 == 0o600 and plain[44:1000] not in stored.read_bytes()
    assert (row.mailbox, row.linkedid, row.duration_s) == ("1001@default", "1795911781.158", 3.0)
    assert row.owner_subject and row.caller_subject and row.owner_subject != row.caller_subject
    assert b"Carol" not in (row.caller_name or b"") and b"+4420" not in (row.caller_number or b"")
    shown = query.describe(vm_app, row.id)["message"]
    assert (shown["caller_number"], shown["caller_name"]) == ("+442079460000", "Carol Caller")
    assert mwi.counts(vm_app.engine, "1001@default") == (1, 0)


def test_a_crash_before_the_unlink_does_not_store_twice(vm_app: App, ram_spool: Path) -> None:
    leave(ram_spool)
    copy = {p.name: p.read_bytes() for p in (ram_spool / "default/1001/INBOX").iterdir()}
    sweep.sweep(vm_app, ram_spool)
    for name, data in copy.items():  # as if the bridge died between commit and unlink
        (ram_spool / "default/1001/INBOX" / name).write_bytes(data)
    assert sweep.sweep(vm_app, ram_spool).stored == [only(vm_app).id]
    assert len(query.messages(vm_app)) == 1 and not list(ram_spool.glob("default/1001/INBOX/*"))


def test_delete_shreds_audio_and_transcript_and_leaves_a_tombstone(vm_app: App,
                                                                    ram_spool: Path) -> None:
    leave(ram_spool)
    sweep.sweep(vm_app, ram_spool, transcribe=True)
    row = only(vm_app)
    assert row.transcript_status == "pending"
    assert vault.store_transcript(vm_app, row.id, "call me back", "offline")
    assert not vault.store_transcript(vm_app, row.id, "again", "offline")  # never twice
    assert vault.transcript(vm_app, row.id) == "call me back"
    files = sorted(p.name for p in vault.voicemail_dir(vm_app).iterdir())
    assert len(files) == 2
    stone = shred.delete_message(vm_app, row.id, "owner asked", "cli:test")
    assert stone.what == "message"
    assert not list(vault.voicemail_dir(vm_app).iterdir())
    with Session(vm_app.engine) as session:
        assert session.scalars(select(VoicemailKey)).all() == []
    with pytest.raises(vault.VoicemailNotFound, match=r"was deleted at .* by cli:test"):
        vault.audio_bytes(vm_app, row.id)
    assert mwi.counts(vm_app.engine, "1001@default") == (0, 0)


def test_a_held_call_keeps_its_message(vm_app: App, ram_spool: Path) -> None:
    leave(ram_spool)
    sweep.sweep(vm_app, ram_spool, linkedids={
        "Local/alice-n-0-6@phone-0000002c;1": "1795911781.158"})
    with vm_app.engine.begin() as conn:
        place_on_call(conn, "1795911781.158", "case 7", None, "cli:test")
    with pytest.raises(HeldError, match="legal hold"):
        shred.delete_message(vm_app, only(vm_app).id, "tidy", "cli:test")
    old = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    assert retention.VOICEMAIL.purge(vm_app, old, "retention", "test") == 0
    assert len(query.messages(vm_app)) == 1


def test_retention_purges_transcripts_and_messages_separately(vm_app: App,
                                                              ram_spool: Path) -> None:
    leave(ram_spool, n=0, origtime=1795911782)
    leave(ram_spool, n=1, origtime=1795911790)
    sweep.sweep(vm_app, ram_spool, transcribe=True)
    first, _second = query.messages(vm_app)
    vault.store_transcript(vm_app, first.id, "hello", "offline")
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    assert retention.TRANSCRIPTS.purge(vm_app, later, "retention", "test") == 1
    assert vault.transcript(vm_app, first.id) is None
    assert query.messages(vm_app)[0].transcript_status == "deleted"
    assert retention.VOICEMAIL.purge(vm_app, later, "retention", "test") == 2
    with Session(vm_app.engine) as session:
        whats = sorted(s.what for s in session.scalars(select(VoicemailTombstone)))
    assert whats == ["message", "message", "transcript"]
    assert not list(vault.voicemail_dir(vm_app).iterdir())


def test_rotation_rewraps_voicemail_keys(vm_app: App, ram_spool: Path) -> None:
    plain = leave(ram_spool).read_bytes()
    sweep.sweep(vm_app, ram_spool, transcribe=True)
    row = only(vm_app)
    vault.store_transcript(vm_app, row.id, "see you", "offline")
    report = rotate(vm_app)
    assert report.resealed["voicemail data keys"] == 2
    del vm_app.master_key
    assert vault.audio_bytes(vm_app, row.id) == plain
    assert vault.transcript(vm_app, row.id) == "see you"


def test_a_half_finished_deletion_is_completed(vm_app: App, ram_spool: Path) -> None:
    leave(ram_spool)
    sweep.sweep(vm_app, ram_spool)
    row = only(vm_app)
    with vm_app.engine.begin() as conn:  # the bridge died right after the shred's commit
        conn.execute(VoicemailKey.__table__.delete())
    assert sweep.sweep(vm_app, ram_spool, startup=True).stored == []
    assert query.messages(vm_app) == [] and not (vault.voicemail_dir(vm_app) / row.path).exists()


def test_spool_files_outside_the_layout_are_ignored(ram_spool: Path) -> None:
    leave(ram_spool)
    (ram_spool / "default" / "1001" / "INBOX" / "msg0001.txt").write_text("[message]\n")
    odd = ram_spool / "default" / "1001" / "INBOX" / "evil.txt"
    odd.write_text("[message]\nduration=1\n")
    assert [m.txt.name for m in spool.scan(ram_spool)] == ["msg0000.txt"]
