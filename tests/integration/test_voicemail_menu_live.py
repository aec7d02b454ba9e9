"""The owner hears their voicemail through the bridge's ARI menu on the real sandbox Asterisk:
a wrong PIN is refused (a security event in the operation log, nothing played or changed); with
the right PIN the owner's leg receives the message (the caller's closing 1200 Hz tone is
detected in what it recorded), then deletes it with 7: shredded with a tombstone, MWI off, and
nothing left in the RAM spool the message was played from."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import pytest
from sqlalchemy import select

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.oplog import Filters, entries
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.voicemail import VoicemailTombstone
from asterisk_bridge.voicemail import menu, query
from asterisk_bridge.voicemail.capability import VoicemailStore
from asterisk_bridge.voicemail.menu import VoicemailMenu
from tests.audio_tones import BOB_HZ, tone_windows
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok
from tests.integration.sipp_support import Phone
from tests.integration.voicemail_support import install_caller, leave_message_action
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
PIN = "4321"
#: ("boss", not "owner": N, X and Z are pattern letters in any case, so "owner" would not match.)
OWNER = """
[vm-test-owner]
exten => _boss-X.,1,Answer()
 same => n,MixMonitor({heard})
 same => n,Wait(2)
 same => n,SendDTMF(${{CUT(EXTEN,-,2)}}#)
 same => n,Wait(${{CUT(EXTEN,-,3)}})
 same => n,ExecIf($["${{CUT(EXTEN,-,4)}}" != ""]?SendDTMF(${{CUT(EXTEN,-,4)}}))
 same => n,Wait(4)
 same => n,Hangup()
"""


def owner_call(pin: str, wait_s: int, key: str = "") -> dict[str, str]:
    """The owner's phone dials the voicemail code, types *pin*, listens *wait_s* seconds, then
    presses *key*."""
    return {"Action": "Originate", "Channel": f"Local/boss-{pin}-{wait_s}-{key}@vm-test-owner/n",
            "Context": "voco-internal", "Exten": "*97", "Priority": "1",
            "CallerID": "Alice <1001>", "Variable": "VOCO_CALLER=1001,VOCO_KIND=internal",
            "Async": "true"}


def test_the_owner_hears_and_deletes_a_message(app: App, asterisk: Instance, run_cli: CliCall,
                                               tmp_path: Path) -> None:
    attach(app.config.path, asterisk)
    added = ok(run_cli("extension", "add", "1001", "--name", "Alice", "--voicemail",
                       "--transport", "udp", "--json"))
    ok(run_cli("apply"))
    ok(run_cli("voicemail", "pin", "1001", "--pin", PIN))
    app = App.open(app.config.path)
    install_caller(asterisk)
    heard = asterisk.spool_dir / "monitor" / "owner-heard.wav"
    text = (asterisk.etc_dir / "extensions_test.conf").read_text()
    asterisk.write_files({"extensions_test.conf": text + OWNER.format(
        heard=app.config.asterisk.as_seen_by_asterisk(heard))})
    asterisk.rx("dialplan reload")
    phone = Phone(tmp_path, "1001", str(json.loads(added.output)["secret"]),
                  asterisk.info().sip_port)
    subscriber = phone.subscribe_mwi()
    try:
        asyncio.run(_scenario(app, phone))
    finally:
        subscriber.send_signal(signal.SIGTERM)
        subscriber.wait(timeout=10)
    windows = tone_windows(heard.read_bytes(), BOB_HZ)
    assert sum(windows) >= 2, "the owner's leg never received the message's closing tone"
    with app.engine.connect() as conn:
        [stone] = conn.execute(select(VoicemailTombstone)).all()
    assert stone.deleted_by == "phone:1001@default"
    play_dir = asterisk.spool_dir / "voicemail" / menu.PLAY_DIR
    assert not list(play_dir.glob("*")), "a decrypted copy outlived its playback"


async def _scenario(app: App, phone: Phone) -> None:
    async with Bridge(app, capabilities=[VoicemailStore(app, interval_s=1.0),
                                         VoicemailMenu(app)]) as bridge:

        async def originate(action: dict[str, str]) -> None:
            answer = await bridge.ami_action(action, timeout=30)
            first = answer[0] if isinstance(answer, list) else answer
            assert first.get("Response") == "Success", answer

        await originate(leave_message_action("1001"))
        await await_for(lambda: query.messages(app), "the sealed message", timeout=120)
        await await_for(lambda: "yes 1/0" in phone.mwi_states(), "MWI on", timeout=30)
        [msg] = query.messages(app)

        await originate(owner_call("9999", 3))
        await await_for(lambda: any(e.command == menu.SECURITY_EVENT for e in entries(
            app.engine, Filters())), "the refused PIN in the operation log", timeout=60)
        assert query.messages(app)[0].heard_at == ""  # nothing was played

        listen = int(msg.duration_s) + 6  # prompts, then the whole message
        await originate(owner_call(PIN, listen, "7"))
        await await_for(lambda: not query.messages(app), "the message deleted", timeout=90)
        await await_for(lambda: phone.mwi_states()[-1].startswith("no"), "MWI off", timeout=30)
