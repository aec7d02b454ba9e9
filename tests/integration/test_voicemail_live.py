"""Voicemail on the real sandbox Asterisk with the real bridge: a caller reaches extension 1001,
which does not answer; hears the privacy notice (evidence row); leaves a message spoken by
espeak-ng. The bridge seals it: one encrypted message, nothing left in the RAM spool, its audio
nowhere on disk in clear; a SIP subscriber (sipp) is told a message waits. Deleting it from the
shell shreds it (key gone, tombstone) and the subscriber is told no message waits."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import select

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.recording import evidence
from asterisk_bridge.recording.capability_store import RecordingStore
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.voicemail import VoicemailKey, VoicemailTombstone
from asterisk_bridge.voicemail import query, vault
from asterisk_bridge.voicemail.capability import VoicemailStore
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok
from tests.integration.sipp_support import Phone
from tests.integration.voicemail_support import install_caller, leave_message_action
from tests.polling import await_for, wait_for

pytestmark = pytest.mark.asterisk


@pytest.fixture
def vm_setup(app: App, asterisk: Instance, run_cli: CliCall, tmp_path: Path) -> tuple[App, Phone]:
    """Extension 1001 with voicemail, applied; a sipp phone subscribed to its MWI."""
    attach(app.config.path, asterisk)
    added = ok(run_cli("extension", "add", "1001", "--name", "Alice", "--voicemail",
                       "--transport", "udp", "--json"))
    ok(run_cli("apply"))
    app = App.open(app.config.path)
    phone = Phone(tmp_path, "1001", str(json.loads(added.output)["secret"]),
                  asterisk.info().sip_port)
    return app, phone


def files_holding(roots: list[Path], needle: bytes) -> list[Path]:
    """Every regular file under *roots* containing *needle*."""
    found = []
    for root in roots:
        for parent, _, names in os.walk(root):
            for name in names:
                path = Path(parent) / name
                if path.is_file() and not path.is_symlink() and needle in path.read_bytes():
                    found.append(path)
    return found


def test_a_message_is_sealed_announced_and_shredded(vm_setup: tuple[App, Phone],
                                                   asterisk: Instance, run_cli: CliCall) -> None:
    app, phone = vm_setup
    install_caller(asterisk)
    subscriber = phone.subscribe_mwi()
    try:
        wait_for(lambda: phone.mwi_states(), "the first MWI NOTIFY", timeout=30)
        assert phone.mwi_states()[-1].startswith("no")

        async def leave() -> None:
            async with Bridge(app, capabilities=[VoicemailStore(app, interval_s=1.0),
                                                 RecordingStore(app)]) as bridge:
                answer = await bridge.ami_action(leave_message_action("1001"), timeout=30)
                first = answer[0] if isinstance(answer, list) else answer
                assert first.get("Response") == "Success", answer
                await await_for(lambda: query.messages(app), "the sealed message", timeout=120)
                await await_for(lambda: any(s.startswith("yes") for s in phone.mwi_states()),
                                "MWI on at the subscriber", timeout=30)

        asyncio.run(leave())
        [msg] = query.messages(app)
        assert msg.mailbox == "1001@default" and msg.heard_at == "" and msg.duration_s > 2
        assert "yes 1/0" in phone.mwi_states()
        spool = asterisk.spool_dir / "voicemail"
        assert not [p for p in spool.rglob("*") if p.is_file() and p.name.startswith("msg")]
        audio = vault.audio_bytes(app, msg.id)
        assert audio[:4] == b"RIFF" and len(audio) > 16000
        window = audio[len(audio) // 2: len(audio) // 2 + 64]
        source = asterisk.base / "lib" / "voco-test"  # what the caller's phone played
        assert [p for p in files_holding([asterisk.base, app.config.data_dir], window)
                if source not in p.parents] == []
        facts = evidence.for_call(app, msg.linkedid)
        assert [(f["event"], f["prompt"], f["outcome"]) for f in facts] == [
            ("notice", "notice", "SUCCESS")]
        shown = query.describe(app, msg.id)["message"]
        assert (shown["caller_number"], shown["caller_name"]) == ("+442079460000", "Carol")

        ok(run_cli("voicemail", "delete", msg.id, "--reason", "heard it"))

        async def after_delete() -> None:
            async with Bridge(app, capabilities=[VoicemailStore(app, interval_s=1.0)]):
                await await_for(lambda: phone.mwi_states()[-1].startswith("no"),
                                "MWI off at the subscriber", timeout=30)

        asyncio.run(after_delete())
    finally:
        subscriber.send_signal(signal.SIGTERM)
        subscriber.wait(timeout=10)
    with app.engine.connect() as conn:
        assert conn.execute(select(VoicemailKey)).all() == []
        [stone] = conn.execute(select(VoicemailTombstone)).all()
    assert stone.message_id == msg.id and stone.reason == "heard it"
    assert not list(vault.voicemail_dir(app).iterdir())
