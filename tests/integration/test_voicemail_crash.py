"""Nothing lost, nothing twice: the bridge (``voco bridge run``) SIGKILLed while a caller is
leaving a message, and again while the message is being transcribed (offline engine). The
message waits in the RAM spool while the bridge is dead, is sealed once by the restarted bridge,
gets exactly one transcript, and its audio is nowhere on persistent disk in clear."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from asterisk_bridge.bridge.amiclient import ami_session
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.voicemail import VoicemailKey
from asterisk_bridge.voicemail import query, vault
from tests.conftest import CliCall
from tests.integration import bridge_process
from tests.integration.test_voicemail_live import files_holding
from tests.integration.voicemail_support import leave_message_action, transcribed_mailbox
from tests.polling import wait_for

pytestmark = pytest.mark.asterisk


def spooled(asterisk: Instance) -> list[Path]:
    return sorted((asterisk.spool_dir / "voicemail").glob("default/1001/INBOX/msg*"))


def test_bridge_killed_while_a_message_is_left_and_transcribed(
        app: App, asterisk: Instance, run_cli: CliCall) -> None:
    app = transcribed_mailbox(app, asterisk, run_cli)
    bridge = bridge_process.start(app)
    try:
        wait_for(lambda: "voco" in asterisk.rx("ari show apps"),
                 "the bridge's Stasis app", timeout=60)

        async def call() -> None:
            async with ami_session(app.config.asterisk) as ami:
                await ami.action({**leave_message_action("1001"), "Async": "false"}, timeout=60)

        asyncio.run(call())
        time.sleep(8)  # the caller is hearing the notice
        bridge_process.kill(bridge)
        wait_for(lambda: len(spooled(asterisk)) >= 2, "the message left while the bridge was dead",
                 timeout=120)
        time.sleep(1)
        originals = [p.read_bytes() for p in spooled(asterisk) if p.suffix == ".wav"]
        assert query.messages(app) == [] and len(originals) == 1  # it waits, in RAM only

        bridge = bridge_process.start(app)
        wait_for(lambda: query.messages(app), "the restarted bridge to seal it", timeout=120)
        [msg] = query.messages(app)
        assert msg.transcript_status in ("pending", "done")
        if msg.transcript_status == "pending":
            time.sleep(1.0)  # the bridge's transcription round is at work on it now
        bridge_process.kill(bridge)
        bridge = bridge_process.start(app)
        wait_for(lambda: query.messages(app)[0].transcript_status == "done",
                 "the transcript after the second restart", timeout=180)
    finally:
        if bridge.poll() is None:
            bridge.send_signal(signal.SIGTERM)
            bridge.wait(timeout=60)
    [msg] = query.messages(app)
    assert spooled(asterisk) == []
    with app.engine.connect() as conn:
        purposes = sorted(k.purpose for k in conn.execute(select(VoicemailKey)))
    assert purposes == ["audio", "transcript"]  # one message, one transcript
    assert vault.audio_bytes(app, msg.id)[44:] == originals[0][44:]
    assert vault.transcript(app, msg.id) is not None
    window = originals[0][len(originals[0]) // 2:][:64]
    source = asterisk.base / "lib" / "voco-test"
    assert [p for p in files_holding([asterisk.base, app.config.data_dir], window)
            if source not in p.parents] == []
