"""Nothing lost: the bridge SIGKILLed during calls, Asterisk SIGKILLed mid-recording."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from asterisk_bridge.bridge.amiclient import ami_session
from asterisk_bridge.context import App
from asterisk_bridge.recording import check, pipeline
from asterisk_bridge.sandbox.instance import Instance
from tests.audio_tones import ALICE_HZ, BOB_HZ, has_both_parties, tone_windows
from tests.integration import bridge_process
from tests.integration.test_recording_store import (
    assert_no_plaintext,
    audio,
    originate,
    rec_app,  # noqa: F401 - fixture
    rows,
    spool_of,
    spool_wavs,
    wait_for,
)

pytestmark = pytest.mark.asterisk


def test_bridge_killed_during_calls_loses_no_recording(rec_app: App) -> None:  # noqa: F811
    app = rec_app
    bridge = bridge_process.start(app)
    try:
        originate(app, 1)
        wait_for(lambda: len(rows(app)) == 1, "the running bridge to store the first call")
        for talk in (2, 3, 4):
            originate(app, talk)
        time.sleep(0.5)
        bridge_process.kill(bridge)  # mid-calls
        originate(app, 12)  # still talking when the bridge comes back
        wait_for(lambda: len(list(spool_of(app).glob("*.wav.done"))) >= 3,
                 "the calls made while the bridge was dead to finish")
        originals = [p.read_bytes() for p in spool_wavs(app)]
        assert len(rows(app)) == 1 and len(originals) == 4  # plaintext waits in RAM

        bridge = bridge_process.start(app)
        wait_for(lambda: len(rows(app)) == 4, "the restarted bridge to store what it missed")
        assert len(spool_wavs(app)) == 1  # the live call is not mistaken for a partial one
        wait_for(lambda: len(rows(app)) == 5, "the call in progress at restart")
    finally:
        if bridge.poll() is None:
            bridge.send_signal(signal.SIGTERM)
            bridge.wait(timeout=60)
    stored = rows(app)
    assert [r.partial for r in stored] == [0] * 5
    for row in stored:
        assert has_both_parties(audio(app, row.id)), f"{row.id} lacks a party"
    assert not check.check(app, verify_hashes=True).problems
    assert_no_plaintext(app, *originals)


def test_asterisk_killed_mid_call_keeps_the_partial_recording(
        rec_app: App, asterisk: Instance) -> None:  # noqa: F811
    app = rec_app
    originate(app, 30)
    wait_for(lambda: spool_wavs(app) and spool_wavs(app)[0].stat().st_size > 64_000,
             "four seconds of audio in the spool")
    os.killpg(asterisk.info().pid, signal.SIGKILL)
    wait_for(lambda: not asterisk.is_running(), "Asterisk to die")
    [wav_path] = spool_wavs(app)
    original = wav_path.read_bytes()
    assert not wav_path.with_name(wav_path.name + ".done").exists()
    asterisk.start()

    async def active() -> set[str]:
        async with ami_session(app.config.asterisk) as ami:
            return await pipeline.active_uniqueids(ami.action)

    report = pipeline.sweep(app, spool_of(app), asyncio.run(active()), grace_s=0.5)
    if not report.partial:  # the file was written less than the grace ago: sweep again
        time.sleep(0.5)
        report = pipeline.sweep(app, spool_of(app), asyncio.run(active()), grace_s=0.5)
    [row] = rows(app)
    assert report.partial == [row.id] and row.partial == 1
    assert row.id == wav_path.name.removesuffix(".wav")
    wav_bytes = audio(app, row.id)
    assert wav_bytes[44:] == original[44:]  # every byte kept; only the header is mended
    assert any(tone_windows(wav_bytes, ALICE_HZ)) and any(tone_windows(wav_bytes, BOB_HZ))
    assert row.duration_s > 3
    assert_no_plaintext(app, original)
