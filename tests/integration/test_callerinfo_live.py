"""Popup URL and CRM lookup on a real Asterisk, with a local HTTP server standing in for the CRM
and the popup receiver: a live inbound call to extension 1001 (a registered sipp phone) shows
the CRM's name to the called phone and in the stored CDR; the popup receiver gets a correctly
signed request with the caller's number; with a slow CRM, then a failing one, the call still
connects, without a name (the delay is printed, never asserted: the dialplan bounds it)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
from pathlib import Path

import pytest

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.callerinfo.capability import InboundDoors
from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.cdr.query import CdrFilter, list_cdrs
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.subjects.vault import SubjectVault
from tests.conftest import CliCall
from tests.http_receiver import receiver
from tests.integration.provision_support import AmiListener, attach, ok
from tests.integration.sipp_support import Phone
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
CALLER = "+442079460000"


def _call(ami: AmiListener, caller: str) -> None:
    """An inbound call from *caller* on the carrier trunk to the routed DID."""
    ami.send({"Action": "Originate", "Channel": "Local/alice-n-1-6@phone/n",
              "Context": "voco-inbound", "Exten": "5550100", "Priority": "1", "Async": "true",
              "CallerID": f"<{caller}>", "Variable": "VOCO_CALLER=carrier,VOCO_KIND=inbound"})


def test_crm_name_and_popup_on_a_live_inbound_call(run_cli: CliCall, config_path: Path,
                                                   asterisk: Instance, tmp_path: Path) -> None:
    ok(run_cli("init"))
    attach(config_path, asterisk)
    secret = json.loads(ok(run_cli("extension", "add", "1001", "--name", "Alice",
                                   "--transport", "udp", "--json")).output)["secret"]
    ok(run_cli("trunk", "add", "carrier", "--host", "192.0.2.10", "--identify",
               "192.0.2.0/24"))
    ok(run_cli("route", "inbound", "add", "5550100", "--to", "extension:1001"))
    with receiver() as crm, receiver() as popup_rx:
        crm.answer = {"contact": {"name": "Ada Lovelace"}}
        key = re.search(r"signing key \(shown once, kept sealed\): (\S+)", ok(run_cli(
            "popup", "add", "cti", "--party", "Acme CTI", "--url",
            popup_rx.base + "/incoming")).output).group(1)  # type: ignore[union-attr]
        ok(run_cli("crm", "add", "crm", "--party", "Acme", "--url",
                   crm.base + "/find?phone={number}", "--name-path", "contact.name",
                   "--deadline-ms", "1000"))
        ok(run_cli("apply"))
        phone = Phone(tmp_path, "1001", secret, asterisk.info().sip_port)
        phone.register()
        app = App.open(config_path)
        ami = AmiListener(asterisk)

        async def scenario() -> None:
            capabilities = [InboundDoors(app), CdrCapture(app)]
            async with Bridge(app, capabilities=capabilities):
                for n, answer in enumerate(("named", "slow", "failing")):
                    if answer == "slow":
                        crm.delay_s = 5.0
                    elif answer == "failing":
                        crm.delay_s, crm.status = 0.0, 500
                    answering = phone.answer()
                    began = time.monotonic()
                    await asyncio.to_thread(_call, ami, f"{CALLER[:-1]}{n}")  # uncached
                    dial = await asyncio.to_thread(
                        ami.wait, lambda e: e.get("Event") == "DialBegin"
                        and e.get("DestChannel", "").startswith("PJSIP/1001-"),
                        timeout=90, what=f"the {answer} call reaching 1001",
                        count=1 + n)
                    print(f"{answer}: rang 1001 after {time.monotonic() - began:.2f} s")
                    await asyncio.to_thread(answering.wait, 120)
                    if answer == "named":
                        assert dial[-1]["DestConnectedLineName"] == "Ada Lovelace"
                        assert '"Ada Lovelace"' in phone.received_uris()
                    else:
                        assert dial[-1]["DestConnectedLineName"] != "Ada Lovelace"

                def named_cdr() -> bool:  # the stored rows, opened with the callers' keys
                    rows = list_cdrs(app.engine, SubjectVault(app.master_key), CdrFilter(), 100)
                    return any("Ada Lovelace" in (r["clid"] or "") and r["userfield"] ==
                               "crm:Ada Lovelace" for r in rows)
                await await_for(named_cdr, "the CDR with the CRM's name")

        try:
            asyncio.run(scenario())
        finally:
            ami.close()
    assert crm.seen[0].path == "/find?phone=%2B442079460000"
    first = popup_rx.seen[0]
    stamp = first.headers["X-Voco-Timestamp"]
    mac = hmac.new(key.encode(), stamp.encode() + b"." + first.body, hashlib.sha256)
    assert first.headers["X-Voco-Signature"] == "sha256=" + mac.hexdigest()
    assert json.loads(first.body)["caller_number"] == CALLER
