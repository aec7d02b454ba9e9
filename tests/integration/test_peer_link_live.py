"""A Voco peer trunk's X-Voco-Call header on real Asterisk: believed only in its strict shape,
only with a valid MAC from a node holding the master key, only fresh, and only from a trunk
marked ``--voco-peer``.

A sipp "node" calls a DID through the trunk with a different header each time, signed by the test
with the store's derived secrets (``provisioning/peermac.py``) as a peer node's Asterisk would;
Asterisk's own CDR copies (the AMI Cdr event and Master.csv, which the bridge reconciles from)
carry the accountcode ``voco:<node>/<linkedid>`` for the well-formed, correctly signed header
only. A header holding ``;``, ``,``, a folded line break, a space, a third field before the time,
too many characters or nothing before the ``/`` leaves the accountcode empty even when signed;
so do an unsigned header, one signed with another store's secrets, one whose node, linkedid or
time was changed after signing, and one signed long ago or far ahead; and the good header once
the trunk is no longer marked as a Voco peer. Every such call goes on, unlinked.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.masterkey.keyfile import load_master_key
from asterisk_bridge.provisioning import peermac
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.cdr_support import asterisk_records
from tests.integration.provision_support import AmiListener, attach, ok
from tests.integration.sipp_support import Phone

pytestmark = pytest.mark.asterisk

GOOD = "node-a/1795915404.12"
STALE = 10 * peermac.WINDOW
Keys = dict[str, str]
#: A header line for the secrets and the time of sending.
Header = Callable[[Keys, int], str]


def _line(value: str) -> str:
    return f"X-Voco-Call: {value}"


def _signed(call: str, shift: int = 0) -> Header:
    """*call* signed with the store's secrets, *shift* seconds away from the time of sending."""
    return lambda keys, now: _line(peermac.header(keys, call, now + shift))


def _edited(edit: Callable[[list[str]], None]) -> Header:
    """The good header signed, then one of its fields (node, linkedid, time) changed."""
    def header(keys: Keys, now: int) -> str:
        fields = peermac.header(keys, GOOD, now).split("/")  # node, linkedid, time, MAC
        edit(fields)
        return _line("/".join(fields))
    return header


def _set(index: int, value: Callable[[str], str]) -> Callable[[list[str]], None]:
    def edit(fields: list[str]) -> None:
        fields[index] = value(fields[index])
    return edit


#: Headers that must not be believed, by the From user sending them.
BAD: dict[str, Header] = {
    "7001": lambda keys, now: _signed(GOOD)(keys, now) + ";evil=1",
    "7002": lambda keys, now: _signed(GOOD)(keys, now) + ",node-b/1.2",
    "7003": lambda keys, now: _signed(GOOD)(keys, now) + "\r\n x",  # a folded line break
    "7004": _signed("node-a 1795915404.12"),
    "7005": _signed("node-a/1795915404.12/x"),
    "7006": _signed("n" * 61 + "/1795915404.12"),  # 75 characters before the time
    "7007": _signed("/1795915404.12"),
    "7008": _signed("node-a/${SHELL(id)}"),
    "7009": lambda keys, now: "",
    # Well-formed, but not signed by a node of this store, or not as sent, or not now:
    "7011": lambda keys, now: _line(GOOD),
    "7012": lambda keys, now: _line(peermac.header(peermac.secrets(os.urandom(32)), GOOD, now)),
    "7013": _edited(_set(0, lambda _node: "node-c")),
    "7014": _edited(_set(1, lambda _linkedid: "1795915404.13")),
    "7015": _edited(_set(2, lambda at: str(int(at) - 1))),
    "7016": _signed(GOOD, -STALE),
    "7017": _signed(GOOD, STALE),
}


def _call(workdir: Path, inst: Instance, sender: str, header: Header, keys: Keys) -> None:
    """One call from 127.0.0.1 (the trunk's address) to DID 5550100, answered by a room, with
    *header* made just before it is sent (sipp sends a value holding CR LF as a key)."""
    phone = Phone(workdir, sender, "", inst.info().sip_port)
    line = header(keys, int(time.time()))
    name, _, value = line.partition(": ")
    folded = {"folded": value} if "\r\n" in value else {}
    proc = phone.trunk_call("5550100", f"{name}: [folded]" if folded else line, folded)
    assert proc.returncode == 0, f"call from {sender}: {phone.errors()}"


def _accountcodes(inst: Instance, ami: AmiListener, senders: list[str]) -> dict[str, set[str]]:
    """Each sender's trunk-channel accountcode, as the AMI Cdr events and Master.csv say."""
    def from_trunk(e: dict[str, str]) -> bool:
        return (e.get("Event") == "Cdr" and e.get("Source") in senders
                and e.get("Channel", "").startswith("PJSIP/trunk-peer-"))

    events = ami.wait(from_trunk, 60, "every call's Cdr event", count=len(senders))
    found: dict[str, set[str]] = {s: set() for s in senders}
    for e in events:
        found[e["Source"]].add(e.get("AccountCode", ""))
    for r in asterisk_records(inst):
        if r["src"] in senders and r["channel"].startswith("PJSIP/trunk-peer-"):
            found[r["src"]].add(r["accountcode"])
    return found


def test_the_header_is_believed_only_well_formed_signed_fresh_and_from_a_peer_trunk(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    ok(run_cli("trunk", "add", "peer", "--host", "127.0.0.1", "--port", "5999",
               "--identify", "127.0.0.1", "--voco-peer"))
    ok(run_cli("conference", "add", "board", "--number", "7001"))
    ok(run_cli("route", "inbound", "add", "5550100", "--to", "conference:board"))
    ok(run_cli("apply"))
    keys = peermac.secrets(load_master_key(app.config.master_key_file))
    ami = AmiListener(asterisk)
    try:
        _call(tmp_path, asterisk, "7000", _signed(GOOD), keys)
        for sender, header in BAD.items():
            _call(tmp_path, asterisk, sender, header, keys)
        found = _accountcodes(asterisk, ami, ["7000", *BAD])
        assert found == {"7000": {f"voco:{GOOD}"}, **{s: {""} for s in BAD}}

        # The same good header from the trunk once it is a provider's: ignored.
        ok(run_cli("trunk", "set", "peer", "--no-voco-peer"))
        ok(run_cli("apply"))
        _call(tmp_path, asterisk, "7010", _signed(GOOD), keys)
        assert _accountcodes(asterisk, ami, ["7010"]) == {"7010": {""}}
    finally:
        ami.close()
