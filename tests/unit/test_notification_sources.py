"""The events raised where they happen reach a rule's recipient through a real SMTP relay
(aiosmtpd in-process, STARTTLS, AUTH, pinned CA): a master key rotation (from the CLI), a
certificate about to expire (the bridge's periodic check), a recording the store cannot take
(the spool sweep), and a grant used from a new address (the REST API, in its own process).
Each message carries the event's facts and nothing personal."""

from __future__ import annotations

import json
import re
from email.message import EmailMessage
from pathlib import Path

from asterisk_bridge.context import App
from asterisk_bridge.recording import pipeline
from asterisk_bridge.recording.vault import CallInfo, recordings_dir
from asterisk_bridge.tls.store import TlsStore
from asterisk_bridge.tls.watch import CertificateWatch
from tests.audio_tones import tone_wav
from tests.conftest import CliCall
from tests.smtp_server import RelayThread
from tests.unit.api_support import bearer
from tests.unit.cli_support import ok
from tests.unit.notify_support import OPS, run_notifier, smtp_door

CALLER = "+442079460000"


def _door(run_cli: CliCall, relay: RelayThread, event: str) -> None:
    """The SMTP door through the relay, and a rule sending *event* to OPS."""
    smtp_door(run_cli, relay)
    ok(run_cli, "notify", "rule", "add", event, "--email", OPS)


def _only(messages: list[EmailMessage]) -> tuple[str, str]:
    [msg] = messages
    assert msg["To"] == OPS and not msg.is_multipart()
    return str(msg["Subject"]), msg.get_content()


def test_a_key_rotation_is_mailed_with_the_new_key_id(app: App, run_cli: CliCall,
                                                      tmp_path: Path) -> None:
    with RelayThread(tmp_path / "relay") as relay:
        _door(run_cli, relay, "key_rotated")
        out = ok(run_cli, "keys", "rotate")
        subject, body = _only(relay.relay.messages)
    new_id = re.search(r"master key \S+ -> (\S+);", out)
    assert new_id is not None, out
    assert "master key was rotated" in subject and f"key_id: {new_id[1]}" in body
    key = (app.config.data_dir / "master.key").read_bytes()
    assert key.hex() not in body and "events: 1" in body
    status = json.loads(ok(run_cli, "notify", "status", "--json"))
    assert status["outcomes"] == {"sent": 1}


def test_a_certificate_close_to_expiry_is_mailed_once_per_run(app: App, run_cli: CliCall,
                                                              tmp_path: Path) -> None:
    watch = CertificateWatch(app)
    with RelayThread(tmp_path / "relay") as relay:
        _door(run_cli, relay, "certificate_expiring")
        run_notifier(app, watch.round)  # init's certificate lasts 397 days: nothing to say
        assert relay.relay.messages == []
        ok(run_cli, "tls", "create", "--days", "5")
        run_notifier(app, watch.round, watch.round)
        subject, body = _only(relay.relay.messages)
    current = TlsStore.of(app.config).require().summary
    assert "certificate is about to expire" in subject
    assert f"name: server certificate {current.subject}" in body
    assert f"expires: {current.not_after.isoformat(timespec='seconds')}" in body
    assert "private CA" not in body  # the CA lasts for years


def test_a_recording_the_store_cannot_take_is_mailed_without_the_caller(
        app: App, run_cli: CliCall, tmp_path: Path, ram_spool: Path) -> None:
    rec_id = "voco-1795911331_0-1795911331_1"
    tone_wav(ram_spool / f"{rec_id}.wav", 1.0, 440)
    (ram_spool / f"{rec_id}.wav.done").touch()
    hints = {rec_id: CallInfo(channel="PJSIP/1001-00000001", caller=CALLER,
                              caller_name="Alice Example")}
    blocker = app.config.data_dir / "recordings"
    blocker.write_bytes(b"not a directory")  # the store's directory is unusable

    def sweep() -> pipeline.SweepReport:
        return pipeline.sweep(app, ram_spool, active=set(), hints=hints)

    with RelayThread(tmp_path / "relay") as relay:
        _door(run_cli, relay, "recording_store_failed")
        run_notifier(app, sweep, sweep)  # the bridge retries: one message, with a count
        subject, body = _only(relay.relay.messages)
    assert "recording could not be stored" in subject and "events: 2" in body
    assert "reason: cannot store recording" in body and "(File exists)" in body
    assert CALLER not in body and "Alice" not in body and CALLER not in subject
    assert (ram_spool / f"{rec_id}.wav").exists()  # nothing lost
    blocker.unlink()
    assert sweep().stored == [rec_id] and recordings_dir(app).is_dir()


def test_a_token_used_from_a_new_address_is_mailed_once_per_address(
        app: App, run_cli: CliCall, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from asterisk_bridge.api.app import create_api

    token = json.loads(ok(run_cli, "api", "token", "add", "crm", "--party", "Acme CRM",
                          "--scope", "cdr:read", "--permit", "192.0.2.0/28", "--json"))["token"]

    def requests(*addresses: str) -> list[int]:
        # Each block is one run of 'voco api serve': its notifier sends at shutdown at last.
        codes = []
        for address in addresses:
            with TestClient(create_api(app), client=(address, 40000)) as client:
                codes += [client.get("/v1/cdr", headers=bearer(token)).status_code
                          for _ in range(3)]
        return codes

    with RelayThread(tmp_path / "relay") as relay:
        _door(run_cli, relay, "grant_new_address")
        assert set(requests("192.0.2.10", "192.0.2.11")) == {200}
        first = list(relay.relay.messages)
        assert set(requests("192.0.2.10", "192.0.2.11")) == {200}  # known: the store says so
        later = relay.relay.messages[len(first):]
    bodies = sorted(m.get_content() for m in first)
    assert len(bodies) == 2 and later == []
    for body, address in zip(bodies, ("192.0.2.10", "192.0.2.11"), strict=True):
        assert f"address: {address}" in body and "grant: crm" in body and "door: api" in body
        assert token not in body and "events: 1" in body
    shown = json.loads(ok(run_cli, "grants", "show", "1", "--json"))
    assert [u["address"] for u in shown["used_from"]] == ["192.0.2.10", "192.0.2.11"]
    assert ok(run_cli, "grants", "show", "1").count("192.0.2.1") >= 2
