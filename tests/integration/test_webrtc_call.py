"""A browser calls over WebRTC: headless Chromium registers over WSS, calls with DTLS-SRTP.

The page (tests/assets/webrtc, SIP.js vendored from npm) registers extension 1003 (--webrtc)
on the sandbox's HTTPS server and calls 1002, a baresip phone on TLS/SRTP that answers by
itself; Asterisk reports the browser's leg as secure signalling, SRTP media, Opus. Extension
1003's calls are recorded with both parties' consent: in early media the browser presses 1
(RFC 4733, its RTCDTMFSender), then baresip presses 1 on answer. The real bridge runs
throughout; the call's CDR and its encrypted recording end up in Voco's store. A screenshot
of the page is kept in ``test-artifacts/`` (or ``$VOCO_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.cdr.query import CdrFilter, list_cdrs
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.recording import Recording
from asterisk_bridge.subjects.vault import SubjectVault
from asterisk_bridge.tls.store import TlsStore
from tests.conftest import CliCall
from tests.integration.baresip_support import Baresip
from tests.integration.provision_support import attach, ok
from tests.integration.webrtc_support import BrowserPhone, PageServer
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
ARTIFACTS = Path(os.environ.get("VOCO_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "test-artifacts"))
TALK_S = 3


def _secret(run_cli: CliCall, number: str, *options: str) -> str:
    out = ok(run_cli("extension", "add", number, "--name", f"P{number}", *options, "--json"))
    return str(json.loads(out.output)["secret"])


def _cdrs_from(app: App, src: str) -> list[dict[str, Any]]:
    """The stored CDRs whose caller is *src*, opened (numbers are sealed per person)."""
    rows = list_cdrs(app.engine, SubjectVault(app.master_key), CdrFilter(), 1000)
    return [r for r in rows if r["src"] == src]


def test_browser_calls_over_webrtc_and_the_call_is_stored(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    app = App.open(config_path)
    web = _secret(run_cli, "1003", "--webrtc")
    desk = _secret(run_cli, "1002")
    ok(run_cli("recording-policy", "set", "ext", "1003", "yes"))
    ok(run_cli("apply"))
    info = asterisk.info()
    assert "transport-wss" in asterisk.rx("pjsip show transports")
    tls = TlsStore.of(app.config).require()
    page = PageServer()
    bob = Baresip(tmp_path, "1002", desk, info.tls_port, tls.ca or tls.cert)
    browser = BrowserPhone(tmp_path, page, f"wss://127.0.0.1:{info.https_port}/ws", "1003",
                           web, tls.cert.read_bytes())
    try:
        browser.wait_state("registered")
        bob.wait_registered(lambda: asterisk.rx("pjsip show contacts"))
        asyncio.run(_call(app, browser, bob))
    finally:
        browser.close()
        page.close()
        bob.stop()

    cdr = _cdrs_from(app, "1003")
    with app.engine.connect() as conn:
        recs = conn.execute(select(Recording)).all()
    assert [(r["dst"], r["disposition"]) for r in cdr
            if r["dstchannel"].startswith("PJSIP/1002")] == [("1002", "ANSWERED")]
    assert len(recs) == 1 and recs[0].duration_s > 1 and recs[0].linkedid == cdr[0]["linkedid"]
    stored = app.config.data_dir / "recordings" / recs[0].path
    assert stored.exists() and b"RIFF" not in stored.read_bytes()[:64]  # ciphertext only
    listed = json.loads(ok(run_cli("recording", "list", "--json")).output)
    assert [r["id"] for r in listed] == [recs[0].id]


async def _call(app: App, browser: BrowserPhone, bob: Baresip) -> None:
    async with Bridge(app) as bridge:
        seen: list[dict[str, Any]] = []

        async def keep(event: Any) -> None:
            seen.append(dict(event))

        bridge.on_ami("*", keep)

        def stage(name: str, leg: str = "") -> bool:
            return any(e.get("UserEvent") == "VocoRecording" and e.get("Stage") == name
                       and (not leg or e.get("Leg") == leg) for e in seen)

        await asyncio.to_thread(browser.run, "call", "1002")
        await await_for(lambda: stage("prompt", "caller"), "the caller's consent question")
        await asyncio.to_thread(browser.run, "dtmf", "1")
        await await_for(lambda: stage("prompt", "callee"), "the callee's consent question")
        await asyncio.to_thread(bob.command, "sndcode", "1")
        await await_for(lambda: stage("start"), "the recording to start")
        await asyncio.to_thread(browser.wait_state, "in call")
        channel = next(e["Channel"] for e in seen if e.get("Channel", "").startswith(
            "PJSIP/1003-"))
        for var, want in (("CHANNEL(rtp,secure,audio)", "1"), ("CHANNEL(pjsip,secure)", "1"),
                          ("CHANNEL(audionativeformat)", "(opus)")):
            got = await bridge.ami_action({"Action": "Getvar", "Channel": channel,
                                           "Variable": var}, timeout=30)
            answer = got[0] if isinstance(got, list) else got
            assert answer.get("Value") == want, (var, answer)
        await asyncio.sleep(TALK_S)  # let audio flow into the recording; nothing is timed
        await asyncio.to_thread(browser.screenshot, ARTIFACTS / "webrtc-call.png")
        await asyncio.to_thread(browser.run, "hangup")

        def stored() -> bool:
            with app.engine.connect() as conn:
                recorded = bool(conn.execute(select(Recording.id)).all())
            return recorded and bool(_cdrs_from(app, "1003"))

        await await_for(stored, "the recording and the CDR in the store", timeout=120)
