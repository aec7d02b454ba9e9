"""Recordings made by the real sandbox Asterisk, stored encrypted by the real bridge.

Calls follow the contract with the consent dialplan: MixMonitor writes
``voco-<linkedid>-<uniqueid>.wav`` into the RAM spool with option ``b``, and its post-recording
command touches ``<file>.done``. Until the consent dialplan lands, the test writes that exact
MixMonitor into its own scenario context.
"""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.bridge.amiclient import ami_session
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.config import write_config
from asterisk_bridge.context import App
from asterisk_bridge.recording import pipeline, query, spool
from asterisk_bridge.recording.capability_store import RecordingStore
from asterisk_bridge.recording.vault import open_plaintext, recordings_dir
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.recording import Recording, RecordingKey, RecordingTombstone
from tests.audio_tones import has_both_parties
from tests.conftest import CliCall
from tests.polling import wait_for

pytestmark = pytest.mark.asterisk
SCENARIO = """[voco-rec-test]
exten => rec,1,Set(LID=${{STRREPLACE(CHANNEL(linkedid),.,_)}})
 same => n,Set(RECFILE={spool}/voco-${{LID}}-${{STRREPLACE(UNIQUEID,.,_)}}.wav)
 same => n,MixMonitor(${{RECFILE}},b,touch '^{{MIXMONITOR_FILENAME}}.done')
 same => n,Dial(Local/bob-n-1-${{TALK}}@phone/n,30)
 same => n,Hangup()
"""


@pytest.fixture
def rec_app(app: App, asterisk: Instance) -> App:
    """A Voco installation pointed at the sandbox, with the contract MixMonitor scenario."""
    app.config.asterisk = asterisk.settings()
    write_config(app.config)
    inner_spool = asterisk.inner / "spool" / "monitor"
    asterisk.write_files({"extensions_test.conf": SCENARIO.format(spool=inner_spool)})
    asterisk.rx("dialplan reload")
    return app


def originate(app: App, talk_s: int) -> None:
    """A two-party call: alice's Local ;1 half runs the recording scenario and dials bob."""

    async def main() -> None:
        async with ami_session(app.config.asterisk) as ami:
            resp = await ami.action({
                "Action": "Originate", "Channel": f"Local/alice-n-1-{talk_s}@phone/n",
                "Context": "voco-rec-test", "Exten": "rec", "Priority": "1",
                "Variable": f"TALK={talk_s}", "CallerID": "Alice <1001>",
                "Async": "false"})  # panoramisk waits for OriginateResponse otherwise
            assert resp.get("Response") == "Success", resp

    asyncio.run(main())


def spool_of(app: App) -> Path:
    return spool.spool_path(app.config.asterisk)


def spool_wavs(app: App) -> list[Path]:
    return sorted(spool_of(app).glob("voco-*.wav"))


def rows(app: App) -> list[Recording]:
    with Session(app.engine) as session:
        return list(session.scalars(select(Recording).order_by(Recording.id)))


def audio(app: App, rec_id: str) -> bytes:
    return b"".join(open_plaintext(app, rec_id))


def assert_no_plaintext(app: App, *originals: bytes) -> None:
    """No WAV in the spool, and no plaintext fragment under the data dir or the temp dirs."""
    assert spool_wavs(app) == [], "plaintext left in the RAM spool"
    probes = [o[4000:4064] for o in originals if len(o) > 4064]
    for top in (app.config.data_dir, Path("/tmp"), Path("/var/tmp")):
        device = top.stat().st_dev
        for root, dirs, files in os.walk(top):
            # Stay on top's filesystem (like find -xdev): a chroot under /tmp has /proc mounted,
            # whose kmsg blocks a reader for ever; the RAM spool is checked above.
            dirs[:] = [d for d in dirs if not d.startswith("pytest-of-")  # tests' own exports
                       and os.lstat(os.path.join(root, d)).st_dev == device]
            for name in files:
                path = Path(root, name)
                if name.endswith(".wav") and "voco-" in name:
                    pytest.fail(f"plaintext recording {path}")
                st = path.lstat()
                if stat.S_ISREG(st.st_mode) and st.st_size < 200_000_000 and probes:
                    try:
                        data = path.read_bytes()
                    except OSError:
                        continue
                    assert not any(p in data for p in probes), f"plaintext audio in {path}"


