"""``voco keys rotate`` re-seals every kind the master key seals, in one transaction or not at all.

The store holds one of everything (extension SIP secrets, a trunk password, a conference PIN, a
mailbox, a recording and its parties' subject keys, personal contacts, operation-log entries);
after a rotation all of it opens with the new key and none of it with the old, and a failure in
any one re-sealer changes nothing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from asterisk_bridge import oplog
from asterisk_bridge.amiusers import users as amiusers
from asterisk_bridge.capture import control
from asterisk_bridge.capture import keys as capture_keys
from asterisk_bridge.configio.export import export_text
from asterisk_bridge.contacts import personal
from asterisk_bridge.context import App
from asterisk_bridge.crypto.keywrap import master_key_id
from asterisk_bridge.crypto.sealing import Sealed, open_sealed, seal_file
from asterisk_bridge.errors import CryptoError, KeyFileError
from asterisk_bridge.generator.apply import render
from asterisk_bridge.grants import register as grants
from asterisk_bridge.masterkey import create_master_key, load_master_key
from asterisk_bridge.masterkey.kinds import KINDS
from asterisk_bridge.masterkey.rotate import reseal_all, rotate
from asterisk_bridge.notifications import smtp_settings
from asterisk_bridge.provisioning import conferences, extensions, secrets, trunks
from asterisk_bridge.provisioning.conferences import Conference
from asterisk_bridge.provisioning.extensions import Extension
from asterisk_bridge.provisioning.trunks import Trunk
from asterisk_bridge.recording import vault
from asterisk_bridge.recording.parties import CallInfo
from asterisk_bridge.recording.spool import SpoolFile
from asterisk_bridge.store.models.capture import Capture, CaptureKey
from tests.audio_tones import tone_wav

SIP = {"1001": "alice-secret-0a1b2c3d", "1002": "bob-secret-4e5f6a7b"}
TRUNK_PASSWORD, PIN = "carrier-password-99", "4711"
SMTP_PASSWORD = "relay-password-77"
REC_ID = "voco-1795911331_0-1795911331_1"
PASSPHRASE = "only alice knows this"  # what unlocks 1001's personal contacts
GRANT_SECRET: dict[str, str] = {}  # the AMI application user's generated secret
CAPTURE_ID, CAPTURE = "cap-20260101T000000-abcdef", b"\xd4\xc3\xb2\xa1 a pcap" * 100


@pytest.fixture
def populated(app: App, tmp_path: Path) -> bytes:
    """One of every kind the master key seals; returns the recording's plaintext."""
    extensions.add(app.engine, app.master_key, Extension("1001", "Alice", voicemail=True),
                   SIP["1001"])
    extensions.add(app.engine, app.master_key, Extension("1002", "Bob"), SIP["1002"])
    trunks.add(app.engine, app.master_key,
               Trunk("carrier", "sip.example.net", username="acct", register=True),
               TRUNK_PASSWORD)
    conferences.add(app.engine, app.master_key, Conference("board", "7001"), PIN)
    with app.engine.begin() as conn:
        GRANT_SECRET["crm"] = amiusers.add(conn, app.master_key, "voco", "crm", "Acme",
                                           ["192.0.2.10"], "call", "none", [], None,
                                           "tester")[1]
    smtp_settings.store(app.engine, app.master_key, smtp_settings.check_custom(
        "mail.example.net", None, "starttls", False, "", "", "pbx"), SMTP_PASSWORD)
    with Session(app.engine) as s, s.begin():
        personal.add(s, app.master_key, "1001", PASSPHRASE,
                     personal.clean("Zelda Private", ["+4917055501234"]))
    wav = tmp_path / f"{REC_ID}.wav"
    tone_wav(wav, 2.0)
    original = wav.read_bytes()
    (tmp_path / f"{REC_ID}.wav.done").touch()
    vault.store(app, SpoolFile(wav, done=True), partial=False,  # its parties become subjects
                info=CallInfo(caller="+442079460000", connected="1001"))
    _seal_capture(app, tmp_path)
    app.record("test entry", {}, "ok")
    return original


def _seal_capture(app: App, tmp_path: Path) -> None:
    """A sealed packet capture, as the capture runner leaves one."""
    plain = tmp_path / "capture.pcap"
    plain.write_bytes(CAPTURE)
    target = control.captures_dir(app) / f"{CAPTURE_ID}.vcap"

    def commit(done: Sealed) -> None:
        with Session(app.engine) as s, s.begin():
            s.add(Capture(id=CAPTURE_ID, node="node1", scope="sip", bpf="port 5060",
                          started_at="2026-01-01T00:00:00+00:00", max_bytes=65536,
                          deadline_at="2026-01-01T00:01:00+00:00", started_by="tester",
                          state="sealed", path=target.name, key_id=done.key_id,
                          master_key_id=done.master_key_id))
            s.flush()
            s.add(CaptureKey(key_id=done.key_id, capture_id=CAPTURE_ID, wrapped=done.wrapped,
                             master_key_id=done.master_key_id))

    seal_file(app.config.master_key_file, plain, target, capture_keys.owner(CAPTURE_ID),
              commit, plain.unlink)


def _capture(app: App, key: bytes) -> bytes:
    with Session(app.engine) as s:
        held = s.get_one(CaptureKey, s.get_one(Capture, CAPTURE_ID).key_id)
        return b"".join(open_sealed(control.captures_dir(app) / f"{CAPTURE_ID}.vcap",
                                    capture_keys.KIND.unwrap(key, held), held.key_id, "capture"))


