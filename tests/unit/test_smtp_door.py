"""The SMTP door against a real SMTP server in-process (aiosmtpd, STARTTLS, AUTH, pinned CA):
delivered when right, refused visibly when wrong, nothing written anywhere."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.notifications import smtp, smtp_settings
from asterisk_bridge.notifications.smtp_settings import Door
from tests.smtp_server import PASSWORD, USER, start_relay


def _door(port: int, ca: Path | str, password: str = PASSWORD,
          security: str = "starttls") -> Door:
    return Door("127.0.0.1", port, security, USER, password, str(ca), "voco@pbx.test")


def _run(tmp_path: Path, password: str = PASSWORD, pin: bool = True) -> tuple[object, smtp.Outcome]:
    async def go() -> tuple[object, smtp.Outcome]:
        relay, server, port, ca = await start_relay(tmp_path)
        try:
            door = _door(port, ca if pin else "", password)
            msg = smtp.compose(door, "alice@example.com", "Voicemail from 1002", "body text")
            return relay, await smtp.deliver(door, msg, attempts=2, pauses=(0.1,))
        finally:
            server.close()
            await server.wait_closed()
    return asyncio.run(go())


def test_delivered_over_starttls_with_auth_and_pinned_ca(tmp_path: Path) -> None:
    relay, outcome = _run(tmp_path)
    assert outcome.ok and outcome.attempts == 1
    [msg] = relay.messages  # type: ignore[attr-defined]
    assert msg["To"] == "alice@example.com" and msg["Subject"] == "Voicemail from 1002"
    assert relay.tls_sessions == 1  # type: ignore[attr-defined]


def test_wrong_password_is_permanent_and_says_so(tmp_path: Path) -> None:
    relay, outcome = _run(tmp_path, password="wrong-password")
    assert not outcome.ok and outcome.attempts == 1
    assert "refused the credentials" in outcome.error and "wrong-password" not in outcome.error
    assert relay.messages == []  # type: ignore[attr-defined]


def test_unpinned_private_ca_does_not_verify(tmp_path: Path) -> None:
    relay, outcome = _run(tmp_path, pin=False)
    assert not outcome.ok and "verify" in outcome.error
    assert relay.messages == []  # type: ignore[attr-defined]


def test_unreachable_relay_is_retried_then_dropped(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    door = _door(port, "")
    msg = smtp.compose(door, "a@example.com", "s", "b")
    outcome = asyncio.run(smtp.deliver(door, msg, attempts=3, pauses=(0.05,)))
    assert outcome.attempts == 3 and "cannot reach" in outcome.error
    assert "dropped after 3 attempts" in outcome.error


def test_plain_only_to_loopback_and_only_when_asked() -> None:
    with pytest.raises(ValidationError, match="loopback"):
        smtp_settings.check_custom("mail.example.com", None, "plain", True, "", "", "")
    with pytest.raises(ValidationError, match="allow-plain"):
        smtp_settings.check_custom("127.0.0.1", None, "plain", False, "", "", "")
    ok = smtp_settings.check_custom("127.0.0.1", None, "plain", True, "", "", "")
    assert ok.port == 25
    assert smtp_settings.check_custom("mail.example.com", None, "tls", False, "", "",
                                      "").port == 465


def test_password_checked_without_quoting_it() -> None:
    with pytest.raises(ValidationError) as err:
        smtp_settings.check_password("two\nlines-secret")
    assert "secret" not in str(err.value)