def finished_calls(app: App, count: int) -> list[bytes]:
    """Wait for *count* finished recordings in the spool and return their plaintext bytes."""
    wait_for(lambda: len(list(spool_of(app).glob("voco-*.wav.done"))) >= count,
             f"{count} finished recordings")
    return [p.read_bytes() for p in spool_wavs(app)]


def test_bridge_stores_a_call_encrypted_and_leaves_no_plaintext(
        rec_app: App, run_cli: CliCall, tmp_path: Path) -> None:
    app = rec_app
    captured: list[bytes] = []

    async def main() -> None:
        async with Bridge(app, capabilities=[RecordingStore(app)]):
            await asyncio.to_thread(originate, app, 3)

            def snapshot() -> bool:  # keep the plaintext to prove it is gone afterwards
                for p in spool_wavs(app):
                    if p.with_name(p.name + ".done").exists():
                        captured.append(p.read_bytes())
                        return True
                return bool(rows(app))

            await asyncio.to_thread(wait_for, snapshot, "the recording to finish")
            await asyncio.to_thread(wait_for, lambda: rows(app), "the recording's row")

    asyncio.run(main())
    [row] = rows(app)
    assert row.partial == 0 and row.node == app.config.asterisk.node and row.linkedid
    assert row.id == f"voco-{row.linkedid.replace('.', '_')}-{row.uniqueid.replace('.', '_')}"
    assert row.channel.startswith("Local/alice-n-1-3@phone-")
    # This scenario records the calling leg: its own party is Alice (sealed under her key).
    assert query.with_parties(app.engine, app.master_key, [row])[0]["callee"] == "Alice <1001>"
    assert row.duration_s > 2 and row.ended_at > row.started_at
    assert (recordings_dir(app) / row.path).stat().st_size == row.size
    wav_bytes = audio(app, row.id)
    assert has_both_parties(wav_bytes), "decrypted audio lacks a party"
    assert_no_plaintext(app, *captured, wav_bytes)

    listed = run_cli("recording", "list")
    assert listed.exit_code == 0 and row.id in listed.output
    shown = run_cli("recording", "show", row.id)
    assert shown.exit_code == 0 and row.sha256 in shown.output and "wrapped" not in shown.output

    out = tmp_path / "call.wav"
    result = run_cli("recording", "export", row.id, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == wav_bytes
    identity = tmp_path / "key.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = next(line.split(": ")[1] for line in identity.read_text().splitlines()
                     if line.startswith("# public key"))
    aged = tmp_path / "call.wav.age"
    result = run_cli("recording", "export", row.id, "-o", str(aged), "--age-recipient", recipient)
    assert result.exit_code == 0, result.output
    assert subprocess.run(["age", "-d", "-i", str(identity), str(aged)], check=True,
                          capture_output=True).stdout == wav_bytes
    assert run_cli("recording", "check").exit_code == 0

    refused = run_cli("recording", "delete", row.id)
    assert refused.exit_code != 0 and "--reason" in refused.output
    deleted = run_cli("recording", "delete", row.id, "--reason", "caller asked for erasure")
    assert deleted.exit_code == 0, deleted.output
    with Session(app.engine) as session:
        assert session.scalars(select(RecordingKey)).all() == []
        [stone] = session.scalars(select(RecordingTombstone)).all()
    assert stone.reason == "caller asked for erasure" and stone.sha256 == row.sha256
    assert list(recordings_dir(app).iterdir()) == []
    gone = run_cli("recording", "export", row.id, "-o", str(tmp_path / "again.wav"))
    assert gone.exit_code != 0 and "was deleted at" in gone.output
    log = run_cli("oplog", "list", "--command", "recording", "--json").output
    assert log.count('"command": "recording export"') == 3  # two ok, one refused
    assert '"command": "recording delete"' in log