def _opens_with(app: App, key: bytes, recording: bytes) -> None:
    """Everything sealed opens under *key*, and what it opens is what was stored."""
    assert {n: extensions.secret(app.engine, key, n) for n in SIP} == SIP
    assert trunks.secret(app.engine, key, "carrier") == TRUNK_PASSWORD
    assert conferences.pin(app.engine, key, "board") == PIN
    door = smtp_settings.door(app.engine, key)
    assert door is not None and door.password == SMTP_PASSWORD
    assert oplog.verify(app.engine, key).entries >= 1
    with app.engine.connect() as conn:
        assert grants.secret_of(key, grants.open_by_name(conn, "ami", "crm")) == \
            GRANT_SECRET["crm"]
    assert b"".join(vault.open_plaintext(app, REC_ID, mend=False)) == recording
    assert _capture(app, key) == CAPTURE
    with Session(app.engine) as s:
        assert [e.name for e in personal.entries(s, "1001", PASSPHRASE)] == ["Zelda Private"]


def _dump(app: App) -> dict[str, list[tuple[object, ...]]]:
    with app.engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1'))]
                for t in inspect(conn).get_table_names()}


def test_rotation_reseals_every_kind(app: App, populated: bytes) -> None:
    old = app.master_key
    owners = {t: rows for t, rows in _dump(app).items() if t.startswith("personal_")}
    report = rotate(app)
    del app.master_key
    new = app.master_key
    assert new != old and report.backup.read_bytes() == old
    assert (report.old_key_id, report.new_key_id) == (master_key_id(old), master_key_id(new))
    assert report.resealed == {"recording data keys": 1, "capture data keys": 1,
                               "extension SIP secrets": 2,
                               "trunk passwords": 1, "conference PINs": 1, "grant secrets": 1,
                               "SMTP relay password": 1,
                               # owners of 1001 (a party) and 1002, the other party, blind index
                               "subject keys and store keys": 4,
                               "voicemail data keys": 0, "transcription credentials": 0,
                               "operation log seals": report.resealed["operation log seals"]}
    assert report.resealed["operation log seals"] >= 1
    _opens_with(app, new, populated)
    with pytest.raises(CryptoError):
        extensions.secret(app.engine, old, "1001")
    # Personal contacts are the owner's, not the master key's: a rotation leaves them as they are.
    assert {t: rows for t, rows in _dump(app).items() if t.startswith("personal_")} == owners

    exported = export_text(app.engine, new, with_secrets=True)
    for value in (*SIP.values(), TRUNK_PASSWORD, PIN):
        assert value in exported
    files = render(app)
    assert secrets.sip_digest("1001", "voco", SIP["1001"]) in files["pjsip.conf"]
    assert TRUNK_PASSWORD in files["pjsip.conf"]
    assert f"pin = {PIN}" in files["confbridge.conf"]
    assert f"1001 => {secrets.mailbox_password(new, '1001')},Alice" in files["voicemail.conf"]


def test_a_failing_resealer_changes_nothing_and_a_rerun_completes(
        app: App, populated: bytes) -> None:
    old, key_file = app.master_key, app.config.master_key_file
    before = _dump(app)

    def fail_after(kind: object) -> object:
        def reseal(session: Session, old: bytes, new: bytes) -> int:
            kind.reseal(session, old, new)  # type: ignore[attr-defined]
            raise CryptoError("simulated failure in the conference PIN re-sealer")
        return reseal

    broken = tuple(dataclasses.replace(k, reseal=fail_after(k))
                   if k.name == "conference PINs" else k for k in KINDS)
    assert broken[-1].name != "conference PINs"  # kinds after the failing one exist too
    with pytest.raises(CryptoError, match="simulated failure"):
        rotate(app, broken)
    assert _dump(app) == before  # every kind before the failure was rolled back
    assert load_master_key(key_file) == old
    _opens_with(app, old, populated)

    report = rotate(app)  # the rerun finishes with the key written by the failed run
    del app.master_key
    assert report.resealed["conference PINs"] == 1
    _opens_with(app, app.master_key, populated)
    assert not key_file.with_name("master.key.new").exists()


def test_a_rotation_interrupted_after_its_commit_is_finished_by_rerun(
        app: App, populated: bytes) -> None:
    key_file = app.config.master_key_file
    pending = key_file.with_name("master.key.new")
    create_master_key(pending)
    new = load_master_key(pending)
    reseal_all(app.engine, KINDS, app.master_key, new)  # crash after the commit, before the swap
    report = rotate(app)
    del app.master_key
    assert app.master_key == new and not pending.exists()
    assert {k: n for k, n in report.resealed.items() if k != "operation log seals"} == {
        "recording data keys": 0, "capture data keys": 0, "extension SIP secrets": 0,
        "trunk passwords": 0, "conference PINs": 0, "subject keys and store keys": 0,
        "grant secrets": 0, "SMTP relay password": 0, "voicemail data keys": 0,
        "transcription credentials": 0}
    _opens_with(app, new, populated)


def test_rotation_refuses_an_incomplete_registry(app: App, populated: bytes) -> None:
    before = _dump(app)
    without_pins = tuple(k for k in KINDS if k.name != "conference PINs")
    with pytest.raises(KeyFileError, match=r"prov_conferences\.pin is sealed by the master key "
                                           r"but no registered kind re-seals it"):
        rotate(app, without_pins)
    assert _dump(app) == before
    assert not app.config.master_key_file.with_name("master.key.new").exists()
