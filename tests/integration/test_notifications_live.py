"""On real Asterisk: a voicemail left produces one e-mail to the mailbox's owner through a real
SMTP relay (aiosmtpd, STARTTLS, AUTH, pinned CA), without audio; a phone notification calls a
test extension, which hears the message; an unanswered call is retried a bounded number of
times; both calls are marked in Asterisk's CDR."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.notifications import bus, smtp_settings
from asterisk_bridge.notifications.capability import NotificationsCapability
from asterisk_bridge.notifications.notifier import Tuning
from asterisk_bridge.notifications.phone import ACCOUNT_CODE
from asterisk_bridge.provisioning import extensions
from asterisk_bridge.provisioning.extensions import Extension
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.services.init import initialise
from asterisk_bridge.store.models.notifications import NotificationSent
from asterisk_bridge.voicemail.capability import VoicemailStore
from tests.audio import read_pcm
from tests.conftest import CliCall
from tests.polling import await_for
from tests.smtp_server import PASSWORD, USER, RelayThread

pytestmark = pytest.mark.asterisk

OWNER = "alice.owner@example.com"
VOICEMAIL = "[general]\nformat = wav\n[default]\n1001 => 4321,Alice\n"
DIALPLAN = """
[notifytest]
exten => vm,1,Answer()
 same => n,VoiceMail(1001@default,s)
 same => n,Hangup()
exten => tone,1,Answer()
 same => n,PlayTones(440)
 same => n,Wait(5)
 same => n,Hangup()
exten => _X.,1,Answer()
 same => n,MixMonitor(notify-heard-${EXTEN}.wav)
 same => n,Wait(12)
 same => n,Hangup()
[notifynoanswer]
exten => _X.,1,Wait(60)
"""


def _app(asterisk: Instance, config_path: Path, tmp_path: Path, relay: RelayThread,
         run_cli: CliCall) -> App:
    app = App(initialise(config_path, tmp_path / "data", None, asterisk.settings()))
    extensions.add(app.engine, app.master_key,
                   Extension("1001", "Alice", email=OWNER, voicemail=True))
    smtp_settings.store(app.engine, app.master_key, smtp_settings.check_custom(
        "127.0.0.1", relay.port, "starttls", False, str(relay.ca), "pbx@example.com", USER),
        PASSWORD)
    asterisk.write_files({"extensions_test.conf": DIALPLAN, "voicemail.conf": VOICEMAIL})
    asterisk.rx("dialplan reload")
    asterisk.rx("module reload app_voicemail")
    return app


def _outcomes(app: App) -> list[tuple[str, str, int, str]]:
    with app.engine.connect() as conn:
        return [(r.event, r.outcome, r.attempts, r.channel) for r in conn.execute(
            select(NotificationSent).order_by(NotificationSent.id))]


def test_voicemail_is_one_email_to_its_owner_without_audio(
        asterisk: Instance, run_cli: CliCall, config_path: Path, tmp_path: Path) -> None:
    with RelayThread(tmp_path / "relay") as relay:
        app = _app(asterisk, config_path, tmp_path, relay, run_cli)
        result = run_cli("notify", "rule", "add", "voicemail", "--owner")
        assert result.exit_code == 0, result.output

        async def leave_message() -> None:
            capability = NotificationsCapability(app, Tuning(window_s=3, interval_s=600))
            store = VoicemailStore(app)  # seals the message and publishes MWI (context voco)
            async with Bridge(app, capabilities=[store, capability]) as bridge:
                await bridge.ami_action({
                    "Action": "Originate", "Channel": "Local/tone@notifytest",
                    "Context": "notifytest", "Exten": "vm", "Priority": "1",
                    "CallerID": "Bob <1002>", "Async": "true"}, timeout=30)
                await await_for(lambda: relay.relay.messages, "the voicemail e-mail")
                await asyncio.sleep(5)  # a second message would come within the window

        asyncio.run(leave_message())
        [msg] = relay.relay.messages
    assert msg["To"] == OWNER and msg["From"] == "pbx@example.com"
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "mailbox: 1001@default" in text and "caller: 1002" in text and "events: 1" in text
    assert not list(msg.iter_attachments())  # no audio unless the admin allowed it
    assert _outcomes(app) == [("voicemail", "sent", 1, "email")]


def _speech_seconds(path: Path) -> float:
    samples, rate = read_pcm(path)
    window = rate // 10
    loud = sum(1 for i in range(0, len(samples) - window, window)
               if sum(x * x for x in samples[i:i + window]) / window > 100_000)
    return loud / 10


def test_phone_notification_is_heard_and_unanswered_calls_are_retried(
        asterisk: Instance, run_cli: CliCall, config_path: Path, tmp_path: Path) -> None:
    with RelayThread(tmp_path / "relay") as relay:
        app = _app(asterisk, config_path, tmp_path, relay, run_cli)
    for args in (("auth_failures", "--extension", "2001", "--by", "phone"),
                 ("link_down", "--extension", "2002", "--by", "phone")):
        result = run_cli("notify", "rule", "add", *args)
        assert result.exit_code == 0, result.output
    heard = asterisk.spool_dir / "monitor" / "notify-heard-2001.wav"

    async def notify() -> None:
        base = app.config.notifications
        answered = dataclasses.replace(base, extension_channel="Local/{extension}@notifytest",
                                       ring_s=5, call_attempts=3, call_pause_s=0.5)
        unanswered = dataclasses.replace(answered,
                                         extension_channel="Local/{extension}@notifynoanswer",
                                         call_attempts=2)
        for settings, kind, facts in (
                (answered, "auth_failures", {"service": "PJSIP", "address": "192.0.2.1",
                                             "account": "1001"}),
                (unanswered, "link_down", {"link": "ari", "seconds": 60})):
            app.config.notifications = settings
            capability = NotificationsCapability(app, Tuning(window_s=0.2, interval_s=600))
            async with Bridge(app, capabilities=[capability]) as bridge:
                await bridge.wait_connected("ami", 30)
                bus.publish(kind, key="live", **facts)
                await await_for(lambda k=kind: any(o[0] == k for o in _outcomes(app)),
                                f"the {kind} call's outcome", timeout=120)

    asyncio.run(notify())
    assert _outcomes(app) == [("auth_failures", "sent", 1, "phone"),
                              ("link_down", "failed", 2, "phone")]
    assert heard.exists() and _speech_seconds(heard) >= 1.0
    master = (asterisk.log_dir / "cdr-csv" / "Master.csv").read_text()
    assert master.count(ACCOUNT_CODE) >= 3  # one answered call, two unanswered attempts