@pytest.fixture
def tiny_store(rec_app: App) -> Iterator[Path]:
    """The recordings directory, ready to have a tiny tmpfs mounted over it; unmounted after."""
    directory = recordings_dir(rec_app)
    yield directory
    while os.path.ismount(directory):
        subprocess.run(["umount", str(directory)], check=True)


def test_full_or_unwritable_store_keeps_plaintext_and_retries(
        rec_app: App, tiny_store: Path) -> None:
    app = rec_app
    filler = f"voco-filler-{uuid.uuid4().hex[:6]}"
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", filler,
                    str(tiny_store)], check=True)
    (tiny_store / "filler").write_bytes(b"\0" * 60_000)  # disk full
    originate(app, 2)
    [original] = finished_calls(app, 1)
    report = pipeline.sweep(app, spool_of(app), active=set())
    [(rec_id, error)] = report.failed.items()
    assert "No space left on device" in error and "stays in the RAM spool" in error
    assert [p.name for p in spool_wavs(app)] == [f"{rec_id}.wav"] and rows(app) == []
    assert not any(p.name.endswith(".tmp") for p in tiny_store.iterdir())

    subprocess.run(["mount", "-o", "remount,ro", str(tiny_store)], check=True)  # read-only
    report = pipeline.sweep(app, spool_of(app), active=set())
    assert "Read-only file system" in report.failed[rec_id]
    assert spool_wavs(app) and rows(app) == []

    subprocess.run(["umount", str(tiny_store)], check=True)  # the admin fixes the disk
    report = pipeline.sweep(app, spool_of(app), active=set())
    assert report.stored == [rec_id] and not report.failed
    assert audio(app, rec_id) == original
    assert_no_plaintext(app, original)


def test_sweeps_ask_asterisk_for_channels_only_when_something_was_recorded(
        rec_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every hang-up kicks a sweep. With nothing in the spool it must not ask Asterisk for its
    channel list (one event per live channel: at a busy PBX's call rate that flooded the
    bridge's own AMI session and delayed its CDRs by seconds). A recorded call still is."""
    app = rec_app
    listed_with_files: list[bool] = []  # per channel listing: was anything in the spool?
    empty_looks: list[float] = []  # when a sweep found the spool empty
    real_listing, real_look = pipeline.active_uniqueids, spool.occupied

    async def listing(ami_action: pipeline.AmiAction) -> set[str]:
        listed_with_files.append(real_look(spool_of(app)))
        return await real_listing(ami_action)

    def look(path: Path) -> bool:
        occupied = real_look(path)
        if not occupied:
            empty_looks.append(time.monotonic())
        return occupied

    monkeypatch.setattr(pipeline, "active_uniqueids", listing)
    monkeypatch.setattr(spool, "occupied", look)

    async def unrecorded_calls(count: int) -> None:
        async with ami_session(app.config.asterisk) as ami:
            for _ in range(count):
                resp = await ami.action({
                    "Action": "Originate", "Channel": "Local/alice-n-0-1@phone/n",
                    "Context": "sandbox-calls", "Exten": "talk-1", "Priority": "1",
                    "Async": "false"})
                assert resp.get("Response") == "Success", resp

    async def main() -> None:
        async with Bridge(app, capabilities=[RecordingStore(app, interval_s=3600)]):
            await asyncio.to_thread(wait_for, lambda: listed_with_files, "the start-up sweep")
            calls = time.monotonic()
            await unrecorded_calls(5)
            await asyncio.to_thread(wait_for, lambda: empty_looks and empty_looks[-1] > calls,
                                    "a sweep kicked by the calls' hang-ups")
            await asyncio.to_thread(originate, app, 2)
            await asyncio.to_thread(wait_for, lambda: rows(app), "the recording's row")

    asyncio.run(main())
    [row] = rows(app)
    assert row.partial == 0 and spool_wavs(app) == []
    _startup, *later = listed_with_files
    assert later and all(later), "a sweep asked for Asterisk's channels with an empty spool"
