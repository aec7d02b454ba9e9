"""Signed dialplan events: what the bridge accepts, and where the secret may not appear.

The live half (Asterisk's SHA1() signing a real marker, a forged one dropped) is
tests/integration/test_dialplan_injection.py.
"""

from __future__ import annotations

import stat

from asterisk_bridge.bridge import eventmac
from asterisk_bridge.context import App
from asterisk_bridge.generator import diff
from asterisk_bridge.generator.pbx import node_context, render_pbx
from asterisk_bridge.provisioning.secrets import unlocked
from asterisk_bridge.recording import evidence

KEY = "k" * 32
MARKER = {"Event": "UserEvent", "UserEvent": "VocoRecording", "Stage": "answer", "Leg": "callee",
          "Prompt": "", "Digit": "1", "Outcome": "given", "RecordingId": "", "Detail": "status=OK",
          "At": "2026-11-30T12:00:00.000Z", "Uniqueid": "1700.5", "Linkedid": "1700.4"}


def signed(event: dict[str, object]) -> dict[str, object]:
    values = [str(event[h]) for h in evidence.SIGNED]
    return {**event, "Mac": eventmac.mac(KEY, "VocoRecording", values)}


def accepted(event: dict[str, object]) -> bool:
    return eventmac.verify(KEY, event, "VocoRecording", evidence.SIGNED)


def test_a_signed_marker_verifies() -> None:
    assert accepted(signed(MARKER))


def test_unsigned_tampered_or_replayed_markers_do_not() -> None:
    good = signed(MARKER)
    assert not accepted(MARKER)  # no Mac: what a forger writes
    assert not accepted({**good, "Outcome": "declined"})
    assert not accepted({**good, "Linkedid": "1800.1"})  # replayed onto another call
    assert not accepted({**good, "Stage": ["answer", "answer"]})  # a header repeated by injection
    assert not accepted({k: v for k, v in good.items() if k != "Detail"})
    assert not eventmac.verify("another-node-secret", good, "VocoRecording", evidence.SIGNED)


def test_the_secret_is_rendered_from_a_private_file_and_masked_in_diffs(app: App) -> None:
    settings = app.config.asterisk
    with unlocked(app.master_key):
        rendered = render_pbx(app.engine, node_context(settings, "s"))["extensions.conf"]
    secret = settings.event_secret_file.read_text().strip()
    assert stat.S_IMODE(settings.event_secret_file.stat().st_mode) == 0o600
    assert f"{eventmac.GLOBAL}={secret}" in rendered.splitlines()
    assert eventmac.secret(settings) == secret  # created once, then read
    assert secret not in diff.unified({"extensions.conf": None},
                                      {"extensions.conf": rendered}, b"f" * 32)
